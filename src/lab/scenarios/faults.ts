/**
 * The faults in force in a running lab: which servers hang or are gone, which hosts
 * are hung, what the alarm feed says and what each hypervisor's host-side facts are.
 * Faults are data (the scenario schema); applying one changes the control plane
 * where Nova or Neutron would see it, and everything else (reachability, tickets,
 * facts) is derived from the faults in force, so clearing a fault undoes it.
 */
import { PowerState, type LabHypervisor, type LabServer } from '../fleet/types.js';
import type { CommandResult, HostActions, RemedyUnit } from '../hosts/host-commands.js';
import { HEALTHY_DISK_HEALTH, healthyHostFacts, hungTaskLines, qcow2RefcountLines, qemuOopsLines, dmesgTime, type HostFacts } from '../hosts/facts.js';
import { healthyNodeFacts, isNodeServer, kubeadmPreflightFailure, klogPrefix, type NodeFacts } from '../hosts/node-facts.js';
import { LabError, type LabState } from '../openstack/state.js';
import { asyncPfPanicLines, rootMountPanicLines } from './guest-panics.js';
import { agoMs, type AlarmCode, type FaultSpec, type HostFactsPatch, type NodeFactsPatch, type HypervisorSelector, type PastMoment, type ServerSelector, type ShutoffEvidence } from './schema.js';

export type Reachability = 'ok' | 'hang' | 'down' | 'unknown';
export type FaultStatus = 'scheduled' | 'active' | 'cleared' | 'unmatched';

export interface LabFault {
  id: string;
  spec: FaultSpec;
  status: FaultStatus;
  /** Lab time (ms) at which it appears. */
  dueAt: number;
  appliedAt: number | null;
  clearedAt: number | null;
  /** Resolved targets. */
  hypervisor: string | null;
  servers: string[];
  tickets: string[];
  /** Why targets could not be found (status `unmatched`). */
  problem: string | null;
}

export interface LabTicket {
  ticket_id: string;
  host: string;
  fault_code: string;
  location: string;
  ips: string[];
  message: string;
  raised_at: string;
  status: 'open' | 'closed';
  count: number;
  closed_at: string | null;
  /** The lab fault that raised it. */
  fault_id: string;
}

/** A moment of the past on the lab clock, for the replay that records scans there. */
export interface LabMoment {
  readonly at: number;
  readonly ago: string;
  readonly note: string | null;
  readonly scan: boolean;
  readonly operator: readonly { readonly command: 'restart' | 'start' | 'stop'; readonly fault: string }[];
}

/** A change the past makes to a fault that is already there (a count that grows, an end). */
interface PastChange {
  readonly dueAt: number;
  readonly order: number;
  readonly run: () => void;
  done: boolean;
}

interface ServerSnapshot {
  vmState: LabServer['vmState'];
  powerState: LabServer['powerState'];
  taskState: string | null;
  fault: LabServer['fault'];
}

const AGENT_BINARIES: Record<string, string> = {
  'nova-compute': 'nova-compute',
  'neutron-dhcp-agent': 'neutron-dhcp-agent',
  'neutron-metadata-agent': 'neutron-metadata-agent',
  'neutron-linuxbridge-agent': 'neutron-linuxbridge-agent',
  'neutron-l3-agent': 'neutron-l3-agent',
};

const GIB = 1024 ** 3;
const MINUTE = 60_000;
const DAY = 86_400_000;

function alarmMessage(code: AlarmCode, hv: LabHypervisor, count: number): string {
  switch (code) {
    case 'PING_FAIL':
      return `Ping check failed for ${hv.hostname} (${hv.hostIp}): 100% packet loss`;
    case 'SYS_KERNEL_PANIC':
      return `Kernel oops detected on ${hv.hostname}: Comm: qemu-system-x86 Tainted`;
    case 'HW-MC-ERROR':
      return 'Machine check error: CPU 1 Bank 7: cc00008000010090';
    case 'MEM_SBE':
      return `Correctable memory error (single-bit) on DIMM_B3, ${count} occurrences`;
    case 'MEM_UE':
      return 'Uncorrectable memory error on DIMM_A1';
    case 'DISK_FAILURE_PREDICTED':
      return 'Physical Disk 0:1:1 on Integrated RAID Controller 1: Failure Predicted';
    case 'DISK_SMART_ERROR':
      return 'smartctl: Error Information Log Entries increasing on /dev/nvme0n1';
    case 'DISK_FAILED':
      return 'Physical Disk 0:1:1 on Integrated RAID Controller 1 failed';
    case 'DISK_DATA_LOSS':
      return 'Virtual disk 1 on Integrated RAID Controller 1 failed: data lost';
    case 'FAN':
      return 'System Board Fan4 RPM is less than the lower critical threshold';
    case 'PSU_REDUNDANCY_LOST':
      return 'Power supply redundancy is lost (PS2 input lost)';
    case 'PSU':
      return 'Power Supply 1: failure detected';
    case 'CPU':
      return 'CPU 2 machine check: internal error (IERR)';
    case 'NIC':
      return 'NIC in slot 3 port 1: link down, adapter failure';
    case 'MAINBOARD':
      return 'System board PG voltage failure detected';
  }
}

/** A write command a hypervisor carried out (faultline's remedies): the witness of what was sent. */
export interface LabHostCommand {
  readonly at: number;
  readonly host: string;
  readonly command: string;
  readonly code: number;
}

/** What remedies changed on a hypervisor since it last booted; a reboot starts it over (fstab turns swap back on). */
interface HostRemedyState {
  swapOff: boolean;
  units: Record<string, 'active' | 'inactive' | 'failed' | 'activating'>;
  /** Agent containers stopped while nothing was there to start them again. */
  stopped: Set<string>;
}

export class LabFaults {
  readonly startedAt: number;
  /** Where the present begins on the lab clock: after the past a scenario replays, or the start. */
  readonly presentAt: number;
  private readonly changes: PastChange[] = [];
  private readonly moments: LabMoment[] = [];
  private ticking = false;
  /** Tickets the feed no longer lists (a past moment's `forget`). */
  private readonly forgotten = new Set<string>();
  private readonly faults: LabFault[] = [];
  private readonly tickets: LabTicket[] = [];
  private readonly snapshots = new Map<string, ServerSnapshot>();
  private readonly baseFacts = new Map<string, HostFacts>();
  private readonly bootAt = new Map<string, number>();
  private readonly serverByIp = new Map<string, LabServer>();
  private readonly hypervisorByIp = new Map<string, LabHypervisor>();
  private readonly listeners = new Set<() => void>();
  private nextTicket = 721_440;
  private nextId = 1;
  /** Derived from the active faults; rebuilt on every change. */
  private hungHosts = new Set<string>();
  /** Hypervisors whose BMC cut the power: down like a hung one, but no fault to clear. */
  private readonly poweredOff = new Set<string>();
  private readonly remedied = new Map<string, HostRemedyState>();
  /** Per agent-down fault: the containers a restart brought back. */
  private readonly revived = new Map<string, Set<string>>();
  private readonly hostCommandLog: LabHostCommand[] = [];
  /** Node VMs: what remedies changed since the boot they were made in (a reboot starts the VM over). */
  private readonly nodeRemedied = new Map<string, { boot: number; swapOff: boolean; units: Record<string, 'active' | 'inactive' | 'failed' | 'activating'> }>();
  /** Things that happen on the lab clock outside the fault list (a BMC finishing a reset). */
  private readonly clockHooks = new Set<() => void>();
  private serverReach = new Map<string, 'hang' | 'down'>();
  /** The last unreachable set, good until a fault changes or a server's state does (see LabState.serverStateRevision). */
  private unreachable: { revision: number; addresses: ReadonlySet<string> } | undefined;

  constructor(
    readonly state: LabState,
    options: { presentAt?: number } = {},
  ) {
    this.startedAt = state.now();
    this.presentAt = Math.max(this.startedAt, options.presentAt ?? this.startedAt);
    for (const s of state.allServers()) this.serverByIp.set(s.ip, s);
    for (const hv of state.hypervisors) {
      this.hypervisorByIp.set(hv.hostIp, hv);
      const facts = healthyHostFacts(hv, this.startedAt);
      this.bootAt.set(hv.hostname, this.startedAt - facts.uptimeSeconds * 1000);
      facts.reboots = [this.startedAt - facts.uptimeSeconds * 1000];
      this.baseFacts.set(hv.hostname, facts);
    }
    state.consoleFaults = (server) => this.guestConsole(server);
  }

  /** Called after any change that may alter reachability. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this.rebuild();
    for (const l of this.listeners) l();
  }

  /** Seconds since the lab started, on the lab clock. */
  elapsedSeconds(): number {
    return (this.state.now() - this.startedAt) / 1000;
  }

  /** Adds a fault; it applies now or when its `at` (from the present) comes, or at `dueAt` on the lab clock. */
  add(spec: FaultSpec, dueAt?: number): LabFault {
    const id = spec.id ?? `${spec.kind}-${this.nextId}`;
    this.nextId++;
    if (this.faults.some((f) => f.id === id)) throw new LabError('conflict', `a fault with id ${id} already exists`);
    const fault: LabFault = {
      id,
      spec,
      status: 'scheduled',
      dueAt: dueAt ?? this.presentAt + spec.at * 1000,
      appliedAt: null,
      clearedAt: null,
      hypervisor: null,
      servers: [],
      tickets: [],
      problem: null,
    };
    this.faults.push(fault);
    this.tick();
    return fault;
  }

  /** Runs `hook` on every tick, before the faults are looked at. */
  onTick(hook: () => void): () => void {
    this.clockHooks.add(hook);
    return () => this.clockHooks.delete(hook);
  }

  /** Applies faults and changes of the past whose time has come, in time order. */
  tick(): void {
    // Clearing a fault tells the listeners, which ask for reachability, which ticks.
    if (this.ticking) return;
    this.ticking = true;
    try {
      for (const hook of this.clockHooks) hook();
      const now = this.state.now();
      let any = false;
      const dueFaults = this.faults.filter((f) => f.status === 'scheduled' && f.dueAt <= now);
      const dueChanges = this.changes.filter((c) => !c.done && c.dueAt <= now);
      // At one moment its new faults come first, then the changes to earlier ones.
      const work = [
        ...dueFaults.map((f, i) => ({ at: f.dueAt, order: i - dueFaults.length, run: () => this.apply(f) })),
        ...dueChanges.map((c) => ({ at: c.dueAt, order: c.order, run: () => ((c.done = true), c.run()) })),
      ].sort((a, b) => a.at - b.at || a.order - b.order);
      for (const w of work) {
        w.run();
        any = true;
      }
      if (any) this.changed();
    } finally {
      this.ticking = false;
    }
  }

  /**
   * Puts a scenario's past on the lab clock: each moment's faults appear at the
   * present minus its `ago`, and its counts, ends and owners' starts happen then.
   * The lab clock must start before the oldest moment (startLab sees to it).
   */
  schedulePast(past: readonly PastMoment[]): void {
    const oldestFirst = [...past].sort((a, b) => agoMs(b.ago) - agoMs(a.ago));
    for (const moment of oldestFirst) {
      const at = this.presentAt - agoMs(moment.ago);
      if (at < this.startedAt) throw new LabError('badRequest', `the moment ${moment.ago} ago is before the lab clock starts`);
      for (const spec of moment.faults) this.add(spec, at);
      const change = (run: () => void): void => {
        this.changes.push({ dueAt: at, order: this.changes.length, run, done: false });
      };
      for (const c of moment.counts) change(() => this.setCount(c.fault, c.count));
      for (const id of moment.clear) change(() => this.end(id));
      for (const id of moment.ownerStarts) change(() => this.ownerStarts(id, at));
      for (const id of moment.forget) change(() => this.referenced(id).tickets.forEach((t) => this.forgotten.add(t)));
      this.moments.push({ at, ago: moment.ago, note: moment.note ?? null, scan: moment.scan, operator: moment.operator });
    }
  }

  /** The past to replay, oldest first. */
  past(): readonly LabMoment[] {
    return this.moments;
  }

  /** The feed shows a new repeat count on the fault's tickets (and the message that quotes it). */
  private setCount(id: string, count: number): void {
    const fault = this.referenced(id);
    const hv = fault.hypervisor ? this.state.hypervisorByHost.get(fault.hypervisor) : undefined;
    for (const t of this.tickets) {
      if (!fault.tickets.includes(t.ticket_id)) continue;
      t.count = count;
      if (fault.spec.kind === 'alarm' && fault.spec.message === undefined && hv) t.message = alarmMessage(fault.spec.code, hv, count);
    }
  }

  private end(id: string): void {
    if (this.referenced(id).status === 'active') this.clear(id);
  }

  /** The owner starts the fault's servers again: the fault ends, and Nova has the user's start on record. */
  private ownerStarts(id: string, at: number): void {
    const fault = this.referenced(id);
    this.end(id);
    const now = Math.min(at, this.state.now());
    for (const serverId of fault.servers) {
      const s = this.state.server(serverId);
      if (s) this.state.recordAction(s.id, 'start', now, { userId: s.userId, projectId: s.projectId });
    }
  }

  list(): readonly LabFault[] {
    this.tick();
    return this.faults;
  }

  get(id: string): LabFault | undefined {
    return this.faults.find((f) => f.id === id);
  }

  // ------------------------------------------------------------------ targets

  private activeOrScheduled(): LabFault[] {
    return this.faults.filter((f) => f.status === 'active');
  }

  private claimedHosts(): Set<string> {
    const out = new Set<string>();
    for (const f of this.activeOrScheduled()) {
      if (f.hypervisor) out.add(f.hypervisor);
      for (const id of f.servers) {
        const s = this.state.server(id);
        if (s) out.add(s.host);
      }
    }
    return out;
  }

  private claimedServers(): Set<string> {
    return new Set(this.activeOrScheduled().flatMap((f) => f.servers));
  }

  private referenced(id: string): LabFault {
    const f = this.get(id);
    if (!f) throw new LabError('badRequest', `sameAs: no fault with id ${id}`);
    return f;
  }

  private isActive(s: LabServer): boolean {
    return s.vmState === 'active' && s.taskState === null && s.powerState === PowerState.RUNNING;
  }

  selectHypervisor(sel: HypervisorSelector): LabHypervisor {
    if (sel.sameAs) {
      const f = this.referenced(sel.sameAs);
      const host = f.hypervisor ?? (f.servers[0] ? this.state.server(f.servers[0])?.host : undefined);
      const hv = host ? this.state.hypervisorByHost.get(host) : undefined;
      if (!hv) throw new LabError('badRequest', `sameAs: fault ${sel.sameAs} has no hypervisor`);
      return hv;
    }
    const claimed = sel.hostname ? new Set<string>() : this.claimedHosts();
    const pattern = sel.pattern ? new RegExp(sel.pattern) : null;
    const matches = this.state.hypervisors.filter((hv) => {
      if (claimed.has(hv.hostname)) return false;
      // A spare is a fault's target only when named: scenarios break compute nodes, not the pool.
      if (hv.spare && !sel.hostname) return false;
      if (sel.hostname && hv.hostname !== sel.hostname) return false;
      if (pattern && !pattern.test(hv.hostname)) return false;
      if (sel.region && hv.regionId !== sel.region) return false;
      if (sel.zone && this.state.regionById.get(hv.regionId)?.zone !== sel.zone) return false;
      if (sel.runtime && this.baseFacts.get(hv.hostname)?.runtime !== sel.runtime) return false;
      const servers = this.state.serversOnHost(hv.hostname).filter((s) => this.isActive(s));
      if (sel.withRole && !servers.some((s) => s.roles.includes(sel.withRole as LabServer['roles'][number]))) return false;
      if (sel.minServers && servers.length < sel.minServers) return false;
      return true;
    });
    const hv = matches[sel.pick];
    if (!hv) throw new LabError('badRequest', `no hypervisor matches ${JSON.stringify(sel)} (${matches.length} candidates, pick ${sel.pick})`);
    return hv;
  }

  selectServers(sel: ServerSelector): LabServer[] {
    if (sel.sameAs) {
      const f = this.referenced(sel.sameAs);
      return f.servers.map((id) => this.state.server(id)).filter((s): s is LabServer => s !== undefined);
    }
    const claimedServers = this.claimedServers();
    const claimedHosts = sel.on ? new Set<string>() : this.claimedHosts();
    const base = sel.on ? this.state.serversOnHost(this.selectHypervisor(sel.on).hostname) : this.state.allServers();
    const pattern = sel.pattern ? new RegExp(sel.pattern) : null;
    const out: LabServer[] = [];
    for (const s of base) {
      if (!this.isActive(s) || claimedServers.has(s.id) || claimedHosts.has(s.host)) continue;
      if (sel.role ? !s.roles.includes(sel.role) : s.roles.includes('amphora')) continue;
      if (sel.name && s.name !== sel.name) continue;
      if (pattern && !pattern.test(s.name)) continue;
      if (sel.region && s.regionId !== sel.region) continue;
      if (sel.zone && this.state.regionById.get(s.regionId)?.zone !== sel.zone) continue;
      out.push(s);
      if (out.length >= sel.count) break;
    }
    if (out.length < sel.count) throw new LabError('badRequest', `only ${out.length} of ${sel.count} servers match ${JSON.stringify(sel)}`);
    return out;
  }

  // ------------------------------------------------------------------ apply / clear

  private snapshot(s: LabServer): void {
    if (!this.snapshots.has(s.id)) this.snapshots.set(s.id, { vmState: s.vmState, powerState: s.powerState, taskState: s.taskState, fault: s.fault });
  }

  private restore(id: string): void {
    const snap = this.snapshots.get(id);
    const s = this.state.server(id);
    if (!snap || !s) return;
    Object.assign(s, snap);
    s.updatedAt = this.state.now();
    this.snapshots.delete(id);
  }

  private raise(fault: LabFault, hv: LabHypervisor, code: AlarmCode, count = 1, message?: string, location?: string): void {
    const region = this.state.regionById.get(hv.regionId);
    const rack = 1 + (hv.legacyId % 40);
    const ticket: LabTicket = {
      ticket_id: String(this.nextTicket++),
      host: hv.hostname,
      fault_code: code,
      location: location ?? `${(region?.center ?? 'dc').toUpperCase()}-IDC1 ${String.fromCharCode(65 + (hv.legacyId % 8))}${String(rack).padStart(2, '0')}-U${10 + (hv.legacyId % 30)}`,
      ips: [hv.hostIp],
      message: message ?? alarmMessage(code, hv, count),
      raised_at: new Date(this.state.now()).toISOString(),
      status: 'open',
      count,
      closed_at: null,
      fault_id: fault.id,
    };
    this.tickets.push(ticket);
    fault.tickets.push(ticket.ticket_id);
  }

  private apply(fault: LabFault): void {
    const spec = fault.spec;
    const now = this.state.now();
    try {
      switch (spec.kind) {
        case 'vm-hang':
        case 'vm-down':
          fault.servers = this.selectServers(spec.servers).map((s) => s.id);
          break;
        case 'kernel-oops': {
          const servers = this.selectServers(spec.servers);
          fault.servers = servers.map((s) => s.id);
          const hv = this.state.hypervisorByHost.get(servers[0]?.host ?? '') as LabHypervisor;
          fault.hypervisor = hv.hostname;
          if (spec.alarm) this.raise(fault, hv, 'SYS_KERNEL_PANIC');
          break;
        }
        case 'pm-hang': {
          const hv = this.selectHypervisor(spec.hypervisor);
          fault.hypervisor = hv.hostname;
          this.state.silenceHost(hv.hostname, now - spec.startedMinutesAgo * MINUTE);
          if (spec.alarm) this.raise(fault, hv, 'PING_FAIL');
          break;
        }
        case 'server-error':
          for (const s of this.selectServers(spec.servers)) {
            fault.servers.push(s.id);
            this.snapshot(s);
            this.state.failServer(s.id, spec.message);
          }
          break;
        case 'unrequested-shutoff':
          for (const s of this.selectServers(spec.servers)) {
            fault.servers.push(s.id);
            fault.hypervisor ??= s.host;
            this.snapshot(s);
            const span = spec.overDays * DAY;
            for (let k = 0; k < spec.flaps; k++) {
              const stopAt = now - span + Math.round((span * k) / Math.max(1, spec.flaps)) + 3 * 3_600_000;
              this.state.recordAction(s.id, 'stop', stopAt, null);
              this.state.recordAction(s.id, 'start', stopAt + 40 * MINUTE, { userId: s.userId, projectId: s.projectId });
            }
            this.state.stopFromHost(s.id, now - spec.minutesAgo * MINUTE);
          }
          break;
        case 'stuck-task':
          for (const s of this.selectServers(spec.servers)) {
            fault.servers.push(s.id);
            this.snapshot(s);
            this.state.strandTask(s.id, spec.taskState, now - spec.sinceMinutes * MINUTE);
          }
          break;
        case 'agent-down': {
          const hv = this.selectHypervisor(spec.hypervisor);
          fault.hypervisor = hv.hostname;
          const binaries = spec.containers.map((c) => AGENT_BINARIES[c]).filter((b): b is string => b !== undefined);
          this.state.silenceBinaries(hv.hostname, binaries, now - spec.startedMinutesAgo * MINUTE);
          break;
        }
        case 'alarm': {
          const hv = this.selectHypervisor(spec.hypervisor);
          fault.hypervisor = hv.hostname;
          this.raise(fault, hv, spec.code, spec.count, spec.message, spec.location);
          break;
        }
        case 'host-facts': {
          const hv = this.selectHypervisor(spec.hypervisor);
          fault.hypervisor = hv.hostname;
          const reboot = spec.facts.reboot;
          if (reboot?.guests === 'shutoff') {
            // Nova's power sync finds the guests gone a few minutes after nova-compute is back.
            const bootAt = now - reboot.minutesAgo * MINUTE;
            const syncAt = Math.min(now, bootAt + 4 * MINUTE);
            for (const s of this.state.serversOnHost(hv.hostname)) {
              if (!this.isActive(s)) continue;
              fault.servers.push(s.id);
              this.snapshot(s);
              this.state.stopFromHost(s.id, syncAt);
            }
          }
          break;
        }
        case 'node-facts':
        case 'calico-crashloop':
        case 'node-not-joined':
        case 'kubelet-version-skew':
        case 'control-plane-workload':
        case 'service-endpoints':
        case 'workload-failures':
        case 'rollout-lag':
        case 'unused-services': {
          // Kubernetes-side faults: OpenStack sees nothing; the lab's clusters read the targets from the fault.
          const sel = { ...spec.servers, role: spec.servers.role ?? (spec.kind === 'control-plane-workload' ? 'k8s-control-plane' : 'k8s-worker') };
          if (sel.role !== 'k8s-worker' && sel.role !== 'k8s-control-plane') throw new LabError('badRequest', `${spec.kind} needs Kubernetes servers (role k8s-worker or k8s-control-plane), not role ${sel.role}`);
          const servers = this.selectServers(sel);
          fault.servers = servers.map((s) => s.id);
          break;
        }
        case 'guest-async-pf-panic':
        case 'root-mount-panic': {
          // The guest kernel is dead but qemu still runs: Nova says ACTIVE, nothing answers.
          const servers = this.selectServers(spec.servers);
          fault.servers = servers.map((s) => s.id);
          fault.hypervisor = servers[0]?.host ?? null;
          break;
        }
      }
      fault.status = 'active';
      fault.appliedAt = now;
    } catch (err) {
      if (!(err instanceof LabError)) throw err;
      fault.status = 'unmatched';
      fault.problem = err.message;
    }
  }

  /** Undoes a fault: reachability and facts return, servers get their earlier state back, tickets close. */
  clear(id: string): LabFault {
    const fault = this.get(id);
    if (!fault) throw new LabError('notFound', `no fault with id ${id}`);
    if (fault.status === 'active') this.undo(fault);
    fault.status = 'cleared';
    fault.clearedAt = this.state.now();
    this.changed();
    return fault;
  }

  private undo(fault: LabFault): void {
    const spec = fault.spec;
    const stillDown = (host: string): boolean =>
      this.faults.some((f) => f !== fault && f.status === 'active' && f.hypervisor === host && (f.spec.kind === 'pm-hang' || f.spec.kind === 'agent-down'));
    if (spec.kind === 'pm-hang' && fault.hypervisor && !stillDown(fault.hypervisor)) this.state.reviveHost(fault.hypervisor);
    if (spec.kind === 'agent-down' && fault.hypervisor && !stillDown(fault.hypervisor)) this.state.reviveHost(fault.hypervisor);
    if (spec.kind === 'server-error' || spec.kind === 'unrequested-shutoff' || spec.kind === 'stuck-task' || spec.kind === 'host-facts') for (const id of fault.servers) this.restore(id);
    const at = new Date(this.state.now()).toISOString();
    for (const t of this.tickets) {
      if (fault.tickets.includes(t.ticket_id) && t.status === 'open') {
        t.status = 'closed';
        t.closed_at = at;
      }
    }
  }

  /**
   * The operator rebooted the hypervisor out of band: it answers again, its services
   * report, dmesg starts over, and every server that was running comes back SHUTOFF
   * (Nova's power sync stops it) until someone starts it.
   */
  rebootHypervisor(hostname: string): { stopped: string[] } {
    const hv = this.state.hypervisorByHost.get(hostname);
    if (!hv) throw new LabError('notFound', `no hypervisor ${hostname}`);
    this.tick();
    const onHost = new Set(this.state.serversOnHost(hostname).map((s) => s.id));
    for (const f of this.faults) {
      if (f.status !== 'active') continue;
      // A guest that panicked on a storage stall boots again; one whose root disk is damaged does not.
      const transient = ['pm-hang', 'kernel-oops', 'agent-down', 'vm-hang', 'vm-down', 'guest-async-pf-panic'].includes(f.spec.kind);
      const here = f.hypervisor === hostname || f.servers.some((id) => onHost.has(id));
      if (transient && here) {
        this.undo(f);
        f.status = 'cleared';
        f.clearedAt = this.state.now();
      }
    }
    this.poweredOff.delete(hostname);
    this.remedied.delete(hostname);
    this.state.reviveHost(hostname);
    const now = this.state.now();
    this.bootAt.set(hostname, now);
    const base = this.baseFacts.get(hostname);
    if (base) base.reboots.unshift(now);
    const stopped: string[] = [];
    for (const s of this.state.serversOnHost(hostname)) {
      if (s.vmState === 'active') {
        this.state.stopFromHost(s.id);
        stopped.push(s.id);
      }
    }
    this.changed();
    return { stopped };
  }

  /** The operating system is hung (pm-hang): it ignores ACPI requests, only a hard reset helps. */
  hypervisorHung(hostname: string): boolean {
    return this.faults.some((f) => f.status === 'active' && f.spec.kind === 'pm-hang' && f.hypervisor === hostname);
  }

  isPoweredOff(hostname: string): boolean {
    return this.poweredOff.has(hostname);
  }

  /**
   * The power went off: the host and its guests stop answering, and its services stop
   * heartbeating (Nova marks nova-compute down after its timeout, but keeps the servers
   * ACTIVE, since nobody is left to sync their power state).
   */
  powerOffHypervisor(hostname: string): void {
    if (!this.state.hypervisorByHost.has(hostname)) throw new LabError('notFound', `no hypervisor ${hostname}`);
    this.tick();
    if (this.poweredOff.has(hostname)) return;
    this.poweredOff.add(hostname);
    this.state.silenceHost(hostname);
    this.changed();
  }

  /** The power came back: the host boots, which is a reboot as far as its guests are concerned. */
  powerOnHypervisor(hostname: string): { stopped: string[] } {
    return this.rebootHypervisor(hostname);
  }

  // ------------------------------------------------------------------ remedies on a hypervisor

  /** What the remedy commands do to this hypervisor (host-commands.ts calls these). */
  hostActions(hostname: string): HostActions {
    return {
      restartUnit: (unit) => this.restartUnit(hostname, unit),
      composeRestart: (project) => {
        if (this.hostFacts(hostname).services['docker'] === 'active') this.reviveContainers(hostname, (c) => c.project === project);
      },
      stopContainer: (name) => this.stopContainer(hostname, name),
      swapoff: () => {
        this.remedyState(hostname).swapOff = true;
        this.changed();
      },
    };
  }

  /**
   * What the remedy commands do on a Kubernetes node VM: kubelet and containerd restart
   * (kubelet fails at start while swap is on, as in node-swap), swapoff -a. A node has no
   * compose projects and no agent containers of its own.
   */
  nodeActions(serverId: string): HostActions {
    const remedy = (): { boot: number; swapOff: boolean; units: Record<string, 'active' | 'inactive' | 'failed' | 'activating'> } => {
      const boot = this.nodeBootAt(serverId);
      let st = this.nodeRemedied.get(serverId);
      if (!st || st.boot !== boot) {
        st = { boot, swapOff: false, units: {} };
        this.nodeRemedied.set(serverId, st);
      }
      return st;
    };
    return {
      restartUnit: (unit) => {
        if (unit === 'docker') return { stdout: '', stderr: 'Failed to restart docker.service: Unit docker.service not found.\n', code: 5 };
        const swapOn = this.nodeFacts(serverId).memory.swapTotalBytes > 0;
        const st = remedy();
        st.units[unit] = unit === 'kubelet' && swapOn ? 'failed' : 'active';
        this.changed();
        return { stdout: '', stderr: '', code: 0 };
      },
      composeRestart: () => undefined,
      stopContainer: () => undefined,
      swapoff: () => {
        remedy().swapOff = true;
        this.changed();
      },
    };
  }

  /** The node's remedies of its current boot, if any. */
  private nodeRemedy(serverId: string): { swapOff: boolean; units: Record<string, 'active' | 'inactive' | 'failed' | 'activating'> } | undefined {
    const st = this.nodeRemedied.get(serverId);
    return st && st.boot === this.nodeBootAt(serverId) ? st : undefined;
  }

  /** When the node VM last booted: its start, or a later reboot a fault declares. */
  private nodeBootAt(serverId: string): number {
    const server = this.state.server(serverId);
    if (!server) return 0;
    let bootAt = this.nodeBoot(server);
    for (const f of this.faults) {
      if (f.status !== 'active' || f.appliedAt === null || !f.servers.includes(serverId) || f.spec.kind !== 'node-facts' || !f.spec.facts.reboot) continue;
      bootAt = Math.max(bootAt, f.appliedAt - f.spec.facts.reboot.minutesAgo * MINUTE);
    }
    return bootAt;
  }

  /** Puts a write command on the hypervisor's log (the SSH server calls it for every remedy it carried out). */
  recordHostCommand(host: string, command: string, code: number): void {
    this.hostCommandLog.push({ at: this.state.now(), host, command, code });
  }

  hostCommands(sinceMs = 0): readonly LabHostCommand[] {
    return this.hostCommandLog.filter((c) => c.at >= sinceMs);
  }

  private remedyState(host: string): HostRemedyState {
    let st = this.remedied.get(host);
    if (!st) {
      st = { swapOff: false, units: {}, stopped: new Set() };
      this.remedied.set(host, st);
    }
    return st;
  }

  /** kubelet runs pods only with containerd up and swap off (its default failSwapOn). */
  private kubeletRuns(host: string): boolean {
    const f = this.hostFacts(host);
    return f.runtime === 'containerd' && f.services['kubelet'] === 'active' && f.services['containerd'] === 'active' && f.memory.swapTotalBytes === 0;
  }

  private restartUnit(host: string, unit: RemedyUnit): CommandResult {
    const facts = this.hostFacts(host);
    if (unit === 'docker' && facts.runtime !== 'docker-compose') return { stdout: '', stderr: 'Failed to restart docker.service: Unit docker.service not found.\n', code: 5 };
    const st = this.remedyState(host);
    // With swap on, kubelet exits at start and systemd keeps trying: `systemctl restart` itself still succeeds.
    st.units[unit] = unit === 'kubelet' && facts.memory.swapTotalBytes > 0 ? 'activating' : 'active';
    if (unit === 'docker') {
      // The compose services run with restart: always, so the daemon's start brings every one back.
      st.stopped.clear();
      this.reviveContainers(host, () => true);
    } else if (this.kubeletRuns(host)) {
      st.stopped.clear();
      this.reviveContainers(host, () => true);
    }
    this.changed();
    return { stdout: '', stderr: '', code: 0 };
  }

  private stopContainer(host: string, name: string): void {
    // kubelet starts a stopped container again at once; with no kubelet running it stays down.
    if (this.kubeletRuns(host)) return;
    this.remedyState(host).stopped.add(name);
    this.changed();
  }

  /** The exited agent containers `which` picks come back, unless their fault keeps them down; a fault with all back is over. */
  private reviveContainers(host: string, which: (c: { name: string; project: string | null }) => boolean): void {
    const base = this.baseFacts.get(host);
    if (!base) return;
    const now = this.state.now();
    for (const f of this.faults) {
      if (f.status !== 'active' || f.hypervisor !== host || f.spec.kind !== 'agent-down' || f.spec.persistent) continue;
      const names = f.spec.containers.filter((n) => which(base.containers.find((c) => c.name === n) ?? { name: n, project: null }));
      if (names.length === 0) continue;
      const back = this.revived.get(f.id) ?? new Set<string>();
      for (const n of names) back.add(n);
      this.revived.set(f.id, back);
      this.state.reviveBinaries(host, names.map((n) => AGENT_BINARIES[n]).filter((b): b is string => b !== undefined));
      if (f.spec.containers.every((n) => back.has(n))) {
        this.undo(f);
        f.status = 'cleared';
        f.clearedAt = now;
      }
    }
    for (const n of [...(this.remedied.get(host)?.stopped ?? [])]) if (which(base.containers.find((c) => c.name === n) ?? { name: n, project: null })) this.remedied.get(host)?.stopped.delete(n);
    this.changed();
  }

  // ------------------------------------------------------------------ derived views

  private rebuild(): void {
    const hung = new Set<string>();
    const reach = new Map<string, 'hang' | 'down'>();
    for (const f of this.faults) {
      if (f.status !== 'active') continue;
      if (f.spec.kind === 'pm-hang' && f.hypervisor) hung.add(f.hypervisor);
      if (f.spec.kind === 'vm-down' || f.spec.kind === 'guest-async-pf-panic' || f.spec.kind === 'root-mount-panic') for (const id of f.servers) reach.set(id, 'down');
      if (f.spec.kind === 'vm-hang' || f.spec.kind === 'kernel-oops') for (const id of f.servers) if (reach.get(id) !== 'down') reach.set(id, 'hang');
    }
    for (const host of this.poweredOff) hung.add(host);
    this.hungHosts = hung;
    this.serverReach = reach;
    this.unreachable = undefined;
  }

  /** How a probe of this address fares: banner, hang, nothing, or not a lab address. */
  reachability(ip: string): Reachability {
    this.tick();
    return this.reachabilityNow(ip);
  }

  private reachabilityNow(ip: string): Reachability {
    const server = this.serverByIp.get(ip);
    if (server) return this.serverReachability(server);
    const hv = this.hypervisorByIp.get(ip);
    if (hv) return this.hungHosts.has(hv.hostname) ? 'down' : 'ok';
    return 'unknown';
  }

  private serverReachability(server: LabServer): Reachability {
    if (this.hungHosts.has(server.host)) return 'down';
    // A powered-off guest answers nothing, whatever it did while it ran: a hung VM stops answering ping once stopped.
    if (server.vmState !== 'active' || server.powerState !== PowerState.RUNNING) return 'down';
    const forced = this.serverReach.get(server.id);
    if (forced) return forced;
    return 'ok';
  }

  /**
   * Every lab address that must not answer at all. The firewall asks every second;
   * walking 100,000 servers each time kept an idle large lab at a tenth of a core,
   * so the set is kept until a fault or a server's state changes, and the same
   * object comes back while nothing has.
   */
  unreachableAddresses(): ReadonlySet<string> {
    this.tick();
    const revision = this.state.serverStateRevision;
    if (this.unreachable?.revision === revision) return this.unreachable.addresses;
    const out = new Set<string>();
    for (const s of this.state.allServers()) if (this.serverReachability(s) === 'down') out.add(s.ip);
    for (const host of this.hungHosts) {
      const hv = this.state.hypervisorByHost.get(host);
      if (hv) out.add(hv.hostIp);
    }
    this.unreachable = { revision, addresses: out };
    return out;
  }

  /** Host-side evidence of a storage problem under these servers; `kernelTime` is null when dmesg started over since. */
  private declareEvidence(facts: HostFacts, servers: readonly string[], evidence: readonly ShutoffEvidence[], kernelTime: number | null): void {
    for (const ev of evidence) {
      if (ev === 'nvme-error-log') {
        const nvme = facts.disks.find((d) => d.transport === 'nvme');
        if (nvme) Object.assign(nvme, { nvmeErrorLogEntries: 2787, smartPassed: true });
      } else if (ev === 'qcow2-refcount') {
        for (const id of servers) {
          const s = this.state.server(id);
          if (s) facts.libvirtLogs.push({ file: `instance-${s.instanceNumber.toString(16).padStart(8, '0')}.log`, lines: qcow2RefcountLines(6) });
        }
      } else if (ev === 'hung-task') {
        if (kernelTime !== null) facts.kernelLog.push(...hungTaskLines(kernelTime - 5 * MINUTE, 'nova-compute', 3_412, 241));
      } else {
        facts.memory.swapTotalBytes = 8 * GIB;
        facts.memory.swapUsedBytes = Math.round(4.4 * GIB);
        facts.memory.availableBytes = Math.round(facts.memory.totalBytes * 0.04);
      }
    }
  }

  /** What a guest's console shows after its boot log: the panic of an active guest fault. */
  private guestConsole(server: LabServer): string[] {
    const out: string[] = [];
    for (const f of this.faults) {
      if (f.status !== 'active' || f.appliedAt === null || !f.servers.includes(server.id)) continue;
      const uptime = (f.appliedAt - (server.launchedAt ?? server.createdAt)) / 1000;
      if (f.spec.kind === 'guest-async-pf-panic') out.push(...asyncPfPanicLines(uptime, 1_000 + (server.instanceNumber % 30_000), f.spec.process));
      else if (f.spec.kind === 'root-mount-panic') out.push(...rootMountPanicLines(uptime, f.spec.kernel, server.instanceNumber));
    }
    return out;
  }

  /** The alarm feed: every ticket raised so far, open and closed, oldest first. */
  ticketFeed(): LabTicket[] {
    this.tick();
    return this.tickets.filter((t) => !this.forgotten.has(t.ticket_id)).map((t) => ({ ...t, ips: [...t.ips] }));
  }

  /** A node VM's boot time: when it was last started (the lab's start at the latest), stable across calls. */
  private nodeBoot(server: LabServer): number {
    const launched = server.launchedAt ?? server.createdAt;
    return Math.max(launched, this.startedAt - (2 + (server.instanceNumber % 30)) * 86_400_000);
  }

  /**
   * What SSH on a Kubernetes node VM shows now: a healthy node plus the active faults
   * on it. A server that never joined (node-not-joined) has containerd stopped, its
   * socket missing and kubeadm's preflight failure in the journal (seed 004).
   */
  nodeFacts(serverId: string): NodeFacts {
    this.tick();
    // By id: SSH asks once per command, and a name lookup would walk the whole fleet each time.
    const server = this.state.server(serverId);
    if (!server || !isNodeServer(server)) throw new LabError('notFound', `no Kubernetes node VM ${serverId}`);
    const flavor = this.state.flavors.get(server.flavorId);
    const now = this.state.now();
    let bootAt = this.nodeBoot(server);
    const facts = healthyNodeFacts(server, flavor?.ramMb ?? 8192, flavor?.diskGb ?? 80, bootAt, now);
    const mine = this.faults.filter((f) => f.status === 'active' && f.appliedAt !== null && f.servers.includes(server.id));
    for (const f of mine) {
      if (f.spec.kind !== 'node-facts' || !f.spec.facts.reboot || f.appliedAt === null) continue;
      const at = f.appliedAt - f.spec.facts.reboot.minutesAgo * MINUTE;
      if (at > bootAt) {
        bootAt = at;
        facts.reboots.unshift(at);
      }
    }
    facts.uptimeSeconds = Math.max(0, Math.round((now - bootAt) / 1000));
    // A boot starts the journal's view of the units over: what kubelet logged before it is older than the boot.
    facts.node.journal = facts.node.journal.map((e, i) => ({ ...e, at: bootAt + 21_000 + i * 2_000 }));
    for (const f of mine) {
      const at = f.appliedAt ?? now;
      if (f.spec.kind === 'node-not-joined') {
        facts.services['containerd'] = 'inactive';
        facts.node.containerdSocket = false;
        // kubeadm never registered the node, so kubelet keeps restarting without a config.
        facts.services['kubelet'] = 'activating';
        facts.node.journal = kubeadmPreflightFailure(bootAt + 5 * MINUTE).map((message, i) => ({ unit: 'kubeadm-join', ident: 'kubeadm[2210]', at: bootAt + 5 * MINUTE + i, message }));
      } else if (f.spec.kind === 'node-facts') {
        applyNodePatch(facts, f.spec.facts, at);
      }
    }
    const remedied = this.nodeRemedy(server.id);
    if (remedied) {
      if (remedied.swapOff) {
        facts.memory.swapTotalBytes = 0;
        facts.memory.swapUsedBytes = 0;
      }
      Object.assign(facts.services, remedied.units);
    }
    return facts;
  }

  /** When kubelet stopped on this server, if a fault stopped it: the reboot it did not come back from, or the fault's start. */
  kubeletStoppedAt(serverId: string): number | undefined {
    // Restarted by hand (or by a remedy) this boot, with swap off: it runs again whatever stopped it.
    if (this.nodeRemedy(serverId)?.units['kubelet'] === 'active') return undefined;
    const f = this.faults.find((x) => x.status === 'active' && x.appliedAt !== null && x.spec.kind === 'node-facts' && x.servers.includes(serverId) && x.spec.facts.services?.kubelet !== undefined && x.spec.facts.services.kubelet !== 'active');
    if (!f || f.appliedAt === null || f.spec.kind !== 'node-facts') return undefined;
    return f.appliedAt - (f.spec.facts.reboot?.minutesAgo ?? 0) * MINUTE;
  }

  /** Whether a fault stopped kubelet on this server (the node then renews no Lease). */
  kubeletStopped(serverId: string): boolean {
    this.tick();
    return this.kubeletStoppedAt(serverId) !== undefined;
  }

  /** The host-side facts of a hypervisor now: its healthy base plus every active fault's declarations. */
  hostFacts(hostname: string): HostFacts {
    this.tick();
    const base = this.baseFacts.get(hostname);
    if (!base) throw new LabError('notFound', `no hypervisor ${hostname}`);
    const facts: HostFacts = structuredClone(base);
    const now = this.state.now();
    let bootAt = this.bootAt.get(hostname) ?? now;
    // A declared unplanned reboot after the last known boot starts the host over.
    for (const f of this.faults) {
      if (f.status !== 'active' || f.appliedAt === null || f.hypervisor !== hostname || f.spec.kind !== 'host-facts' || !f.spec.facts.reboot) continue;
      const at = f.appliedAt - f.spec.facts.reboot.minutesAgo * MINUTE;
      if (at > bootAt) {
        bootAt = at;
        facts.reboots.unshift(at);
      }
    }
    facts.uptimeSeconds = Math.max(0, Math.round((now - bootAt) / 1000));
    for (const f of this.faults) {
      if (f.status !== 'active' || f.appliedAt === null) continue;
      const here = f.hypervisor === hostname;
      if (!here) continue;
      const fresh = f.appliedAt >= bootAt;
      const spec = f.spec;
      switch (spec.kind) {
        case 'kernel-oops': {
          const server = this.state.server(f.servers[0] ?? '');
          if (fresh && server) facts.kernelLog.push(...qemuOopsLines(f.appliedAt, 20_000 + (server.instanceNumber % 40_000)));
          break;
        }
        case 'unrequested-shutoff':
        case 'guest-async-pf-panic':
          this.declareEvidence(facts, f.servers, spec.evidence, fresh ? f.appliedAt : null);
          break;
        case 'agent-down': {
          const back = this.revived.get(f.id);
          for (const c of facts.containers) if (spec.containers.includes(c.name) && !back?.has(c.name)) c.state = 'exited';
          break;
        }
        case 'host-facts':
          applyPatch(facts, spec.facts, fresh ? f.appliedAt : null);
          break;
        default:
          break;
      }
    }
    const remedied = this.remedied.get(hostname);
    if (remedied) {
      if (remedied.swapOff) {
        facts.memory.swapTotalBytes = 0;
        facts.memory.swapUsedBytes = 0;
      }
      Object.assign(facts.services, remedied.units);
      for (const c of facts.containers) if (remedied.stopped.has(c.name)) c.state = 'exited';
    }
    this.useHugepages(facts);
    return facts;
  }

  /** Running guests whose flavor asks for large pages (`hw:mem_page_size`) take their RAM from the default-size pool. */
  private useHugepages(facts: HostFacts): void {
    const pool = facts.hugepages.pools.find((p) => p.pageSizeKb === facts.hugepages.defaultPageSizeKb);
    if (!pool) return;
    let usedKb = 0;
    for (const s of this.state.serversOnHost(facts.hostname)) {
      const flavor = this.state.flavors.get(s.flavorId);
      const asks = flavor?.extraSpecs['hw:mem_page_size'];
      if (asks && asks !== 'small' && s.vmState === 'active' && s.powerState === PowerState.RUNNING) usedKb += flavor.ramMb * 1024;
    }
    pool.free = Math.max(0, pool.total - Math.ceil(usedKb / pool.pageSizeKb));
  }
}

function applyNodePatch(facts: NodeFacts, patch: NodeFactsPatch, at: number): void {
  for (const [unit, state] of Object.entries(patch.services ?? {})) if (state !== undefined) facts.services[unit] = state;
  // A kubelet that did not start this boot logged nothing since it; the patch's journal says why if it tried.
  if (patch.services?.kubelet !== undefined && patch.services.kubelet !== 'active') facts.node.journal = facts.node.journal.filter((e) => e.unit !== 'kubelet');
  if (patch.containerdSocket !== undefined) facts.node.containerdSocket = patch.containerdSocket;
  if (patch.swap) {
    facts.memory.swapTotalBytes = Math.round(patch.swap.totalGb * GIB);
    facts.memory.swapUsedBytes = Math.round(patch.swap.usedGb * GIB);
  }
  for (const nic of patch.interfaces ?? []) {
    const existing = facts.node.interfaces.find((x) => x.name === nic.name);
    if (existing) existing.mtu = nic.mtu;
    else facts.node.interfaces.push({ name: nic.name, mtu: nic.mtu, up: true, mac: 'fa:16:3e:00:00:99', addresses: [] });
  }
  if (patch.failedPaths !== undefined) {
    const map = facts.node.multipath[0];
    map?.paths.forEach((p, i) => {
      const down = i >= map.paths.length - patch.failedPaths!;
      p.dmState = down ? 'failed' : 'active';
      p.checker = down ? 'faulty' : 'ready';
    });
    if (map && patch.failedPaths > 0) facts.kernelLog.push(`${dmesgTime(at)} device-mapper: multipath: 253:0: Failing path ${map.paths[map.paths.length - 1]?.devt ?? '8:16'}.`);
  }
  for (const [i, e] of (patch.journal ?? []).entries()) {
    const ident = e.unit === 'kubelet' ? (e.message.startsWith('kubelet.service') ? 'systemd[1]' : 'kubelet[1187]') : 'kubeadm[2210]';
    const message = e.message.replaceAll('{klog}', klogPrefix('E', at + i, 1187));
    facts.node.journal.push({ unit: e.unit, ident, at: at + i, message });
  }
}

function applyPatch(facts: HostFacts, patch: HostFactsPatch, kernelTime: number | null): void {
  if (patch.kernelLog && kernelTime !== null) facts.kernelLog.push(...patch.kernelLog.map((l) => l.replaceAll('{time}', dmesgTime(kernelTime))));
  if (patch.libvirtLogs) facts.libvirtLogs.push(...patch.libvirtLogs.map((l) => ({ file: l.file, lines: [...l.lines] })));
  for (const d of patch.disks ?? []) {
    const existing = facts.disks.find((x) => x.device === d.device);
    if (existing) Object.assign(existing, stripUndefined(d));
    else {
      facts.disks.push({
        model: 'unknown',
        modelFamily: null,
        serial: `LAB${d.device.toUpperCase()}`,
        transport: d.device.startsWith('nvme') ? 'nvme' : 'sata',
        rotational: false,
        smr: false,
        sizeGb: 4000,
        ...HEALTHY_DISK_HEALTH,
        holds: [],
        ...stripUndefined(d),
      });
    }
  }
  if (patch.memory) {
    const m = patch.memory;
    if (m.availablePercent !== undefined) facts.memory.availableBytes = Math.round((facts.memory.totalBytes * m.availablePercent) / 100);
    if (m.swapTotalGb !== undefined) facts.memory.swapTotalBytes = Math.round(m.swapTotalGb * GIB);
    if (m.swapUsedGb !== undefined) facts.memory.swapUsedBytes = Math.round(m.swapUsedGb * GIB);
  }
  for (const fs of patch.filesystems ?? []) {
    let target = facts.filesystems.find((x) => x.mount === fs.mount);
    if (!target) {
      target = { mount: fs.mount, device: fs.device ?? '/dev/sda3', sizeBytes: (fs.sizeGb ?? 100) * GIB, usedBytes: 0 };
      facts.filesystems.push(target);
    }
    if (fs.sizeGb !== undefined) target.sizeBytes = fs.sizeGb * GIB;
    if (fs.device !== undefined) target.device = fs.device;
    target.usedBytes = Math.round((target.sizeBytes * fs.usedPercent) / 100);
  }
  for (const c of patch.containers ?? []) {
    const existing = facts.containers.find((x) => x.name === c.name);
    if (existing) existing.state = c.state;
    else facts.containers.push({ name: c.name, project: null, state: c.state });
  }
  if (patch.services) Object.assign(facts.services, patch.services);
  if (patch.cpuTemperaturesC) facts.cpuTemperaturesC = [...patch.cpuTemperaturesC];
  if (patch.virtualization) Object.assign(facts.virtualization, stripUndefined(patch.virtualization));
  if (patch.hugepages) {
    const size = patch.hugepages.pageSize === '1G' ? 1_048_576 : 2048;
    const pool = facts.hugepages.pools.find((p) => p.pageSizeKb === size);
    if (pool) pool.total = patch.hugepages.total;
    else facts.hugepages.pools.push({ pageSizeKb: size, total: patch.hugepages.total, free: patch.hugepages.total });
  }
}

function stripUndefined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}
