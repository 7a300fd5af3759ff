import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  PowerState,
  type LabApplicationCredential,
  type LabComputeService,
  type LabFlavor,
  type LabFleet,
  type LabHypervisor,
  type LabImage,
  type LabNetworkAgent,
  type LabProject,
  type LabRegion,
  type LabRole,
  type LabServer,
  type LabUser,
} from '../fleet/types.js';
import { LabClock } from './clock.js';

/** Why the lab refused a request; each API turns it into its own error body. */
export type LabErrorKind = 'badRequest' | 'unauthorized' | 'forbidden' | 'notFound' | 'conflict';

export class LabError extends Error {
  constructor(
    readonly kind: LabErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'LabError';
  }
}

export interface LabToken {
  id: string;
  userId: string;
  /** Null for unscoped and domain-scoped tokens, which the compute and network APIs refuse. */
  projectId: string | null;
  domainId: string | null;
  roles: string[];
  methods: string[];
  issuedAt: number;
  expiresAt: number;
  auditId: string;
  applicationCredentialId: string | null;
}

/** Who is asking: derived from a valid token. */
export interface LabCaller {
  token: LabToken;
  user: LabUser;
  project: LabProject;
  isAdmin: boolean;
}

export interface LabActionEvent {
  event: string;
  startTime: number;
  finishTime: number | null;
  result: 'Success' | 'Error' | null;
  traceback: string | null;
  host: string;
  details: string | null;
}

export interface LabInstanceAction {
  action: string;
  serverId: string;
  requestId: string;
  userId: string | null;
  projectId: string | null;
  startTime: number;
  updatedAt: number;
  message: string | null;
  events: LabActionEvent[];
}

interface Transition {
  server: LabServer;
  action: LabInstanceAction;
  event: LabActionEvent;
  phases: { taskState: string; endsAt: number }[];
  finish: (server: LabServer) => void;
  /** Set once the host was found down while the action was pending. */
  stalled?: boolean;
}

export interface LabStateOptions {
  clock?: LabClock;
  /** Lifetime of issued tokens (Keystone's default is one hour). */
  tokenTtlSeconds?: number;
  /** How long stop/start/reboot keep their transitional task state. */
  actionDurationMs?: number;
  /** Nova's service_down_time. */
  serviceDownSeconds?: number;
  /** Neutron's agent_down_time. */
  agentDownSeconds?: number;
}

export interface ServerQuery {
  /** Null: every project (all_tenants). */
  projectId: string | null;
  regionId?: string | null;
  host?: string;
  /** Keep only servers whose status is one of these (upper case). */
  statuses?: readonly { vmState: string; taskStates: readonly (string | null)[] | null }[];
  changesSince?: number;
  name?: RegExp;
  ip?: RegExp;
  flavorId?: string;
  imageId?: string;
  userId?: string;
  limit: number;
  marker?: string;
}

/** Newest first, ties broken by id descending: Nova's default server sort. */
function compareServers(a: LabServer, b: LabServer): number {
  if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** Index of the first element that sorts after `marker` in a list kept in server order. */
function positionAfter(list: readonly LabServer[], marker: LabServer): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareServers(list[mid] as LabServer, marker) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function uuidFrom(text: string): string {
  const h = createHash('sha1').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * Everything the simulated control plane knows, in memory and indexed for the
 * requests real clients make. Mutations go through methods so indexes, instance
 * actions and timestamps stay consistent.
 */
export class LabState {
  readonly clock: LabClock;
  readonly fleet: LabFleet;
  tokenTtlSeconds: number;
  actionDurationMs: number;
  serviceDownSeconds: number;
  agentDownSeconds: number;

  readonly regions: LabRegion[];
  readonly regionById = new Map<string, LabRegion>();
  readonly users = new Map<string, LabUser>();
  readonly projects = new Map<string, LabProject>();
  readonly roles = new Map<string, LabRole>();
  readonly applicationCredentials = new Map<string, LabApplicationCredential>();
  readonly flavors = new Map<string, LabFlavor>();
  readonly images = new Map<string, LabImage>();
  readonly hypervisors: LabHypervisor[];
  readonly hypervisorById = new Map<string, LabHypervisor>();
  readonly hypervisorByLegacyId = new Map<number, LabHypervisor>();
  readonly hypervisorByHost = new Map<string, LabHypervisor>();
  readonly services: LabComputeService[];
  readonly agents: LabNetworkAgent[];
  private readonly computeServiceByHost = new Map<string, LabComputeService>();

  private readonly servers = new Map<string, LabServer>();
  /** All servers in list order, and the same order per host, project and region. */
  private readonly ordered: LabServer[];
  private readonly byHost = new Map<string, LabServer[]>();
  private readonly byProject = new Map<string, LabServer[]>();
  private readonly byRegion = new Map<string, LabServer[]>();
  private readonly actions = new Map<string, LabInstanceAction[]>();
  private readonly tokens = new Map<string, LabToken>();
  private readonly pending = new Map<string, Transition>();
  private serverStateChanges = 0;
  /**
   * What the faults in force add to a server's console after its boot log (a guest
   * kernel panic); the lab's faults set it. Empty for a healthy guest.
   */
  consoleFaults: (server: LabServer) => readonly string[] = () => [];

  constructor(fleet: LabFleet, options: LabStateOptions = {}) {
    this.fleet = fleet;
    this.clock = options.clock ?? new LabClock();
    this.tokenTtlSeconds = options.tokenTtlSeconds ?? 3600;
    this.actionDurationMs = options.actionDurationMs ?? 3000;
    this.serviceDownSeconds = options.serviceDownSeconds ?? 60;
    this.agentDownSeconds = options.agentDownSeconds ?? 75;
    this.regions = fleet.regions;
    for (const r of fleet.regions) this.regionById.set(r.id, r);
    for (const u of fleet.users) this.users.set(u.id, u);
    for (const p of fleet.projects) this.projects.set(p.id, p);
    for (const r of fleet.roles) this.roles.set(r.name, r);
    for (const a of fleet.applicationCredentials) this.applicationCredentials.set(a.id, a);
    for (const f of fleet.flavors) this.flavors.set(f.id, f);
    for (const i of fleet.images) this.images.set(i.id, i);
    this.hypervisors = fleet.hypervisors;
    for (const h of fleet.hypervisors) {
      this.hypervisorById.set(h.id, h);
      this.hypervisorByLegacyId.set(h.legacyId, h);
      this.hypervisorByHost.set(h.hostname, h);
    }
    this.services = fleet.services;
    for (const s of fleet.services) if (s.binary === 'nova-compute') this.computeServiceByHost.set(s.host, s);
    this.agents = fleet.agents;
    this.ordered = [...fleet.servers].sort(compareServers);
    for (const s of this.ordered) {
      this.servers.set(s.id, s);
      pushTo(this.byHost, s.host, s);
      pushTo(this.byProject, s.projectId, s);
      pushTo(this.byRegion, s.regionId, s);
    }
    for (const entry of fleet.history) {
      const server = this.servers.get(entry.serverId);
      if (!server) continue;
      const event = { stop: 'compute_stop_instance', start: 'compute_start_instance', reboot: 'compute_reboot_instance' }[entry.action];
      // A stuck task's action never finished: its event has no finish time.
      const unfinished = server.taskState !== null && entry.at === server.updatedAt;
      this.addAction(server, {
        action: entry.action,
        serverId: server.id,
        requestId: `req-${uuidFrom(`${server.id}/${entry.action}/${entry.at}`)}`,
        userId: entry.userId,
        projectId: entry.projectId,
        startTime: entry.at,
        updatedAt: unfinished ? entry.at : entry.at + 2_000,
        message: null,
        events: [
          {
            event,
            startTime: entry.at,
            finishTime: unfinished ? null : entry.at + 2_000,
            result: unfinished ? null : 'Success',
            traceback: null,
            host: server.host,
            details: null,
          },
        ],
      });
    }
  }

  now(): number {
    return this.clock.now();
  }

  /** Moves the lab clock forward and applies whatever finished meanwhile. */
  advance(ms: number): void {
    this.clock.advance(ms);
    this.settle();
  }

  // ------------------------------------------------------------------ identity

  findUser(name: string, domainId: string): LabUser | undefined {
    for (const u of this.users.values()) if (u.name === name && u.domainId === domainId) return u;
    return undefined;
  }

  findProject(ref: { id?: string; name?: string; domainId?: string }): LabProject | undefined {
    if (ref.id) return this.projects.get(ref.id);
    for (const p of this.projects.values()) if (p.name === ref.name && p.domainId === (ref.domainId ?? 'default')) return p;
    return undefined;
  }

  issueToken(
    user: LabUser,
    scope: { project?: LabProject; domainId?: string },
    methods: string[],
    roles: string[],
    appCred: LabApplicationCredential | null = null,
  ): LabToken {
    const now = this.now();
    // Shaped like a Fernet token so that clients which log or size-check tokens see the usual thing.
    const id = `gAAAAA${randomBytes(138).toString('base64url')}`;
    const token: LabToken = {
      id,
      userId: user.id,
      projectId: scope.project?.id ?? null,
      domainId: scope.domainId ?? null,
      roles,
      methods,
      issuedAt: now,
      expiresAt: now + this.tokenTtlSeconds * 1000,
      auditId: randomBytes(16).toString('base64url').slice(0, 22),
      applicationCredentialId: appCred?.id ?? null,
    };
    // Long soaks log in thousands of times; forget expired tokens now and then.
    if (this.tokens.size >= 10_000) for (const [key, t] of this.tokens) if (t.expiresAt <= now) this.tokens.delete(key);
    this.tokens.set(id, token);
    return token;
  }

  /** The token if it exists and has not expired. */
  validToken(id: string | undefined): LabToken | undefined {
    if (!id) return undefined;
    const token = this.tokens.get(id);
    if (!token) return undefined;
    if (token.expiresAt <= this.now()) return undefined;
    return token;
  }

  revokeToken(id: string): boolean {
    return this.tokens.delete(id);
  }

  caller(tokenId: string | undefined): LabCaller | undefined {
    const token = this.validToken(tokenId);
    if (!token) return undefined;
    const user = this.users.get(token.userId);
    const project = token.projectId === null ? undefined : this.projects.get(token.projectId);
    if (!user || !project) return undefined;
    return { token, user, project, isAdmin: token.roles.includes('admin') };
  }

  // ------------------------------------------------------------------ servers

  get serverCount(): number {
    return this.servers.size;
  }

  server(id: string): LabServer | undefined {
    this.settle();
    return this.servers.get(id);
  }

  /** Every server in list order; do not mutate. */
  allServers(): readonly LabServer[] {
    this.settle();
    return this.ordered;
  }

  serversOnHost(host: string): readonly LabServer[] {
    this.settle();
    return this.byHost.get(host) ?? [];
  }

  /**
   * One page of servers. Walks the narrowest index (host, project or region) from
   * the marker's position, so a page costs about `limit` steps when filters match.
   */
  listServers(query: ServerQuery): LabServer[] {
    this.settle();
    let base: readonly LabServer[];
    if (query.host !== undefined) base = this.byHost.get(query.host) ?? [];
    else if (query.projectId !== null) base = this.byProject.get(query.projectId) ?? [];
    else if (query.regionId) base = this.byRegion.get(query.regionId) ?? [];
    else base = this.ordered;
    let start = 0;
    if (query.marker !== undefined) {
      const marker = this.servers.get(query.marker);
      if (!marker) throw new LabError('badRequest', `marker [${query.marker}] not found`);
      start = positionAfter(base, marker);
    }
    const out: LabServer[] = [];
    if (query.limit <= 0) return out;
    for (let i = start; i < base.length; i++) {
      const s = base[i] as LabServer;
      if (query.projectId !== null && s.projectId !== query.projectId) continue;
      if (query.regionId && s.regionId !== query.regionId) continue;
      if (query.statuses && !query.statuses.some((st) => st.vmState === s.vmState && (st.taskStates === null || st.taskStates.includes(s.taskState)))) continue;
      if (query.changesSince !== undefined && s.updatedAt < query.changesSince) continue;
      if (query.name && !query.name.test(s.name)) continue;
      if (query.ip && !query.ip.test(s.ip)) continue;
      if (query.flavorId !== undefined && s.flavorId !== query.flavorId) continue;
      if (query.imageId !== undefined && s.imageId !== query.imageId) continue;
      if (query.userId !== undefined && s.userId !== query.userId) continue;
      out.push(s);
      if (out.length >= query.limit) break;
    }
    return out;
  }

  computeService(host: string): LabComputeService | undefined {
    return this.computeServiceByHost.get(host);
  }

  serviceIsUp(service: LabComputeService): boolean {
    if (service.forcedDown) return false;
    if (service.lastHeartbeatAt === null) return true;
    return this.now() - service.lastHeartbeatAt <= this.serviceDownSeconds * 1000;
  }

  /** When the service last reported; live services report every ten seconds. */
  serviceUpdatedAt(service: LabComputeService): number {
    if (service.lastHeartbeatAt !== null) return service.lastHeartbeatAt;
    const now = this.now();
    return now - (now % 10_000) - (service.legacyId % 10) * 1000;
  }

  agentIsAlive(agent: LabNetworkAgent): boolean {
    if (agent.lastHeartbeatAt === null) return true;
    return this.now() - agent.lastHeartbeatAt <= this.agentDownSeconds * 1000;
  }

  agentHeartbeatAt(agent: LabNetworkAgent): number {
    if (agent.lastHeartbeatAt !== null) return agent.lastHeartbeatAt;
    const now = this.now();
    return now - (now % 30_000) - (agent.createdAt % 30) * 1000;
  }

  /**
   * Nova's host_status, as nova.compute.api computes it: DOWN only when the service
   * is forced down, MAINTENANCE when disabled, UNKNOWN when it stopped reporting
   * (a hung host looks exactly like this), UP otherwise.
   */
  hostStatus(server: LabServer): string {
    const service = this.computeServiceByHost.get(server.host);
    if (!service) return '';
    if (service.forcedDown) return 'DOWN';
    if (service.disabled) return 'MAINTENANCE';
    if (!this.serviceIsUp(service)) return 'UNKNOWN';
    return 'UP';
  }

  // ------------------------------------------------------------------ instance actions

  private addAction(server: LabServer, action: LabInstanceAction): void {
    pushTo(this.actions, server.id, action);
  }

  /**
   * The lab's action log: every stop, start and reboot since the fleet was made,
   * oldest first, with who asked (null user = the host or Nova itself).
   */
  actionLog(sinceMs = 0): LabInstanceAction[] {
    this.settle();
    const all: LabInstanceAction[] = [];
    for (const list of this.actions.values()) for (const a of list) if (a.startTime >= sinceMs) all.push(a);
    return all.sort((a, b) => a.startTime - b.startTime || a.requestId.localeCompare(b.requestId));
  }

  /** Every action of a server, newest first (Nova's order), starting with its create. */
  instanceActions(server: LabServer): LabInstanceAction[] {
    this.settle();
    const created: LabInstanceAction = {
      action: 'create',
      serverId: server.id,
      requestId: `req-${uuidFrom(`${server.id}/create`)}`,
      userId: server.userId,
      projectId: server.projectId,
      startTime: server.createdAt,
      updatedAt: server.launchedAt ?? server.createdAt + 5_000,
      // Nova marks an action whose event failed with the message 'Error'.
      message: server.launchedAt === null ? 'Error' : null,
      // Real Nova records one event for a create: the compute's build when the server got a
      // host, or the conductor's scheduling when it never did (then it is buried in cell0).
      events: server.host
        ? [
            {
              event: 'compute__do_build_and_run_instance',
              startTime: server.createdAt + 1_600,
              finishTime: server.launchedAt ?? server.createdAt + 5_000,
              result: server.launchedAt === null ? 'Error' : 'Success',
              traceback: server.launchedAt === null && server.fault ? server.fault.details : null,
              host: server.host,
              details: server.launchedAt === null && server.fault ? server.fault.message : null,
            },
          ]
        : [
            {
              event: 'conductor_schedule_and_build_instances',
              startTime: server.createdAt + 200,
              finishTime: server.createdAt + 1_500,
              result: 'Error',
              traceback: server.fault?.details ?? null,
              host: `krane-${server.regionId}-ctl001`,
              details: server.fault?.message ?? null,
            },
          ],
    };
    const list = [created, ...(this.actions.get(server.id) ?? [])];
    return list.sort((a, b) => b.startTime - a.startTime);
  }

  // ------------------------------------------------------------------ server actions

  /**
   * Moves whenever a server's vm_state or power state may have changed, so that views
   * derived from every server (the lab's unreachable addresses) are rebuilt only then.
   */
  get serverStateRevision(): number {
    return this.serverStateChanges;
  }

  /** Applies finished transitions and advances task states; cheap when nothing is pending. */
  settle(): void {
    if (this.pending.size === 0) return;
    const now = this.now();
    for (const [id, t] of this.pending) {
      // A compute service that is down never picks the cast up: the task state
      // stays where the API put it until the host reports again.
      const service = this.computeServiceByHost.get(t.server.host);
      if (service && !this.serviceIsUp(service)) {
        t.stalled = true;
        continue;
      }
      const last = t.phases[t.phases.length - 1];
      if (!last || now >= last.endsAt) {
        const at = t.stalled ? now : (last?.endsAt ?? now);
        t.finish(t.server);
        this.serverStateChanges++;
        t.server.taskState = null;
        t.server.updatedAt = at;
        t.event.finishTime = at;
        t.event.result = 'Success';
        t.action.updatedAt = at;
        this.pending.delete(id);
        continue;
      }
      const phase = t.phases.find((p) => now < p.endsAt);
      if (phase && t.server.taskState !== phase.taskState) {
        t.server.taskState = phase.taskState;
        t.server.updatedAt = now;
      }
    }
  }

  private checkState(server: LabServer, action: string, vmStates: readonly string[], taskStates: readonly (string | null)[]): void {
    if (!vmStates.includes(server.vmState)) {
      throw new LabError('conflict', `Cannot '${action}' instance ${server.id} while it is in vm_state ${server.vmState}`);
    }
    if (!taskStates.includes(server.taskState)) {
      throw new LabError('conflict', `Cannot '${action}' instance ${server.id} while it is in task_state ${server.taskState}`);
    }
  }

  private checkLockAndHost(server: LabServer, caller: LabCaller | null): void {
    if (server.locked && caller && !caller.isAdmin) throw new LabError('conflict', `Instance ${server.id} is locked`);
    if (!server.host) throw new LabError('conflict', `Instance ${server.id} is not ready`);
    // Nova does not check that the compute service is up for stop/start/reboot: it
    // sets the task state and casts to a host that never answers (see settle()).
  }

  private begin(
    server: LabServer,
    caller: LabCaller | null,
    requestId: string,
    actionName: string,
    eventName: string,
    phases: string[],
    finish: (s: LabServer) => void,
  ): LabInstanceAction {
    const now = this.now();
    const action: LabInstanceAction = {
      action: actionName,
      serverId: server.id,
      requestId,
      userId: caller?.user.id ?? null,
      projectId: caller?.project.id ?? null,
      startTime: now,
      updatedAt: now,
      message: null,
      events: [],
    };
    const event: LabActionEvent = { event: eventName, startTime: now, finishTime: null, result: null, traceback: null, host: server.host, details: null };
    action.events.push(event);
    this.addAction(server, action);
    const step = this.actionDurationMs <= 0 ? 0 : Math.max(1, Math.floor(this.actionDurationMs / phases.length));
    const transition: Transition = {
      server,
      action,
      event,
      phases: phases.map((taskState, i) => ({ taskState, endsAt: now + step * (i + 1) })),
      finish,
    };
    server.taskState = phases[0] ?? null;
    server.updatedAt = now;
    this.pending.set(server.id, transition);
    if (this.actionDurationMs <= 0) this.settle();
    return action;
  }

  stopServer(server: LabServer, caller: LabCaller, requestId: string): LabInstanceAction {
    this.settle();
    this.checkLockAndHost(server, caller);
    this.checkState(server, 'stop', ['active', 'error'], [null]);
    return this.begin(server, caller, requestId, 'stop', 'compute_stop_instance', ['powering-off'], (s) => {
      s.vmState = 'stopped';
      s.powerState = PowerState.SHUTDOWN;
    });
  }

  startServer(server: LabServer, caller: LabCaller, requestId: string): LabInstanceAction {
    this.settle();
    this.checkLockAndHost(server, caller);
    this.checkState(server, 'start', ['stopped'], [null]);
    return this.begin(server, caller, requestId, 'start', 'compute_start_instance', ['powering-on'], (s) => {
      s.vmState = 'active';
      s.powerState = PowerState.RUNNING;
    });
  }

  rebootServer(server: LabServer, caller: LabCaller, requestId: string, type: 'SOFT' | 'HARD'): LabInstanceAction {
    this.settle();
    this.checkLockAndHost(server, caller);
    if (type === 'SOFT') {
      this.checkState(server, 'reboot', ['active'], [null]);
      return this.begin(server, caller, requestId, 'reboot', 'compute_reboot_instance', ['rebooting', 'reboot_started'], (s) => {
        s.powerState = PowerState.RUNNING;
      });
    }
    this.checkState(
      server,
      'reboot',
      ['active', 'stopped', 'paused', 'suspended', 'error'],
      [null, 'rebooting', 'reboot_pending', 'reboot_started', 'rebooting_hard', 'reboot_pending_hard', 'reboot_started_hard', 'pausing', 'unpausing', 'suspending', 'resuming'],
    );
    // A hard reboot overrides whatever transition was going on.
    this.pending.delete(server.id);
    return this.begin(server, caller, requestId, 'reboot', 'compute_reboot_instance', ['rebooting_hard', 'reboot_started_hard'], (s) => {
      s.vmState = 'active';
      s.powerState = PowerState.RUNNING;
    });
  }

  /**
   * The guest died behind Nova's back and Nova's power-state sync stopped it: the
   * instance action `stop` carries no user or project (an admin context without
   * either), with event `compute_stop_instance`. This is the host-side signature.
   */
  stopFromHost(serverId: string, at?: number): LabInstanceAction {
    this.settle();
    const server = this.servers.get(serverId);
    if (!server) throw new LabError('notFound', `Instance ${serverId} could not be found.`);
    const now = at ?? this.now();
    this.pending.delete(server.id);
    server.vmState = 'stopped';
    server.powerState = PowerState.SHUTDOWN;
    this.serverStateChanges++;
    server.taskState = null;
    server.updatedAt = now;
    const action: LabInstanceAction = {
      action: 'stop',
      serverId: server.id,
      requestId: `req-${randomUUID()}`,
      userId: null,
      projectId: null,
      startTime: now,
      updatedAt: now + 1_000,
      message: null,
      events: [{ event: 'compute_stop_instance', startTime: now, finishTime: now + 1_000, result: 'Success', traceback: null, host: server.host, details: null }],
    };
    this.addAction(server, action);
    return action;
  }

  /** Puts a server into ERROR with a fault, as a failed operation on its host would. */
  failServer(serverId: string, message: string): void {
    const server = this.servers.get(serverId);
    if (!server) throw new LabError('notFound', `Instance ${serverId} could not be found.`);
    const now = this.now();
    this.pending.delete(server.id);
    server.vmState = 'error';
    this.serverStateChanges++;
    server.taskState = null;
    server.updatedAt = now;
    server.fault = { code: 500, message, details: '', created: now };
  }

  /**
   * The host stops reporting: its compute service and agents go down after their
   * timeouts. `since` dates the last heartbeat (default now), so a fault that began
   * a while ago is already visible.
   */
  silenceHost(host: string, since?: number): void {
    const now = since ?? this.now();
    for (const s of this.services) if (s.host === host && s.lastHeartbeatAt === null) s.lastHeartbeatAt = now;
    for (const a of this.agents) if (a.host === host && a.lastHeartbeatAt === null) a.lastHeartbeatAt = now;
  }

  /** Only these binaries on the host stop reporting (an agent container exited). */
  silenceBinaries(host: string, binaries: readonly string[], since?: number): void {
    const at = since ?? this.now();
    for (const s of this.services) if (s.host === host && binaries.includes(s.binary) && s.lastHeartbeatAt === null) s.lastHeartbeatAt = at;
    for (const a of this.agents) if (a.host === host && binaries.includes(a.binary) && a.lastHeartbeatAt === null) a.lastHeartbeatAt = at;
  }

  /** These binaries on the host report again. */
  reviveBinaries(host: string, binaries: readonly string[]): void {
    for (const s of this.services) if (s.host === host && binaries.includes(s.binary)) s.lastHeartbeatAt = null;
    for (const a of this.agents) if (a.host === host && binaries.includes(a.binary)) a.lastHeartbeatAt = null;
  }

  /**
   * Puts a finished instance action on record at a past time, e.g. the earlier
   * host-initiated stops of a flapping server (user null: Nova's power sync).
   */
  recordAction(serverId: string, action: 'stop' | 'start' | 'reboot', at: number, by: { userId: string; projectId: string } | null): LabInstanceAction {
    const server = this.servers.get(serverId);
    if (!server) throw new LabError('notFound', `Instance ${serverId} could not be found.`);
    const event = { stop: 'compute_stop_instance', start: 'compute_start_instance', reboot: 'compute_reboot_instance' }[action];
    const record: LabInstanceAction = {
      action,
      serverId,
      requestId: `req-${uuidFrom(`${serverId}/${action}/${at}`)}`,
      userId: by?.userId ?? null,
      projectId: by?.projectId ?? null,
      startTime: at,
      updatedAt: at + 2_000,
      message: null,
      events: [{ event, startTime: at, finishTime: at + 2_000, result: 'Success', traceback: null, host: server.host, details: null }],
    };
    this.addAction(server, record);
    return record;
  }

  /**
   * Leaves a server in a task state that never finishes (the host took the cast and
   * never answered), with the owner's unfinished action on record.
   */
  strandTask(serverId: string, taskState: string, since: number): void {
    const server = this.servers.get(serverId);
    if (!server) throw new LabError('notFound', `Instance ${serverId} could not be found.`);
    this.pending.delete(server.id);
    const action = taskState.startsWith('powering-on') ? 'start' : taskState.startsWith('powering-off') ? 'stop' : taskState.startsWith('reboot') ? 'reboot' : null;
    if (taskState === 'powering-on') {
      server.vmState = 'stopped';
      server.powerState = PowerState.SHUTDOWN;
      this.serverStateChanges++;
    }
    server.taskState = taskState;
    server.updatedAt = since;
    if (action) {
      const event = { stop: 'compute_stop_instance', start: 'compute_start_instance', reboot: 'compute_reboot_instance' }[action];
      this.addAction(server, {
        action,
        serverId,
        requestId: `req-${uuidFrom(`${serverId}/${action}/${since}`)}`,
        userId: server.userId,
        projectId: server.projectId,
        startTime: since,
        updatedAt: since,
        message: null,
        events: [{ event, startTime: since, finishTime: null, result: null, traceback: null, host: server.host, details: null }],
      });
    }
  }

  /** The host reports again. */
  reviveHost(host: string): void {
    for (const s of this.services) if (s.host === host) s.lastHeartbeatAt = null;
    for (const a of this.agents) if (a.host === host) a.lastHeartbeatAt = null;
  }

  /** Boot log for `os-getConsoleOutput`: plausible kernel and cloud-init lines. */
  consoleLog(server: LabServer): string[] {
    const boot = (server.launchedAt ?? server.createdAt) / 1000;
    const image = this.images.get(server.imageId);
    const distro = image?.name ?? 'ubuntu-22.04';
    const lines = [
      `[    0.000000] Linux version 5.15.0-91-generic (buildd@lcy02-amd64-045) (gcc (Ubuntu 11.4.0-1ubuntu1~22.04) 11.4.0) #101-Ubuntu SMP`,
      `[    0.000000] Command line: BOOT_IMAGE=/boot/vmlinuz-5.15.0-91-generic root=LABEL=cloudimg-rootfs ro console=tty1 console=ttyS0`,
      '[    0.000000] KERNEL supported cpus:',
      '[    0.000000] BIOS-provided physical RAM map:',
      '[    0.004000] Hypervisor detected: KVM',
      `[    0.512311] Booting paravirtualized kernel on KVM`,
      '[    1.204512] EXT4-fs (vda1): mounted filesystem with ordered data mode. Opts: (null). Quota mode: none.',
      `[    3.118220] cloud-init[512]: Cloud-init v. 23.3.3-0ubuntu0~22.04.1 running 'init' at ${new Date(boot * 1000).toUTCString()}. Up 3.10 seconds.`,
      `[    3.201457] cloud-init[512]: ci-info: | eth0 | True | ${server.ip} | 255.255.255.0 | global | ${server.mac} |`,
      `[    6.884013] cloud-init[611]: Cloud-init v. 23.3.3 finished. Datasource DataSourceOpenStackLocal [net,ver=2]. Up 6.87 seconds`,
      '',
      `${distro} ${server.name} ttyS0`,
      '',
      `${server.name} login: `,
    ];
    const panicked = this.consoleFaults(server);
    lines.push(...panicked);
    // A panicked guest prints nothing more when Nova powers it off.
    if (server.vmState === 'stopped' && panicked.length === 0) lines.push('[  OK  ] Reached target System Power Off.', '[ 8123.552100] reboot: Power down');
    return lines;
  }
}
