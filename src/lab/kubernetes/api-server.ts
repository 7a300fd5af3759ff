/**
 * The Kubernetes API over HTTPS for every lab cluster, on one listener: cluster `c` is
 * served below `/clusters/c`, so 500 clusters cost one port and one TLS context, and
 * kubectl, client-go, the Python client and @kubernetes/client-node all accept a server
 * URL with a path. A request at the root path (a pod's in-cluster config) goes to the
 * cluster whose service-account token it carries. The lab's service account is read-only, like the ClusterRole
 * faultline asks for: get, list and watch answer; writes and secrets are 403. Each cluster's administrator token
 * (kubeconfig-admin) may also write (writes.ts), as an operator applying faultline's deploy/ manifests does.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LabCertificates } from './certificates.js';
import type { LabCluster, LabClusters } from './clusters.js';
import { openApiV3 } from './openapi.js';
import { containerLog, LogError, renderLog } from './pod-logs.js';
import { apiGroups, apiVersionOf, fieldValue, resourceFor, resourceList, selectableFields, type ResourceType } from './resources.js';
import { parseFieldSelector, parseLabelSelector, SelectorError, type FieldRequirement, type LabelSelector } from './selectors.js';
import type { KubeObject, StoreEvent, StoredObject } from './store.js';
import { ApiError, failureStatus } from './status.js';
import { write } from './writes.js';

type Obj = Record<string, unknown>;

/** The lab's service account, as the 403 messages name it. */
export const LAB_SERVICE_ACCOUNT = 'system:serviceaccount:faultline:faultline-reader';

export interface KubernetesApiOptions {
  port?: number;
  /** How often an idle watch gets a BOOKMARK when it asked for them (the API server sends one about every minute). */
  bookmarkIntervalMs?: number;
}

export interface KubernetesApi {
  /** `https://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Every request seen (method, path and query, Accept), newest last; for fidelity tests that ask what a client needed. */
  requests: { method: string; path: string; accept: string }[];
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, code: number, body: string, contentType = 'application/json'): void {
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-cache, private', 'X-Kubernetes-Pf-Flowschema-Uid': '', 'X-Kubernetes-Pf-Prioritylevel-Uid': '' });
  res.end(body);
}

function sendError(res: ServerResponse, err: ApiError): void {
  sendJson(res, err.code, JSON.stringify(failureStatus(err.code, err.reason, err.message, err.details)));
}

/** What the client wants back: a plain object, or meta.k8s.io's Table (kubectl's printing). */
function wantsTable(accept: string): boolean {
  return accept.split(',').some((part) => {
    const p = part.split(';').map((x) => x.trim());
    return p.includes('as=Table') && p.includes('g=meta.k8s.io') && (p.includes('v=v1') || p.includes('v=v1beta1'));
  });
}

function tableApiVersion(accept: string): string {
  const first = accept.split(',').find((part) => part.includes('as=Table'));
  return first?.includes('v=v1beta1') && !first.includes('v=v1;') && !first.endsWith('v=v1') ? 'meta.k8s.io/v1beta1' : 'meta.k8s.io/v1';
}

interface ListQuery {
  namespace: string | null;
  labels: LabelSelector | null;
  fields: FieldRequirement[];
}

function matches(r: ResourceType, q: ListQuery, o: KubeObject): boolean {
  if (q.namespace !== null && o.metadata.namespace !== q.namespace) return false;
  if (q.labels && !q.labels(o.metadata.labels)) return false;
  for (const f of q.fields) {
    const v = fieldValue(r, o, f.field) ?? '';
    if (f.negate ? v === f.value : v !== f.value) return false;
  }
  return true;
}

function parseQuery(r: ResourceType, params: URLSearchParams, namespace: string | null, sample: KubeObject | undefined): ListQuery {
  try {
    const fields = parseFieldSelector(params.get('fieldSelector'));
    const allowed = selectableFields(r, sample);
    for (const f of fields) if (!allowed.has(f.field)) throw new ApiError(400, 'BadRequest', `"${f.field}" is not a known field selector: only "metadata.name", "metadata.namespace"`);
    return { namespace, labels: parseLabelSelector(params.get('labelSelector')), fields };
  } catch (err) {
    if (err instanceof SelectorError) throw new ApiError(400, 'BadRequest', err.message);
    throw err;
  }
}

/** The continue token's shape, as the API server's etcd3 storage makes it. */
interface ContinueToken {
  v: string;
  rv: number;
  start: string;
}

function encodeContinue(rv: number, lastKey: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start: `${lastKey}\u0000` })).toString('base64');
}

function decodeContinue(token: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as ContinueToken;
    if (t.v !== 'meta.k8s.io/v1' || typeof t.rv !== 'number' || typeof t.start !== 'string') throw new Error('bad');
    return t;
  } catch {
    throw new ApiError(400, 'BadRequest', 'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}

const EXPIRED_MESSAGE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

function listKind(r: ResourceType): string {
  return `${r.kind}List`;
}

function objectJson(r: ResourceType, e: StoredObject): string {
  return r.convert ? JSON.stringify(r.convert(e.object)) : e.json;
}

function partialMetadata(o: KubeObject): Obj {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

function tableJson(r: ResourceType, objects: readonly KubeObject[], now: number, include: string, apiVersion: string, listMeta: Obj): string {
  const rows = objects.map((o) => {
    const cells = r.cells(o, now);
    const object = include === 'None' ? undefined : include === 'Object' ? (r.convert ? r.convert(o) : o) : partialMetadata(o);
    return { cells, ...(object ? { object } : {}) };
  });
  return JSON.stringify({ kind: 'Table', apiVersion, metadata: listMeta, columnDefinitions: r.columns, rows });
}

interface Route {
  cluster: LabCluster;
  /** Path below the cluster prefix. */
  path: string;
}

function discovery(cluster: LabCluster, path: string, port: number): string | null {
  if (path === '/api') return JSON.stringify({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${port}` }] });
  if (path === '/apis') {
    return JSON.stringify({
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: apiGroups().map((g) => ({ name: g.name, versions: [{ groupVersion: `${g.name}/${g.version}`, version: g.version }], preferredVersion: { groupVersion: `${g.name}/${g.version}`, version: g.version } })),
    });
  }
  if (path === '/api/v1') return JSON.stringify(resourceList('', 'v1'));
  const group = /^\/apis\/([^/]+)$/.exec(path);
  if (group) {
    const g = apiGroups().find((x) => x.name === group[1]);
    return g ? JSON.stringify({ kind: 'APIGroup', apiVersion: 'v1', name: g.name, versions: [{ groupVersion: `${g.name}/${g.version}`, version: g.version }], preferredVersion: { groupVersion: `${g.name}/${g.version}`, version: g.version } }) : null;
  }
  const gv = /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
  if (gv && apiGroups().some((x) => x.name === gv[1] && x.version === gv[2])) return JSON.stringify(resourceList(gv[1] as string, gv[2] as string));
  if (path === '/version') {
    const v = cluster.plan.version;
    const [major, minor] = v.slice(1).split('.');
    return JSON.stringify({ major, minor, gitVersion: v, gitCommit: cluster.plan.name.length.toString(16).padStart(40, 'a'), gitTreeState: 'clean', buildDate: '2024-10-22T20:28:14Z', goVersion: 'go1.22.8', compiler: 'gc', platform: 'linux/amd64' });
  }
  return null;
}

interface ResourcePath {
  r: ResourceType;
  namespace: string | null;
  name: string | null;
  subresource: string | null;
}

/** `/api/v1/namespaces/ns/pods/name/log`, `/apis/apps/v1/deployments`, `/api/v1/namespaces/name` ... */
function parseResourcePath(path: string): ResourcePath | null {
  const parts = path.split('/').filter(Boolean).map((p) => decodeURIComponent(p));
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 2) {
    group = '';
    version = parts[1] as string;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 3) {
    group = parts[1] as string;
    version = parts[2] as string;
    rest = parts.slice(3);
  } else return null;
  let namespace: string | null = null;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1] as string;
    rest = rest.slice(2);
  } else if (rest[0] === 'namespaces' && rest.length === 2 && group === '') {
    const r = resourceFor('', version, 'namespaces');
    return r ? { r, namespace: null, name: rest[1] as string, subresource: null } : null;
  }
  const r = resourceFor(group, version, rest[0] ?? '');
  if (!r || rest.length > 3) return null;
  if (namespace !== null && !r.namespaced) return null;
  return { r, namespace, name: rest[1] ?? null, subresource: rest[2] ?? null };
}

function bearerOwner(clusters: LabClusters, req: IncomingMessage): LabCluster | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m ? (clusters.byToken.get(m[1] as string) ?? clusters.byAdminToken.get(m[1] as string)) : undefined;
}

/** Checks the token belongs to this cluster; true when it is the cluster administrator's. */
function authenticate(clusters: LabClusters, req: IncomingMessage, cluster: LabCluster): boolean {
  if (bearerOwner(clusters, req) !== cluster) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
  return /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] === cluster.adminToken;
}

/** A write's body, capped like the API server's 3 MiB request limit. */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 3 * 1024 * 1024) {
        reject(new ApiError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function forbidden(verb: string, rp: ResourcePath): ApiError {
  const what = rp.subresource ? `${rp.r.plural}/${rp.subresource}` : rp.r.plural;
  const scope = rp.namespace !== null ? `in the namespace "${rp.namespace}"` : 'at the cluster scope';
  const subject = rp.name ? `${rp.r.plural} "${rp.name}" is forbidden` : `${rp.r.plural} is forbidden`;
  return new ApiError(403, 'Forbidden', `${subject}: User "${LAB_SERVICE_ACCOUNT}" cannot ${verb} resource "${what}" in API group "${rp.r.group}" ${scope}`, { ...(rp.name ? { name: rp.name } : {}), ...(rp.r.group ? { group: rp.r.group } : {}), kind: rp.r.plural });
}

function verbOf(method: string, rp: ResourcePath, params: URLSearchParams): string {
  const watch = params.get('watch') === 'true' || params.get('watch') === '1';
  switch (method) {
    case 'GET':
    case 'HEAD':
      return watch ? 'watch' : rp.name ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return rp.name ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}

function handleList(res: ServerResponse, cluster: LabCluster, rp: ResourcePath, params: URLSearchParams, accept: string, now: number): void {
  const storeId = rp.r.storedAs ?? rp.r.id;
  const all = cluster.store.list(storeId);
  const q = parseQuery(rp.r, params, rp.namespace, all[0]?.object);
  const rv = cluster.store.resourceVersion;
  let start = 0;
  const token = params.get('continue');
  let tokenRv = rv;
  if (token) {
    const t = decodeContinue(token);
    if (t.rv < cluster.store.compactedRevision) throw new ApiError(410, 'Expired', EXPIRED_MESSAGE);
    tokenRv = t.rv;
    const after = t.start.endsWith('\u0000') ? t.start.slice(0, -1) : t.start;
    let lo = 0;
    let hi = all.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((all[mid] as StoredObject).key <= after) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  const limitText = params.get('limit');
  const limit = limitText && Number(limitText) > 0 ? Math.floor(Number(limitText)) : Infinity;
  const selected: StoredObject[] = [];
  let i = start;
  for (; i < all.length && selected.length < limit; i++) {
    const e = all[i] as StoredObject;
    if (matches(rp.r, q, e.object)) selected.push(e);
  }
  let more = false;
  let remaining = 0;
  for (let j = i; j < all.length; j++) {
    if (matches(rp.r, q, (all[j] as StoredObject).object)) {
      more = true;
      if (q.labels || q.fields.length) break;
      remaining++;
    }
  }
  const listMeta: Obj = { resourceVersion: String(tokenRv) };
  if (more) {
    listMeta.continue = encodeContinue(tokenRv, (selected[selected.length - 1] as StoredObject).key);
    if (!q.labels && q.fields.length === 0) listMeta.remainingItemCount = remaining;
  }
  if (wantsTable(accept)) {
    sendJson(res, 200, tableJson(rp.r, selected.map((e) => e.object), now, params.get('includeObject') ?? 'Metadata', tableApiVersion(accept), listMeta));
    return;
  }
  const head = `{"kind":"${listKind(rp.r)}","apiVersion":"${apiVersionOf(rp.r)}","metadata":${JSON.stringify(listMeta)},"items":[`;
  const body = head + selected.map((e) => objectJson(rp.r, e)).join(',') + ']}';
  sendJson(res, 200, body);
}

function handleGet(res: ServerResponse, cluster: LabCluster, rp: ResourcePath, accept: string, now: number, params: URLSearchParams): void {
  const storeId = rp.r.storedAs ?? rp.r.id;
  const key = rp.namespace !== null ? `${rp.namespace}/${rp.name as string}` : (rp.name as string);
  const e = cluster.store.get(storeId, key);
  if (!e) throw new ApiError(404, 'NotFound', `${rp.r.plural}${rp.r.group ? `.${rp.r.group}` : ''} "${rp.name as string}" not found`, { name: rp.name, ...(rp.r.group ? { group: rp.r.group } : {}), kind: rp.r.plural });
  if (wantsTable(accept)) {
    sendJson(res, 200, tableJson(rp.r, [e.object], now, params.get('includeObject') ?? 'Metadata', tableApiVersion(accept), { resourceVersion: String(e.rv) }));
    return;
  }
  sendJson(res, 200, objectJson(rp.r, e));
}

function handleLog(res: ServerResponse, cluster: LabCluster, rp: ResourcePath, params: URLSearchParams, now: number): void {
  const e = cluster.store.get('pods', `${rp.namespace as string}/${rp.name as string}`);
  if (!e) throw new ApiError(404, 'NotFound', `pods "${rp.name as string}" not found`, { name: rp.name, kind: 'pods' });
  const pod = e.object;
  const spec = pod.spec as { containers: { name: string }[]; initContainers?: { name: string }[]; nodeName?: string };
  const names = spec.containers.map((c) => c.name);
  const initNames = (spec.initContainers ?? []).map((c) => c.name);
  let container = params.get('container');
  if (!container) {
    if (names.length !== 1) throw new ApiError(400, 'BadRequest', `a container name must be specified for pod ${pod.metadata.name}, choose one of: [${names.join(' ')}]${initNames.length ? ` or one of the init containers: [${initNames.join(' ')}]` : ''}`);
    container = names[0] as string;
  }
  if (!names.includes(container) && !initNames.includes(container)) throw new ApiError(400, 'BadRequest', `container ${container} is not valid for pod ${pod.metadata.name}`);
  // The API server asks the kubelet for logs: a node that stopped answering cannot give them.
  const node = [...cluster.plan.masters, ...cluster.plan.workers].find((s) => s.name === spec.nodeName);
  if (node && !cluster.owner.kubeletAlive(node)) {
    throw new ApiError(500, 'InternalError', `Get "https://${node.ip}:10250/containerLogs/${rp.namespace as string}/${pod.metadata.name}/${container}": dial tcp ${node.ip}:10250: connect: no route to host`);
  }
  const num = (k: string): number | undefined => {
    const v = params.get(k);
    if (v === null || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new ApiError(400, 'BadRequest', `${k}: Invalid value: "${v}": must be greater than or equal to 0`);
    return n;
  };
  try {
    const lines = containerLog(pod, container, now, params.get('previous') === 'true');
    const since = params.get('sinceTime');
    const text = renderLog(lines, now, { tailLines: num('tailLines'), sinceSeconds: num('sinceSeconds'), sinceTime: since ? Date.parse(since) : undefined, timestamps: params.get('timestamps') === 'true', limitBytes: num('limitBytes') });
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
    res.end(text);
  } catch (err) {
    if (err instanceof LogError) throw new ApiError(400, 'BadRequest', err.message);
    throw err;
  }
}

function handleWatch(res: ServerResponse, cluster: LabCluster, rp: ResourcePath, params: URLSearchParams, accept: string, options: Required<KubernetesApiOptions>): void {
  const storeId = rp.r.storedAs ?? rp.r.id;
  const store = cluster.store;
  const q = parseQuery(rp.r, params, rp.namespace, store.list(storeId)[0]?.object);
  if (rp.name) q.fields.push({ field: 'metadata.name', negate: false, value: rp.name });
  const table = wantsTable(accept);
  const tableVersion = tableApiVersion(accept);
  const include = params.get('includeObject') ?? 'Metadata';
  const clock = cluster.owner.state;
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  // Clients wait for the headers before reading events; a quiet watch must not hold them back.
  res.flushHeaders();
  const write = (type: string, entry: StoredObject | null, raw?: string): void => {
    let object: string;
    if (raw !== undefined) object = raw;
    else if (table && entry) object = tableJson(rp.r, [entry.object], clock.now(), include, tableVersion, { resourceVersion: String(entry.rv) });
    else object = objectJson(rp.r, entry as StoredObject);
    res.write(`{"type":"${type}","object":${object}}\n`);
  };
  const deliver = (ev: StoreEvent): void => {
    if (ev.resource !== storeId) return;
    const now = matches(rp.r, q, ev.entry.object);
    const before = ev.previous ? matches(rp.r, q, ev.previous.object) : false;
    if (ev.type === 'ADDED' && now) write('ADDED', ev.entry);
    else if (ev.type === 'DELETED' && before) write('DELETED', ev.entry);
    else if (ev.type === 'MODIFIED') {
      if (now && before) write('MODIFIED', ev.entry);
      else if (now) write('ADDED', ev.entry);
      else if (before) write('DELETED', ev.entry);
    }
    lastRv = Math.max(lastRv, ev.rv);
  };
  const rvText = params.get('resourceVersion');
  let lastRv = store.resourceVersion;
  const sendInitial = params.get('sendInitialEvents') === 'true';
  if (!rvText || rvText === '0' || sendInitial) {
    for (const e of store.list(storeId)) if (matches(rp.r, q, e.object)) write('ADDED', e);
    if (sendInitial) {
      write('BOOKMARK', null, JSON.stringify({ kind: rp.r.kind, apiVersion: apiVersionOf(rp.r), metadata: { resourceVersion: String(lastRv), creationTimestamp: null, annotations: { 'k8s.io/initial-events-end': 'true' } } }));
    }
  } else {
    const from = Number(rvText);
    if (!Number.isInteger(from) || from < 0) {
      write('ERROR', null, JSON.stringify(failureStatus(400, 'BadRequest', `invalid resource version "${rvText}"`)));
      res.end();
      return;
    }
    if (from < store.compactedRevision) {
      write('ERROR', null, JSON.stringify(failureStatus(410, 'Expired', `too old resource version: ${from} (${store.compactedRevision})`)));
      res.end();
      return;
    }
    lastRv = from;
    for (const ev of store.eventsAfter(from)) deliver(ev);
  }
  const bookmarks = params.get('allowWatchBookmarks') === 'true';
  const bookmark = (): void => write('BOOKMARK', null, JSON.stringify({ kind: rp.r.kind, apiVersion: apiVersionOf(rp.r), metadata: { resourceVersion: String(Math.max(lastRv, store.resourceVersion)), creationTimestamp: null } }));
  const unsubscribe = store.subscribe((events) => {
    for (const ev of events) deliver(ev);
  });
  const timers: NodeJS.Timeout[] = [];
  const finish = (): void => {
    unsubscribe();
    for (const t of timers) clearTimeout(t);
  };
  if (bookmarks) timers.push(setInterval(bookmark, options.bookmarkIntervalMs));
  const timeout = Number(params.get('timeoutSeconds') ?? '');
  const limitMs = Number.isFinite(timeout) && timeout > 0 ? timeout * 1000 : 30 * 60_000;
  timers.push(
    setTimeout(() => {
      if (bookmarks) bookmark();
      finish();
      res.end();
    }, limitMs),
  );
  // The response's close, not the request's: an IncomingMessage closes as soon as its (empty) body is read.
  res.on('close', finish);
}

function route(clusters: LabClusters, url: URL, req: IncomingMessage): Route | null {
  const m = /^\/clusters\/([^/]+)(\/.*)?$/.exec(url.pathname);
  if (!m) {
    // A pod reaches its own cluster's API at the root path (in-cluster config has no path):
    // the service account's token says which cluster that is.
    const owner = bearerOwner(clusters, req);
    if (!owner) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
    return { cluster: owner, path: url.pathname.replace(/\/+$/, '') || '/' };
  }
  const cluster = clusters.byName.get(decodeURIComponent(m[1] as string));
  return cluster ? { cluster, path: (m[2] ?? '/').replace(/\/+$/, '') || '/' } : null;
}

async function handleWrite(req: IncomingMessage, res: ServerResponse, cluster: LabCluster, rp: ResourcePath, params: URLSearchParams, now: number): Promise<void> {
  try {
    const body = await readBody(req);
    const result = write(cluster, { r: rp.r, namespace: rp.namespace, name: rp.name }, { method: req.method ?? 'POST', contentType: String(req.headers['content-type'] ?? ''), body, params }, now);
    sendJson(res, result.code, JSON.stringify(result.body));
  } catch (err) {
    if (err instanceof ApiError) sendError(res, err);
    else sendError(res, new ApiError(500, 'InternalError', `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`));
  }
}

/** Starts the HTTPS listener for every cluster in `clusters`, on 127.0.0.1. */
export async function startKubernetesApi(clusters: LabClusters, certs: LabCertificates, options: KubernetesApiOptions = {}): Promise<KubernetesApi> {
  const opts: Required<KubernetesApiOptions> = { port: options.port ?? 0, bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000 };
  const requests: KubernetesApi['requests'] = [];
  let port = 0;
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const accept = String(req.headers.accept ?? 'application/json');
    requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search, accept });
    if (requests.length > 5_000) requests.splice(0, requests.length - 5_000);
    try {
      const r = route(clusters, url, req);
      if (!r) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
      const { cluster, path } = r;
      // Health and version are public, as system:public-info-viewer makes them.
      if (path === '/healthz' || path === '/livez' || path === '/readyz') {
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('ok');
        return;
      }
      const admin = path !== '/version' && authenticate(clusters, req, cluster);
      const now = clusters.state.now();
      cluster.sync();
      if (path === '/metrics') {
        // The apiserver's own metrics, reduced to the family faultline reads: no client of a lab cluster uses a deprecated API.
        const text = '# HELP apiserver_requested_deprecated_apis [STABLE] Gauge of deprecated APIs that have been requested, broken out by API group, version, resource, subresource, and removed_release.\n# TYPE apiserver_requested_deprecated_apis gauge\n';
        res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
        res.end(text);
        return;
      }
      const doc = discovery(cluster, path, port) ?? openApiV3(path);
      if (doc !== null) {
        sendJson(res, 200, doc);
        return;
      }
      const rp = parseResourcePath(path);
      if (!rp) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
      const verb = verbOf(req.method ?? 'GET', rp, url.searchParams);
      if (admin && ['create', 'update', 'patch', 'delete'].includes(verb) && rp.subresource === null) {
        void handleWrite(req, res, cluster, rp, url.searchParams, now);
        return;
      }
      if (!admin && (!['get', 'list', 'watch'].includes(verb) || rp.r.id === 'secrets')) throw forbidden(verb, rp);
      if (!['get', 'list', 'watch'].includes(verb)) throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
      if (rp.subresource === 'log' && rp.r.id === 'pods' && verb === 'get') return handleLog(res, cluster, rp, url.searchParams, now);
      if (rp.subresource !== null) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
      if (verb === 'watch') return handleWatch(res, cluster, rp, url.searchParams, accept, opts);
      if (verb === 'get') return handleGet(res, cluster, rp, accept, now, url.searchParams);
      return handleList(res, cluster, rp, url.searchParams, accept, now);
    } catch (err) {
      if (err instanceof ApiError) sendError(res, err);
      else sendError(res, new ApiError(500, 'InternalError', `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`));
    }
  };
  const server: Server = createServer({ cert: certs.certPem, key: certs.keyPem }, handle);
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  // Watchers see changes without polling: fault changes sync at once, server state within a quarter second.
  const stopListening = clusters.faults.onChange(() => clusters.syncWatched());
  const ticker = setInterval(() => clusters.syncWatched(), 250);
  ticker.unref();
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        clearInterval(ticker);
        stopListening();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
