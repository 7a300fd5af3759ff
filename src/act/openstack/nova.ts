import { z } from 'zod';
import type { OpenStackClient } from '../../collect/openstack/client.js';
import { OpenStackHttpError } from '../../collect/openstack/http.js';
import { normaliseHypervisor, normaliseInstanceAction, normaliseServer } from '../../collect/openstack/normalise.js';
import {
  hypervisorsPageSchema,
  instanceActionDetailSchema,
  instanceActionsPageSchema,
  rawHypervisorSchema,
  rawServerSchema,
  serversPageSchema,
} from '../../collect/openstack/nova-schemas.js';
import { pages, type PageRequest } from '../../collect/openstack/paging.js';
import type { Hypervisor, InstanceAction, Server } from '../../snapshot/schema.js';

/**
 * The few Nova, Keystone and Glance reads the actions need, on top of the
 * collector's client: one server, servers by host / name / address, the
 * hypervisors, a server's instance actions, and names for project and image ids.
 */

/** One region's connection. Several regions mean several clients sharing nothing but the credentials. */
export interface RegionClient {
  readonly region: string | undefined;
  readonly client: OpenStackClient;
}

const serverAnswerSchema = z.object({ server: rawServerSchema });

export function isNotFound(err: unknown): boolean {
  return err instanceof OpenStackHttpError && err.status === 404;
}

/** Nova's policy refused the request: usually an admin-only API called by a project member. */
export function isForbidden(err: unknown): boolean {
  return err instanceof OpenStackHttpError && err.status === 403;
}

export function isConflict(err: unknown): boolean {
  return err instanceof OpenStackHttpError && err.status === 409;
}

async function regionOf(client: OpenStackClient, signal?: AbortSignal): Promise<string | undefined> {
  return (await client.endpoint('compute', signal)).region;
}

/** One server by id (all projects for an admin); undefined when Nova does not know it. */
export async function findServerById(client: OpenStackClient, id: string, signal?: AbortSignal): Promise<Server | undefined> {
  try {
    return await getServer(client, id, signal);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export async function getServer(client: OpenStackClient, id: string, signal?: AbortSignal): Promise<Server> {
  const answer = await client.request('compute', `servers/${encodeURIComponent(id)}`, serverAnswerSchema, { signal });
  return normaliseServer(answer.server, await regionOf(client, signal));
}

export interface ServerFilter {
  readonly host?: string;
  /** Nova treats these as regular expressions. */
  readonly name?: string;
  readonly ip?: string;
  /** Nova's server status, e.g. ACTIVE. */
  readonly status?: string;
  /**
   * Every project's servers (`all_tenants`, the default), or only the caller's
   * project: Nova refuses all_tenants to a project member, or ignores it.
   */
  readonly allProjects?: boolean;
}

/**
 * Every item of every page that fits `schema`, normalised. An item that does not fit
 * is left out here; `faultline scan` reports such items in detail.
 */
async function everyValid<S extends z.ZodType, R>(client: OpenStackClient, request: PageRequest, schema: S, normalise: (raw: z.output<S>) => R): Promise<R[]> {
  const out: R[] = [];
  for await (const page of pages(client, request)) {
    for (const item of page.items) {
      const parsed = schema.safeParse(item);
      if (parsed.success) out.push(normalise(parsed.data));
    }
  }
  return out;
}

/** `servers/detail` with filters, every page; of every project unless `allProjects` is false. */
export async function listServers(client: OpenStackClient, filter: ServerFilter, signal?: AbortSignal): Promise<Server[]> {
  const region = await regionOf(client, signal);
  return everyValid(
    client,
    {
      serviceType: 'compute',
      path: 'servers/detail',
      query: { ...(filter.allProjects === false ? {} : { all_tenants: 1 }), limit: 1000, host: filter.host, name: filter.name, ip: filter.ip, status: filter.status },
      frame: serversPageSchema,
      itemsKey: 'servers',
      linksKey: 'servers_links',
      signal,
    },
    rawServerSchema,
    (raw) => normaliseServer(raw, region),
  );
}

/** Every hypervisor of the region (os-hypervisors/detail). */
export async function listHypervisors(client: OpenStackClient, signal?: AbortSignal): Promise<Hypervisor[]> {
  const region = await regionOf(client, signal);
  const paged = await client.supports('2.33', signal);
  return everyValid(
    client,
    {
      serviceType: 'compute',
      path: 'os-hypervisors/detail',
      query: paged ? { limit: 1000 } : {},
      frame: hypervisorsPageSchema,
      itemsKey: 'hypervisors',
      linksKey: 'hypervisors_links',
      signal,
    },
    rawHypervisorSchema,
    (raw) => normaliseHypervisor(raw, region),
  );
}

/** A server's instance actions, newest first, with the events of the newest `withEvents`. */
export async function listInstanceActions(client: OpenStackClient, serverId: string, withEvents = 5, signal?: AbortSignal): Promise<InstanceAction[]> {
  const id = encodeURIComponent(serverId);
  const actions: InstanceAction[] = [];
  for await (const page of pages(client, {
    serviceType: 'compute',
    path: `servers/${id}/os-instance-actions`,
    query: {},
    frame: instanceActionsPageSchema,
    itemsKey: 'instanceActions',
    linksKey: 'links',
    signal,
  })) {
    for (const raw of page.items as z.output<typeof instanceActionsPageSchema>['instanceActions']) actions.push(normaliseInstanceAction(serverId, raw));
  }
  actions.sort((a, b) => Date.parse(b.startTime) - Date.parse(a.startTime));
  for (let i = 0; i < Math.min(withEvents, actions.length); i++) {
    const action = actions[i] as InstanceAction;
    const detail = await client.request('compute', `servers/${id}/os-instance-actions/${encodeURIComponent(action.requestId)}`, instanceActionDetailSchema, { signal });
    actions[i] = normaliseInstanceAction(serverId, detail.instanceAction);
  }
  return actions;
}

/**
 * The last `lines` lines of `text`. A final newline ends the last line; it
 * does not start another one.
 */
export function lastLines(text: string, lines: number): string {
  const ends = text.endsWith('\n');
  const pieces = (ends ? text.slice(0, -1) : text).split('\n');
  if (pieces.length <= lines) return text;
  return `${pieces.slice(-lines).join('\n')}${ends ? '\n' : ''}`;
}

/**
 * A server's console log, whole or its last `lines` lines. Nova keeps the last
 * `length` pieces of the log split on newlines, so a log ending in a newline
 * spends one on the empty piece after it: ask for one more and keep `lines`.
 */
export async function consoleLog(client: OpenStackClient, serverId: string, lines?: number, signal?: AbortSignal): Promise<string> {
  if (lines === undefined) return client.getConsoleOutput(serverId, undefined, signal);
  return lastLines(await client.getConsoleOutput(serverId, lines + 1, signal), lines);
}

/** Sends a server action (`os-stop`, `os-start`, `reboot`); Nova answers 202 and works on it in the background. */
/** Sends a server action; Nova's request id for it when Nova named one. */
export async function serverAction(client: OpenStackClient, serverId: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<string | undefined> {
  const answer = await client.requestJson('compute', `servers/${encodeURIComponent(serverId)}/action`, { method: 'POST', body, signal });
  return answer.requestId;
}

const projectsSchema = z.object({ projects: z.array(z.object({ id: z.string(), name: z.string() })) });
const imageSchema = z.object({ id: z.string(), name: z.string().nullable().optional() });

/** Keystone and Glance catalog URLs may or may not end in their version already. */
async function versioned(client: OpenStackClient, serviceType: string, version: string, path: string, signal?: AbortSignal): Promise<string> {
  const endpoint = await client.endpoint(serviceType, signal);
  return new RegExp(`/${version.replace('.', '\\.')}/?$`).test(endpoint.url) ? path : `${version}/${path}`;
}

/**
 * Project names by id, from Keystone. Best effort: listing projects needs an
 * admin role, and a table with ids is still useful, so any failure gives an empty map.
 */
export async function projectNames(client: OpenStackClient, signal?: AbortSignal): Promise<Map<string, string>> {
  try {
    const path = await versioned(client, 'identity', 'v3', 'projects', signal);
    const answer = await client.request('identity', path, projectsSchema, { signal });
    return new Map(answer.projects.map((p) => [p.id, p.name]));
  } catch {
    return new Map();
  }
}

/** Image names by id, from Glance, one request per distinct image. Best effort, like projectNames. */
export async function imageNames(client: OpenStackClient, ids: readonly string[], signal?: AbortSignal): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let base: string;
  try {
    base = await versioned(client, 'image', 'v2', 'images', signal);
  } catch {
    return out;
  }
  await Promise.all(
    [...new Set(ids)].map(async (id) => {
      try {
        const image = await client.request('image', `${base}/${encodeURIComponent(id)}`, imageSchema, { signal });
        if (image.name) out.set(id, image.name);
      } catch {
        // deleted or private image: the id stays
      }
    }),
  );
  return out;
}
