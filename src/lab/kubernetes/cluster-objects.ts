/**
 * The objects a cluster holds at one instant, derived from its plan, the state of its
 * nodes (heartbeats) and the faults in force. It is a pure function: the store diffs
 * its output against what it holds, so a controller's work (node lifecycle, endpoints,
 * workload status) is "say what the cluster looks like now" rather than a sequence of
 * writes that could drift.
 */
import type { LabFlavor, LabServer } from '../fleet/types.js';
import { isMaster, type ClusterPlan } from './cluster-plan.js';
import { microTime, nameSuffix, pickIndex, rfc3339, templateHash, uidFor } from './naming.js';
import type { KubeMetadata, KubeObject } from './store.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The node monitor grace period: this long without a lease renewal and the node is Unknown. */
export const NODE_MONITOR_GRACE_MS = 40_000;
/** The default tolerationSeconds for not-ready/unreachable NoExecute taints (DefaultTolerationSeconds). */
export const EVICTION_TOLERATION_MS = 300_000;

export interface NodeState {
  server: LabServer;
  flavor: LabFlavor | undefined;
  kubeletVersion: string;
  /** The last lease renewal, lab time. */
  lastRenew: number;
  /** When the node lifecycle controller marked the node Unknown; null while it is fine. */
  unknownSince: number | null;
}

export interface ClusterFaultView {
  /** Servers that never joined: no Node object. */
  notJoined: ReadonlySet<string>;
  /** calico-node crash-looping on these servers' nodes, since when. */
  calicoCrashloop: ReadonlyMap<string, { since: number; restarts: number; countedFrom: number }>;
  /** A team workload moved onto the control plane with a toleration, since when. */
  controlPlaneWorkload: number | null;
  /** A Service with no ready endpoints and one partly available, since when. */
  serviceEndpoints: number | null;
  /** A failed Job, a suspended CronJob and a Pending PVC, since when. */
  workloadFailures: number | null;
  /** The servers whose nodes the failures happened on (the evicted pod's node). */
  workloadFailureNodes: ReadonlySet<string>;
  /** When the team's orders canary moved to a release its stable stage never got. */
  rolloutLag: number | null;
  /** The unused services and their decoys (see unusedServiceWorkloads), since when. */
  unusedServices: number | null;
}

export const NO_FAULTS: ClusterFaultView = {
  notJoined: new Set(),
  calicoCrashloop: new Map(),
  controlPlaneWorkload: null,
  serviceEndpoints: null,
  workloadFailures: null,
  workloadFailureNodes: new Set(),
  rolloutLag: null,
  unusedServices: null,
};

type Obj = Record<string, unknown>;

interface ContainerPlan {
  name: string;
  image: string;
  ports?: { name?: string; containerPort: number; protocol: 'TCP' | 'UDP' }[];
  requests?: { cpu: string; memory?: string };
  limits?: { cpu?: string; memory: string };
  /** HTTP probes on this port (liveness and readiness). */
  probePort?: number;
  readinessOnly?: boolean;
  command?: string[];
}

type ContainerRun =
  | { state: 'running'; startedAt: number; ready: boolean; restarts: number; lastExit?: number }
  | { state: 'crashloop'; since: number; restarts: number; lastExit: number }
  | { state: 'completed' | 'failed'; startedAt: number; finishedAt: number; exitCode: number };

interface PodPlan {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  owner: { apiVersion: string; kind: string; name: string; uid: string } | null;
  node: NodeState | null;
  hostNetwork: boolean;
  containers: ContainerPlan[];
  initContainers?: ContainerPlan[];
  runs: ContainerRun[];
  createdAt: number;
  priorityClassName?: string;
  tolerations?: Obj[];
  nodeSelector?: Record<string, string>;
  serviceAccountName: string;
  restartPolicy: 'Always' | 'OnFailure' | 'Never';
  volumes?: Obj[];
  /** For a Pending pod: why the scheduler could not place it. */
  unschedulable?: string;
}

export interface BuiltPod {
  plan: PodPlan;
  object: KubeObject;
  ready: boolean;
  ip: string | null;
}

/** The controller-made objects and the pods, by resource (`pods`, `apps/deployments`, ...). */
export type ClusterObjects = Map<string, KubeObject[]>;

const DEFAULT_TOLERATIONS: Obj[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];
/** What the DaemonSet controller adds to its pods: they stay on a node that went away. */
const DAEMON_TOLERATIONS: Obj[] = [
  { operator: 'Exists', effect: 'NoSchedule' },
  { key: 'CriticalAddonsOnly', operator: 'Exists' },
  { operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' },
];
const CONTROL_PLANE_TOLERATION: Obj = { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' };

export const CALICO_VERSION = 'v3.26.4';
const COREDNS_IMAGE = 'registry.k8s.io/coredns/coredns:v1.10.1';
const ISTIO_PROXY_IMAGE = 'docker.io/istio/proxyv2:1.20.3';
/** The StorageClass a scenario's claim names but the cluster does not have. */
export const MISSING_STORAGE_CLASS = 'cinder-ssd';
export const STORAGE_CLASS = 'csi-cinder-sc-delete';

function serviceIp(plan: ClusterPlan, name: string): string {
  if (name === 'default/kubernetes') return '10.96.0.1';
  if (name === 'kube-system/kube-dns') return '10.96.0.10';
  const n = pickIndex(`svc/${plan.name}/${name}`, 65_000) + 256;
  return `10.96.${n >> 8}.${n & 255}`;
}

function meta(plan: ClusterPlan, kind: string, name: string, namespace: string | null, createdAt: number, extra: Obj = {}): KubeMetadata {
  return {
    name,
    ...(namespace !== null ? { namespace } : {}),
    uid: uidFor(`${plan.name}/${kind}/${namespace ?? ''}/${name}`),
    creationTimestamp: rfc3339(createdAt),
    ...extra,
  } as KubeMetadata;
}

function ownerRef(apiVersion: string, kind: string, name: string, uid: string): Obj {
  return { apiVersion, kind, name, uid, controller: true, blockOwnerDeletion: true };
}

/** When a node's kubelet registered: a minute and a half after its VM launched. */
function joinedAt(node: NodeState): number {
  return (node.server.launchedAt ?? node.server.createdAt) + 90_000;
}

function nodeIndexOf(states: readonly NodeState[], node: NodeState): number {
  return states.indexOf(node);
}

function containerSpec(c: ContainerPlan): Obj {
  const probe = c.probePort !== undefined ? { httpGet: { path: '/healthz', port: c.probePort, scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 } : null;
  return {
    name: c.name,
    image: c.image,
    ...(c.command ? { command: c.command } : {}),
    ...(c.ports ? { ports: c.ports } : {}),
    resources: { ...(c.limits ? { limits: c.limits } : {}), ...(c.requests ? { requests: c.requests } : {}) },
    ...(probe && !c.readinessOnly ? { livenessProbe: { ...probe, initialDelaySeconds: 15 } } : {}),
    ...(probe ? { readinessProbe: probe } : {}),
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    imagePullPolicy: 'IfNotPresent',
  };
}

function hex64(seed: string): string {
  return `${uidFor(seed)}${uidFor(`${seed}/2`)}`.replaceAll('-', '');
}

function containerStatus(c: ContainerPlan, run: ContainerRun, podUid: string, podName: string, namespace: string): Obj {
  const id = `containerd://${hex64(`${podUid}/${c.name}`)}`;
  const imageID = `${c.image.split(':')[0] as string}@sha256:${hex64(c.image)}`;
  const base = { name: c.name, image: c.image, imageID, containerID: id };
  switch (run.state) {
    case 'running':
      return {
        ...base,
        state: { running: { startedAt: rfc3339(run.startedAt) } },
        lastState: run.lastExit !== undefined ? { terminated: { exitCode: 255, reason: 'Unknown', startedAt: rfc3339(run.lastExit - DAY), finishedAt: rfc3339(run.lastExit), containerID: id } } : {},
        // On an unreachable node the controller flips only the pod's Ready condition; what the kubelet last said stays.
        ready: run.ready,
        restartCount: run.restarts,
        started: true,
      };
    case 'crashloop':
      return {
        ...base,
        state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 5m0s restarting failed container=${c.name} pod=${podName}_${namespace}(${podUid})` } },
        lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: rfc3339(run.lastExit - 11_000), finishedAt: rfc3339(run.lastExit), containerID: id } },
        ready: false,
        restartCount: run.restarts,
        started: false,
      };
    default:
      return {
        ...base,
        state: { terminated: { exitCode: run.exitCode, reason: run.state === 'completed' ? 'Completed' : 'Error', startedAt: rfc3339(run.startedAt), finishedAt: rfc3339(run.finishedAt), containerID: id } },
        lastState: {},
        ready: false,
        restartCount: 0,
        started: false,
      };
  }
}

function buildPod(plan: ClusterPlan, p: PodPlan, podIp: string | null, now: number): BuiltPod {
  const m = meta(plan, 'Pod', p.name, p.namespace, p.createdAt, {
    ...(p.labels ? { labels: p.labels } : {}),
    ...(p.annotations ? { annotations: p.annotations } : {}),
    ...(p.owner ? { ownerReferences: [ownerRef(p.owner.apiVersion, p.owner.kind, p.owner.name, p.owner.uid)] } : {}),
  });
  const uid = m.uid as string;
  const node = p.node;
  const unknownSince = node?.unknownSince ?? null;
  const daemon = p.owner?.kind === 'DaemonSet' || p.owner?.kind === 'Node';
  // Taint-based eviction: after tolerationSeconds on an unreachable node the pod is deleted; with no kubelet to confirm, it stays Terminating.
  const evictedAt = unknownSince !== null && !daemon ? unknownSince + EVICTION_TOLERATION_MS : null;
  if (evictedAt !== null && now >= evictedAt) {
    m.deletionTimestamp = rfc3339(evictedAt + 30_000);
    m.deletionGracePeriodSeconds = 30;
  }
  const statuses = p.containers.map((c, i) => containerStatus(c, p.runs[i] as ContainerRun, uid, p.name, p.namespace));
  const terminal = p.runs.every((r) => r.state === 'completed' || r.state === 'failed');
  const phase = p.unschedulable ? 'Pending' : terminal ? (p.runs.some((r) => r.state === 'failed') ? 'Failed' : 'Succeeded') : 'Running';
  const containersReady = !p.unschedulable && p.runs.every((r) => r.state === 'running' && r.ready);
  const ready = containersReady && unknownSince === null;
  const startedAt = p.createdAt + 2_000;
  const readyAt = Math.max(startedAt, ...p.runs.map((r) => (r.state === 'running' ? r.startedAt + 5_000 : r.state === 'crashloop' ? r.since : r.startedAt)));
  const notReady = p.runs.filter((r) => !(r.state === 'running' && r.ready)).map((_, i) => p.containers[i]?.name);
  const conditions: Obj[] = p.unschedulable
    ? [{ type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: rfc3339(p.createdAt), reason: 'Unschedulable', message: p.unschedulable }]
    : [
        { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(startedAt), ...(terminal ? { reason: 'PodCompleted' } : {}) },
        unknownSince !== null
          ? { type: 'Ready', status: 'False', lastProbeTime: null, lastTransitionTime: rfc3339(unknownSince) }
          : ready
            ? { type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(readyAt) }
            : { type: 'Ready', status: 'False', lastProbeTime: null, lastTransitionTime: rfc3339(readyAt), reason: terminal ? 'PodCompleted' : 'ContainersNotReady', ...(terminal ? {} : { message: `containers with unready status: [${notReady.join(' ')}]` }) },
        containersReady
          ? { type: 'ContainersReady', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(readyAt) }
          : { type: 'ContainersReady', status: 'False', lastProbeTime: null, lastTransitionTime: rfc3339(readyAt), reason: terminal ? 'PodCompleted' : 'ContainersNotReady', ...(terminal ? {} : { message: `containers with unready status: [${notReady.join(' ')}]` }) },
        { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(p.createdAt) },
      ];
  const hostIp = node?.server.ip;
  const ip = p.unschedulable ? null : p.hostNetwork ? (hostIp ?? null) : podIp;
  const object = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: m,
    spec: {
      ...podSpecCommon(p, node && !p.unschedulable ? node.server.name : undefined),
      tolerations: p.tolerations ?? DEFAULT_TOLERATIONS,
      ...(p.priorityClassName ? { priorityClassName: p.priorityClassName, priority: p.priorityClassName === 'system-node-critical' ? 2000001000 : 2000000000 } : { priority: 0 }),
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
    },
    status: {
      phase,
      conditions,
      ...(hostIp && !p.unschedulable ? { hostIP: hostIp, hostIPs: [{ ip: hostIp }] } : {}),
      ...(ip ? { podIP: ip, podIPs: [{ ip }] } : {}),
      ...(p.unschedulable ? {} : { startTime: rfc3339(p.createdAt + 1_000) }),
      ...(p.initContainers && !p.unschedulable
        ? {
            initContainerStatuses: p.initContainers.map((c) =>
              containerStatus(c, { state: 'completed', startedAt: startedAt - 4_000, finishedAt: startedAt - 1_000, exitCode: 0 }, uid, p.name, p.namespace),
            ),
          }
        : {}),
      ...(p.unschedulable ? {} : { containerStatuses: statuses }),
      qosClass: p.containers.every((c) => c.limits && c.requests && c.limits.cpu === c.requests.cpu && c.limits.memory === c.requests.memory) ? 'Guaranteed' : p.containers.some((c) => c.requests || c.limits) ? 'Burstable' : 'BestEffort',
    },
  } as KubeObject;
  return { plan: p, object, ready, ip };
}

/** `4Gi`-style memory from MiB, `Ki` for node capacity as the kubelet reports it. */
function kib(mb: number): string {
  return `${mb * 1024}Ki`;
}

function nodeObject(plan: ClusterPlan, n: NodeState, index: number): KubeObject {
  const s = n.server;
  const master = isMaster(s);
  const flavor = n.flavor;
  const cpu = flavor?.vcpus ?? 4;
  const memMb = flavor?.ramMb ?? 8192;
  const diskGb = flavor?.diskGb ?? 50;
  const joinedAt = (s.launchedAt ?? s.createdAt) + 90_000;
  const heartbeat = Math.max(joinedAt, Math.floor(n.lastRenew / (5 * MINUTE)) * 5 * MINUTE);
  const unknown = n.unknownSince;
  const condition = (type: string, ok: string, reason: string, message: string): Obj =>
    unknown !== null
      ? { type, status: 'Unknown', lastHeartbeatTime: rfc3339(heartbeat), lastTransitionTime: rfc3339(unknown), reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' }
      : { type, status: ok, lastHeartbeatTime: rfc3339(heartbeat), lastTransitionTime: rfc3339(joinedAt + 20_000), reason, message };
  const taints: Obj[] = [];
  if (master) taints.push({ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' });
  if (unknown !== null) {
    taints.push({ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule', timeAdded: rfc3339(unknown) });
    taints.push({ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: rfc3339(unknown) });
  }
  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/instance-type': flavor?.name ?? 'unknown',
    'beta.kubernetes.io/os': 'linux',
    'failure-domain.beta.kubernetes.io/region': plan.regionId,
    'failure-domain.beta.kubernetes.io/zone': s.availabilityZone,
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': s.name,
    'kubernetes.io/os': 'linux',
    ...(master ? { 'node-role.kubernetes.io/control-plane': '', 'node.kubernetes.io/exclude-from-external-load-balancers': '' } : {}),
    'node.kubernetes.io/instance-type': flavor?.name ?? 'unknown',
    'topology.kubernetes.io/region': plan.regionId,
    'topology.kubernetes.io/zone': s.availabilityZone,
  };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: meta(plan, 'Node', s.name, null, joinedAt, {
      labels,
      annotations: {
        'kubeadm.alpha.kubernetes.io/cri-socket': 'unix:///var/run/containerd/containerd.sock',
        'node.alpha.kubernetes.io/ttl': '0',
        'projectcalico.org/IPv4Address': `${s.ip}/16`,
        'projectcalico.org/IPv4IPIPTunnelAddr': `10.244.${index}.1`,
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    }),
    spec: {
      podCIDR: `10.244.${index}.0/24`,
      podCIDRs: [`10.244.${index}.0/24`],
      providerID: `openstack:///${s.id}`,
      ...(taints.length ? { taints } : {}),
    },
    status: {
      capacity: { cpu: String(cpu), 'ephemeral-storage': kib(diskGb * 1024), 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: kib(memMb), pods: '110' },
      allocatable: { cpu: `${cpu * 1000 - 100}m`, 'ephemeral-storage': String(Math.floor(diskGb * 1024 ** 3 * 0.9)), 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: kib(memMb - 400), pods: '110' },
      conditions: [
        { type: 'NetworkUnavailable', status: 'False', lastHeartbeatTime: rfc3339(joinedAt + 30_000), lastTransitionTime: rfc3339(joinedAt + 30_000), reason: 'CalicoIsUp', message: 'Calico is running on this node' },
        condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status. AppArmor enabled'),
      ],
      addresses: [
        { type: 'InternalIP', address: s.ip },
        { type: 'Hostname', address: s.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: uidFor(`machine/${s.id}`).replaceAll('-', ''),
        systemUUID: s.id,
        bootID: uidFor(`boot/${s.id}/${s.launchedAt ?? 0}`),
        kernelVersion: '5.15.0-91-generic',
        osImage: 'Ubuntu 22.04.3 LTS',
        containerRuntimeVersion: 'containerd://1.7.2',
        kubeletVersion: n.kubeletVersion,
        kubeProxyVersion: n.kubeletVersion,
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  } as KubeObject;
}

function leaseObject(plan: ClusterPlan, n: NodeState, nodeUid: string): KubeObject {
  const s = n.server;
  const joinedAt = (s.launchedAt ?? s.createdAt) + 90_000;
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: meta(plan, 'Lease', s.name, 'kube-node-lease', joinedAt, { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: s.name, uid: nodeUid }] }),
    spec: { holderIdentity: s.name, leaseDurationSeconds: 40, renewTime: microTime(Math.floor(n.lastRenew / 10_000) * 10_000) },
  } as KubeObject;
}

interface Workload {
  kind: 'Deployment' | 'DaemonSet' | 'StatefulSet';
  name: string;
  /** The label selector's matchLabels. */
  selector: Record<string, string>;
  namespace: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  replicas: number;
  pods: BuiltPod[];
  template: PodPlan;
  createdAt: number;
  uid: string;
  rsName?: string;
  rsUid?: string;
  /** A Deployment's rollout history, oldest first: one ReplicaSet per revision, the last one current and scaled up. */
  revisions?: DeploymentRevision[];
  tolerations?: Obj[];
  volumeClaimTemplates?: Obj[];
  serviceName?: string;
}

interface DeploymentRevision {
  rsName: string;
  rsUid: string;
  hash: string;
  createdAt: number;
  containers: ContainerPlan[];
}

interface Builder {
  plan: ClusterPlan;
  now: number;
  nodes: NodeState[];
  workers: NodeState[];
  masters: NodeState[];
  faults: ClusterFaultView;
  pods: BuiltPod[];
  workloads: Workload[];
  podCounter: Map<NodeState, number>;
  out: ClusterObjects;
  events: KubeObject[];
}

function push(b: Builder, resource: string, object: KubeObject): void {
  const list = b.out.get(resource);
  if (list) list.push(object);
  else b.out.set(resource, [object]);
}

function allocateIp(b: Builder, node: NodeState): string {
  const n = (b.podCounter.get(node) ?? 1) + 1;
  b.podCounter.set(node, n);
  return `10.244.${nodeIndexOf(b.nodes, node)}.${n}`;
}

function addPod(b: Builder, p: PodPlan): BuiltPod {
  const ip = p.node && !p.hostNetwork && !p.unschedulable ? allocateIp(b, p.node) : null;
  const pod = buildPod(b.plan, p, ip, b.now);
  b.pods.push(pod);
  return pod;
}

function running(b: Builder, createdAt: number, ready = true, restarts = 0): ContainerRun {
  return { state: 'running', startedAt: createdAt + 3_000, ready, restarts };
}

function daemonSet(b: Builder, name: string, containers: ContainerPlan[], initContainers: ContainerPlan[] | undefined, runFor: (node: NodeState, pod: string) => ContainerRun[]): void {
  const createdAt = b.plan.createdAt + 4 * MINUTE;
  const uid = uidFor(`${b.plan.name}/DaemonSet/kube-system/${name}`);
  const labels = { 'k8s-app': name };
  const hash = templateHash(`${b.plan.name}/${name}`).slice(0, 9).replace(/^./, '7');
  const w: Workload = { kind: 'DaemonSet', name, selector: labels, namespace: 'kube-system', labels, replicas: b.nodes.length, pods: [], template: undefined as unknown as PodPlan, createdAt, uid };
  for (const node of b.nodes) {
    const podName = `${name}-${nameSuffix(`${b.plan.name}/${name}/${node.server.name}`)}`;
    const podCreated = Math.max(createdAt, (node.server.launchedAt ?? node.server.createdAt) + 100_000);
    const plan: PodPlan = {
      name: podName,
      namespace: 'kube-system',
      labels: { ...labels, 'controller-revision-hash': hash, 'pod-template-generation': '1' },
      owner: { apiVersion: 'apps/v1', kind: 'DaemonSet', name, uid },
      node,
      hostNetwork: true,
      containers,
      initContainers,
      runs: runFor(node, podName),
      createdAt: podCreated,
      priorityClassName: 'system-node-critical',
      tolerations: DAEMON_TOLERATIONS,
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      serviceAccountName: name,
      restartPolicy: 'Always',
    };
    w.template ??= plan;
    w.pods.push(addPod(b, plan));
  }
  if (!w.template) w.template = { name, namespace: 'kube-system', labels, owner: null, node: null, hostNetwork: true, containers, initContainers, runs: [], createdAt, serviceAccountName: name, restartPolicy: 'Always', tolerations: DAEMON_TOLERATIONS, priorityClassName: 'system-node-critical', nodeSelector: { 'kubernetes.io/os': 'linux' } };
  b.workloads.push(w);
}

function deployment(
  b: Builder,
  namespace: string,
  name: string,
  replicas: number,
  containers: ContainerPlan[],
  options: {
    labels?: Record<string, string>;
    extraLabels?: Record<string, string>;
    annotations?: Record<string, string>;
    /** Annotations on the Deployment itself (owners, rollout owners). */
    workloadAnnotations?: Record<string, string>;
    on?: NodeState[];
    tolerations?: Obj[];
    createdAt?: number;
    runFor?: (i: number, createdAt: number) => ContainerRun[];
    priorityClassName?: string;
    serviceAccountName?: string;
    /** The first container's image at each revision and when it rolled out, oldest first; the last is what runs. */
    revisions?: { image: string; at: number }[];
  },
): void {
  const createdAt = options.createdAt ?? b.plan.createdAt + 6 * MINUTE;
  const selectorLabels = options.labels ?? { app: name };
  const uid = uidFor(`${b.plan.name}/Deployment/${namespace}/${name}`);
  const revisionOf = (hash: string, at: number, cs: ContainerPlan[]): DeploymentRevision => {
    const rsName = `${name}-${hash}`;
    return { rsName, rsUid: uidFor(`${b.plan.name}/ReplicaSet/${namespace}/${rsName}`), hash, createdAt: at, containers: cs };
  };
  const revisions = options.revisions?.length
    ? options.revisions.map((r, i) => revisionOf(templateHash(`${b.plan.name}/${namespace}/${name}#${i + 1}`), r.at, [{ ...(containers[0] as ContainerPlan), image: r.image }, ...containers.slice(1)]))
    : [revisionOf(templateHash(`${b.plan.name}/${namespace}/${name}`), createdAt + 1_000, containers)];
  const current = revisions[revisions.length - 1] as DeploymentRevision;
  const { hash, rsName, rsUid } = current;
  containers = current.containers;
  const on = options.on ?? b.workers;
  const w: Workload = { kind: 'Deployment', name, selector: selectorLabels, namespace, labels: { ...selectorLabels, ...options.extraLabels }, ...(options.workloadAnnotations ? { annotations: options.workloadAnnotations } : {}), replicas, pods: [], template: undefined as unknown as PodPlan, createdAt, uid, rsName, rsUid, revisions, tolerations: options.tolerations };
  const offset = pickIndex(`${b.plan.name}/${namespace}/${name}`, Math.max(1, on.length));
  for (let i = 0; i < replicas; i++) {
    const node = on.length ? (on[(offset + i) % on.length] as NodeState) : null;
    // A pod is never older than the node it runs on (the ReplicaSet replaced it when an older node went).
    const podCreated = Math.max(createdAt + 30_000 + i * 1_000, current.createdAt + 29_000 + i * 1_000, node ? joinedAt(node) + 60_000 + i * 1_000 : 0);
    const plan: PodPlan = {
      name: `${rsName}-${nameSuffix(`${b.plan.name}/${namespace}/${rsName}/${i}`)}`,
      namespace,
      labels: { ...selectorLabels, ...options.extraLabels, 'pod-template-hash': hash },
      ...(options.annotations ? { annotations: options.annotations } : {}),
      owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rsName, uid: rsUid },
      node,
      hostNetwork: false,
      containers,
      runs: options.runFor ? options.runFor(i, podCreated) : containers.map(() => running(b, podCreated)),
      createdAt: podCreated,
      ...(options.priorityClassName ? { priorityClassName: options.priorityClassName } : {}),
      tolerations: [...(options.tolerations ?? []), ...DEFAULT_TOLERATIONS],
      serviceAccountName: options.serviceAccountName ?? 'default',
      restartPolicy: 'Always',
      ...(node ? {} : { unschedulable: `0/${b.nodes.length} nodes are available: ${b.nodes.length} node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. preemption: 0/${b.nodes.length} nodes are available: ${b.nodes.length} Preemption is not helpful for scheduling..` }),
    };
    w.template ??= plan;
    w.pods.push(addPod(b, plan));
  }
  w.template ??= { name, namespace, labels: { ...selectorLabels, ...options.extraLabels, 'pod-template-hash': hash }, owner: null, node: null, hostNetwork: false, containers, runs: [], createdAt, serviceAccountName: options.serviceAccountName ?? 'default', restartPolicy: 'Always', tolerations: options.tolerations };
  b.workloads.push(w);
}

/** The spec fields a pod and its workload's template share, in the API server's order (`nodeName` only on a scheduled pod). */
function podSpecCommon(p: PodPlan, nodeName?: string): Obj {
  return {
    ...(p.volumes ? { volumes: p.volumes } : {}),
    ...(p.initContainers ? { initContainers: p.initContainers.map(containerSpec) } : {}),
    containers: p.containers.map(containerSpec),
    restartPolicy: p.restartPolicy,
    terminationGracePeriodSeconds: 30,
    dnsPolicy: p.hostNetwork ? 'ClusterFirstWithHostNet' : 'ClusterFirst',
    ...(p.nodeSelector ? { nodeSelector: p.nodeSelector } : {}),
    serviceAccountName: p.serviceAccountName,
    serviceAccount: p.serviceAccountName,
    ...(nodeName !== undefined ? { nodeName } : {}),
    ...(p.hostNetwork ? { hostNetwork: true } : {}),
    securityContext: {},
    schedulerName: 'default-scheduler',
  };
}

function podTemplate(p: PodPlan, dropHash = false): Obj {
  const labels = { ...p.labels };
  if (dropHash) delete labels['pod-template-hash'];
  delete labels['controller-revision-hash'];
  delete labels['pod-template-generation'];
  delete labels['statefulset.kubernetes.io/pod-name'];
  delete labels['apps.kubernetes.io/pod-index'];
  return {
    metadata: { creationTimestamp: null, labels, ...(p.annotations ? { annotations: p.annotations } : {}) },
    spec: {
      ...podSpecCommon(p),
      ...(p.tolerations && p.owner?.kind !== 'ReplicaSet' ? { tolerations: p.tolerations } : {}),
      ...(p.owner?.kind === 'ReplicaSet' && p.tolerations ? { tolerations: p.tolerations.filter((t) => !DEFAULT_TOLERATIONS.includes(t)) } : {}),
      ...(p.priorityClassName ? { priorityClassName: p.priorityClassName } : {}),
    },
  };
}

function emitWorkloads(b: Builder): void {
  for (const w of b.workloads) {
    const ready = w.pods.filter((p) => p.ready).length;
    const current = w.pods.filter((p) => !p.plan.unschedulable).length;
    const selector = { matchLabels: w.selector };
    const revisions = w.revisions ?? [];
    const generation = Math.max(1, revisions.length);
    const m = meta(b.plan, w.kind, w.name, w.namespace, w.createdAt, {
      labels: w.labels,
      generation,
      ...(w.kind === 'Deployment' ? { annotations: { ...w.annotations, 'deployment.kubernetes.io/revision': String(generation) } } : w.annotations ? { annotations: w.annotations } : {}),
    });
    if (w.kind === 'Deployment') {
      const available = ready >= w.replicas;
      push(b, 'apps/deployments', {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: m,
        spec: {
          replicas: w.replicas,
          selector,
          template: podTemplate(w.template, true),
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
          revisionHistoryLimit: 10,
          progressDeadlineSeconds: 600,
        },
        status: {
          observedGeneration: generation,
          replicas: w.replicas,
          updatedReplicas: w.replicas,
          ...(ready ? { readyReplicas: ready, availableReplicas: ready } : {}),
          ...(w.replicas - ready > 0 ? { unavailableReplicas: w.replicas - ready } : {}),
          conditions: [
            available
              ? { type: 'Available', status: 'True', lastUpdateTime: rfc3339(w.createdAt + 60_000), lastTransitionTime: rfc3339(w.createdAt + 60_000), reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
              : { type: 'Available', status: 'False', lastUpdateTime: rfc3339(w.createdAt + 60_000), lastTransitionTime: rfc3339(w.createdAt + 60_000), reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
            { type: 'Progressing', status: 'True', lastUpdateTime: rfc3339(Math.max(w.createdAt, (revisions[revisions.length - 1]?.createdAt ?? 0) - 1_000) + 60_000), lastTransitionTime: rfc3339(w.createdAt), reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${w.rsName}" has successfully progressed.` },
          ],
        },
      } as KubeObject);
      // Old revisions stay as ReplicaSets scaled to 0, as the Deployment controller keeps them for rollbacks.
      revisions.forEach((r, i) => {
        const live = i === revisions.length - 1;
        const replicas = live ? w.replicas : 0;
        const plan: PodPlan = { ...w.template, containers: r.containers, labels: { ...w.template.labels, 'pod-template-hash': r.hash } };
        const rsReady = live ? ready : 0;
        push(b, 'apps/replicasets', {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          metadata: meta(b.plan, 'ReplicaSet', r.rsName, w.namespace, r.createdAt, {
            labels: plan.labels,
            annotations: { 'deployment.kubernetes.io/desired-replicas': String(w.replicas), 'deployment.kubernetes.io/max-replicas': String(w.replicas + Math.ceil(w.replicas / 4)), 'deployment.kubernetes.io/revision': String(i + 1) },
            ownerReferences: [ownerRef('apps/v1', 'Deployment', w.name, w.uid)],
            generation: live ? 1 : 2,
          }),
          spec: { replicas, selector: { matchLabels: { ...selector.matchLabels, 'pod-template-hash': r.hash } }, template: podTemplate(plan) },
          status: { replicas, ...(replicas ? { fullyLabeledReplicas: replicas } : {}), ...(rsReady ? { readyReplicas: rsReady, availableReplicas: rsReady } : {}), observedGeneration: live ? 1 : 2 },
        } as KubeObject);
      });
    } else if (w.kind === 'DaemonSet') {
      push(b, 'apps/daemonsets', {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { ...m, annotations: { 'deprecated.daemonset.template.generation': '1' } },
        spec: { selector, template: podTemplate(w.template), updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }, revisionHistoryLimit: 10 },
        status: {
          currentNumberScheduled: current,
          numberMisscheduled: 0,
          desiredNumberScheduled: w.replicas,
          numberReady: ready,
          observedGeneration: 1,
          updatedNumberScheduled: current,
          ...(ready ? { numberAvailable: ready } : {}),
          ...(w.replicas - ready > 0 ? { numberUnavailable: w.replicas - ready } : {}),
        },
      } as KubeObject);
    } else {
      push(b, 'apps/statefulsets', {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: m,
        spec: {
          replicas: w.replicas,
          selector,
          template: podTemplate(w.template),
          serviceName: w.serviceName,
          podManagementPolicy: 'OrderedReady',
          updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
          revisionHistoryLimit: 10,
          volumeClaimTemplates: w.volumeClaimTemplates ?? [],
          persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        },
        status: {
          observedGeneration: 1,
          replicas: current,
          readyReplicas: ready,
          currentReplicas: current,
          updatedReplicas: current,
          currentRevision: `${w.name}-${w.template.labels['controller-revision-hash'] ?? ''}`,
          updateRevision: `${w.name}-${w.template.labels['controller-revision-hash'] ?? ''}`,
          collisionCount: 0,
          availableReplicas: ready,
        },
      } as KubeObject);
    }
  }
}

function staticPods(b: Builder): void {
  const components: [string, string, string[], { cpu: string; memory?: string }][] = [
    ['etcd', 'registry.k8s.io/etcd:3.5.12-0', ['etcd', '--advertise-client-urls=https://{ip}:2379', '--data-dir=/var/lib/etcd'], { cpu: '100m', memory: '100Mi' }],
    ['kube-apiserver', `registry.k8s.io/kube-apiserver:${b.plan.version}`, ['kube-apiserver', '--advertise-address={ip}', '--secure-port=6443'], { cpu: '250m' }],
    ['kube-controller-manager', `registry.k8s.io/kube-controller-manager:${b.plan.version}`, ['kube-controller-manager', '--node-monitor-grace-period=40s'], { cpu: '200m' }],
    ['kube-scheduler', `registry.k8s.io/kube-scheduler:${b.plan.version}`, ['kube-scheduler', '--leader-elect=true'], { cpu: '100m' }],
  ];
  for (const node of b.masters) {
    const nodeUid = uidFor(`${b.plan.name}/Node//${node.server.name}`);
    for (const [component, image, command, requests] of components) {
      const created = (node.server.launchedAt ?? node.server.createdAt) + 95_000;
      const hash = uidFor(`${b.plan.name}/${node.server.name}/${component}/manifest`).replaceAll('-', '').slice(0, 32);
      addPod(b, {
        name: `${component}-${node.server.name}`,
        namespace: 'kube-system',
        labels: { component, tier: 'control-plane' },
        annotations: {
          ...(component === 'kube-apiserver' ? { 'kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint': `${node.server.ip}:6443` } : {}),
          ...(component === 'etcd' ? { 'kubeadm.kubernetes.io/etcd.advertise-client-urls': `https://${node.server.ip}:2379` } : {}),
          'kubernetes.io/config.hash': hash,
          'kubernetes.io/config.mirror': hash,
          'kubernetes.io/config.seen': `${new Date(created - 5_000).toISOString().slice(0, 23)}312458Z`,
          'kubernetes.io/config.source': 'file',
        },
        owner: { apiVersion: 'v1', kind: 'Node', name: node.server.name, uid: nodeUid },
        node,
        hostNetwork: true,
        containers: [{ name: component, image, command: command.map((c) => c.replace('{ip}', node.server.ip)), requests: requests.memory ? { cpu: requests.cpu, memory: requests.memory } : undefined, probePort: component === 'etcd' ? 2381 : component === 'kube-apiserver' ? 6443 : component === 'kube-scheduler' ? 10259 : 10257 }],
        runs: [running(b, created)],
        createdAt: created,
        priorityClassName: 'system-node-critical',
        tolerations: [{ operator: 'Exists', effect: 'NoExecute' }],
        serviceAccountName: '',
        restartPolicy: 'Always',
      });
    }
  }
}

function calicoRuns(b: Builder, node: NodeState): ContainerRun[] {
  const crash = b.faults.calicoCrashloop.get(node.server.id);
  const joined = (node.server.launchedAt ?? node.server.createdAt) + 100_000;
  if (!crash) return [running(b, joined)];
  // Back-off doubles up to five minutes: the restarts the fault says it had, then one per five minutes.
  const restarts = crash.restarts + Math.max(0, Math.floor((b.now - crash.countedFrom) / (5 * MINUTE)));
  const lastExit = b.now - ((b.now - crash.since) % (5 * MINUTE)) - 20_000;
  return [{ state: 'crashloop', since: crash.since, restarts, lastExit }];
}

function kubeSystem(b: Builder): void {
  daemonSet(
    b,
    'calico-node',
    [{ name: 'calico-node', image: `docker.io/calico/node:${CALICO_VERSION}`, requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' }, probePort: 9099 }],
    [
      { name: 'upgrade-ipam', image: `docker.io/calico/cni:${CALICO_VERSION}`, command: ['/opt/cni/bin/calico-ipam', '-upgrade'] },
      { name: 'install-cni', image: `docker.io/calico/cni:${CALICO_VERSION}`, command: ['/opt/cni/bin/install'] },
      { name: 'mount-bpffs', image: `docker.io/calico/node:${CALICO_VERSION}`, command: ['calico-node', '-init', '-best-effort'] },
    ],
    (node) => calicoRuns(b, node),
  );
  daemonSet(b, 'kube-proxy', [{ name: 'kube-proxy', image: `registry.k8s.io/kube-proxy:${b.plan.version}`, command: ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf', '--hostname-override=$(NODE_NAME)'], requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } }], undefined, (node) => [
    running(b, (node.server.launchedAt ?? node.server.createdAt) + 100_000),
  ]);
  const anywhere = b.workers.length ? b.workers : b.masters;
  deployment(
    b,
    'kube-system',
    'coredns',
    2,
    [
      {
        name: 'coredns',
        image: COREDNS_IMAGE,
        ports: [
          { name: 'dns', containerPort: 53, protocol: 'UDP' },
          { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
          { name: 'metrics', containerPort: 9153, protocol: 'TCP' },
        ],
        requests: { cpu: '100m', memory: '70Mi' },
        limits: { memory: '170Mi' },
        probePort: 8080,
      },
    ],
    { labels: { 'k8s-app': 'kube-dns' }, on: anywhere, tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }, CONTROL_PLANE_TOLERATION], priorityClassName: 'system-cluster-critical', serviceAccountName: 'coredns', createdAt: b.plan.createdAt + 3 * MINUTE },
  );
  deployment(
    b,
    'kube-system',
    'calico-kube-controllers',
    1,
    [{ name: 'calico-kube-controllers', image: `docker.io/calico/kube-controllers:${CALICO_VERSION}`, requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' }, probePort: 9094 }],
    { labels: { 'k8s-app': 'calico-kube-controllers' }, on: anywhere, tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }, CONTROL_PLANE_TOLERATION], priorityClassName: 'system-cluster-critical', serviceAccountName: 'calico-kube-controllers', createdAt: b.plan.createdAt + 4 * MINUTE },
  );
  staticPods(b);
}

function appContainers(team: string, component: string, port: number): ContainerPlan[] {
  return [
    { name: component, image: `harbor.krane.local/${team}/${component}:2.14.3`, ports: [{ name: 'http', containerPort: port, protocol: 'TCP' }], requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' }, probePort: port },
    { name: 'istio-proxy', image: ISTIO_PROXY_IMAGE, ports: [{ name: 'http-envoy-prom', containerPort: 15090, protocol: 'TCP' }], requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2', memory: '1Gi' }, probePort: 15021, readinessOnly: true },
  ];
}

function appAnnotations(component: string): Record<string, string> {
  return { 'kubectl.kubernetes.io/default-container': component, 'sidecar.istio.io/status': '{"initContainers":null,"containers":["istio-proxy"],"volumes":["istio-envoy","istio-data"]}' };
}

function teamLabels(team: string): Record<string, string> {
  return { 'app.kubernetes.io/part-of': team, team, owner: `${team}-platform` };
}

function appNamespace(b: Builder): void {
  const team = b.plan.team;
  const ns = team;
  const created = b.plan.createdAt + 2 * HOUR;
  const unready = b.faults.serviceEndpoints;
  for (const [component, replicas, port] of [
    ['api', 3, 8080],
    ['web', 2, 8080],
  ] as const) {
    const name = `${team}-${component}`;
    deployment(b, ns, name, replicas, appContainers(team, name, port), {
      labels: { app: name },
      extraLabels: teamLabels(team),
      annotations: appAnnotations(name),
      createdAt: created,
      // service-endpoints: one of the API's pods fails its readiness probe (the Service is partly available).
      runFor: (i, podCreated) => [running(b, podCreated, !(unready !== null && component === 'api' && i === 0)), running(b, podCreated)],
    });
  }
  if (b.faults.workloadFailures !== null) evictedPod(b, ns, `${team}-web`, b.faults.workloadFailures - 40 * MINUTE);
  if (unready !== null) {
    const name = `${team}-checkout`;
    deployment(b, ns, name, 2, appContainers(team, name, 8080), {
      labels: { app: name },
      extraLabels: teamLabels(team),
      annotations: appAnnotations(name),
      createdAt: unready - 20 * MINUTE,
      runFor: (_, podCreated) => [running(b, podCreated, false), running(b, podCreated)],
    });
  }
  if (b.faults.controlPlaneWorkload !== null && b.masters.length > 0) {
    const name = `${team}-batch-worker`;
    deployment(b, ns, name, b.masters.length, appContainers(team, name, 8080), {
      labels: { app: name },
      extraLabels: teamLabels(team),
      annotations: appAnnotations(name),
      on: b.masters,
      tolerations: [CONTROL_PLANE_TOLERATION],
      createdAt: b.faults.controlPlaneWorkload - 3 * HOUR,
    });
  }
  ordersStages(b, ns, created);
  // The database: a StatefulSet with one claim from its template.
  const dbName = `${team}-db`;
  const dbUid = uidFor(`${b.plan.name}/StatefulSet/${ns}/${dbName}`);
  const revision = templateHash(`${b.plan.name}/${dbName}`);
  const dbNode = b.workers[pickIndex(`${b.plan.name}/db`, b.workers.length)] as NodeState;
  const claim = `data-${dbName}-0`;
  const dbPlan: PodPlan = {
    name: `${dbName}-0`,
    namespace: ns,
    labels: { app: dbName, ...teamLabels(team), 'apps.kubernetes.io/pod-index': '0', 'controller-revision-hash': `${dbName}-${revision}`, 'statefulset.kubernetes.io/pod-name': `${dbName}-0` },
    owner: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: dbName, uid: dbUid },
    node: dbNode,
    hostNetwork: false,
    containers: [{ name: 'postgres', image: 'docker.io/library/postgres:15.6', ports: [{ name: 'postgres', containerPort: 5432, protocol: 'TCP' }], requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '2', memory: '4Gi' }, probePort: 8008 }],
    runs: [running(b, Math.max(created + MINUTE, joinedAt(dbNode) + MINUTE))],
    createdAt: Math.max(created + MINUTE, joinedAt(dbNode) + MINUTE),
    serviceAccountName: 'default',
    restartPolicy: 'Always',
    volumes: [{ name: 'data', persistentVolumeClaim: { claimName: claim } }],
  };
  const dbPod = addPod(b, dbPlan);
  b.workloads.push({
    kind: 'StatefulSet',
    name: dbName,
    selector: { app: dbName },
    namespace: ns,
    labels: { app: dbName, ...teamLabels(team) },
    replicas: 1,
    pods: [dbPod],
    template: { ...dbPlan, labels: { ...dbPlan.labels, 'controller-revision-hash': revision } },
    createdAt: created,
    uid: dbUid,
    serviceName: dbName,
    volumeClaimTemplates: [{ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', creationTimestamp: null }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } }, storageClassName: STORAGE_CLASS, volumeMode: 'Filesystem' }, status: { phase: 'Pending' } }],
  });
  claimObjects(b, ns, claim, '20Gi', STORAGE_CLASS, created + MINUTE, { app: dbName });
  if (b.faults.workloadFailures !== null) claimObjects(b, ns, `${team}-uploads`, '100Gi', MISSING_STORAGE_CLASS, b.faults.workloadFailures - 30 * MINUTE, { app: `${team}-uploads` });
  cronJobs(b, ns, created);
  if (b.faults.unusedServices !== null) unusedServices(b, ns, b.faults.unusedServices);
}

/** The label tying a workload to its Kafka consumer group, as the unused-service detector reads it by default. */
export const CONSUMER_GROUP_LABEL = 'faultline.io/kafka-consumer-group';

/**
 * What the unused-services fault adds to a team's namespace, and what each one's
 * traffic was: the lab's Prometheus history is written from this same list, so the
 * objects and the metrics cannot disagree. Ages are before the fault.
 */
export interface UnusedServiceWorkload {
  readonly name: string;
  /** `http`: a Deployment behind a Service; `consumer`: a Kafka consumer without one; `cronjob`: a suspended CronJob. */
  readonly kind: 'http' | 'consumer' | 'cronjob';
  readonly idle: boolean;
  readonly ageDays: number;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly owner: string;
}

export function unusedServiceWorkloads(team: string): UnusedServiceWorkload[] {
  return [
    { name: `${team}-legacy-coupons`, kind: 'http', idle: true, ageDays: 120, owner: `${team}-promo` },
    { name: `${team}-audit-archiver`, kind: 'consumer', idle: true, ageDays: 90, owner: `${team}-security` },
    { name: `${team}-legacy-export`, kind: 'cronjob', idle: true, ageDays: 200, owner: `${team}-data` },
    // Decoys: no traffic either, but two days old, or scaled on a schedule; and a consumer that is busy.
    { name: `${team}-preview`, kind: 'http', idle: true, ageDays: 2, owner: `${team}-web` },
    {
      name: `${team}-month-end`,
      kind: 'http',
      idle: true,
      ageDays: 150,
      owner: `${team}-finance`,
      annotations: { 'downscaler/uptime': 'Mon-Sun 00:00-24:00 (last 3 days of the month)', 'downscaler/downtime-replicas': '1' },
    },
    { name: `${team}-orders-sink`, kind: 'consumer', idle: false, ageDays: 90, owner: `${team}-orders` },
  ];
}

function unusedServices(b: Builder, ns: string, at: number): void {
  for (const w of unusedServiceWorkloads(b.plan.team)) {
    const createdAt = at - w.ageDays * DAY;
    const labels = { ...teamLabels(b.plan.team), owner: w.owner, ...(w.kind === 'consumer' ? { [CONSUMER_GROUP_LABEL]: w.name } : {}) };
    if (w.kind === 'cronjob') {
      const container: ContainerPlan = { name: 'export', image: `harbor.krane.local/${b.plan.team}/${w.name}:0.9.2`, requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } };
      const lastRun = at - 30 * DAY;
      push(b, 'batch/cronjobs', {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: meta(b.plan, 'CronJob', w.name, ns, createdAt, { labels, generation: 2 }),
        spec: {
          schedule: '0 4 * * *',
          concurrencyPolicy: 'Forbid',
          suspend: true,
          jobTemplate: { metadata: { creationTimestamp: null }, spec: { backoffLimit: 6, template: { metadata: { creationTimestamp: null }, spec: { containers: [containerSpec(container)], restartPolicy: 'Never', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', securityContext: {}, schedulerName: 'default-scheduler' } } } },
          successfulJobsHistoryLimit: 1,
          failedJobsHistoryLimit: 1,
        },
        status: { lastScheduleTime: rfc3339(lastRun), lastSuccessfulTime: rfc3339(lastRun + 40_000) },
      } as KubeObject);
      continue;
    }
    deployment(b, ns, w.name, 1, appContainers(b.plan.team, w.name, 8080), {
      labels: { app: w.name },
      extraLabels: labels,
      annotations: appAnnotations(w.name),
      createdAt,
      ...(w.annotations ? { workloadAnnotations: w.annotations } : {}),
    });
  }
}

/**
 * A pod the kubelet evicted under disk pressure: Failed, reason Evicted, kept in
 * the API until someone deletes it. Its ReplicaSet has already replaced it, so it
 * is no replica of the workload.
 */
function evictedPod(b: Builder, ns: string, workload: string, at: number): void {
  const w = b.workloads.find((x) => x.namespace === ns && x.name === workload && x.kind === 'Deployment');
  if (!w || !w.rsName || !w.rsUid) return;
  const node = b.workers.find((n) => b.faults.workloadFailureNodes.has(n.server.id)) ?? b.workers[0] ?? null;
  const plan: PodPlan = {
    ...w.template,
    name: `${w.rsName}-${nameSuffix(`${b.plan.name}/${ns}/${w.rsName}/evicted`)}`,
    owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: w.rsName, uid: w.rsUid },
    node,
    runs: w.template.containers.map(() => ({ state: 'failed', startedAt: at, finishedAt: at + 20 * MINUTE, exitCode: 137 }) as ContainerRun),
    createdAt: at,
  };
  const pod = addPod(b, plan);
  const status = pod.object.status as Obj;
  status.reason = 'Evicted';
  status.message = 'The node was low on resource: ephemeral-storage. Threshold quantity: 4281126156, available: 3986120Ki. Container web was using 9812344Ki, request is 0, has larger consumption of ephemeral-storage.';
  delete status.podIP;
  delete status.podIPs;
}

/**
 * The team's orders service in two stages, canary and stable (label `track`, as in
 * the Kubernetes canary example), each with its rollout history. Healthy, the stable
 * was promoted to the canary's release two days after it; the rollout-lag fault
 * gives the canary a newer release that the stable never got.
 */
function ordersStages(b: Builder, ns: string, created: number): void {
  const team = b.plan.team;
  const service = `${team}-orders`;
  const image = (v: string): string => `harbor.krane.local/${team}/${service}:${v}`;
  const annotations = { 'faultline.io/deployers': `${team}-release-1, ${team}-release-2` };
  const canary = [
    { image: image('2.14.3'), at: created + 1_000 },
    { image: image('2.15.0'), at: created + 30 * DAY },
  ];
  if (b.faults.rolloutLag !== null) canary.push({ image: image('2.16.0'), at: Math.max(created + 31 * DAY, b.faults.rolloutLag) });
  const stable = [
    { image: image('2.14.3'), at: created + 2_000 },
    { image: image('2.15.0'), at: created + 32 * DAY },
  ];
  for (const [track, replicas, revisions] of [
    ['canary', 1, canary],
    ['stable', 2, stable],
  ] as const) {
    const name = `${service}-${track}`;
    deployment(b, ns, name, replicas, appContainers(team, service, 8080), {
      labels: { app: service, track },
      extraLabels: teamLabels(team),
      annotations: appAnnotations(service),
      workloadAnnotations: annotations,
      createdAt: created,
      revisions: [...revisions],
    });
  }
}

function claimObjects(b: Builder, ns: string, name: string, size: string, storageClass: string, createdAt: number, labels: Record<string, string>): void {
  const uid = uidFor(`${b.plan.name}/PersistentVolumeClaim/${ns}/${name}`);
  const bound = storageClass === STORAGE_CLASS;
  const pv = `pvc-${uid}`;
  push(b, 'persistentvolumeclaims', {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: meta(b.plan, 'PersistentVolumeClaim', name, ns, createdAt, {
      labels,
      annotations: bound ? { 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes', 'volume.beta.kubernetes.io/storage-provisioner': 'cinder.csi.openstack.org', 'volume.kubernetes.io/storage-provisioner': 'cinder.csi.openstack.org' } : {},
      finalizers: ['kubernetes.io/pvc-protection'],
    }),
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } }, storageClassName: storageClass, volumeMode: 'Filesystem', ...(bound ? { volumeName: pv } : {}) },
    status: bound ? { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: size } } : { phase: 'Pending' },
  } as KubeObject);
  if (bound) {
    push(b, 'persistentvolumes', {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: meta(b.plan, 'PersistentVolume', pv, null, createdAt + 3_000, { annotations: { 'pv.kubernetes.io/provisioned-by': 'cinder.csi.openstack.org' }, finalizers: ['kubernetes.io/pv-protection', 'external-attacher/cinder-csi-openstack-org'] }),
      spec: {
        capacity: { storage: size },
        csi: { driver: 'cinder.csi.openstack.org', volumeHandle: uidFor(`cinder/${pv}`), fsType: 'ext4' },
        accessModes: ['ReadWriteOnce'],
        claimRef: { kind: 'PersistentVolumeClaim', namespace: ns, name, uid, apiVersion: 'v1' },
        persistentVolumeReclaimPolicy: 'Delete',
        storageClassName: storageClass,
        volumeMode: 'Filesystem',
      },
      status: { phase: 'Bound' },
    } as KubeObject);
  } else {
    event(b, { kind: 'PersistentVolumeClaim', namespace: ns, name, uid, apiVersion: 'v1' }, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${storageClass}" not found`, 'persistentvolume-controller', undefined, createdAt, b.now - 15_000, Math.max(1, Math.floor((b.now - createdAt) / 15_000)));
  }
}

/** The team's report CronJob runs hourly at :17; its latest Job and pod are kept (history limit 1). */
function cronJobs(b: Builder, ns: string, created: number): void {
  const team = b.plan.team;
  const failures = b.faults.workloadFailures;
  const jobsSpec: { name: string; schedule: string; suspend: boolean; fail: boolean }[] = [{ name: `${team}-report`, schedule: '17 * * * *', suspend: false, fail: false }];
  if (failures !== null) {
    jobsSpec.push({ name: `${team}-settlement`, schedule: '5 * * * *', suspend: false, fail: true });
    jobsSpec.push({ name: `${team}-cleanup`, schedule: '30 2 * * *', suspend: true, fail: false });
  }
  for (const spec of jobsSpec) {
    const uid = uidFor(`${b.plan.name}/CronJob/${ns}/${spec.name}`);
    const minute = Number(spec.schedule.split(' ')[0]);
    const hourly = spec.schedule.split(' ')[1] === '*';
    let last = Math.floor((b.now - minute * MINUTE) / HOUR) * HOUR + minute * MINUTE;
    if (!hourly) last = Math.floor((b.now - 2.5 * HOUR) / DAY) * DAY + 2.5 * HOUR;
    if (spec.suspend && failures !== null) last = Math.min(last, failures - 3 * DAY);
    const cronCreated = spec.fail && failures !== null ? failures - 2 * HOUR : created;
    const container: ContainerPlan = { name: spec.name.slice(team.length + 1), image: `harbor.krane.local/${team}/${spec.name}:1.4.0`, requests: { cpu: '200m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } };
    const jobTemplate = {
      metadata: { creationTimestamp: null },
      spec: { backoffLimit: spec.fail ? 2 : 6, template: { metadata: { creationTimestamp: null }, spec: { containers: [containerSpec(container)], restartPolicy: 'Never', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', securityContext: {}, schedulerName: 'default-scheduler' } } },
    };
    const jobName = `${spec.name}-${Math.floor(last / MINUTE)}`;
    const jobUid = uidFor(`${b.plan.name}/Job/${ns}/${jobName}`);
    const hasJob = last > cronCreated;
    push(b, 'batch/cronjobs', {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: meta(b.plan, 'CronJob', spec.name, ns, cronCreated, { labels: teamLabels(team), generation: spec.suspend ? 2 : 1 }),
      spec: { schedule: spec.schedule, concurrencyPolicy: 'Forbid', suspend: spec.suspend, jobTemplate, successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 },
      status: hasJob ? { lastScheduleTime: rfc3339(last), ...(spec.fail ? {} : { lastSuccessfulTime: rfc3339(last + 40_000) }) } : {},
    } as KubeObject);
    if (!hasJob) continue;
    const done = b.now >= last + 40_000;
    const labels = { 'batch.kubernetes.io/controller-uid': jobUid, 'batch.kubernetes.io/job-name': jobName, 'controller-uid': jobUid, 'job-name': jobName };
    const attempts = spec.fail ? 3 : 1;
    const jobStatus = spec.fail
      ? {
          conditions: [{ type: 'Failed', status: 'True', lastProbeTime: rfc3339(last + 5 * MINUTE), lastTransitionTime: rfc3339(last + 5 * MINUTE), reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }],
          startTime: rfc3339(last + 1_000),
          failed: attempts,
          ready: 0,
          uncountedTerminatedPods: {},
        }
      : done
        ? { conditions: [{ type: 'Complete', status: 'True', lastProbeTime: rfc3339(last + 40_000), lastTransitionTime: rfc3339(last + 40_000) }], startTime: rfc3339(last + 1_000), completionTime: rfc3339(last + 40_000), succeeded: 1, ready: 0, uncountedTerminatedPods: {} }
        : { startTime: rfc3339(last + 1_000), active: 1, ready: 1, uncountedTerminatedPods: {} };
    push(b, 'batch/jobs', {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: meta(b.plan, 'Job', jobName, ns, last, { labels, annotations: { 'batch.kubernetes.io/job-tracking': '' }, ownerReferences: [ownerRef('batch/v1', 'CronJob', spec.name, uid)], generation: 1 }),
      spec: {
        parallelism: 1,
        completions: 1,
        backoffLimit: spec.fail ? 2 : 6,
        selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': jobUid } },
        manualSelector: false,
        template: { metadata: { creationTimestamp: null, labels }, spec: jobTemplate.spec.template.spec },
        completionMode: 'NonIndexed',
        suspend: false,
      },
      status: jobStatus,
    } as KubeObject);
    const nodes = b.workers.length ? b.workers : b.masters;
    for (let a = 0; a < attempts; a++) {
      const started = last + 2_000 + a * 60_000;
      const podName = `${jobName}-${nameSuffix(`${b.plan.name}/${jobName}/${a}`)}`;
      const run: ContainerRun = spec.fail ? { state: 'failed', startedAt: started + 2_000, finishedAt: started + 14_000, exitCode: 1 } : done ? { state: 'completed', startedAt: started + 2_000, finishedAt: last + 38_000, exitCode: 0 } : { state: 'running', startedAt: started + 2_000, ready: true, restarts: 0 };
      const pod = addPod(b, {
        name: podName,
        namespace: ns,
        labels,
        owner: { apiVersion: 'batch/v1', kind: 'Job', name: jobName, uid: jobUid },
        node: nodes[pickIndex(podName, nodes.length)] ?? null,
        hostNetwork: false,
        containers: [container],
        runs: [run],
        createdAt: started,
        serviceAccountName: 'default',
        restartPolicy: 'Never',
      });
      const ref = { kind: 'Pod', namespace: ns, name: podName, uid: pod.object.metadata.uid as string, apiVersion: 'v1' };
      event(b, ref, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${podName} to ${pod.plan.node?.server.name ?? ''}`, 'default-scheduler', undefined, started, started, 1);
      event(b, ref, 'Normal', 'Pulled', `Container image "${container.image}" already present on machine`, 'kubelet', pod.plan.node?.server.name, started + 1_000, started + 1_000, 1, `spec.containers{${container.name}}`);
      event(b, ref, 'Normal', 'Started', `Started container ${container.name}`, 'kubelet', pod.plan.node?.server.name, started + 2_000, started + 2_000, 1, `spec.containers{${container.name}}`);
    }
    const cronRef = { kind: 'CronJob', namespace: ns, name: spec.name, uid, apiVersion: 'batch/v1' };
    event(b, cronRef, 'Normal', 'SuccessfulCreate', `Created job ${jobName}`, 'cronjob-controller', undefined, last, last, 1);
    if (spec.fail) event(b, { kind: 'Job', namespace: ns, name: jobName, uid: jobUid, apiVersion: 'batch/v1' }, 'Warning', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit', 'job-controller', undefined, last + 5 * MINUTE, last + 5 * MINUTE, 1);
    else if (done) event(b, cronRef, 'Normal', 'SawCompletedJob', `Saw completed job: ${jobName}, status: Complete`, 'cronjob-controller', undefined, last + 41_000, last + 41_000, 1);
  }
}

function event(
  b: Builder,
  ref: { kind: string; namespace: string; name: string; uid: string; apiVersion: string },
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
  component: string,
  host: string | undefined,
  first: number,
  last: number,
  count: number,
  fieldPath?: string,
): void {
  // Events live an hour in etcd (the API server's --event-ttl).
  if (b.now - last > HOUR) return;
  const ns = ref.namespace || 'default';
  const name = `${ref.name}.${uidFor(`${ref.uid}/${reason}/${fieldPath ?? ''}`).replaceAll('-', '').slice(0, 16)}`;
  b.events.push({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: meta(b.plan, 'Event', name, ns, first),
    involvedObject: { kind: ref.kind, ...(ref.namespace ? { namespace: ref.namespace } : {}), name: ref.name, uid: ref.uid, apiVersion: ref.apiVersion, ...(fieldPath ? { fieldPath } : {}) },
    reason,
    message,
    source: { component, ...(host ? { host } : {}) },
    firstTimestamp: rfc3339(first),
    lastTimestamp: rfc3339(last),
    count,
    type,
    eventTime: null,
    reportingComponent: component,
    reportingInstance: host ?? '',
  } as KubeObject);
}

function services(b: Builder): void {
  const defs: { ns: string; name: string; selector: Record<string, string> | null; ports: { name: string; port: number; targetPort: number | string; protocol: 'TCP' | 'UDP' }[]; headless?: boolean; labels?: Record<string, string>; createdAt: number }[] = [
    { ns: 'default', name: 'kubernetes', selector: null, ports: [{ name: 'https', port: 443, targetPort: 6443, protocol: 'TCP' }], labels: { component: 'apiserver', provider: 'kubernetes' }, createdAt: b.plan.createdAt },
    {
      ns: 'kube-system',
      name: 'kube-dns',
      selector: { 'k8s-app': 'kube-dns' },
      ports: [
        { name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' },
        { name: 'dns-tcp', port: 53, targetPort: 53, protocol: 'TCP' },
        { name: 'metrics', port: 9153, targetPort: 9153, protocol: 'TCP' },
      ],
      labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' },
      createdAt: b.plan.createdAt + 3 * MINUTE,
    },
  ];
  const team = b.plan.team;
  if (b.workers.length > 0) {
    const created = b.plan.createdAt + 2 * HOUR;
    for (const c of ['api', 'web']) defs.push({ ns: team, name: `${team}-${c}`, selector: { app: `${team}-${c}` }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }], labels: { app: `${team}-${c}`, ...teamLabels(team) }, createdAt: created });
    defs.push({ ns: team, name: `${team}-db`, selector: { app: `${team}-db` }, ports: [{ name: 'tcp-postgres', port: 5432, targetPort: 5432, protocol: 'TCP' }], headless: true, labels: { app: `${team}-db`, ...teamLabels(team) }, createdAt: created });
    if (b.faults.serviceEndpoints !== null) defs.push({ ns: team, name: `${team}-checkout`, selector: { app: `${team}-checkout` }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }], labels: { app: `${team}-checkout`, ...teamLabels(team) }, createdAt: b.faults.serviceEndpoints - 20 * MINUTE });
    const unusedAt = b.faults.unusedServices;
    if (unusedAt !== null) {
      for (const w of unusedServiceWorkloads(team).filter((x) => x.kind === 'http')) {
        defs.push({ ns: team, name: w.name, selector: { app: w.name }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }], labels: { app: w.name, ...teamLabels(team), owner: w.owner }, createdAt: unusedAt - w.ageDays * DAY });
      }
    }
  }
  for (const d of defs) {
    const ip = d.headless ? 'None' : serviceIp(b.plan, `${d.ns}/${d.name}`);
    const svcMeta = meta(b.plan, 'Service', d.name, d.ns, d.createdAt, d.labels ? { labels: d.labels } : {});
    push(b, 'services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: svcMeta,
      spec: {
        ports: d.ports.map((p) => ({ name: p.name, protocol: p.protocol, port: p.port, targetPort: p.targetPort })),
        ...(d.selector ? { selector: d.selector } : {}),
        clusterIP: ip,
        clusterIPs: [ip],
        type: 'ClusterIP',
        sessionAffinity: 'None',
        ipFamilies: ['IPv4'],
        ipFamilyPolicy: 'SingleStack',
        internalTrafficPolicy: 'Cluster',
      },
      status: { loadBalancer: {} },
    } as KubeObject);
    // The targets: the API servers for `kubernetes`, else the pods the selector matches.
    type Target = { ip: string; ready: boolean; terminating: boolean; nodeName?: string; pod?: BuiltPod };
    let targets: Target[];
    if (!d.selector) {
      const masters = b.masters.filter((m) => m.unknownSince === null);
      targets = (masters.length ? masters.map((m) => m.server.ip) : ['127.0.0.1']).map((ip) => ({ ip, ready: true, terminating: false }));
    } else {
      const sel = d.selector;
      targets = b.pods
        .filter((p) => p.plan.namespace === d.ns && p.ip && p.object.status && (p.object.status as Obj).phase === 'Running' && Object.entries(sel).every(([k, v]) => p.plan.labels[k] === v))
        .map((p) => ({ ip: p.ip as string, ready: p.ready, terminating: p.object.metadata.deletionTimestamp !== undefined, nodeName: p.plan.node?.server.name, pod: p }));
    }
    const addr = (t: Target): Obj => ({ ip: t.ip, ...(t.nodeName ? { nodeName: t.nodeName } : {}), ...(t.pod ? { targetRef: { kind: 'Pod', namespace: d.ns, name: t.pod.plan.name, uid: t.pod.object.metadata.uid } } : {}) });
    const ready = targets.filter((t) => t.ready && !t.terminating);
    const notReady = targets.filter((t) => !t.ready || t.terminating);
    const epPorts = d.ports.map((p) => ({ name: p.name, port: typeof p.targetPort === 'number' ? p.targetPort : p.port, protocol: p.protocol }));
    push(b, 'endpoints', {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: meta(b.plan, 'Endpoints', d.name, d.ns, d.createdAt, { labels: { ...(d.labels ?? {}), ...(d.headless ? { 'service.kubernetes.io/headless': '' } : {}) } }),
      ...(targets.length ? { subsets: [{ ...(ready.length ? { addresses: ready.map(addr) } : {}), ...(notReady.length ? { notReadyAddresses: notReady.map(addr) } : {}), ports: epPorts }] } : {}),
    } as KubeObject);
    const sliceName = `${d.name}-${nameSuffix(`${b.plan.name}/slice/${d.ns}/${d.name}`)}`;
    push(b, 'discovery.k8s.io/endpointslices', {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: meta(b.plan, 'EndpointSlice', d.selector ? sliceName : d.name, d.ns, d.createdAt, {
        labels: { ...(d.labels ?? {}), 'endpointslice.kubernetes.io/managed-by': d.selector ? 'endpointslice-controller.k8s.io' : 'endpointslicemirroring-controller.k8s.io', 'kubernetes.io/service-name': d.name },
        ...(d.selector ? { generateName: `${d.name}-`, ownerReferences: [ownerRef('v1', 'Service', d.name, svcMeta.uid as string)] } : {}),
      }),
      addressType: 'IPv4',
      endpoints: targets.length
        ? targets.map((t) => ({
            addresses: [t.ip],
            conditions: { ready: t.ready && !t.terminating, serving: t.ready, terminating: t.terminating },
            ...(t.pod ? { targetRef: { kind: 'Pod', namespace: d.ns, name: t.pod.plan.name, uid: t.pod.object.metadata.uid } } : {}),
            ...(t.nodeName ? { nodeName: t.nodeName, zone: b.plan.availabilityZone } : {}),
          }))
        : null,
      ports: epPorts,
    } as KubeObject);
  }
}

function nodeEvents(b: Builder): void {
  for (const n of b.nodes) {
    if (n.unknownSince === null) continue;
    const name = n.server.name;
    // Node events name the node as their UID, as the kubelet and node controller record them (and kubectl describe searches).
    event(b, { kind: 'Node', namespace: '', name, uid: name, apiVersion: 'v1' }, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`, 'node-controller', undefined, n.unknownSince, n.unknownSince, 1);
    for (const p of b.pods) {
      if (p.plan.node !== n || p.plan.unschedulable) continue;
      event(b, { kind: 'Pod', namespace: p.plan.namespace, name: p.plan.name, uid: p.object.metadata.uid as string, apiVersion: 'v1' }, 'Warning', 'NodeNotReady', 'Node is not ready', 'node-controller', undefined, n.unknownSince, n.unknownSince, 1);
      if (p.object.metadata.deletionTimestamp !== undefined && n.unknownSince + EVICTION_TOLERATION_MS <= b.now) {
        event(b, { kind: 'Pod', namespace: p.plan.namespace, name: p.plan.name, uid: p.object.metadata.uid as string, apiVersion: 'v1' }, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${p.plan.namespace}/${p.plan.name}`, 'taint-eviction-controller', undefined, n.unknownSince + EVICTION_TOLERATION_MS, n.unknownSince + EVICTION_TOLERATION_MS, 1);
      }
    }
  }
}

function podFaultEvents(b: Builder): void {
  for (const p of b.pods) {
    const host = p.plan.node?.server.name;
    const ref = { kind: 'Pod', namespace: p.plan.namespace, name: p.plan.name, uid: p.object.metadata.uid as string, apiVersion: 'v1' };
    p.plan.runs.forEach((r, i) => {
      const c = p.plan.containers[i] as ContainerPlan;
      if (r.state === 'crashloop') {
        const count = Math.max(1, r.restarts * 5);
        event(b, ref, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${p.plan.name}_${p.plan.namespace}(${ref.uid})`, 'kubelet', host, r.since, b.now - 7_000, count, `spec.containers{${c.name}}`);
        event(b, ref, 'Warning', 'Unhealthy', 'Readiness probe failed: calico/node is not ready: BIRD is not ready: Error querying BIRD: unable to connect to BIRDv4 socket: dial unix /var/run/calico/bird.ctl: connect: connection refused', 'kubelet', host, r.since, b.now - 9_000, count, `spec.containers{${c.name}}`);
      } else if (r.state === 'running' && !r.ready && p.plan.node?.unknownSince === null) {
        event(b, ref, 'Warning', 'Unhealthy', `Readiness probe failed: HTTP probe failed with statuscode: 503`, 'kubelet', host, r.startedAt + 10_000, b.now - 4_000, Math.max(1, Math.floor((b.now - r.startedAt) / 10_000)), `spec.containers{${c.name}}`);
      }
    });
    if (p.plan.unschedulable) event(b, ref, 'Warning', 'FailedScheduling', p.plan.unschedulable, 'default-scheduler', undefined, p.plan.createdAt, b.now - 30_000, 1);
  }
}

function namespaces(b: Builder): void {
  const names = ['default', 'kube-node-lease', 'kube-public', 'kube-system', ...(b.workers.length ? [b.plan.team] : [])].sort();
  for (const name of names) {
    push(b, 'namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: meta(b.plan, 'Namespace', name, null, name === b.plan.team ? b.plan.createdAt + HOUR : b.plan.createdAt, { labels: { 'kubernetes.io/metadata.name': name, ...(name === b.plan.team ? { team: name } : {}) } }),
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    } as KubeObject);
  }
}

function storageClasses(b: Builder): void {
  push(b, 'storage.k8s.io/storageclasses', {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: meta(b.plan, 'StorageClass', STORAGE_CLASS, null, b.plan.createdAt + 5 * MINUTE, { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }),
    provisioner: 'cinder.csi.openstack.org',
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'Immediate',
    allowVolumeExpansion: true,
  } as KubeObject);
}

/** Only the nodes' leases: what a heartbeat changes between full rebuilds. */
export function buildLeases(plan: ClusterPlan, nodes: NodeState[]): ClusterObjects {
  return new Map([['coordination.k8s.io/leases', nodes.map((n) => leaseObject(plan, n, uidFor(`${plan.name}/Node//${n.server.name}`)))]]);
}

/** How busy the lab's clusters are, beyond the few workloads every cluster has. */
export interface ClusterShape {
  /** Pods of a plain worker Deployment per worker node, to give benchmarks a real fleet's pod count (0 by default). */
  readonly extraPodsPerWorker?: number;
}

/** Every object of a cluster at `now`. `nodes` are the joined nodes, masters first, in name order. */
export function buildClusterObjects(plan: ClusterPlan, nodes: NodeState[], faults: ClusterFaultView, now: number, shape: ClusterShape = {}): ClusterObjects {
  const b: Builder = {
    plan,
    now,
    nodes,
    masters: nodes.filter((n) => isMaster(n.server)),
    workers: nodes.filter((n) => !isMaster(n.server)),
    faults,
    pods: [],
    workloads: [],
    podCounter: new Map(),
    out: new Map(),
    events: [],
  };
  namespaces(b);
  nodes.forEach((n, i) => {
    const node = nodeObject(plan, n, i);
    push(b, 'nodes', node);
    push(b, 'coordination.k8s.io/leases', leaseObject(plan, n, node.metadata.uid as string));
  });
  storageClasses(b);
  kubeSystem(b);
  if (b.workers.length > 0) appNamespace(b);
  if (b.workers.length > 0 && (shape.extraPodsPerWorker ?? 0) > 0) {
    const name = `${plan.team}-stream-workers`;
    deployment(b, plan.team, name, b.workers.length * (shape.extraPodsPerWorker as number), appContainers(plan.team, name, 8080), {
      labels: { app: name },
      extraLabels: teamLabels(plan.team),
      annotations: appAnnotations(name),
      createdAt: plan.createdAt + 3 * HOUR,
    });
  }
  emitWorkloads(b);
  services(b);
  nodeEvents(b);
  podFaultEvents(b);
  for (const p of b.pods) push(b, 'pods', p.object);
  for (const e of b.events) push(b, 'events', e);
  return b.out;
}
