import { DATA_KEYS, type DataKey } from '../core/data-keys.js';
import { parseSnapshot } from './io.js';
import {
  SNAPSHOT_SCHEMA_VERSION,
  type Snapshot,
  type SnapshotInput,
} from './schema.js';

type In<K extends keyof SnapshotInput> = NonNullable<SnapshotInput[K]> extends readonly (infer T)[] ? T : never;
type ServerIn = In<'servers'>;
type HypervisorIn = In<'hypervisors'>;
type ClusterIn = NonNullable<NonNullable<SnapshotInput['kubernetes']>['clusters']>[number];
type ListOf<K extends keyof ClusterIn> = NonNullable<ClusterIn[K]> extends readonly (infer T)[] ? T : never;
type NodeIn = ListOf<'nodes'>;
type PodIn = ListOf<'pods'>;
type ContainerIn = NonNullable<PodIn['containers']>[number];
type WorkloadIn = ListOf<'workloads'>;
type ServiceIn = ListOf<'services'>;
type SignalIn = NonNullable<NonNullable<SnapshotInput['prometheus']>['signals']>[number];

let counter = 0;
/** Deterministic UUID-shaped ids for tests; `resetIds()` restarts the sequence. */
export function testId(prefix = 0): string {
  counter += 1;
  const hex = (prefix * 1_000_000 + counter).toString(16).padStart(12, '0');
  return `00000000-0000-4000-8000-${hex}`;
}
export function resetIds(): void {
  counter = 0;
}

const DEFAULT_TIME = '2026-01-01T00:00:00Z';

/**
 * Builds small, valid snapshots for tests and examples. Every section it is told
 * about is marked as collected (status ok) unless `collected`/`failed` say otherwise,
 * so tests state plainly which inputs a detector had.
 */
export class FleetBuilder {
  private readonly doc: Required<Pick<SnapshotInput, 'regions' | 'hypervisors' | 'servers' | 'computeServices' | 'networkAgents' | 'instanceActions' | 'probes' | 'hostFacts' | 'disks' | 'consoleLogs' | 'alarms' | 'inventory'>> & {
    kubernetes: { clusters: ClusterIn[] };
    prometheus: { windowDays: number; signals: SignalIn[] };
  } = {
    regions: [],
    hypervisors: [],
    servers: [],
    computeServices: [],
    networkAgents: [],
    instanceActions: [],
    probes: [],
    hostFacts: [],
    disks: [],
    consoleLogs: [],
    alarms: [],
    inventory: [],
    kubernetes: { clusters: [] },
    prometheus: { windowDays: 7, signals: [] },
  };
  private readonly touched = new Set<DataKey>();
  private collectedAt = DEFAULT_TIME;
  private historyDoc: NonNullable<SnapshotInput['history']> | undefined;

  at(time: string): this {
    this.collectedAt = time;
    return this;
  }

  region(name: string, zone: 'prod' | 'dev' = 'prod', center?: string): this {
    this.doc.regions.push({ name, zone, ...(center ? { center } : {}) });
    this.touched.add('regions');
    return this;
  }

  hypervisor(name: string, fields: Partial<HypervisorIn> = {}): this {
    this.doc.hypervisors.push({ id: testId(1), name, host: name, state: 'up', status: 'enabled', ...fields });
    this.touched.add('hypervisors');
    return this;
  }

  /** `on` names the hypervisor (its host); the server gets a 10.x address unless given one. */
  server(name: string, fields: Partial<ServerIn> & { on?: string; ip?: string } = {}): this {
    const { on, ip, ...rest } = fields;
    const n = this.doc.servers.length + 1;
    this.doc.servers.push({
      id: testId(2),
      name,
      status: 'ACTIVE',
      vmState: 'active',
      taskState: null,
      powerState: 1,
      host: on ?? null,
      hypervisorHostname: on ?? null,
      instanceName: `instance-${n.toString(16).padStart(8, '0')}`,
      addresses: [{ network: 'private', addr: ip ?? `10.0.${Math.floor(n / 250)}.${(n % 250) + 1}`, version: 4, type: 'fixed' }],
      createdAt: DEFAULT_TIME,
      ...rest,
    });
    this.touched.add('servers');
    return this;
  }

  /** The last server added with this name, as given to the builder. */
  serverFields(name: string): ServerIn {
    const s = [...this.doc.servers].reverse().find((x) => x.name === name);
    if (!s) throw new Error(`test builder: no server named ${name}`);
    return s;
  }

  /** The id of the last server added with this name. */
  idOf(name: string): string {
    const s = [...this.doc.servers].reverse().find((x) => x.name === name);
    if (!s) throw new Error(`test builder: no server named ${name}`);
    return s.id;
  }

  computeService(host: string, fields: Partial<In<'computeServices'>> = {}): this {
    this.doc.computeServices.push({ id: testId(3), binary: 'nova-compute', host, status: 'enabled', state: 'up', ...fields });
    this.touched.add('computeServices');
    return this;
  }

  networkAgent(host: string, fields: Partial<In<'networkAgents'>> = {}): this {
    this.doc.networkAgents.push({
      id: testId(4),
      binary: 'neutron-linuxbridge-agent',
      agentType: 'Linux bridge agent',
      host,
      alive: true,
      adminStateUp: true,
      ...fields,
    });
    this.touched.add('networkAgents');
    return this;
  }

  action(serverName: string, fields: Partial<In<'instanceActions'>> & { action: string }): this {
    this.doc.instanceActions.push({
      serverId: this.idOf(serverName),
      requestId: `req-${testId(5)}`,
      startTime: DEFAULT_TIME,
      userId: 'user-1',
      projectId: 'project-1',
      ...fields,
    });
    this.touched.add('instanceActions');
    return this;
  }

  probe(fields: In<'probes'>): this {
    this.doc.probes.push(fields);
    this.touched.add('probes');
    return this;
  }

  /** Probe result for a named server: ping and ssh in the operator's words. */
  reach(serverName: string, ping: boolean, ssh: 'ok' | 'refused' | 'timeout' | 'hang' | 'error' | 'not-expected' | null = ping ? 'ok' : 'timeout'): this {
    const s = this.doc.servers.find((x) => x.name === serverName);
    if (!s) throw new Error(`test builder: no server named ${serverName}`);
    return this.probe({
      targetKind: 'server',
      targetId: s.id,
      address: s.addresses?.[0]?.addr ?? '',
      probedAt: this.collectedAt,
      ping: { ok: ping },
      ssh: ssh === null ? null : { state: ssh },
    });
  }

  hostFacts(host: string, fields: Partial<In<'hostFacts'>> = {}): this {
    this.doc.hostFacts.push({ host, collectedAt: this.collectedAt, ...fields });
    this.touched.add('hostFacts');
    return this;
  }

  disk(host: string, fields: Partial<In<'disks'>> & { device: string }): this {
    this.doc.disks.push({ host, protocol: 'NVMe', smartPassed: true, ...fields });
    this.touched.add('disks');
    return this;
  }

  /** A panic read from a server's console log. */
  consoleLog(event: In<'consoleLogs'>): this {
    this.doc.consoleLogs.push(event);
    this.touched.add('consoleLogs');
    return this;
  }

  alarm(host: string, faultCode: string, fields: Partial<In<'alarms'>> = {}): this {
    this.doc.alarms.push({ ticketId: String(700000 + this.doc.alarms.length), host, faultCode, raisedAt: this.collectedAt, ...fields });
    this.touched.add('alarms');
    return this;
  }

  /** What the store remembers; `since` defaults to 62 days before the snapshot time. */
  history(fields: Partial<NonNullable<SnapshotInput['history']>> = {}): this {
    const since = new Date(Date.parse(this.collectedAt) - 62 * 86_400_000).toISOString();
    const prev = this.historyDoc;
    this.historyDoc = {
      since,
      scans: 1,
      firstScanAt: since,
      ...prev,
      ...fields,
      alarmTickets: [...(prev?.alarmTickets ?? []), ...(fields.alarmTickets ?? [])],
      findingEpisodes: [...(prev?.findingEpisodes ?? []), ...(fields.findingEpisodes ?? [])],
      hostStops: [...(prev?.hostStops ?? []), ...(fields.hostStops ?? [])],
      recurrences: [...(prev?.recurrences ?? []), ...(fields.recurrences ?? [])],
    };
    this.touched.add('history');
    return this;
  }

  inventory(entry: In<'inventory'>): this {
    this.doc.inventory.push(entry);
    this.touched.add('inventory');
    return this;
  }

  cluster(cluster: ClusterIn): this {
    this.doc.kubernetes.clusters.push(cluster);
    this.touched.add('kubernetes');
    return this;
  }

  /** A Kubernetes cluster built with {@link ClusterBuilder}; nodes may name their backing server. */
  k8s(name: string, build: (c: ClusterBuilder) => void = () => undefined, fields: Partial<ClusterIn> = {}): this {
    const c = new ClusterBuilder(name, this, this.collectedAt);
    build(c);
    return this.cluster({ ...c.doc, ...fields });
  }

  /** What one PromQL signal said in one cluster (the unused-service inputs). */
  prometheus(signal: SignalIn): this {
    this.doc.prometheus.signals.push(signal);
    this.touched.add('prometheus');
    return this;
  }

  /**
   * `collected` marks extra sections as collected even when empty (an empty fleet
   * section is different from a section nobody looked at); `failed` marks sections
   * whose collector failed; `partial` those it collected only partly.
   */
  build(options: { collected?: readonly DataKey[]; failed?: readonly DataKey[]; partial?: readonly DataKey[] } = {}): Snapshot {
    const failed = new Set(options.failed ?? []);
    const partial = new Set(options.partial ?? []);
    const keys = new Set<DataKey>([...this.touched, ...(options.collected ?? []), ...partial]);
    const collection = DATA_KEYS.filter((k) => keys.has(k) || failed.has(k)).map((k) => ({
      collector: `test:${k}`,
      status: failed.has(k) ? ('failed' as const) : partial.has(k) ? ('partial' as const) : ('ok' as const),
      produces: [k],
      startedAt: this.collectedAt,
      durationMs: 0,
      ...(failed.has(k) ? { error: `test: ${k} collector failed` } : {}),
      warnings: [],
    }));
    return parseSnapshot({ schemaVersion: SNAPSHOT_SCHEMA_VERSION, collectedAt: this.collectedAt, collection, ...this.doc, ...(this.historyDoc ? { history: this.historyDoc } : {}) }, 'test snapshot');
  }
}

export function fleet(): FleetBuilder {
  return new FleetBuilder();
}

/** `ns/name` or a bare name in `default`. */
function splitName(ref: string): { namespace: string; name: string } {
  const slash = ref.indexOf('/');
  return slash === -1 ? { namespace: 'default', name: ref } : { namespace: ref.slice(0, slash), name: ref.slice(slash + 1) };
}

/** A container that passes every hygiene check unless the test says otherwise. */
export function container(name = 'app', fields: Partial<ContainerIn> = {}): ContainerIn {
  return {
    name,
    image: `registry.example/${name}:1.0`,
    requests: { cpuMillicores: 250, memoryBytes: 256 * 1024 ** 2 },
    limits: { cpuMillicores: 500, memoryBytes: 512 * 1024 ** 2 },
    probes: { liveness: true, readiness: true, startup: false },
    ...fields,
  };
}

/**
 * Builds one cluster's objects. Defaults describe a healthy cluster (nodes Ready
 * with a fresh Lease, pods Running and ready with requests, limits and probes) so a
 * test changes only the field its case is about.
 */
export class ClusterBuilder {
  readonly doc: ClusterIn & {
    nodes: NodeIn[];
    pods: PodIn[];
    workloads: WorkloadIn[];
    services: ServiceIn[];
    endpoints: ListOf<'endpoints'>[];
    persistentVolumeClaims: ListOf<'persistentVolumeClaims'>[];
    ingresses: ListOf<'ingresses'>[];
    admissionWebhooks: ListOf<'admissionWebhooks'>[];
    events: ListOf<'events'>[];
    apiUsage: ListOf<'apiUsage'>[];
  };

  constructor(
    name: string,
    private readonly fleetBuilder: FleetBuilder,
    private readonly now: string,
  ) {
    this.doc = { name, nodes: [], pods: [], workloads: [], services: [], endpoints: [], persistentVolumeClaims: [], ingresses: [], admissionWebhooks: [], events: [], apiUsage: [] };
  }

  /**
   * `server` names the backing server (added to the fleet before) and sets
   * providerID and address from it; `ready` false or 'Unknown' sets the Ready condition.
   */
  node(name: string, fields: Partial<NodeIn> & { server?: string; ready?: boolean | 'Unknown'; version?: string } = {}): this {
    const { server, ready = true, version = 'v1.29.4', ...rest } = fields;
    const backing = server === undefined ? undefined : this.fleetBuilder.serverFields(server);
    const ip = backing?.addresses?.[0]?.addr;
    const status = ready === 'Unknown' ? 'Unknown' : ready ? 'True' : 'False';
    this.doc.nodes.push({
      name,
      ...(backing ? { providerId: `openstack:///${backing.id}` } : {}),
      ...(ip ? { internalIp: ip, addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }] } : {}),
      kubeletVersion: version,
      roles: /master|control-plane/.test(name) ? ['control-plane'] : ['worker'],
      conditions: [
        { type: 'Ready', status, reason: status === 'True' ? 'KubeletReady' : status === 'Unknown' ? 'NodeStatusUnknown' : 'KubeletNotReady', lastHeartbeatTime: this.now, lastTransitionTime: this.now },
      ],
      lastHeartbeat: this.now,
      createdAt: '2025-06-01T00:00:00Z',
      ...rest,
    });
    return this;
  }

  /** `ns/name`; a healthy running pod with one well-formed container unless told otherwise. */
  pod(ref: string, fields: Partial<PodIn> = {}): this {
    const { namespace, name } = splitName(ref);
    const containers = fields.containers ?? [container()];
    const ready = fields.ready ?? (fields.phase === undefined || fields.phase === 'Running');
    this.doc.pods.push({
      namespace,
      name,
      phase: 'Running',
      ready,
      startTime: '2025-12-01T00:00:00Z',
      createdAt: '2025-12-01T00:00:00Z',
      containers,
      containerStatuses: containers.map((c) => ({ name: c.name, ready, restartCount: 0, state: 'running' as const })),
      ...fields,
    });
    return this;
  }

  /** A workload whose counts are all met, unless the fields say otherwise. */
  workload(kind: WorkloadIn['kind'], ref: string, fields: Partial<WorkloadIn> = {}): this {
    const { namespace, name } = splitName(ref);
    const scaled = kind === 'Deployment' || kind === 'StatefulSet' || kind === 'DaemonSet' || kind === 'ReplicaSet';
    const desired = fields.desired ?? (scaled ? 2 : undefined);
    this.doc.workloads.push({
      kind,
      namespace,
      name,
      createdAt: '2025-06-01T00:00:00Z',
      ...(scaled ? { selector: { app: name }, desired, ready: desired, available: desired, updated: desired } : {}),
      ...(kind === 'CronJob' ? { schedule: '0 3 * * *', suspend: false } : {}),
      podRequests: { cpuMillicores: 250, memoryBytes: 256 * 1024 ** 2 },
      ...fields,
    });
    return this;
  }

  /** A ClusterIP Service selecting `app: <name>` on port 80, unless told otherwise. */
  service(ref: string, fields: Partial<ServiceIn> = {}): this {
    const { namespace, name } = splitName(ref);
    this.doc.services.push({ namespace, name, type: 'ClusterIP', selector: { app: name }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }], createdAt: '2025-06-01T00:00:00Z', ...fields });
    return this;
  }

  /** The endpoints of a Service: addresses by readiness (counts make 10.244.0.x addresses). */
  endpoints(ref: string, ready: number | ListOf<'endpoints'>['ready'], notReady: number | ListOf<'endpoints'>['notReady'] = 0): this {
    const { namespace, name } = splitName(ref);
    let n = 0;
    const make = (k: number): { ip: string }[] => Array.from({ length: k }, () => ({ ip: `10.244.${Math.floor(++n / 250)}.${n % 250}` }));
    this.doc.endpoints.push({ namespace, service: name, ready: typeof ready === 'number' ? make(ready) : ready, notReady: typeof notReady === 'number' ? make(notReady) : notReady });
    return this;
  }

  pvc(ref: string, phase: 'Pending' | 'Bound' | 'Lost', fields: Partial<ListOf<'persistentVolumeClaims'>> = {}): this {
    const { namespace, name } = splitName(ref);
    this.doc.persistentVolumeClaims.push({ namespace, name, phase, storageClass: 'csi-cinder', createdAt: '2025-12-01T00:00:00Z', ...fields });
    return this;
  }

  ingress(ref: string, backends: string[], fields: Partial<ListOf<'ingresses'>> = {}): this {
    const { namespace, name } = splitName(ref);
    this.doc.ingresses.push({ namespace, name, backends: backends.map((service) => ({ service, port: 80 })), ...fields });
    return this;
  }

  webhook(configuration: string, service: string | undefined, fields: Partial<ListOf<'admissionWebhooks'>> = {}): this {
    const svc = service === undefined ? undefined : splitName(service);
    this.doc.admissionWebhooks.push({ kind: 'validating', configuration, name: `${configuration}.example.io`, ...(svc ? { service: svc } : {}), ...fields });
    return this;
  }

  event(fields: Partial<ListOf<'events'>> & { reason: string; object: string }): this {
    this.doc.events.push({ namespace: 'default', type: 'Warning', message: fields.reason, count: 1, lastTimestamp: this.now, ...fields });
    return this;
  }

  apiUsage(fields: ListOf<'apiUsage'>): this {
    this.doc.apiUsage.push(fields);
    return this;
  }
}
