/**
 * The resources the lab's API servers serve: their discovery entries, the fields a
 * field selector may name (exactly those the real registry allows; anything else is
 * 400 "field label not supported") and the server-side table kubectl prints.
 */
import { humanDuration } from './naming.js';
import type { KubeObject } from './store.js';

type Obj = Record<string, unknown>;

export interface Column {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description: string;
  priority: 0 | 1;
}

export interface ResourceType {
  /** Store key: the plural for the core group, `group/plural` otherwise. */
  id: string;
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** Where its objects live when it is a view of another resource (events.k8s.io/v1 events). */
  storedAs?: string;
  convert?: (o: KubeObject) => KubeObject;
  /** Field selector values besides metadata.name and metadata.namespace. */
  fields?: (o: KubeObject) => Record<string, string>;
  columns: Column[];
  cells: (o: KubeObject, now: number) => unknown[];
  subresources?: string[];
}

/** The apiVersion its objects carry: `v1` for the core group, `group/version` otherwise. */
export function apiVersionOf(r: ResourceType): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

const nameColumn: Column = { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names', priority: 0 };
const ageColumn: Column = { name: 'Age', type: 'string', description: 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata', priority: 0 };

function col(name: string, description: string, priority: 0 | 1 = 0, type: Column['type'] = 'string'): Column {
  return { name, type, description, priority };
}

const get = (o: unknown, path: string): unknown => path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Obj)[k] : undefined), o);
const str = (o: unknown, path: string): string => {
  const v = get(o, path);
  return v === undefined || v === null ? '' : String(v);
};
const arr = (o: unknown, path: string): Obj[] => (Array.isArray(get(o, path)) ? (get(o, path) as Obj[]) : []);
const age = (o: KubeObject, now: number): string => ageOf(o.metadata.creationTimestamp, now);

export function ageOf(timestamp: unknown, now: number): string {
  if (typeof timestamp !== 'string' || timestamp === '') return '<unknown>';
  return humanDuration(now - Date.parse(timestamp));
}

function selectorText(sel: unknown): string {
  const m = (sel as { matchLabels?: Record<string, string> } | undefined)?.matchLabels;
  if (!m || Object.keys(m).length === 0) return '<none>';
  return Object.entries(m)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

function containersAndImages(o: KubeObject, path = 'spec.template.spec.containers'): [string, string] {
  const cs = arr(o, path);
  return [cs.map((c) => String(c.name)).join(','), cs.map((c) => String(c.image)).join(',')];
}

function accessModes(modes: unknown): string {
  const short: Record<string, string> = { ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' };
  return Array.isArray(modes) ? modes.map((m) => short[String(m)] ?? String(m)).join(',') : '';
}

/** kubectl's pod STATUS: the phase, unless a container's state or a deletion says more. */
export function podStatusText(o: KubeObject): string {
  let reason = str(o, 'status.reason') || str(o, 'status.phase');
  const init = arr(o, 'status.initContainerStatuses');
  const initSpecs = arr(o, 'spec.initContainers');
  let initializing = false;
  init.forEach((c, i) => {
    const term = get(c, 'state.terminated') as Obj | undefined;
    const waiting = get(c, 'state.waiting') as Obj | undefined;
    if (term && term.exitCode === 0) return;
    initializing = true;
    if (term) reason = term.reason ? `Init:${String(term.reason)}` : `Init:ExitCode:${String(term.exitCode)}`;
    else if (waiting?.reason && waiting.reason !== 'PodInitializing') reason = `Init:${String(waiting.reason)}`;
    else reason = `Init:${i}/${initSpecs.length}`;
  });
  if (!initializing) {
    let hasRunning = false;
    for (const c of [...arr(o, 'status.containerStatuses')].reverse()) {
      const waiting = get(c, 'state.waiting') as Obj | undefined;
      const term = get(c, 'state.terminated') as Obj | undefined;
      if (waiting?.reason) reason = String(waiting.reason);
      else if (term?.reason) reason = String(term.reason);
      else if (term) reason = `ExitCode:${String(term.exitCode)}`;
      else if (c.ready) hasRunning = true;
    }
    if (reason === 'Completed' && hasRunning) reason = 'Running';
  }
  if (o.metadata.deletionTimestamp) reason = str(o, 'status.reason') === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

function podRestarts(o: KubeObject, now: number): string {
  let restarts = 0;
  let lastFinish = 0;
  for (const c of arr(o, 'status.containerStatuses')) {
    restarts += Number(c.restartCount ?? 0);
    const finished = str(c, 'lastState.terminated.finishedAt');
    if (finished) lastFinish = Math.max(lastFinish, Date.parse(finished));
  }
  return restarts > 0 && lastFinish > 0 ? `${restarts} (${humanDuration(now - lastFinish)} ago)` : String(restarts);
}

function nodeStatusText(o: KubeObject): string {
  const ready = arr(o, 'status.conditions').find((c) => c.type === 'Ready');
  let out = ready?.status === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown';
  if (get(o, 'spec.unschedulable') === true) out += ',SchedulingDisabled';
  return out;
}

function nodeRoles(o: KubeObject): string {
  const roles = Object.keys(o.metadata.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .filter((r) => r !== '')
    .sort();
  return roles.length ? roles.join(',') : '<none>';
}

function servicePorts(o: KubeObject): string {
  const ports = arr(o, 'spec.ports');
  return ports.length ? ports.map((p) => `${String(p.port)}${p.nodePort ? `:${String(p.nodePort)}` : ''}/${String(p.protocol ?? 'TCP')}`).join(',') : '<none>';
}

function endpointsText(o: KubeObject): string {
  const list: string[] = [];
  for (const s of arr(o, 'subsets')) {
    for (const a of (s.addresses as Obj[] | undefined) ?? []) {
      const ports = (s.ports as Obj[] | undefined) ?? [];
      if (ports.length === 0) list.push(String(a.ip));
      for (const p of ports) list.push(`${String(a.ip)}:${String(p.port)}`);
    }
  }
  if (list.length === 0) return '<none>';
  return list.length > 3 ? `${list.slice(0, 3).join(',')} + ${list.length - 3} more...` : list.join(',');
}

function sliceEndpoints(o: KubeObject): string {
  const list = arr(o, 'endpoints').flatMap((e) => (e.addresses as string[] | undefined) ?? []);
  if (list.length === 0) return '<unset>';
  return list.length > 3 ? `${list.slice(0, 3).join(',')} + ${list.length - 3} more...` : list.join(',');
}

function jobStatusText(o: KubeObject): string {
  const conds = arr(o, 'status.conditions');
  const has = (t: string): boolean => conds.some((c) => c.type === t && c.status === 'True');
  if (has('Failed')) return 'Failed';
  if (has('Complete')) return 'Complete';
  if (has('Suspended')) return 'Suspended';
  if (has('FailureTarget')) return 'FailureTarget';
  return 'Running';
}

function jobDuration(o: KubeObject, now: number): string {
  const start = str(o, 'status.startTime');
  if (!start) return '';
  const end = str(o, 'status.completionTime');
  return humanDuration((end ? Date.parse(end) : now) - Date.parse(start));
}

function eventLastSeen(o: KubeObject, now: number): string {
  const last = str(o, 'series.lastObservedTime') || str(o, 'lastTimestamp') || str(o, 'eventTime') || str(o, 'firstTimestamp');
  const count = Number(get(o, 'count') ?? 1);
  const first = str(o, 'firstTimestamp') || str(o, 'eventTime');
  if (count > 1 && first) return `${ageOf(last, now)} (x${count} over ${ageOf(first, now)})`;
  return ageOf(last, now);
}

/** events.k8s.io/v1's shape of a core event. */
function toEventsV1(o: KubeObject): KubeObject {
  const io = (o.involvedObject ?? {}) as Obj;
  const count = Number(o.count ?? 1);
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: o.metadata,
    eventTime: o.eventTime ?? null,
    ...(count > 1 ? { series: { count, lastObservedTime: `${String(o.lastTimestamp).slice(0, 19)}.000000Z` } } : {}),
    reportingController: o.reportingComponent || str(o, 'source.component'),
    reportingInstance: o.reportingInstance || str(o, 'source.host'),
    action: o.reason,
    reason: o.reason,
    regarding: io,
    note: o.message,
    type: o.type,
    deprecatedSource: o.source,
    deprecatedFirstTimestamp: o.firstTimestamp,
    deprecatedLastTimestamp: o.lastTimestamp,
    deprecatedCount: count,
  } as KubeObject;
}

const generic = (o: KubeObject): unknown[] => [o.metadata.name, o.metadata.creationTimestamp];
const genericColumns: Column[] = [nameColumn, { name: 'Created At', type: 'date', description: ageColumn.description, priority: 0 }];

export const RESOURCES: readonly ResourceType[] = [
  {
    id: 'nodes',
    group: '',
    version: 'v1',
    plural: 'nodes',
    singular: 'node',
    kind: 'Node',
    namespaced: false,
    shortNames: ['no'],
    subresources: ['proxy', 'status'],
    fields: (o) => ({ 'spec.unschedulable': String(get(o, 'spec.unschedulable') === true) }),
    columns: [
      nameColumn,
      col('Status', 'The status of the node'),
      col('Roles', 'The roles of the node'),
      ageColumn,
      col('Version', 'Kubelet Version reported by the node.'),
      col('Internal-IP', 'List of addresses reachable to the node. Queried from cloud provider, if available.', 1),
      col('External-IP', 'List of addresses reachable to the node. Queried from cloud provider, if available.', 1),
      col('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
      col('Kernel-Version', 'Kernel Version reported by the node from \'uname -r\' (e.g. 3.16.0-0.bpo.4-amd64).', 1),
      col('Container-Runtime', 'Container runtime version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1),
    ],
    cells: (o, now) => {
      const addr = (t: string): string => arr(o, 'status.addresses').find((a) => a.type === t)?.address as string | undefined ?? '<none>';
      return [o.metadata.name, nodeStatusText(o), nodeRoles(o), age(o, now), str(o, 'status.nodeInfo.kubeletVersion'), addr('InternalIP'), addr('ExternalIP'), str(o, 'status.nodeInfo.osImage'), str(o, 'status.nodeInfo.kernelVersion'), str(o, 'status.nodeInfo.containerRuntimeVersion')];
    },
  },
  {
    id: 'namespaces',
    group: '',
    version: 'v1',
    plural: 'namespaces',
    singular: 'namespace',
    kind: 'Namespace',
    namespaced: false,
    shortNames: ['ns'],
    subresources: ['finalize', 'status'],
    fields: (o) => ({ 'status.phase': str(o, 'status.phase') }),
    columns: [nameColumn, col('Status', 'The status of the namespace'), ageColumn],
    cells: (o, now) => [o.metadata.name, str(o, 'status.phase'), age(o, now)],
  },
  {
    id: 'pods',
    group: '',
    version: 'v1',
    plural: 'pods',
    singular: 'pod',
    kind: 'Pod',
    namespaced: true,
    shortNames: ['po'],
    categories: ['all'],
    subresources: ['log', 'status'],
    fields: (o) => ({
      'spec.nodeName': str(o, 'spec.nodeName'),
      'spec.restartPolicy': str(o, 'spec.restartPolicy'),
      'spec.schedulerName': str(o, 'spec.schedulerName'),
      'spec.serviceAccountName': str(o, 'spec.serviceAccountName'),
      'spec.hostNetwork': String(get(o, 'spec.hostNetwork') === true),
      'status.phase': str(o, 'status.phase'),
      'status.podIP': str(o, 'status.podIP'),
      'status.nominatedNodeName': str(o, 'status.nominatedNodeName'),
    }),
    columns: [
      nameColumn,
      col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
      col('Status', 'The aggregate status of the containers in this pod.'),
      col('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
      ageColumn,
      col('IP', 'The IP address assigned to the pod', 1),
      col('Node', 'The name of the node the pod is scheduled on', 1),
      col('Nominated Node', 'The name of the node the pod is nominated to run on', 1),
      col('Readiness Gates', 'The readiness gates of the pod', 1),
    ],
    cells: (o, now) => {
      const cs = arr(o, 'status.containerStatuses');
      const total = arr(o, 'spec.containers').length;
      const ready = cs.filter((c) => c.ready === true).length;
      return [o.metadata.name, `${ready}/${total}`, podStatusText(o), podRestarts(o, now), age(o, now), str(o, 'status.podIP') || '<none>', str(o, 'spec.nodeName') || '<none>', str(o, 'status.nominatedNodeName') || '<none>', '<none>'];
    },
  },
  {
    id: 'services',
    group: '',
    version: 'v1',
    plural: 'services',
    singular: 'service',
    kind: 'Service',
    namespaced: true,
    shortNames: ['svc'],
    categories: ['all'],
    subresources: ['proxy', 'status'],
    columns: [nameColumn, col('Type', 'The type of the service.'), col('Cluster-IP', 'The IP address of the service.'), col('External-IP', 'The external IP address of the service.'), col('Port(s)', 'The ports of the service.'), ageColumn, col('Selector', 'The label selector of the service.', 1)],
    cells: (o, now) => {
      const sel = get(o, 'spec.selector') as Record<string, string> | undefined;
      return [o.metadata.name, str(o, 'spec.type'), str(o, 'spec.clusterIP'), '<none>', servicePorts(o), age(o, now), sel ? Object.entries(sel).map(([k, v]) => `${k}=${v}`).join(',') : '<none>'];
    },
  },
  {
    id: 'endpoints',
    group: '',
    version: 'v1',
    plural: 'endpoints',
    singular: 'endpoints',
    kind: 'Endpoints',
    namespaced: true,
    shortNames: ['ep'],
    columns: [nameColumn, col('Endpoints', 'Endpoints of the service.'), ageColumn],
    cells: (o, now) => [o.metadata.name, endpointsText(o), age(o, now)],
  },
  {
    id: 'events',
    group: '',
    version: 'v1',
    plural: 'events',
    singular: 'event',
    kind: 'Event',
    namespaced: true,
    shortNames: ['ev'],
    fields: (o) => ({
      'involvedObject.kind': str(o, 'involvedObject.kind'),
      'involvedObject.namespace': str(o, 'involvedObject.namespace'),
      'involvedObject.name': str(o, 'involvedObject.name'),
      'involvedObject.uid': str(o, 'involvedObject.uid'),
      'involvedObject.apiVersion': str(o, 'involvedObject.apiVersion'),
      'involvedObject.resourceVersion': str(o, 'involvedObject.resourceVersion'),
      'involvedObject.fieldPath': str(o, 'involvedObject.fieldPath'),
      reason: str(o, 'reason'),
      reportingComponent: str(o, 'reportingComponent'),
      source: str(o, 'source.component'),
      type: str(o, 'type'),
    }),
    columns: [
      col('Last Seen', 'Last time the event was observed'),
      col('Type', 'Type of this event (Normal, Warning), new types could be added in the future'),
      col('Reason', 'Reason of this event'),
      col('Object', 'The object this event is about'),
      col('Subobject', 'Subobject of this event', 1),
      col('Source', 'The component reporting this event', 1),
      col('Message', 'A human-readable description of the status of this operation.'),
      col('First Seen', 'The first time the event was observed', 1),
      col('Count', 'The number of times this event has occurred', 1),
      { ...nameColumn, priority: 1 },
    ],
    cells: (o, now) => [
      eventLastSeen(o, now),
      str(o, 'type'),
      str(o, 'reason'),
      `${str(o, 'involvedObject.kind').toLowerCase()}/${str(o, 'involvedObject.name')}`,
      str(o, 'involvedObject.fieldPath'),
      [str(o, 'source.component'), str(o, 'source.host')].filter(Boolean).join(', '),
      str(o, 'message'),
      ageOf(str(o, 'firstTimestamp'), now),
      Number(get(o, 'count') ?? 1),
      o.metadata.name,
    ],
  },
  {
    id: 'persistentvolumeclaims',
    group: '',
    version: 'v1',
    plural: 'persistentvolumeclaims',
    singular: 'persistentvolumeclaim',
    kind: 'PersistentVolumeClaim',
    namespaced: true,
    shortNames: ['pvc'],
    subresources: ['status'],
    columns: [nameColumn, col('Status', 'The status of the claim.'), col('Volume', 'The volume bound to the claim.'), col('Capacity', 'The capacity of the volume.'), col('Access Modes', 'The access modes of the volume.'), col('StorageClass', 'The storage class of the claim.'), ageColumn, col('VolumeMode', 'The volume mode of the claim.', 1)],
    cells: (o, now) => [o.metadata.name, str(o, 'status.phase'), str(o, 'spec.volumeName'), str(o, 'status.capacity.storage'), accessModes(get(o, 'status.accessModes')), str(o, 'spec.storageClassName'), age(o, now), str(o, 'spec.volumeMode')],
  },
  {
    id: 'persistentvolumes',
    group: '',
    version: 'v1',
    plural: 'persistentvolumes',
    singular: 'persistentvolume',
    kind: 'PersistentVolume',
    namespaced: false,
    shortNames: ['pv'],
    subresources: ['status'],
    columns: [nameColumn, col('Capacity', 'The capacity of the volume.'), col('Access Modes', 'The access modes.'), col('Reclaim Policy', 'The reclaim policy.'), col('Status', 'The status of the volume.'), col('Claim', 'The claim bound to it.'), col('StorageClass', 'The storage class.'), col('Reason', 'Why the volume is in this status.'), ageColumn, col('VolumeMode', 'The volume mode.', 1)],
    cells: (o, now) => [o.metadata.name, str(o, 'spec.capacity.storage'), accessModes(get(o, 'spec.accessModes')), str(o, 'spec.persistentVolumeReclaimPolicy'), str(o, 'status.phase'), `${str(o, 'spec.claimRef.namespace')}/${str(o, 'spec.claimRef.name')}`, str(o, 'spec.storageClassName'), str(o, 'status.reason'), age(o, now), str(o, 'spec.volumeMode')],
  },
  {
    id: 'secrets',
    group: '',
    version: 'v1',
    plural: 'secrets',
    singular: 'secret',
    kind: 'Secret',
    namespaced: true,
    fields: (o) => ({ type: str(o, 'type') }),
    columns: [nameColumn, col('Type', 'The type of the secret'), col('Data', 'The number of entries in the secret', 0, 'integer'), ageColumn],
    cells: (o, now) => [o.metadata.name, str(o, 'type'), Object.keys((o.data as Obj | undefined) ?? {}).length, age(o, now)],
  },
  {
    id: 'apps/deployments',
    group: 'apps',
    version: 'v1',
    plural: 'deployments',
    singular: 'deployment',
    kind: 'Deployment',
    namespaced: true,
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: ['scale', 'status'],
    columns: [nameColumn, col('Ready', 'Number of the pod with ready state'), col('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.', 0, 'integer'), col('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.', 0, 'integer'), ageColumn, col('Containers', 'Names of each container in the template.', 1), col('Images', 'Images referenced by each container in the template.', 1), col('Selector', 'Label selector for pods.', 1)],
    cells: (o, now) => {
      const [c, i] = containersAndImages(o);
      return [o.metadata.name, `${Number(get(o, 'status.readyReplicas') ?? 0)}/${Number(get(o, 'spec.replicas') ?? 0)}`, Number(get(o, 'status.updatedReplicas') ?? 0), Number(get(o, 'status.availableReplicas') ?? 0), age(o, now), c, i, selectorText(get(o, 'spec.selector'))];
    },
  },
  {
    id: 'apps/replicasets',
    group: 'apps',
    version: 'v1',
    plural: 'replicasets',
    singular: 'replicaset',
    kind: 'ReplicaSet',
    namespaced: true,
    shortNames: ['rs'],
    categories: ['all'],
    subresources: ['scale', 'status'],
    fields: (o) => ({ 'status.replicas': String(get(o, 'status.replicas') ?? 0) }),
    columns: [nameColumn, col('Desired', 'Number of desired pods.', 0, 'integer'), col('Current', 'Number of actual running pods.', 0, 'integer'), col('Ready', 'Number of ready pods.', 0, 'integer'), ageColumn, col('Containers', 'Names of each container in the template.', 1), col('Images', 'Images referenced by each container in the template.', 1), col('Selector', 'Label selector for pods.', 1)],
    cells: (o, now) => {
      const [c, i] = containersAndImages(o);
      return [o.metadata.name, Number(get(o, 'spec.replicas') ?? 0), Number(get(o, 'status.replicas') ?? 0), Number(get(o, 'status.readyReplicas') ?? 0), age(o, now), c, i, selectorText(get(o, 'spec.selector'))];
    },
  },
  {
    id: 'apps/statefulsets',
    group: 'apps',
    version: 'v1',
    plural: 'statefulsets',
    singular: 'statefulset',
    kind: 'StatefulSet',
    namespaced: true,
    shortNames: ['sts'],
    categories: ['all'],
    subresources: ['scale', 'status'],
    columns: [nameColumn, col('Ready', 'Number of the pod with ready state'), ageColumn, col('Containers', 'Names of each container in the template.', 1), col('Images', 'Images referenced by each container in the template.', 1)],
    cells: (o, now) => {
      const [c, i] = containersAndImages(o);
      return [o.metadata.name, `${Number(get(o, 'status.readyReplicas') ?? 0)}/${Number(get(o, 'spec.replicas') ?? 0)}`, age(o, now), c, i];
    },
  },
  {
    id: 'apps/daemonsets',
    group: 'apps',
    version: 'v1',
    plural: 'daemonsets',
    singular: 'daemonset',
    kind: 'DaemonSet',
    namespaced: true,
    shortNames: ['ds'],
    categories: ['all'],
    subresources: ['status'],
    columns: [
      nameColumn,
      col('Desired', 'The desired number of nodes that should be running the daemon pod.', 0, 'integer'),
      col('Current', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.', 0, 'integer'),
      col('Ready', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.', 0, 'integer'),
      col('Up-to-date', 'The total number of nodes that are running updated daemon pod', 0, 'integer'),
      col('Available', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)', 0, 'integer'),
      col('Node Selector', 'NodeSelector is a selector which must be true for the pod to fit on a node.'),
      ageColumn,
      col('Containers', 'Names of each container in the template.', 1),
      col('Images', 'Images referenced by each container in the template.', 1),
      col('Selector', 'Label selector for pods.', 1),
    ],
    cells: (o, now) => {
      const [c, i] = containersAndImages(o);
      const ns = get(o, 'spec.template.spec.nodeSelector') as Record<string, string> | undefined;
      const n = (p: string): number => Number(get(o, p) ?? 0);
      return [o.metadata.name, n('status.desiredNumberScheduled'), n('status.currentNumberScheduled'), n('status.numberReady'), n('status.updatedNumberScheduled'), n('status.numberAvailable'), ns ? Object.entries(ns).map(([k, v]) => `${k}=${v}`).join(',') : '<none>', age(o, now), c, i, selectorText(get(o, 'spec.selector'))];
    },
  },
  {
    id: 'batch/jobs',
    group: 'batch',
    version: 'v1',
    plural: 'jobs',
    singular: 'job',
    kind: 'Job',
    namespaced: true,
    categories: ['all'],
    subresources: ['status'],
    fields: (o) => ({ 'status.successful': String(get(o, 'status.succeeded') ?? 0) }),
    columns: [nameColumn, col('Status', 'Status of the job.'), col('Completions', 'The desired number of successfully finished pods the job should be run with.'), col('Duration', 'Time required to complete the job.'), ageColumn, col('Containers', 'Names of each container in the template.', 1), col('Images', 'Images referenced by each container in the template.', 1), col('Selector', 'Label selector for pods.', 1)],
    cells: (o, now) => {
      const [c, i] = containersAndImages(o);
      return [o.metadata.name, jobStatusText(o), `${Number(get(o, 'status.succeeded') ?? 0)}/${Number(get(o, 'spec.completions') ?? 1)}`, jobDuration(o, now), age(o, now), c, i, selectorText(get(o, 'spec.selector'))];
    },
  },
  {
    id: 'batch/cronjobs',
    group: 'batch',
    version: 'v1',
    plural: 'cronjobs',
    singular: 'cronjob',
    kind: 'CronJob',
    namespaced: true,
    shortNames: ['cj'],
    categories: ['all'],
    subresources: ['status'],
    columns: [nameColumn, col('Schedule', 'The schedule in Cron format.'), col('Timezone', 'The time zone name for the given schedule.'), col('Suspend', 'Whether subsequent executions are suspended.', 0, 'boolean'), col('Active', 'The number of currently running jobs.', 0, 'integer'), col('Last Schedule', 'The last time the job was successfully scheduled.'), ageColumn, col('Containers', 'Names of each container in the template.', 1), col('Images', 'Images referenced by each container in the template.', 1), col('Selector', 'Label selector for pods.', 1)],
    cells: (o, now) => {
      const [c, i] = containersAndImages(o, 'spec.jobTemplate.spec.template.spec.containers');
      const last = str(o, 'status.lastScheduleTime');
      return [o.metadata.name, str(o, 'spec.schedule'), str(o, 'spec.timeZone') || '<none>', get(o, 'spec.suspend') === true, arr(o, 'status.active').length, last ? ageOf(last, now) : '<none>', age(o, now), c, i, '<none>'];
    },
  },
  {
    id: 'discovery.k8s.io/endpointslices',
    group: 'discovery.k8s.io',
    version: 'v1',
    plural: 'endpointslices',
    singular: 'endpointslice',
    kind: 'EndpointSlice',
    namespaced: true,
    columns: [nameColumn, col('AddressType', 'The IP family of the endpoint slice.'), col('Ports', 'The ports of the endpoint slice.'), col('Endpoints', 'The endpoints of the endpoint slice.'), ageColumn],
    cells: (o, now) => [o.metadata.name, str(o, 'addressType'), arr(o, 'ports').map((p) => String(p.port)).join(',') || '<unset>', sliceEndpoints(o), age(o, now)],
  },
  {
    id: 'coordination.k8s.io/leases',
    group: 'coordination.k8s.io',
    version: 'v1',
    plural: 'leases',
    singular: 'lease',
    kind: 'Lease',
    namespaced: true,
    columns: [nameColumn, col('Holder', 'The holder of the lease.'), ageColumn],
    cells: (o, now) => [o.metadata.name, str(o, 'spec.holderIdentity'), age(o, now)],
  },
  {
    id: 'storage.k8s.io/storageclasses',
    group: 'storage.k8s.io',
    version: 'v1',
    plural: 'storageclasses',
    singular: 'storageclass',
    kind: 'StorageClass',
    namespaced: false,
    shortNames: ['sc'],
    columns: [nameColumn, col('Provisioner', 'Indicates the type of the provisioner.'), col('ReclaimPolicy', 'Indicates the type of the reclaim policy.'), col('VolumeBindingMode', 'Indicates when volume binding and dynamic provisioning should occur.'), col('AllowVolumeExpansion', 'Indicates whether the storage class allow volume expand', 0, 'boolean'), ageColumn],
    cells: (o, now) => [
      o.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true' ? `${o.metadata.name} (default)` : o.metadata.name,
      str(o, 'provisioner'),
      str(o, 'reclaimPolicy'),
      str(o, 'volumeBindingMode'),
      get(o, 'allowVolumeExpansion') === true,
      age(o, now),
    ],
  },
  {
    id: 'events.k8s.io/events',
    group: 'events.k8s.io',
    version: 'v1',
    plural: 'events',
    singular: 'event',
    kind: 'Event',
    namespaced: true,
    shortNames: ['ev'],
    storedAs: 'events',
    convert: toEventsV1,
    fields: (o) => ({
      'regarding.kind': str(o, 'involvedObject.kind'),
      'regarding.namespace': str(o, 'involvedObject.namespace'),
      'regarding.name': str(o, 'involvedObject.name'),
      'regarding.uid': str(o, 'involvedObject.uid'),
      reason: str(o, 'reason'),
      reportingController: str(o, 'reportingComponent'),
      type: str(o, 'type'),
    }),
    columns: genericColumns,
    cells: generic,
  },
  // Written by clients with the cluster's admin token (kubectl apply of faultline's deploy/ manifests); the simulator makes none.
  {
    id: 'serviceaccounts',
    group: '',
    version: 'v1',
    plural: 'serviceaccounts',
    singular: 'serviceaccount',
    kind: 'ServiceAccount',
    namespaced: true,
    shortNames: ['sa'],
    columns: [nameColumn, col('Secrets', 'The number of secrets of the service account', 0, 'integer'), ageColumn],
    cells: (o, now) => [o.metadata.name, arr(o, 'secrets').length, age(o, now)],
  },
  {
    id: 'configmaps',
    group: '',
    version: 'v1',
    plural: 'configmaps',
    singular: 'configmap',
    kind: 'ConfigMap',
    namespaced: true,
    shortNames: ['cm'],
    columns: [nameColumn, col('Data', 'The number of entries in the config map', 0, 'integer'), ageColumn],
    cells: (o, now) => [o.metadata.name, Object.keys((o.data as Obj | undefined) ?? {}).length + Object.keys((o.binaryData as Obj | undefined) ?? {}).length, age(o, now)],
  },
  ...(['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'] as const).map(
    (kind): ResourceType => ({
      id: `rbac.authorization.k8s.io/${kind.toLowerCase()}s`,
      group: 'rbac.authorization.k8s.io',
      version: 'v1',
      plural: `${kind.toLowerCase()}s`,
      singular: kind.toLowerCase(),
      kind,
      namespaced: !kind.startsWith('Cluster'),
      columns: kind.endsWith('Binding') ? [nameColumn, col('Role', 'The role the binding grants'), ageColumn] : [nameColumn, { name: 'Created At', type: 'date', description: ageColumn.description, priority: 0 }],
      cells: (o, now) => (kind.endsWith('Binding') ? [o.metadata.name, `${str(o, 'roleRef.kind')}/${str(o, 'roleRef.name')}`, age(o, now)] : [o.metadata.name, o.metadata.creationTimestamp]),
    }),
  ),
  // Served so clients that list them (faultline's collector, kubectl get ingress -A) get the empty lists a fresh cluster has.
  {
    id: 'networking.k8s.io/ingresses',
    group: 'networking.k8s.io',
    version: 'v1',
    plural: 'ingresses',
    singular: 'ingress',
    kind: 'Ingress',
    namespaced: true,
    shortNames: ['ing'],
    columns: genericColumns,
    cells: generic,
  },
  {
    id: 'admissionregistration.k8s.io/validatingwebhookconfigurations',
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    plural: 'validatingwebhookconfigurations',
    singular: 'validatingwebhookconfiguration',
    kind: 'ValidatingWebhookConfiguration',
    namespaced: false,
    columns: genericColumns,
    cells: generic,
  },
  {
    id: 'admissionregistration.k8s.io/mutatingwebhookconfigurations',
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    plural: 'mutatingwebhookconfigurations',
    singular: 'mutatingwebhookconfiguration',
    kind: 'MutatingWebhookConfiguration',
    namespaced: false,
    columns: genericColumns,
    cells: generic,
  },
];

export const VERBS_READ = VERBS;

/** Groups in discovery order, with their preferred (only) version. */
export function apiGroups(): { name: string; version: string }[] {
  const seen = new Map<string, string>();
  for (const r of RESOURCES) if (r.group !== '' && !seen.has(r.group)) seen.set(r.group, r.version);
  return [...seen].map(([name, version]) => ({ name, version }));
}

export function resourceFor(group: string, version: string, plural: string): ResourceType | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

/** An APIResourceList for /api/v1 or /apis/<group>/<version>. */
export function resourceList(group: string, version: string): Obj {
  const resources: Obj[] = [];
  for (const r of RESOURCES.filter((x) => x.group === group && x.version === version)) {
    resources.push({
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: VERBS,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
      ...(r.categories ? { categories: r.categories } : {}),
      storageVersionHash: Buffer.from(`${r.group}/${r.plural}`).toString('base64').slice(0, 11),
    });
    for (const sub of r.subresources ?? []) {
      resources.push({ name: `${r.plural}/${sub}`, singularName: '', namespaced: r.namespaced, kind: sub === 'log' ? r.kind : sub === 'scale' ? 'Scale' : sub === 'proxy' ? `${r.kind}ProxyOptions` : r.kind, verbs: sub === 'log' ? ['get'] : sub === 'proxy' ? ['create', 'delete', 'get', 'patch', 'update'] : ['get', 'patch', 'update'] });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

/** The value of a field selector's field on an object, or undefined when that field is not selectable. */
export function fieldValue(r: ResourceType, o: KubeObject, field: string): string | undefined {
  if (field === 'metadata.name') return o.metadata.name;
  if (field === 'metadata.namespace') return o.metadata.namespace ?? '';
  return r.fields?.(o)[field];
}

/** Whether a resource can select on a field at all (unknown fields are a 400). */
export function selectableFields(r: ResourceType, sample: KubeObject | undefined): Set<string> {
  const probe = sample ?? ({ apiVersion: r.version, kind: r.kind, metadata: { name: '' } } as KubeObject);
  return new Set(['metadata.name', 'metadata.namespace', ...Object.keys(r.fields?.(probe) ?? {})]);
}
