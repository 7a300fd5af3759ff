import type { Evidence, ResourceRef } from '../core/findings.js';
import { SEVERITIES, type Severity } from '../core/severity.js';
import { shortHostName, type FleetIndex } from '../snapshot/fleet-index.js';
import type { Hypervisor, InstanceAction, Probe, Server } from '../snapshot/schema.js';

/** A server as a finding's resource, placed on its hypervisor. */
export function serverRef(index: FleetIndex, server: Server): ResourceRef {
  const hv = index.hypervisorOf(server);
  const host = server.host ?? server.hypervisorHostname ?? undefined;
  const region = server.region ?? hv?.region;
  return {
    kind: 'server',
    id: server.id,
    name: server.name,
    ...(hv ? { parent: { kind: 'hypervisor' as const, id: hv.id, name: hv.name } } : host ? { parent: { kind: 'hypervisor' as const, id: host, name: host } } : {}),
    ...(region ? { region } : {}),
  };
}

export function hypervisorRef(hv: Hypervisor): ResourceRef {
  return { kind: 'hypervisor', id: hv.id, name: hv.name, ...(hv.region ? { region: hv.region } : {}) };
}

/** A host known only by name (from host facts or alarms), attached to its hypervisor when known. */
export function hostRef(index: FleetIndex, host: string): ResourceRef {
  const hv = index.hypervisor(host);
  return hv ? hypervisorRef(hv) : { kind: 'host', id: host, name: host };
}

/** The evidence every server finding shows: where it is and what Nova says about it. */
export function serverEvidence(index: FleetIndex, server: Server): Evidence[] {
  const out: Evidence[] = [
    { label: 'status', value: server.status, source: 'nova' },
    { label: 'vm_state', value: server.vmState ?? null, source: 'nova' },
    { label: 'task_state', value: server.taskState ?? null, source: 'nova' },
    { label: 'host', value: server.host ?? null, source: 'nova' },
  ];
  const ip = server.addresses[0]?.addr;
  if (ip) out.push({ label: 'ip', value: ip, source: 'nova' });
  if (index.isDatabase(server)) out.push({ label: 'role', value: 'db', source: 'inventory' });
  return out;
}

// ---------------------------------------------------------------------------
// Urgency: prod vs dev zone, DB servers (catalog §4 common rule).

/** One step more urgent, capped at critical. */
export function raiseSeverity(s: Severity): Severity {
  return SEVERITIES[Math.min(SEVERITIES.indexOf(s) + 1, SEVERITIES.length - 1)] as Severity;
}

/** The zone as the operator should read it; an unknown zone is treated as prod and says so. */
function zoneLabel(index: FleetIndex, regionName: string | undefined): string {
  const zone = index.region(regionName)?.zone;
  return zone ?? 'prod (zone unknown, treated as prod)';
}

/** Whether a hypervisor is in a prod zone; unknown zones count as prod, as for servers. */
export function hypervisorIsProd(index: FleetIndex, hv: Hypervisor): boolean {
  return index.region(hypervisorRegion(index, hv))?.zone !== 'dev';
}

/** The hypervisor's region, or its servers' when the hypervisor record has none. */
function hypervisorRegion(index: FleetIndex, hv: Hypervisor): string | undefined {
  return hv.region ?? index.serversOn(hv).find((s) => s.region !== undefined)?.region;
}

/**
 * Whether the DB servers concerned are already hit (catalog §4 common rule):
 * `affected` → move fast and tell the DB on-call; `serving` → tell them and wait
 * for the DBA before any disruptive step. Omitted: a neutral "tell the DB on-call first".
 */
export type DbImpact = 'affected' | 'serving';

function dbNote(subject: string, impact: DbImpact | undefined): string {
  if (impact === 'affected') return `${subject}, already affected: move fast and tell the DB on-call`;
  if (impact === 'serving') return `${subject}, still serving: tell the DB on-call and wait for the DBA before any disruptive step`;
  return `${subject}: tell the DB on-call before any disruptive step`;
}

/**
 * Severity of a finding about one server: `prod` in a prod zone, `dev` in a dev
 * zone, one step higher for a DB server in a prod zone. The evidence says which
 * rule applied so the operator sees why.
 */
export function serverUrgency(
  index: FleetIndex,
  server: Server,
  prod: Severity,
  dev: Severity,
  dbImpact?: DbImpact,
): { severity: Severity; evidence: Evidence[] } {
  const isProd = index.isProd(server);
  const evidence: Evidence[] = [{ label: 'zone', value: zoneLabel(index, server.region ?? index.hypervisorOf(server)?.region), source: 'regions' }];
  if (!isProd) return { severity: dev, evidence };
  if (index.isDatabase(server)) {
    evidence.push({ label: 'urgency', value: dbNote('DB server in a prod zone', dbImpact), source: 'inventory' });
    return { severity: raiseSeverity(prod), evidence };
  }
  return { severity: prod, evidence };
}

/**
 * Severity of a finding about a whole hypervisor: like `serverUrgency`, raised
 * when any server on it is a DB server, since every server there is at stake.
 */
export function hypervisorUrgency(
  index: FleetIndex,
  hv: Hypervisor,
  prod: Severity,
  dev: Severity,
  dbImpact?: DbImpact,
): { severity: Severity; evidence: Evidence[] } {
  const evidence: Evidence[] = [{ label: 'zone', value: zoneLabel(index, hypervisorRegion(index, hv)), source: 'regions' }];
  const servers = index.serversOn(hv);
  const dbs = servers.filter((s) => index.isDatabase(s));
  evidence.push({ label: 'servers_on_hypervisor', value: servers.length, source: 'nova' });
  if (dbs.length > 0) evidence.push({ label: 'db_servers', value: listNames(dbs.map((s) => s.name)), source: 'inventory' });
  if (!hypervisorIsProd(index, hv)) return { severity: dev, evidence };
  if (dbs.length > 0) {
    evidence.push({ label: 'urgency', value: dbNote(`${dbs.length} DB server(s) on a prod hypervisor`, dbImpact), source: 'inventory' });
    return { severity: raiseSeverity(prod), evidence };
  }
  return { severity: prod, evidence };
}

/** Names for evidence, capped so a hypervisor with 80 servers stays readable. */
export function listNames(names: readonly string[], max = 20): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} (+${names.length - max} more)` : shown;
}

/** Whether an option string compiles as a regular expression (for `z.string().refine`). */
export function isValidPattern(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------
// Reachability (catalog §2): what `show <PM>` calls the ping and ssh columns.

export type Reachability =
  /** Ping (and ssh, when checked) answered. */
  | 'reachable'
  /** No usable probe result: not judged. */
  | 'not-probed'
  /** No ICMP answer and no ssh answer (or ping-only server without ICMP answer). */
  | 'ping-failed'
  /** Ping fails but sshd answered: alive, ICMP most likely filtered. */
  | 'ping-failed-ssh-ok'
  /** sshd refused, timed out or failed without a banner. */
  | 'ssh-failed'
  /** TCP 22 accepted, no banner within the limit: the guest hangs. */
  | 'ssh-hang';

/** Verdicts that mean "the server does not serve" (used to count affected servers). */
export const UNREACHABLE: ReadonlySet<Reachability> = new Set(['ping-failed', 'ssh-failed', 'ssh-hang']);

function sshAnswered(ssh: NonNullable<Probe['ssh']>): boolean {
  // An error after the banner (e.g. authentication) still means sshd answered.
  return ssh.state === 'ok' || (ssh.state === 'error' && ssh.banner !== undefined && ssh.banner !== '');
}

/**
 * Judges one probe result. `pingOnly` servers (amphora load balancers) are
 * healthy when they answer ping; ssh is not expected there.
 */
export function judgeReachability(probe: Probe | undefined, pingOnly: boolean): Reachability {
  if (!probe) return 'not-probed';
  const ping = probe.ping;
  if (pingOnly) return ping === null ? 'not-probed' : ping.ok ? 'reachable' : 'ping-failed';
  // A check the prober abandoned (run cancelled at its deadline) says nothing about the server.
  const abandoned = probe.ssh?.state === 'error' && probe.ssh.error === 'cancelled';
  const ssh = probe.ssh === null || probe.ssh.state === 'not-expected' || abandoned ? null : probe.ssh;
  if (ping === null && ssh === null) return 'not-probed';
  if (ssh?.state === 'hang') return 'ssh-hang';
  if (ping !== null && !ping.ok) return ssh !== null && sshAnswered(ssh) ? 'ping-failed-ssh-ok' : 'ping-failed';
  if (ssh !== null && !sshAnswered(ssh)) return 'ssh-failed';
  return 'reachable';
}

/** The probe result for a server, if any. */
export function serverProbe(index: FleetIndex, server: Server): Probe | undefined {
  return index.probe('server', server.id);
}

/** The probe result for a hypervisor, looked up by hypervisor name, service host or short name. */
export function hypervisorProbe(index: FleetIndex, hv: Hypervisor): Probe | undefined {
  for (const key of new Set([hv.name, hv.host, shortHostName(hv.name), shortHostName(hv.host)])) {
    const p = index.probe('hypervisor', key);
    if (p) return p;
  }
  return undefined;
}

/** Evidence rows for one probe result. */
export function probeEvidence(probe: Probe): Evidence[] {
  const out: Evidence[] = [
    { label: 'probed_at', value: probe.probedAt, source: 'probe' },
    { label: 'probe_address', value: probe.address, source: 'probe' },
    { label: 'ping', value: probe.ping === null ? null : probe.ping.ok, source: 'probe' },
  ];
  if (probe.ping?.rttMs !== undefined) out.push({ label: 'ping_rtt_ms', value: probe.ping.rttMs, source: 'probe' });
  out.push({ label: 'ssh', value: probe.ssh === null ? null : probe.ssh.state, source: 'probe' });
  if (probe.ssh?.elapsedMs !== undefined) out.push({ label: 'ssh_elapsed_ms', value: probe.ssh.elapsedMs, source: 'probe' });
  if (probe.ssh?.banner) out.push({ label: 'ssh_banner', value: probe.ssh.banner, source: 'probe' });
  if (probe.ssh?.error) out.push({ label: 'ssh_error', value: probe.ssh.error, source: 'probe' });
  return out;
}

// ---------------------------------------------------------------------------
// Instance actions (seed 002): stops Nova did on its own.

/**
 * A stop nobody asked for: Nova records a user and project for every API
 * request, and neither when it stops the server itself (power-state sync after
 * qemu/libvirt died under it).
 */
export function isUnrequestedStop(action: InstanceAction): boolean {
  return action.action === 'stop' && action.userId === null && action.projectId === null;
}

/** The newest `stop` action of a server, whoever asked for it. */
export function latestStop(index: FleetIndex, serverId: string): InstanceAction | undefined {
  return index.actionsOf(serverId).find((a) => a.action === 'stop');
}

/** `compute_stop_instance Success 2025-06-30T07:20:08Z; …` for evidence. */
export function describeEvents(action: InstanceAction): string {
  if (action.events.length === 0) return 'no events recorded';
  return action.events
    .map((e) => [e.event, e.result ?? 'no result', e.finishTime ?? e.startTime ?? ''].filter((x) => x !== '').join(' '))
    .join('; ');
}

/**
 * Milliseconds since the epoch for an API timestamp, or undefined when it does not
 * parse. Nova often omits the zone (`2025-06-30T07:19:53.000000`); its times are
 * UTC, so a missing zone is read as UTC rather than as the local time of the machine
 * running faultline.
 */
export function timeOf(iso: string | null | undefined): number | undefined {
  if (!iso) return undefined;
  const hasTime = /\d[T ]\d\d:\d\d/.test(iso);
  const zoned = hasTime && !/(Z|[+-]\d\d:?\d\d)$/i.test(iso) ? `${iso.replace(' ', 'T')}Z` : iso;
  const ms = Date.parse(zoned);
  return Number.isNaN(ms) ? undefined : ms;
}

// ---------------------------------------------------------------------------
// Host layer (catalog §3): facts read on a hypervisor or a Kubernetes node.

// Types taken through FleetIndex so this appended section leaves the imports above untouched.
type HostLayerSnapshot = FleetIndex['snapshot'];
type HostLayerFacts = HostLayerSnapshot['hostFacts'][number];
type HostLayerDisk = HostLayerSnapshot['disks'][number];

/** One parsed kernel log event (dmesg / journal) from a host's facts. */
export type KernelEvent = NonNullable<HostLayerFacts['kernelEvents']>[number];

/**
 * Severity of a finding about one host. A hypervisor follows `hypervisorUrgency`;
 * a Kubernetes node backed by a known server follows that server's zone; a host
 * faultline cannot place is treated as prod and the evidence says so.
 */
export function hostUrgency(index: FleetIndex, host: string, prod: Severity, dev: Severity): { severity: Severity; evidence: Evidence[] } {
  const hv = index.hypervisor(host);
  if (hv) return hypervisorUrgency(index, hv, prod, dev);
  const server = index.serverOfNode({ name: host });
  if (server) return serverUrgency(index, server, prod, dev);
  return { severity: prod, evidence: [{ label: 'zone', value: zoneLabel(index, undefined), source: 'regions' }] };
}

/** The servers Nova places on a host, when the host is a known hypervisor. */
export function serversOnHost(index: FleetIndex, host: string): readonly Server[] {
  const hv = index.hypervisor(host);
  return hv ? index.serversOn(hv) : [];
}

/**
 * Milliseconds since the epoch of a log event's time: ISO as Nova writes it, or
 * the `Wed Aug 29 09:51:19 2018` form of `dmesg -T` (read as UTC).
 */
export function eventTime(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const iso = /^\d{4}-\d\d-\d\d/.test(text) ? timeOf(text) : undefined;
  if (iso !== undefined) return iso;
  const ms = Date.parse(/(Z|UTC|GMT|[+-]\d\d:?\d\d)$/i.test(text) ? text : `${text} UTC`);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Events within `hours` before `now`. An event without a readable time is kept:
 * plain `dmesg` counts seconds since boot, so the line is at least from the
 * current boot, and dropping it would hide the failure.
 */
export function recentEvents<E extends { readonly time?: string | undefined }>(events: readonly E[], now: Date, hours: number): E[] {
  const since = now.getTime() - hours * 3_600_000;
  return events.filter((e) => {
    const t = eventTime(e.time);
    return t === undefined || t >= since;
  });
}

/** Evidence rows for one log event: the line itself first, then what was parsed from it. */
export function eventEvidence(event: { readonly line: string; readonly time?: string | undefined; readonly process?: string | undefined; readonly pid?: number | undefined }, source: string): Evidence[] {
  const out: Evidence[] = [{ label: 'log_line', value: event.line, source }];
  if (event.time !== undefined) out.push({ label: 'log_time', value: event.time, source });
  if (event.process !== undefined) out.push({ label: 'process', value: event.process, source });
  if (event.pid !== undefined) out.push({ label: 'pid', value: event.pid, source });
  return out;
}

/**
 * The libvirt domain name (`instance-0000001c`) a log line mentions, if any:
 * plain, as `guest=instance-…` on a qemu command line, or systemd-escaped as in
 * `machine-qemu\x2d1\x2dinstance\x2d0000001c.scope` (the oom-killer's task_memcg).
 */
export function instanceNameIn(text: string): string | undefined {
  const m = /instance(?:-|\\x2d)([0-9a-f]{8,})/i.exec(text);
  return m ? `instance-${(m[1] as string).toLowerCase()}` : undefined;
}

/** A disk as a finding's resource, placed in its host. */
export function diskRef(index: FleetIndex, disk: HostLayerDisk): ResourceRef {
  const host = hostRef(index, disk.host);
  return {
    kind: 'disk',
    id: `${disk.host}:${disk.device}`,
    name: `${disk.device} on ${disk.host}`,
    parent: { kind: host.kind, id: host.id, ...(host.name ? { name: host.name } : {}) },
    ...(host.region ? { region: host.region } : {}),
  };
}

/** Bytes the way `free -h` and `df -h` print them, with binary units spelled out. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value}B` : `${value.toFixed(1)} ${units[unit] as string}`;
}

/** Whether a value matches a `*` glob (the same syntax as suppressions), case-sensitive. */
export function matchesGlob(glob: string, value: string): boolean {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`).test(value);
}

// ---------------------------------------------------------------------------
// Guest console logs (catalog §3 guest-async-pf-panic, root-mount-panic): the snapshot's `consoleLogs`.

export type { ConsoleEvent } from '../snapshot/schema.js';
