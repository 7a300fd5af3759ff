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
    kubernetes: { clusters: NonNullable<NonNullable<SnapshotInput['kubernetes']>['clusters']> };
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

  cluster(cluster: NonNullable<NonNullable<SnapshotInput['kubernetes']>['clusters']>[number]): this {
    this.doc.kubernetes.clusters.push(cluster);
    this.touched.add('kubernetes');
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
