import type { LabImage } from '../fleet/types.js';
import { header, json, webobError, type LabRequest, type LabResponse } from './http.js';
import { unauthenticated } from './nova.js';
import type { LabCaller, LabState } from './state.js';
import { isoSeconds } from './time-format.js';

/** Glance v2, just enough for clients that turn image ids into names. */

function imageView(image: LabImage): Record<string, unknown> {
  return {
    id: image.id,
    name: image.name,
    status: 'active',
    visibility: image.visibility,
    protected: false,
    os_hidden: false,
    owner: image.ownerProjectId,
    size: image.sizeBytes,
    virtual_size: null,
    min_ram: image.minRamMb,
    min_disk: image.minDiskGb,
    disk_format: 'qcow2',
    container_format: 'bare',
    checksum: null,
    os_hash_algo: null,
    os_hash_value: null,
    os_distro: image.osDistro,
    tags: [],
    created_at: isoSeconds(image.createdAt),
    updated_at: isoSeconds(image.createdAt),
    self: `/v2/images/${image.id}`,
    file: `/v2/images/${image.id}/file`,
    schema: '/v2/schemas/image',
  };
}

function visible(caller: LabCaller, image: LabImage): boolean {
  return caller.isAdmin || image.visibility === 'public' || image.ownerProjectId === caller.project.id;
}


export function handleGlance(state: LabState, req: LabRequest): LabResponse {
  const root = `${req.origin}/image`;
  if (req.path === '' || req.path === '/' || req.path === '/versions') {
    return json(req.path === '/versions' ? 200 : 300, {
      versions: [
        { id: 'v2.16', status: 'CURRENT', links: [{ rel: 'self', href: `${root}/v2/` }] },
        { id: 'v2.15', status: 'SUPPORTED', links: [{ rel: 'self', href: `${root}/v2/` }] },
      ],
    });
  }
  const caller = state.caller(header(req, 'x-auth-token'));
  if (!caller) return unauthenticated(req);
  const m = /^\/v2\/images(?:\/([^/]+))?\/?$/.exec(req.path);
  if (!m) return webobError(404);
  if (req.method !== 'GET' && req.method !== 'HEAD') return { ...webobError(405, undefined, req.method), headers: { Allow: 'GET, HEAD' } };
  if (m[1]) {
    const image = state.images.get(m[1]);
    if (!image || !visible(caller, image)) return webobError(404, `No image found with ID ${m[1]}`);
    return json(200, imageView(image));
  }
  const q = req.query;
  let images = [...state.images.values()].filter((i) => visible(caller, i)).sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
  const name = q.get('name');
  if (name !== null) images = images.filter((i) => i.name === name);
  const visibility = q.get('visibility');
  if (visibility !== null && visibility !== 'all') images = images.filter((i) => i.visibility === visibility);
  const marker = q.get('marker');
  if (marker !== null) {
    const at = images.findIndex((i) => i.id === marker);
    if (at < 0) return webobError(400, `marker not found`);
    images = images.slice(at + 1);
  }
  const rawLimit = Number(q.get('limit') ?? 25);
  if (!Number.isInteger(rawLimit) || rawLimit < 0) return webobError(400, 'limit param must be an integer');
  const limit = Math.min(rawLimit, 1000);
  const body: Record<string, unknown> = { images: images.slice(0, limit).map(imageView), first: '/v2/images', schema: '/v2/schemas/images' };
  const last = images[limit - 1];
  if (images.length > limit && last) {
    const next = new URLSearchParams(q);
    next.set('marker', last.id);
    body.next = `/v2/images?${next.toString()}`;
  }
  return json(200, body);
}
