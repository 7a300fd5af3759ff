/**
 * What a cluster administrator may write to a lab cluster: create (POST), server-side
 * apply (PATCH application/apply-patch+yaml), JSON merge patch, and delete of what a
 * client wrote. Enough for `kubectl apply`, `kubectl apply --server-side`,
 * `kubectl create` and `kubectl delete` of faultline's own deploy/ manifests, with
 * the API server's answers: 201 on create, 409 AlreadyExists, 400 for a body that does
 * not match its URL, strict field validation when asked, dry runs that store nothing.
 *
 * No controller acts on what is written: a Deployment created here stays at 0 ready
 * replicas, as it would on a control plane whose controller-manager is down. That is
 * the honest limit of a simulator that does not run containers.
 */
import { createHash, randomUUID } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import type { LabCluster } from './clusters.js';
import { apiVersionOf, type ResourceType } from './resources.js';
import { ApiError } from './status.js';
import { objectKey, type KubeObject } from './store.js';

type Obj = Record<string, unknown>;

export interface WriteTarget {
  r: ResourceType;
  namespace: string | null;
  name: string | null;
}

export interface WriteRequest {
  method: string;
  contentType: string;
  body: string;
  params: URLSearchParams;
}

export interface WriteResult {
  code: number;
  /** The object as the store now holds it (with its resourceVersion), or a Status for a delete. */
  body: Obj;
}

/** Top-level fields each kind has besides apiVersion, kind and metadata; anything else is unknown to strict validation. */
const TOP_LEVEL: Readonly<Record<string, readonly string[]>> = {
  ServiceAccount: ['secrets', 'imagePullSecrets', 'automountServiceAccountToken'],
  ConfigMap: ['data', 'binaryData', 'immutable'],
  Secret: ['data', 'stringData', 'type', 'immutable'],
  ClusterRole: ['rules', 'aggregationRule'],
  Role: ['rules'],
  ClusterRoleBinding: ['subjects', 'roleRef'],
  RoleBinding: ['subjects', 'roleRef'],
  Event: ['involvedObject', 'reason', 'message', 'source', 'firstTimestamp', 'lastTimestamp', 'count', 'type', 'eventTime', 'series', 'action', 'related', 'reportingComponent', 'reportingInstance'],
  StorageClass: ['provisioner', 'parameters', 'reclaimPolicy', 'mountOptions', 'allowVolumeExpansion', 'volumeBindingMode', 'allowedTopologies'],
};
const SPEC_AND_STATUS = ['spec', 'status'];

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function createHashHex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function groupSuffix(r: ResourceType): string {
  return r.group ? `.${r.group}` : '';
}

function parseBody(req: WriteRequest): Obj {
  const type = req.contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  let value: unknown;
  try {
    // Apply patches may be YAML; every other write kubectl sends is JSON.
    value = type === 'application/apply-patch+yaml' ? parseYaml(req.body) : JSON.parse(req.body);
  } catch (err) {
    throw new ApiError(400, 'BadRequest', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/apply-patch+yaml: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ApiError(400, 'BadRequest', 'the body of the request must be an object');
  return value as Obj;
}

/** The checks the API server makes of any object it is given, before storing anything. */
function checkObject(o: Obj, t: WriteTarget, params: URLSearchParams): KubeObject {
  const { r } = t;
  if (o['apiVersion'] !== apiVersionOf(r) || o['kind'] !== r.kind) {
    throw new ApiError(400, 'BadRequest', `the API version in the data (${String(o['apiVersion'] ?? '')}) does not match the expected API version (${apiVersionOf(r)}), or the kind (${String(o['kind'] ?? '')}) is not ${r.kind}`);
  }
  const meta = o['metadata'];
  if (!meta || typeof meta !== 'object' || Array.isArray(meta)) throw new ApiError(422, 'Invalid', `${r.kind} "" is invalid: metadata.name: Required value: name or generateName is required`);
  const m = meta as Obj;
  const name = m['name'];
  if (typeof name !== 'string' || name === '') throw new ApiError(422, 'Invalid', `${r.kind} "" is invalid: metadata.name: Required value: name or generateName is required`);
  if (!NAME.test(name) || name.length > 253) throw new ApiError(422, 'Invalid', `${r.kind} "${name}" is invalid: metadata.name: Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`, { name, kind: r.plural });
  if (t.name !== null && t.name !== name) throw new ApiError(400, 'BadRequest', `the name of the object (${name}) does not match the name on the URL (${t.name})`);
  if (r.namespaced) {
    if (t.namespace === null) throw new ApiError(404, 'NotFound', `the server could not find the requested resource`);
    if (m['namespace'] !== undefined && m['namespace'] !== t.namespace) throw new ApiError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
  }
  const strict = params.get('fieldValidation') === 'Strict';
  if (strict) {
    const known = new Set(['apiVersion', 'kind', 'metadata', ...(TOP_LEVEL[r.kind] ?? SPEC_AND_STATUS)]);
    const unknown = Object.keys(o).filter((k) => !known.has(k));
    if (unknown.length > 0) throw new ApiError(400, 'BadRequest', `strict decoding error: ${unknown.map((k) => `unknown field "${k}"`).join(', ')}`);
  }
  const labels = m['labels'];
  if (labels !== undefined && (typeof labels !== 'object' || labels === null || Object.values(labels).some((v) => typeof v !== 'string'))) {
    throw new ApiError(422, 'Invalid', `${r.kind} "${name}" is invalid: metadata.labels: Invalid value: label values must be strings`);
  }
  const copy = structuredClone(o) as KubeObject;
  if (r.namespaced) copy.metadata.namespace = t.namespace as string;
  else delete copy.metadata.namespace;
  return copy;
}

/** What the API server adds to a new object, and a Secret's stringData folded into data as it does. */
function completeNew(o: KubeObject, now: number): KubeObject {
  o.metadata.uid = randomUUID();
  o.metadata.creationTimestamp = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
  delete o.metadata.resourceVersion;
  if (o['spec'] !== undefined) o.metadata['generation'] = 1;
  if (o.kind === 'Service') defaultService(o);
  return foldStringData(o);
}

/** A Service gets its type and a cluster IP from the API server's allocator (10.96.0.0/12, the kubeadm default). */
function defaultService(o: KubeObject): void {
  const spec = (o['spec'] ?? {}) as Obj;
  spec['type'] ??= 'ClusterIP';
  spec['sessionAffinity'] ??= 'None';
  if (spec['type'] !== 'ExternalName' && spec['clusterIP'] === undefined) {
    const n = 1 + (parseInt(createHashHex(`${o.metadata.namespace ?? ''}/${o.metadata.name}`).slice(0, 6), 16) % 1_048_574);
    const ip = `10.${96 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
    spec['clusterIP'] = ip;
    spec['clusterIPs'] = [ip];
    spec['ipFamilies'] ??= ['IPv4'];
    spec['ipFamilyPolicy'] ??= 'SingleStack';
  }
  o['spec'] = spec;
}

function foldStringData(o: KubeObject): KubeObject {
  if (o.kind === 'Secret' && o['stringData'] && typeof o['stringData'] === 'object') {
    const data = { ...((o['data'] as Obj | undefined) ?? {}) };
    for (const [k, v] of Object.entries(o['stringData'] as Obj)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    o['data'] = data;
    delete o['stringData'];
  }
  if (o.kind === 'Secret' && o['type'] === undefined) o['type'] = 'Opaque';
  return o;
}

/** RFC 7386: objects merge, null removes, anything else replaces. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Obj = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Obj) } : {};
  for (const [k, v] of Object.entries(patch as Obj)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/**
 * The lists strategic merge patch merges element by element, by the field that names an
 * element (the `patchMergeKey` of the Kubernetes types); every other list is replaced.
 */
const MERGE_KEYS: Readonly<Record<string, string>> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  env: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  secrets: 'name',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
};

/** Service ports merge by port, container ports by containerPort: the key is read off the elements. */
function mergeKeyOf(field: string, items: readonly unknown[]): string | undefined {
  if (field === 'ports') return items.some((i) => i && typeof i === 'object' && 'containerPort' in i) ? 'containerPort' : 'port';
  return MERGE_KEYS[field];
}

/**
 * Strategic merge patch, what `kubectl apply` (client side) and `kubectl edit` send: maps
 * merge, null deletes, lists with a merge key merge by it, and the directives kubectl
 * writes ($patch, $setElementOrder, $retainKeys, $deleteFromPrimitiveList) are obeyed.
 */
function strategicMerge(target: unknown, patch: unknown): unknown {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const p = patch as Obj;
  if (p['$patch'] === 'replace') {
    const { $patch: _, ...rest } = p;
    return rest;
  }
  if (p['$patch'] === 'delete') return undefined;
  const out: Obj = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Obj) } : {};
  for (const [k, v] of Object.entries(p)) {
    if (k.startsWith('$')) continue;
    if (v === null) {
      delete out[k];
      continue;
    }
    if (Array.isArray(v)) {
      const before = Array.isArray(out[k]) ? (out[k] as unknown[]) : [];
      const key = mergeKeyOf(k, [...before, ...v]);
      out[k] = key ? mergeList(before, v, key) : v.filter((x) => !(x && typeof x === 'object' && (x as Obj)['$patch'] === 'delete'));
      continue;
    }
    const merged = strategicMerge(out[k], v);
    if (merged === undefined) delete out[k];
    else out[k] = merged;
  }
  for (const [k, v] of Object.entries(p)) {
    if (k.startsWith('$deleteFromPrimitiveList/') && Array.isArray(v)) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(out[field])) out[field] = (out[field] as unknown[]).filter((x) => !v.includes(x));
    }
    if (k.startsWith('$setElementOrder/') && Array.isArray(v)) {
      const field = k.slice('$setElementOrder/'.length);
      const list = out[field];
      if (!Array.isArray(list)) continue;
      const key = mergeKeyOf(field, list);
      const id = (x: unknown): unknown => (key && x && typeof x === 'object' ? (x as Obj)[key] : x);
      const order = v.map(id);
      out[field] = [...list].sort((a, b) => {
        const ia = order.indexOf(id(a));
        const ib = order.indexOf(id(b));
        return (ia < 0 ? Infinity : ia) - (ib < 0 ? Infinity : ib);
      });
    }
  }
  if (Array.isArray(p['$retainKeys'])) {
    const keep = new Set(p['$retainKeys'] as unknown[]);
    for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
  }
  return out;
}

function mergeList(before: readonly unknown[], patch: readonly unknown[], key: string): unknown[] {
  const out = [...before];
  for (const item of patch) {
    if (!item || typeof item !== 'object') continue;
    const id = (item as Obj)[key];
    const at = out.findIndex((x) => x && typeof x === 'object' && (x as Obj)[key] === id);
    const merged = strategicMerge(at >= 0 ? out[at] : undefined, item);
    if (merged === undefined) {
      if (at >= 0) out.splice(at, 1);
    } else if (at >= 0) out[at] = merged;
    else out.push(merged);
  }
  return out;
}

/** Keeps what the server owns (identity, creation, generation moved on a spec change) when a client's version replaces an object. */
function carryServerFields(previous: KubeObject, next: KubeObject): KubeObject {
  next.metadata.uid = previous.metadata.uid;
  next.metadata.creationTimestamp = previous.metadata.creationTimestamp;
  delete next.metadata.resourceVersion;
  if (next['spec'] !== undefined) {
    const before = Number(previous.metadata['generation'] ?? 1);
    next.metadata['generation'] = JSON.stringify(previous['spec']) === JSON.stringify(next['spec']) ? before : before + 1;
  }
  if (previous['status'] !== undefined && next['status'] === undefined) next['status'] = previous['status'];
  if (next.kind === 'Service') {
    // The allocator owns the cluster IP: a new configuration without one keeps the address it has.
    const was = (previous['spec'] ?? {}) as Obj;
    const spec = ((next['spec'] ??= {}) as Obj);
    for (const k of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy']) if (spec[k] === undefined && was[k] !== undefined) spec[k] = was[k];
    defaultService(next);
  }
  return foldStringData(next);
}

function notFound(t: WriteTarget): ApiError {
  return new ApiError(404, 'NotFound', `${t.r.plural}${groupSuffix(t.r)} "${t.name ?? ''}" not found`, { name: t.name, ...(t.r.group ? { group: t.r.group } : {}), kind: t.r.plural });
}

function dryRun(params: URLSearchParams): boolean {
  const v = params.getAll('dryRun');
  if (v.some((x) => x !== 'All')) throw new ApiError(400, 'BadRequest', `dryRun: Unsupported value: "${v.find((x) => x !== 'All') ?? ''}": supported values: "All"`);
  return v.length > 0;
}

/** Carries out one write; the caller has already checked the client may write. */
export function write(cluster: LabCluster, t: WriteTarget, req: WriteRequest, now: number): WriteResult {
  const storeId = t.r.storedAs ?? t.r.id;
  if (t.r.storedAs) throw new ApiError(405, 'MethodNotAllowed', `the lab takes writes of ${t.r.plural} through ${t.r.storedAs} only`);
  const key = (name: string): string => (t.r.namespaced ? `${t.namespace as string}/${name}` : name);
  const stored = (name: string): KubeObject | undefined => {
    const e = cluster.store.get(storeId, key(name));
    return e ? (JSON.parse(e.json) as KubeObject) : undefined;
  };
  const keep = (o: KubeObject, code: number): WriteResult => {
    if (dryRun(req.params)) return { code, body: o };
    cluster.write(storeId, o);
    const e = cluster.store.get(storeId, objectKey(o));
    return { code, body: e ? (JSON.parse(e.json) as Obj) : o };
  };
  if (t.r.namespaced && t.namespace !== null && t.r.kind !== 'Namespace' && !cluster.store.get('namespaces', t.namespace)) {
    throw new ApiError(404, 'NotFound', `namespaces "${t.namespace}" not found`, { name: t.namespace, kind: 'namespaces' });
  }

  if (req.method === 'POST') {
    if (t.name !== null) throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    const o = checkObject(parseBody(req), t, req.params);
    if (stored(o.metadata.name)) throw new ApiError(409, 'AlreadyExists', `${t.r.plural}${groupSuffix(t.r)} "${o.metadata.name}" already exists`, { name: o.metadata.name, ...(t.r.group ? { group: t.r.group } : {}), kind: t.r.plural });
    return keep(completeNew(o, now), 201);
  }

  if (t.name === null) throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  const previous = stored(t.name);

  if (req.method === 'DELETE') {
    if (!previous) throw notFound(t);
    if (!cluster.isWritten(storeId, key(t.name))) throw new ApiError(403, 'Forbidden', `${t.r.plural}${groupSuffix(t.r)} "${t.name}" is forbidden: the lab's simulator owns it; only objects a client created can be deleted`);
    if (!dryRun(req.params)) cluster.remove(storeId, key(t.name));
    return { code: 200, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: t.name, ...(t.r.group ? { group: t.r.group } : {}), kind: t.r.plural, uid: previous.metadata.uid } } };
  }

  if (req.method === 'PUT') {
    if (!previous) throw notFound(t);
    const o = checkObject(parseBody(req), t, req.params);
    const rv = o.metadata.resourceVersion;
    if (rv !== undefined && rv !== previous.metadata.resourceVersion) throw new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${t.r.plural}${groupSuffix(t.r)} "${t.name}": the object has been modified; please apply your changes to the latest version and try again`);
    return keep(carryServerFields(previous, o), 200);
  }

  if (req.method === 'PATCH') {
    const type = req.contentType.split(';')[0]?.trim().toLowerCase() ?? '';
    if (type === 'application/apply-patch+yaml') {
      if (!req.params.get('fieldManager')) throw new ApiError(400, 'BadRequest', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
      const applied = checkObject(parseBody(req), t, req.params);
      if (!previous) return keep(completeNew(applied, now), 201);
      // One field manager owns a client's object, so its new configuration is the object (fields it dropped go);
      // an object the simulator made keeps what the apply does not mention, as fields another manager owns.
      const next = cluster.isWritten(storeId, key(t.name)) ? applied : (mergePatch(previous, applied) as KubeObject);
      return keep(carryServerFields(previous, next), 200);
    }
    if (type === 'application/merge-patch+json' || type === 'application/strategic-merge-patch+json') {
      if (!previous) throw notFound(t);
      const patch = parseBody(req);
      const next = (type === 'application/merge-patch+json' ? mergePatch(previous, patch) : strategicMerge(previous, patch)) as KubeObject;
      return keep(carryServerFields(previous, checkObject(next as Obj, t, req.params)), 200);
    }
    throw new ApiError(415, 'UnsupportedMediaType', `the server does not support the patch type ${type || '(none)'}: supported are application/apply-patch+yaml, application/strategic-merge-patch+json and application/merge-patch+json`);
  }
  throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}
