import { z } from 'zod';
import type { Evidence, ResourceRef } from '../core/findings.js';
import type { Severity } from '../core/severity.js';
import type { FleetIndex } from '../snapshot/fleet-index.js';
import type { KubernetesCluster, KubernetesNode, KubernetesPod, KubernetesService, KubernetesWorkload } from '../snapshot/schema.js';
import { listNames, raiseSeverity, serverEvidence } from './resources.js';

/** Namespaces whose pods keep a cluster alive; a problem there is one step more urgent. */
export const DEFAULT_SYSTEM_NAMESPACES = ['kube-system', 'calico-system', 'tigera-operator', 'kube-flannel'];

export const systemNamespacesOption = z
  .array(z.string().min(1))
  .default(DEFAULT_SYSTEM_NAMESPACES)
  .describe('namespaces treated as the cluster\'s own system (findings there are one step more urgent)');

export function clusterRef(cluster: KubernetesCluster): ResourceRef {
  return { kind: 'cluster', id: cluster.name, name: cluster.name };
}

const parentCluster = (cluster: KubernetesCluster): NonNullable<ResourceRef['parent']> => ({ kind: 'cluster', id: cluster.name, name: cluster.name });

export function nodeRef(cluster: KubernetesCluster, node: Pick<KubernetesNode, 'name'>): ResourceRef {
  return { kind: 'node', id: `${cluster.name}/${node.name}`, name: node.name, parent: parentCluster(cluster) };
}

/** A pod, placed on its node when scheduled (so incidents group a node's pods). */
export function podRef(cluster: KubernetesCluster, pod: Pick<KubernetesPod, 'namespace' | 'name' | 'nodeName'>): ResourceRef {
  return {
    kind: 'pod',
    id: `${cluster.name}/${pod.namespace}/${pod.name}`,
    name: `${pod.namespace}/${pod.name}`,
    parent: pod.nodeName ? { kind: 'node', id: `${cluster.name}/${pod.nodeName}`, name: pod.nodeName } : parentCluster(cluster),
  };
}

export function workloadRef(cluster: KubernetesCluster, w: Pick<KubernetesWorkload, 'kind' | 'namespace' | 'name'>): ResourceRef {
  return { kind: 'workload', id: `${cluster.name}/${w.namespace}/${w.kind}/${w.name}`, name: `${w.kind} ${w.namespace}/${w.name}`, parent: parentCluster(cluster) };
}

export function serviceRef(cluster: KubernetesCluster, s: Pick<KubernetesService, 'namespace' | 'name'>): ResourceRef {
  return { kind: 'kubernetes-service', id: `${cluster.name}/${s.namespace}/${s.name}`, name: `${s.namespace}/${s.name}`, parent: parentCluster(cluster) };
}

/** Any other namespaced object (PVC, Ingress, webhook), by its resource kind. */
export function objectRef(cluster: KubernetesCluster, kind: ResourceRef['kind'], namespace: string | undefined, name: string): ResourceRef {
  const path = namespace === undefined ? name : `${namespace}/${name}`;
  return { kind, id: `${cluster.name}/${kind}/${path}`, name: path, parent: parentCluster(cluster) };
}

/** The status of a node's Ready condition: True, False, Unknown, or missing when the node never reported. */
export function readyStatus(node: KubernetesNode): string {
  return node.conditions.find((c) => c.type === 'Ready')?.status ?? 'missing';
}

/** Whether every label in a selector is on the object; an empty selector selects nothing here, as for Services. */
export function selects(selector: Readonly<Record<string, string>> | null | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!selector) return false;
  const keys = Object.keys(selector);
  return keys.length > 0 && keys.every((k) => labels[k] === selector[k]);
}

/**
 * Lookups over one cluster, built once per cluster object and shared by every
 * detector of a run, so a cluster of 10,000 pods is not rescanned per Service or
 * per pod.
 */
interface ClusterLookup {
  readonly workloads: Map<string, KubernetesWorkload>;
  /** `namespace\0key=value` → pods carrying that label. */
  readonly podsByLabel: Map<string, KubernetesPod[]>;
  /** `namespace\0Kind/name` of the top owner → its pods. */
  readonly podsByOwner: Map<string, KubernetesPod[]>;
}

const lookups = new WeakMap<KubernetesCluster, ClusterLookup>();

function lookupOf(cluster: KubernetesCluster): ClusterLookup {
  let l = lookups.get(cluster);
  if (l) return l;
  l = { workloads: new Map(), podsByLabel: new Map(), podsByOwner: new Map() };
  for (const w of cluster.workloads) l.workloads.set(`${w.namespace}\0${w.kind}/${w.name}`, w);
  lookups.set(cluster, l);
  for (const p of cluster.pods) {
    for (const [k, v] of Object.entries(p.labels)) append(l.podsByLabel, `${p.namespace}\0${k}=${v}`, p);
    const o = podOwner(cluster, p);
    if (o) append(l.podsByOwner, `${p.namespace}\0${o.kind}/${o.name}`, p);
  }
  return l;
}

function append<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** A workload by namespace, kind and name. */
export function findWorkload(cluster: KubernetesCluster, namespace: string, kind: string, name: string): KubernetesWorkload | undefined {
  return lookupOf(cluster).workloads.get(`${namespace}\0${kind}/${name}`);
}

/** The pods whose top owner (a Deployment for its ReplicaSets' pods) is this workload. */
export function podsOwnedBy(cluster: KubernetesCluster, namespace: string, kind: string, name: string): readonly KubernetesPod[] {
  return lookupOf(cluster).podsByOwner.get(`${namespace}\0${kind}/${name}`) ?? [];
}

/** The pods a Service sends to, by its selector. */
export function podsOfService(cluster: KubernetesCluster, service: KubernetesService): KubernetesPod[] {
  const entries = Object.entries(service.selector ?? {});
  if (entries.length === 0) return [];
  const [k, v] = entries[0] as [string, string];
  const candidates = lookupOf(cluster).podsByLabel.get(`${service.namespace}\0${k}=${v}`) ?? [];
  return candidates.filter((p) => selects(service.selector, p.labels));
}

/**
 * Whether the cluster runs in a prod zone: the zone of the servers behind its nodes.
 * A cluster faultline cannot place is treated as prod, like an unknown server.
 */
export function clusterIsProd(index: FleetIndex, cluster: KubernetesCluster): boolean | undefined {
  let sawDev = false;
  for (const node of cluster.nodes) {
    const server = index.serverOfNode(node);
    if (!server) continue;
    if (index.isProd(server)) return true;
    sawDev = true;
  }
  for (const server of index.serversOfCluster(cluster.name)) {
    if (index.isProd(server)) return true;
    sawDev = true;
  }
  return sawDev ? false : undefined;
}

/**
 * Severity of a Kubernetes finding: `prod` or `dev` by the cluster's zone, one
 * step higher in a system namespace, since those pods carry every other workload.
 */
export function clusterUrgency(
  index: FleetIndex,
  cluster: KubernetesCluster,
  prod: Severity,
  dev: Severity,
  system = false,
): { severity: Severity; evidence: Evidence[] } {
  const prodZone = clusterIsProd(index, cluster);
  const evidence: Evidence[] = [
    { label: 'cluster', value: cluster.name, source: 'kubernetes' },
    { label: 'zone', value: prodZone === undefined ? 'prod (zone unknown, treated as prod)' : prodZone ? 'prod' : 'dev', source: 'regions' },
  ];
  const base = prodZone === false ? dev : prod;
  if (system) evidence.push({ label: 'urgency', value: 'system namespace: the cluster\'s own components', source: 'kubernetes' });
  return { severity: system ? raiseSeverity(base) : base, evidence };
}

/** Where a node runs, in OpenStack terms: its server, Nova state and hypervisor, and how the link was made. */
export function backingServerEvidence(index: FleetIndex, node: KubernetesNode): Evidence[] {
  const hit = index.nodeServerOf(node);
  if (!hit) return [{ label: 'server', value: null, source: 'mapping: no server matches the providerID, name or address' }];
  const { server, by } = hit;
  const hv = index.hypervisorOf(server);
  return [
    { label: 'server', value: server.name, source: `nova (matched by ${by})` },
    { label: 'server_id', value: server.id, source: 'nova' },
    ...serverEvidence(index, server).filter((e) => e.label !== 'host'),
    { label: 'hypervisor', value: hv?.name ?? server.host ?? null, source: 'nova' },
  ];
}

/** CPU the way kubectl prints it: `250m`, `2` cores, `1.5` cores. */
export function formatCpu(millicores: number): string {
  if (millicores % 1000 === 0) return `${millicores / 1000}`;
  return millicores < 1000 ? `${Math.round(millicores)}m` : `${(millicores / 1000).toFixed(1)}`;
}

/** Milliseconds since the epoch, or undefined for a missing or unreadable time. */
export function parseTime(iso: string | null | undefined): number | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
}

/** `3h 12m`, `5d 2h`: how long ago, for messages. */
export function formatAge(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/**
 * The workload that owns a pod as an operator names it: a ReplicaSet's
 * Deployment, a Job's CronJob; a pod without an owner stands for itself.
 */
export function podOwner(cluster: KubernetesCluster, pod: KubernetesPod): { kind: string; name: string } | undefined {
  let owner = pod.owner;
  for (let hops = 0; owner && hops < 3; hops++) {
    const w = findWorkload(cluster, pod.namespace, owner.kind, owner.name);
    if (!w?.owner) return owner;
    owner = w.owner;
  }
  return owner;
}

/** Pods grouped by their owning workload (or themselves), so hygiene findings name one thing to fix. */
export function podsByOwner(cluster: KubernetesCluster, pods: readonly KubernetesPod[]): Map<string, { owner?: { kind: string; name: string }; namespace: string; pods: KubernetesPod[] }> {
  const out = new Map<string, { owner?: { kind: string; name: string }; namespace: string; pods: KubernetesPod[] }>();
  for (const pod of pods) {
    const owner = podOwner(cluster, pod);
    const key = owner ? `${pod.namespace}/${owner.kind}/${owner.name}` : `${pod.namespace}/Pod/${pod.name}`;
    const group = out.get(key);
    if (group) group.pods.push(pod);
    else out.set(key, { ...(owner ? { owner } : {}), namespace: pod.namespace, pods: [pod] });
  }
  return out;
}

/**
 * The host facts read on a node, by node name or by its server's name. Facts a
 * hypervisor collector filed are never a node's, even when the short names collide
 * (a node named after the host it once ran on).
 */
export function nodeFacts(index: FleetIndex, node: KubernetesNode): FleetIndex['snapshot']['hostFacts'][number] | undefined {
  const server = index.serverOfNode(node);
  const ofNode = (name: string): FleetIndex['snapshot']['hostFacts'][number] | undefined => {
    const f = index.hostFacts(name);
    return f && f.role !== 'hypervisor' ? f : undefined;
  };
  return ofNode(node.name) ?? (server ? ofNode(server.name) : undefined);
}

/** Control-plane nodes by role label, role list or taint. */
export function isControlPlane(node: KubernetesNode): boolean {
  return (
    node.roles.some((r) => r === 'control-plane' || r === 'master') ||
    'node-role.kubernetes.io/control-plane' in node.labels ||
    'node-role.kubernetes.io/master' in node.labels ||
    node.taints.some((t) => CONTROL_PLANE_TAINTS.includes(t.key))
  );
}

export const CONTROL_PLANE_TAINTS = ['node-role.kubernetes.io/control-plane', 'node-role.kubernetes.io/master'];

/** `kubectl` for one cluster: every command in evidence names its context. */
export function kubectl(cluster: KubernetesCluster, args: string): string {
  return `kubectl --context ${cluster.name} ${args}`;
}

/** What is wrong with a pod, in kubectl's words, and the container to read logs from. */
export interface PodTrouble {
  readonly summary: string;
  readonly container?: string;
  readonly crashLooping: boolean;
  readonly restarts: number;
}

/**
 * Judges one pod: Failed, Unknown, Pending past `pendingMinutes`, a container
 * crash-looping or waiting, Running but not ready, or restarted at least
 * `restartThreshold` times. A Succeeded pod (a finished Job) is healthy.
 */
export function podTrouble(pod: KubernetesPod, now: Date, limits: { pendingMinutes: number; restartThreshold: number }): PodTrouble | undefined {
  const restarts = Math.max(pod.restarts, pod.containerStatuses.reduce((n, c) => n + c.restartCount, 0));
  if (pod.phase === 'Succeeded') return undefined;
  const waiting = pod.containerStatuses.find((c) => c.state === 'waiting' && c.reason !== undefined && c.reason !== 'ContainerCreating' && c.reason !== 'PodInitializing');
  const crashLooping = pod.containerStatuses.some((c) => c.reason === 'CrashLoopBackOff') || pod.waitingReason === 'CrashLoopBackOff';
  const base = { restarts, crashLooping };
  if (waiting) {
    const last = waiting.lastTerminationReason ? `, last run ended ${waiting.lastTerminationReason}${waiting.lastExitCode !== undefined ? ` with exit code ${waiting.lastExitCode}` : ''}` : '';
    return { ...base, container: waiting.name, summary: `container ${waiting.name} is ${waiting.reason} (restarted ${waiting.restartCount} times${last})` };
  }
  if (pod.waitingReason && pod.waitingReason !== 'ContainerCreating') return { ...base, summary: `a container is ${pod.waitingReason}` };
  if (pod.phase === 'Failed') return { ...base, summary: `it Failed${pod.reason ? ` (${pod.reason}${pod.message ? `: ${pod.message}` : ''})` : ''}` };
  if (pod.phase === 'Unknown') return { ...base, summary: 'its state is Unknown: the node stopped reporting' };
  if (pod.phase === 'Pending') {
    const since = parseTime(pod.createdAt ?? pod.startTime);
    if (since !== undefined && now.getTime() - since < limits.pendingMinutes * 60_000) return undefined;
    return { ...base, summary: `it is Pending${since !== undefined ? ` for ${formatAge(now.getTime() - since)}` : ''}${pod.nodeName ? '' : ', not scheduled on any node'}` };
  }
  const notReady = pod.containerStatuses.find((c) => !c.ready);
  if (pod.ready === false || notReady) {
    return { ...base, ...(notReady ? { container: notReady.name } : {}), summary: `it is Running but not ready${notReady ? ` (container ${notReady.name} not ready)` : ''}` };
  }
  if (restarts >= limits.restartThreshold) {
    const top = [...pod.containerStatuses].sort((a, b) => b.restartCount - a.restartCount)[0];
    return { ...base, ...(top ? { container: top.name } : {}), summary: `it restarted ${restarts} times${top?.lastTerminationReason ? ` (last: ${top.lastTerminationReason})` : ''}` };
  }
  return undefined;
}

/** The checklist's next reads for a pod: its log (of the failing container when there are several) and its namespace's events. */
export function podCommands(cluster: KubernetesCluster, pod: KubernetesPod, container: string | undefined): { label: string; value: string; source: string }[] {
  const c = container !== undefined && pod.containers.length > 1 ? ` -c ${container}` : '';
  return [
    { label: 'logs', value: kubectl(cluster, `-n ${pod.namespace} logs ${pod.name}${c} --previous`), source: 'command' },
    { label: 'events', value: kubectl(cluster, `-n ${pod.namespace} get events --sort-by=.lastTimestamp`), source: 'command' },
  ];
}

/** One workload (or bare pod) whose containers lack something, for the hygiene detectors. */
export interface HygieneGap {
  readonly ref: ResourceRef;
  readonly label: string;
  readonly pods: number;
  readonly members: readonly KubernetesPod[];
  /** `container: what is missing`, one per container that lacks something. */
  readonly gaps: readonly string[];
}

/**
 * Runs a container check over the pods of one cluster, grouped by owning workload so a
 * Deployment with 40 replicas is one finding. Static pods and pods that finished are
 * left out: the first are the control plane's own, the second no longer run.
 */
export function hygieneGaps(
  cluster: KubernetesCluster,
  pods: readonly KubernetesPod[],
  check: (c: KubernetesPod['containers'][number]) => readonly string[],
): HygieneGap[] {
  const running = pods.filter((p) => !p.staticPod && p.phase !== 'Succeeded' && p.phase !== 'Failed');
  const out: HygieneGap[] = [];
  for (const group of podsByOwner(cluster, running).values()) {
    const first = group.pods[0] as KubernetesPod;
    const gaps = first.containers.flatMap((c) => {
      const missing = check(c);
      return missing.length ? [`${c.name}: ${missing.join(', ')}`] : [];
    });
    if (gaps.length === 0) continue;
    const owner = group.owner;
    const ref = owner
      ? workloadRef(cluster, { kind: owner.kind as KubernetesWorkload['kind'], namespace: group.namespace, name: owner.name })
      : podRef(cluster, first);
    out.push({ ref, label: owner ? `${owner.kind} ${group.namespace}/${owner.name}` : `Pod ${group.namespace}/${first.name}`, pods: group.pods.length, members: group.pods, gaps });
  }
  return out;
}

/** The evidence every pod-hygiene finding shows: which containers fall short, how many pods run them, the cluster. */
export function hygieneEvidence(gap: Pick<HygieneGap, 'gaps' | 'pods'>, cluster: Pick<KubernetesCluster, 'name'>): Evidence[] {
  return [
    { label: 'containers', value: listNames([...gap.gaps]), source: 'pod spec' },
    { label: 'pods', value: gap.pods, source: 'kubernetes' },
    { label: 'cluster', value: cluster.name, source: 'kubernetes' },
  ];
}

/**
 * Workloads whose containers leave CPU or memory `requests` (or `limits`) unset:
 * the whole of pod-without-requests and pod-without-limits but their words.
 */
export function unsetResources<M extends string>(
  clusters: Iterable<KubernetesCluster>,
  options: { readonly systemNamespaces: readonly string[]; readonly includeSystemNamespaces: boolean; readonly resources: readonly ('cpu' | 'memory')[] },
  field: 'requests' | 'limits',
  messageId: M,
): { messageId: M; data: Record<string, string | number>; resource: ResourceRef; evidence: Evidence[] }[] {
  const system = new Set(options.systemNamespaces);
  const out: { messageId: M; data: Record<string, string | number>; resource: ResourceRef; evidence: Evidence[] }[] = [];
  for (const cluster of clusters) {
    const pods = cluster.pods.filter((p) => options.includeSystemNamespaces || !system.has(p.namespace));
    const gaps = hygieneGaps(cluster, pods, (c) => [
      ...(options.resources.includes('cpu') && c[field].cpuMillicores === undefined ? ['cpu'] : []),
      ...(options.resources.includes('memory') && c[field].memoryBytes === undefined ? ['memory'] : []),
    ]);
    for (const g of gaps) {
      out.push({ messageId, data: { workload: g.label, cluster: cluster.name, pods: g.pods, gaps: listNames([...g.gaps], 5) }, resource: g.ref, evidence: hygieneEvidence(g, cluster) });
    }
  }
  return out;
}
