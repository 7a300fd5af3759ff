/**
 * Kubernetes API objects into the snapshot's shapes. Plain property reads on the
 * parsed JSON: a field that is missing or of the wrong type is left out, never guessed.
 */
import type { SnapshotInput } from '../../snapshot/schema.js';

type Obj = Record<string, unknown>;
type ClusterInput = NonNullable<NonNullable<SnapshotInput['kubernetes']>['clusters']>[number];
type Item<K extends keyof ClusterInput> = NonNullable<ClusterInput[K]> extends readonly (infer T)[] ? T : never;

const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(obj) : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined);
const stringMap = (v: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(obj(v))) if (typeof x === 'string') out[k] = x;
  return out;
};
function put(o: Obj, key: string, v: unknown): void {
  if (v !== undefined) o[key] = v;
}

/**
 * A copy with only the defined fields, so optional properties stay absent rather than
 * undefined. A copy, not `delete`: deleting turns an object into a slow dictionary, and
 * 150,000 pods of those cost the garbage collector more than the fetch itself.
 */
function defined<T extends Obj>(o: T): T {
  const out: Obj = {};
  for (const k in o) {
    const v = o[k];
    if (v !== undefined) out[k] = v;
  }
  return out as T;
}

/** A step in a PodPool trie: the values seen after this sequence of raw fields, and what was made for it. */
interface PoolNode {
  next?: Map<unknown, PoolNode>;
  made?: unknown;
}

function step(node: PoolNode, part: unknown): PoolNode {
  const next = (node.next ??= new Map());
  let child = next.get(part);
  if (!child) next.set(part, (child = {}));
  return child;
}

/**
 * What one cluster's pods have in common, kept once. The pods of a workload carry the
 * same namespace, node names, images, labels, tolerations, requests and limits; every
 * page parses them afresh, and 150,000 copies of each cost more in memory and garbage
 * collection than fetching them. Only fields that repeat are pooled, never names or
 * timestamps, so the pool stays as small as the cluster's variety. Lookups walk a trie
 * of the raw field values rather than build a key string: the key strings were most of
 * the garbage. The objects it hands out are shared between pods: the snapshot is never
 * mutated.
 */
export class PodPool {
  readonly #strings = new Map<string, string>();
  readonly containers: PoolNode = {};
  readonly labels: PoolNode = {};
  readonly tolerations: PoolNode = {};
  readonly owners: PoolNode = {};

  str(v: unknown): string | undefined {
    if (typeof v !== 'string') return undefined;
    const had = this.#strings.get(v);
    if (had !== undefined) return had;
    this.#strings.set(v, v);
    return v;
  }
}

/** What was made for the sequence that ended at `node`, making it the first time. */
function made<T>(node: PoolNode, make: () => T): T {
  return (node.made ??= make()) as T;
}

const SUFFIX: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60, n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** A resource.Quantity string ("250m", "1Gi", "1.5", "2e3") as a number of base units; undefined when unreadable. */
export function parseQuantity(q: unknown): number | undefined {
  if (typeof q === 'number') return q;
  if (typeof q !== 'string') return undefined;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$/.exec(q.trim());
  if (!m) return undefined;
  const n = Number(m[1]) * (m[2] ? 10 ** Number(m[2].slice(1)) : (SUFFIX[m[3] ?? ''] as number));
  return Number.isFinite(n) ? n : undefined;
}

function quantities(v: unknown): { cpuMillicores?: number; memoryBytes?: number } {
  const o = obj(v);
  const cpu = parseQuantity(o['cpu']);
  const mem = parseQuantity(o['memory']);
  return defined({ cpuMillicores: cpu === undefined ? undefined : Math.round(cpu * 1000), memoryBytes: mem === undefined ? undefined : Math.round(mem) });
}

function conditions(v: unknown): Item<'nodes'>['conditions'] {
  return list(v).flatMap((c) => {
    const type = str(c['type']);
    const status = str(c['status']);
    if (!type || !status) return [];
    return [defined({ type, status, reason: str(c['reason']), message: str(c['message']), lastHeartbeatTime: str(c['lastHeartbeatTime']), lastTransitionTime: str(c['lastTransitionTime']) })];
  });
}

function controller(meta: Obj, pool?: PodPool): { kind: string; name: string } | undefined {
  const refs = list(meta['ownerReferences']);
  const ref = refs.find((r) => r['controller'] === true) ?? refs[0];
  const kind = str(ref?.['kind']);
  const name = str(ref?.['name']);
  if (!kind || !name) return undefined;
  return pool ? made(step(step(pool.owners, kind), name), () => ({ kind, name })) : { kind, name };
}

function toleration(t: Obj): NonNullable<Item<'pods'>['tolerations']>[number] {
  return defined({ key: str(t['key']), operator: str(t['operator']), value: str(t['value']), effect: str(t['effect']) });
}

function tolerations(v: unknown, pool?: PodPool): Item<'pods'>['tolerations'] {
  const items = list(v);
  if (!pool) return items.map(toleration);
  let node = pool.tolerations;
  for (const t of items) node = step(step(step(step(node, t['key']), t['operator']), t['value']), t['effect']);
  return made(node, () => items.map(toleration));
}

/** A pod's labels, shared with the other pods whose labels are the same. */
function podLabels(v: unknown, pool: PodPool): Record<string, string> {
  const o = obj(v);
  let node = pool.labels;
  for (const k in o) {
    const x = o[k];
    if (typeof x === 'string') node = step(step(node, k), x);
  }
  return made(node, () => stringMap(o));
}

/** Leases in kube-node-lease by node name: the kubelet's heartbeat. */
export function leaseRenewals(items: readonly Obj[]): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const l of items) {
    const name = str(obj(l['metadata'])['name']);
    if (name) out.set(name, str(obj(l['spec'])['renewTime']) ?? null);
  }
  return out;
}

export function normaliseNode(o: Obj, leases: Map<string, string | null> | undefined): Item<'nodes'> {
  const meta = obj(o['metadata']);
  const spec = obj(o['spec']);
  const status = obj(o['status']);
  const name = str(meta['name']) ?? '';
  const labels = stringMap(meta['labels']);
  const addresses = list(status['addresses']).flatMap((a) => (str(a['type']) && str(a['address']) ? [{ type: a['type'] as string, address: a['address'] as string }] : []));
  const info = obj(status['nodeInfo']);
  const roles = Object.keys(labels)
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .filter(Boolean);
  return defined({
    name,
    providerId: str(spec['providerID']),
    internalIp: addresses.find((a) => a.type === 'InternalIP')?.address,
    addresses,
    labels,
    kubeletVersion: str(info['kubeletVersion']),
    containerRuntimeVersion: str(info['containerRuntimeVersion']),
    roles,
    conditions: conditions(status['conditions']),
    unschedulable: spec['unschedulable'] === true ? true : undefined,
    taints: list(spec['taints']).flatMap((t) => (str(t['key']) && str(t['effect']) ? [defined({ key: t['key'] as string, value: str(t['value']), effect: t['effect'] as string })] : [])),
    // Without the Lease list nothing is known about the heartbeat; with it, a missing Lease is null.
    lastHeartbeat: leases ? (leases.get(name) ?? null) : undefined,
    createdAt: str(meta['creationTimestamp']),
  });
}

type Probes = NonNullable<Item<'pods'>['containers']>[number]['probes'];
/** The eight answers to "which probes does it declare", shared by every container. */
const PROBES: readonly Probes[] = Array.from({ length: 8 }, (_, i) => ({ liveness: (i & 4) !== 0, readiness: (i & 2) !== 0, startup: (i & 1) !== 0 }));

const probeBits = (c: Obj): number => (c['livenessProbe'] != null ? 4 : 0) | (c['readinessProbe'] != null ? 2 : 0) | (c['startupProbe'] != null ? 1 : 0);

/**
 * A pod's containers, shared with the pods whose containers are the same (a workload's
 * replicas). Looked up by the raw fields: the same request written "1Gi" and "1024Mi"
 * makes two entries, which is harmless.
 */
function containers(v: unknown, pool: PodPool): Item<'pods'>['containers'] {
  const items = list(v);
  let node = pool.containers;
  for (const c of items) {
    const res = obj(c['resources']);
    const requests = obj(res['requests']);
    const limits = obj(res['limits']);
    node = step(step(step(step(step(step(step(node, c['name']), c['image']), requests['cpu']), requests['memory']), limits['cpu']), limits['memory']), probeBits(c));
  }
  return made(node, () =>
    items.map((c) => {
      const res = obj(c['resources']);
      return defined({ name: pool.str(c['name']) ?? '', image: pool.str(c['image']), requests: quantities(res['requests']), limits: quantities(res['limits']), probes: PROBES[probeBits(c)] as Probes });
    }),
  );
}

function containerStatus(s: Obj, pool: PodPool): NonNullable<Item<'pods'>['containerStatuses']>[number] {
  const state = obj(s['state']);
  const [which, detail] = state['waiting'] ? (['waiting', obj(state['waiting'])] as const) : state['running'] ? (['running', obj(state['running'])] as const) : state['terminated'] ? (['terminated', obj(state['terminated'])] as const) : (['unknown', {} as Obj] as const);
  const last = obj(obj(s['lastState'])['terminated']);
  const exit = detail['exitCode'];
  const lastExit = last['exitCode'];
  return defined({
    name: pool.str(s['name']) ?? '',
    ready: s['ready'] === true,
    restartCount: int(s['restartCount']) ?? 0,
    state: which,
    reason: pool.str(detail['reason']),
    message: str(detail['message']),
    exitCode: typeof exit === 'number' && Number.isInteger(exit) ? exit : undefined,
    lastTerminationReason: str(last['reason']),
    lastExitCode: typeof lastExit === 'number' && Number.isInteger(lastExit) ? lastExit : undefined,
    startedAt: str(detail['startedAt']),
  });
}

/** `pool` is the cluster's: pods normalised with the same pool share what they have in common. */
export function normalisePod(o: Obj, pool: PodPool = new PodPool()): Item<'pods'> {
  const meta = obj(o['metadata']);
  const spec = obj(o['spec']);
  const status = obj(o['status']);
  const statuses = list(status['containerStatuses']).map((s) => containerStatus(s, pool));
  const ready = list(status['conditions']).find((c) => c['type'] === 'Ready');
  const annotations = obj(meta['annotations']);
  // Built field by field rather than through defined(): this runs 150,000 times a collection.
  const out: Obj = {};
  out['namespace'] = pool.str(meta['namespace']) ?? '';
  out['name'] = str(meta['name']) ?? '';
  put(out, 'nodeName', pool.str(spec['nodeName']));
  out['phase'] = pool.str(status['phase']) ?? 'Unknown';
  put(out, 'reason', pool.str(status['reason']));
  put(out, 'message', str(status['message']));
  if (ready) out['ready'] = ready['status'] === 'True';
  let restarts = 0;
  let waitingReason: string | undefined;
  for (const st of statuses) {
    restarts += st.restartCount ?? 0;
    if (waitingReason === undefined && st.state === 'waiting' && st.reason) waitingReason = st.reason;
  }
  out['restarts'] = restarts;
  put(out, 'waitingReason', waitingReason);
  if ('kubernetes.io/config.mirror' in annotations) out['staticPod'] = true;
  out['tolerations'] = tolerations(spec['tolerations'], pool);
  out['labels'] = podLabels(meta['labels'], pool);
  put(out, 'owner', controller(meta, pool));
  put(out, 'createdAt', str(meta['creationTimestamp']));
  put(out, 'startTime', str(status['startTime']));
  out['containers'] = containers(spec['containers'], pool);
  out['containerStatuses'] = statuses;
  return out as Item<'pods'>;
}

const WORKLOAD_KIND: Record<string, Item<'workloads'>['kind']> = {
  deployments: 'Deployment',
  replicasets: 'ReplicaSet',
  statefulsets: 'StatefulSet',
  daemonsets: 'DaemonSet',
  jobs: 'Job',
  cronjobs: 'CronJob',
};

export function normaliseWorkload(plural: string, o: Obj): Item<'workloads'> {
  const kind = WORKLOAD_KIND[plural] ?? 'Deployment';
  const meta = obj(o['metadata']);
  const spec = obj(o['spec']);
  const status = obj(o['status']);
  // A CronJob's pod template is one level further down, inside its Job template.
  const template = obj(kind === 'CronJob' ? obj(obj(spec['jobTemplate'])['spec'])['template'] : spec['template']);
  const podSpec = obj(template['spec']);
  const requests = list(podSpec['containers']).map((c) => quantities(obj(c['resources'])['requests']));
  const sum = (k: 'cpuMillicores' | 'memoryBytes'): number | undefined => (requests.some((r) => r[k] !== undefined) ? requests.reduce((n, r) => n + (r[k] ?? 0), 0) : undefined);
  const ds = kind === 'DaemonSet';
  const selector = obj(spec['selector'])['matchLabels'];
  return defined({
    kind,
    namespace: str(meta['namespace']) ?? '',
    name: str(meta['name']) ?? '',
    labels: stringMap(meta['labels']),
    annotations: stringMap(meta['annotations']),
    owner: controller(meta),
    createdAt: str(meta['creationTimestamp']),
    selector: selector === undefined ? undefined : stringMap(selector),
    desired: ds ? int(status['desiredNumberScheduled']) : kind === 'Job' ? int(spec['completions']) : kind === 'CronJob' ? undefined : (int(spec['replicas']) ?? 1),
    ready: ds ? int(status['numberReady']) : int(status['readyReplicas']),
    available: ds ? int(status['numberAvailable']) : int(status['availableReplicas']),
    updated: ds ? int(status['updatedNumberScheduled']) : int(status['updatedReplicas']),
    misscheduled: ds ? int(status['numberMisscheduled']) : undefined,
    active: kind === 'Job' ? int(status['active']) : kind === 'CronJob' ? list(status['active']).length : undefined,
    succeeded: int(status['succeeded']),
    failed: int(status['failed']),
    backoffLimit: int(spec['backoffLimit']),
    conditions: conditions(status['conditions']),
    schedule: str(spec['schedule']),
    timeZone: str(spec['timeZone']),
    suspend: typeof spec['suspend'] === 'boolean' ? spec['suspend'] : undefined,
    lastScheduleTime: str(status['lastScheduleTime']),
    tolerations: tolerations(podSpec['tolerations']),
    containers: list(podSpec['containers']).map((c) => defined({ name: str(c['name']) ?? '', image: str(c['image']) })),
    podRequests: defined({ cpuMillicores: sum('cpuMillicores'), memoryBytes: sum('memoryBytes') }),
  });
}

const SERVICE_TYPES = new Set(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']);

export function normaliseService(o: Obj): Item<'services'> {
  const meta = obj(o['metadata']);
  const spec = obj(o['spec']);
  const selector = stringMap(spec['selector']);
  const type = str(spec['type']);
  return defined({
    namespace: str(meta['namespace']) ?? '',
    name: str(meta['name']) ?? '',
    type: type && SERVICE_TYPES.has(type) ? (type as Item<'services'>['type']) : 'ClusterIP',
    selector: Object.keys(selector).length > 0 ? selector : null,
    clusterIp: str(spec['clusterIP']),
    ports: list(spec['ports']).flatMap((p) => {
      const port = p['port'];
      if (typeof port !== 'number') return [];
      const target = p['targetPort'];
      return [defined({ name: str(p['name']), port, targetPort: typeof target === 'number' || typeof target === 'string' ? target : undefined, protocol: str(p['protocol']) ?? 'TCP' })];
    }),
    labels: stringMap(meta['labels']),
    annotations: stringMap(meta['annotations']),
    createdAt: str(meta['creationTimestamp']),
  });
}

/** EndpointSlices merged per Service; an endpoint without a ready condition counts as ready, as kube-proxy reads it. */
export function normaliseEndpointSlices(slices: readonly Obj[]): Item<'endpoints'>[] {
  const byService = new Map<string, Item<'endpoints'> & { ready: NonNullable<Item<'endpoints'>['ready']>; notReady: NonNullable<Item<'endpoints'>['notReady']> }>();
  for (const s of slices) {
    const meta = obj(s['metadata']);
    const namespace = str(meta['namespace']) ?? '';
    const service = stringMap(meta['labels'])['kubernetes.io/service-name'];
    if (!service) continue;
    const key = `${namespace}/${service}`;
    let entry = byService.get(key);
    if (!entry) byService.set(key, (entry = { namespace, service, ready: [], notReady: [] }));
    for (const e of list(s['endpoints'])) {
      const ready = obj(e['conditions'])['ready'] !== false;
      const ref = obj(e['targetRef']);
      for (const ip of Array.isArray(e['addresses']) ? e['addresses'] : []) {
        if (typeof ip !== 'string') continue;
        (ready ? entry.ready : entry.notReady).push(defined({ ip, pod: ref['kind'] === 'Pod' ? str(ref['name']) : undefined, nodeName: str(e['nodeName']) }));
      }
    }
  }
  return [...byService.values()];
}

export function normalisePvc(o: Obj): Item<'persistentVolumeClaims'> {
  const meta = obj(o['metadata']);
  const spec = obj(o['spec']);
  const phase = str(obj(o['status'])['phase']);
  return defined({
    namespace: str(meta['namespace']) ?? '',
    name: str(meta['name']) ?? '',
    phase: phase === 'Bound' || phase === 'Lost' ? phase : 'Pending',
    storageClass: str(spec['storageClassName']),
    volumeName: str(spec['volumeName']),
    requestedBytes: parseQuantity(obj(obj(spec['resources'])['requests'])['storage']),
    createdAt: str(meta['creationTimestamp']),
  });
}

function backend(b: Obj, host?: string, path?: string): Item<'ingresses'>['backends'] extends (infer T)[] | undefined ? T[] : never {
  const svc = obj(b['service']);
  const name = str(svc['name']);
  if (!name) return [];
  const port = obj(svc['port']);
  const p = typeof port['number'] === 'number' ? port['number'] : str(port['name']);
  return [defined({ service: name, port: p, host, path })];
}

export function normaliseIngress(o: Obj): Item<'ingresses'> {
  const meta = obj(o['metadata']);
  const spec = obj(o['spec']);
  const backends = [
    ...(spec['defaultBackend'] ? backend(obj(spec['defaultBackend'])) : []),
    ...list(spec['rules']).flatMap((r) => list(obj(r['http'])['paths']).flatMap((p) => backend(obj(p['backend']), str(r['host']), str(p['path'])))),
  ];
  return defined({ namespace: str(meta['namespace']) ?? '', name: str(meta['name']) ?? '', ingressClass: str(spec['ingressClassName']), backends });
}

export function normaliseWebhooks(plural: string, o: Obj): Item<'admissionWebhooks'>[] {
  const configuration = str(obj(o['metadata'])['name']) ?? '';
  const kind = plural.startsWith('mutating') ? 'mutating' : 'validating';
  return list(o['webhooks']).map((w) => {
    const client = obj(w['clientConfig']);
    const svc = obj(client['service']);
    const ns = str(svc['namespace']);
    const name = str(svc['name']);
    return defined({
      kind,
      configuration,
      name: str(w['name']) ?? '',
      failurePolicy: w['failurePolicy'] === 'Ignore' ? 'Ignore' : 'Fail',
      service: ns && name ? defined({ namespace: ns, name, port: int(svc['port']) }) : undefined,
      url: str(client['url']),
    });
  });
}

export function normaliseEvent(o: Obj): Item<'events'> {
  const meta = obj(o['metadata']);
  const involved = obj(o['involvedObject']);
  const series = obj(o['series']);
  return defined({
    namespace: str(meta['namespace']) ?? str(involved['namespace']) ?? '',
    type: str(o['type']) ?? 'Normal',
    reason: str(o['reason']) ?? '',
    message: str(o['message']) ?? '',
    object: `${str(involved['kind']) ?? ''}/${str(involved['name']) ?? ''}`,
    count: int(o['count']) ?? int(series['count']) ?? 1,
    firstTimestamp: str(o['firstTimestamp']) ?? str(o['eventTime']),
    lastTimestamp: str(o['lastTimestamp']) ?? str(series['lastObservedTime']) ?? str(o['eventTime']),
  });
}

/**
 * apiserver_requested_deprecated_apis from the Prometheus text of /metrics: one
 * gauge per group/version/resource/subresource a client asked for since the start.
 */
export function parseDeprecatedApis(text: string): Item<'apiUsage'>[] {
  const out = new Map<string, Item<'apiUsage'>>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_requested_deprecated_apis{')) continue;
    const close = line.lastIndexOf('}');
    const labels: Record<string, string> = {};
    for (const m of line.slice(line.indexOf('{') + 1, close).matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) labels[m[1] as string] = (m[2] as string).replace(/\\(.)/g, '$1');
    const resource = labels['resource'];
    const version = labels['version'];
    if (!resource || !version) continue;
    const group = labels['group'] ?? '';
    const key = `${group}/${version}/${resource}`;
    if (!out.has(key)) out.set(key, defined({ group, version, resource, removedRelease: labels['removed_release'] || undefined }));
  }
  return [...out.values()];
}
