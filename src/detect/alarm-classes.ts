import type { Evidence, ResourceRef } from '../core/findings.js';
import { shortHostName, type FleetIndex } from '../snapshot/fleet-index.js';
import type { Alarm, Hypervisor, Server, Snapshot } from '../snapshot/schema.js';
import { inputState } from './inputs.js';
import { hostRef, hypervisorIsProd, hypervisorProbe, hypervisorRef, judgeReachability, listNames, serverProbe, UNREACHABLE } from './resources.js';

/**
 * How the runbook (`000` §4.6–4.9) sorts hardware alarms, shared by the four
 * hardware detectors so that every open hardware fault lands in exactly one of
 * them. Pure: reads the snapshot and its index, nothing else.
 */

export type HardwareClass = 'non-urgent' | 'needs-judgement' | 'urgent' | 'disk-data-loss';

export interface PartKind {
  /** Canonical fault code, compacted (see `compactCode`). */
  readonly key: string;
  readonly cls: HardwareClass;
  /** The fault in the operator's words, read after "has" in messages. */
  readonly part: string;
  /** Disk alarms that are routine only while the host's servers still answer (§4.6, §4.7.3). */
  readonly diskWarning: boolean;
}

/** Upper-cased, letters and digits only: `HW-MC-ERROR`, `hw_mc_error` and `HwMcError` are one code. */
export function compactCode(code: string): string {
  return code.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

const KINDS: readonly PartKind[] = [
  { key: 'FAN', cls: 'non-urgent', part: 'a fan fault', diskWarning: false },
  { key: 'PSUREDUNDANCYLOST', cls: 'non-urgent', part: 'a failed power supply (redundancy lost)', diskWarning: false },
  { key: 'DISKFAILUREPREDICTED', cls: 'non-urgent', part: 'a disk predicted to fail', diskWarning: true },
  { key: 'MEMSBE', cls: 'needs-judgement', part: 'memory single-bit errors', diskWarning: false },
  { key: 'HWMCERROR', cls: 'needs-judgement', part: 'machine-check errors', diskWarning: false },
  { key: 'DISKSMARTERROR', cls: 'needs-judgement', part: 'disk SMART errors', diskWarning: true },
  { key: 'CPU', cls: 'urgent', part: 'a failed CPU', diskWarning: false },
  { key: 'MEMUE', cls: 'urgent', part: 'uncorrectable memory errors', diskWarning: false },
  { key: 'NIC', cls: 'urgent', part: 'a failed network card', diskWarning: false },
  { key: 'PSU', cls: 'urgent', part: 'a failed power supply', diskWarning: false },
  { key: 'MAINBOARD', cls: 'urgent', part: 'a failed mainboard', diskWarning: false },
  { key: 'DISKFAILED', cls: 'disk-data-loss', part: 'a failed disk', diskWarning: false },
  { key: 'DISKDATALOSS', cls: 'disk-data-loss', part: 'lost data on a disk', diskWarning: false },
];
const KIND_BY_KEY = new Map(KINDS.map((k) => [k.key, k]));

/**
 * The part an alarm is about, or undefined for alarms that are not hardware
 * faults (PING_FAIL, SYS_KERNEL_PANIC, anything unknown). A PSU alarm whose text
 * says redundancy is lost is the non-urgent kind: the host still has power and
 * the supply can be swapped without stopping it.
 */
export function partOf(alarm: Pick<Alarm, 'faultCode' | 'message'>): PartKind | undefined {
  const key = compactCode(alarm.faultCode);
  if (key === 'PSU' && /redundan/i.test(alarm.message)) return KIND_BY_KEY.get('PSUREDUNDANCYLOST');
  return KIND_BY_KEY.get(key);
}

/** One open hardware fault on one host: its open tickets for the same part, folded. */
export interface OpenFault {
  /** The host as the earliest ticket names it. */
  readonly host: string;
  readonly hostKey: string;
  readonly kind: PartKind;
  /** The fault code as the earliest ticket spells it. */
  readonly faultCode: string;
  /** Oldest first. */
  readonly alarms: readonly Alarm[];
  readonly ticketIds: readonly string[];
  /** Summed ticket counts: how often the fault fired. */
  readonly count: number;
  /** When the earliest ticket was raised. */
  readonly raisedAt: string;
  readonly ips: readonly string[];
}

const faultCache = new WeakMap<Snapshot, readonly OpenFault[]>();

/**
 * Open hardware faults, one per host and part. Collectors already fold duplicate
 * tickets; this folds again so snapshots merged from several feeds, or written
 * by hand, get the same answer. Closed alarms are left out.
 */
export function openHardwareFaults(snapshot: Snapshot): readonly OpenFault[] {
  const cached = faultCache.get(snapshot);
  if (cached) return cached;
  const groups = new Map<string, { kind: PartKind; alarms: Alarm[] }>();
  for (const alarm of snapshot.alarms) {
    if (alarm.status !== 'open') continue;
    const kind = partOf(alarm);
    if (!kind) continue;
    const key = `${shortHostName(alarm.host)}\u0000${kind.key}`;
    const group = groups.get(key);
    if (group) group.alarms.push(alarm);
    else groups.set(key, { kind, alarms: [alarm] });
  }
  const faults: OpenFault[] = [];
  for (const { kind, alarms } of groups.values()) {
    const sorted = [...alarms].sort((a, b) => Date.parse(a.raisedAt) - Date.parse(b.raisedAt) || a.ticketId.localeCompare(b.ticketId));
    const first = sorted[0] as Alarm;
    faults.push({
      host: first.host,
      hostKey: shortHostName(first.host),
      kind,
      faultCode: first.faultCode,
      alarms: sorted,
      ticketIds: [...new Set(sorted.map((a) => a.ticketId))],
      count: sorted.reduce((sum, a) => sum + a.count, 0),
      raisedAt: first.raisedAt,
      ips: [...new Set(sorted.flatMap((a) => a.ips))],
    });
  }
  faults.sort((a, b) => a.hostKey.localeCompare(b.hostKey) || a.kind.key.localeCompare(b.kind.key));
  faultCache.set(snapshot, faults);
  return faults;
}

/** What a fault on a host puts at stake: the servers there, whether they answer, DB servers. */
export interface HostImpact {
  readonly hypervisor: Hypervisor | undefined;
  readonly servers: readonly Server[];
  /** ACTIVE servers whose probe says they do not serve (ping, ssh, or ssh hanging; amphora: ping only). */
  readonly notAnswering: readonly Server[];
  /** ACTIVE servers with no usable probe result. */
  readonly notProbed: readonly Server[];
  /** The hypervisor's own probe fails. */
  readonly hostNotAnswering: boolean;
  readonly serversCollected: boolean;
  readonly probesCollected: boolean;
  readonly inventoryCollected: boolean;
  readonly prod: boolean;
  /** Servers the inventory marks as DB servers. */
  readonly dbServers: readonly Server[];
}

function collected(snapshot: Snapshot, key: 'servers' | 'probes' | 'inventory'): boolean {
  const s = inputState(snapshot, key).state;
  return s === 'ok' || s === 'partial';
}

const hvByIpCache = new WeakMap<Snapshot, Map<string, Hypervisor>>();
const serversByHostCache = new WeakMap<Snapshot, Map<string, Server[]>>();

/** The hypervisor an alarm names, by host name, or by address when the feed only had an IP. */
export function alarmHypervisor(index: FleetIndex, host: string, ips: readonly string[] = []): Hypervisor | undefined {
  const byName = index.hypervisor(host);
  if (byName) return byName;
  let byIp = hvByIpCache.get(index.snapshot);
  if (!byIp) {
    byIp = new Map();
    for (const hv of index.snapshot.hypervisors) if (hv.hostIp) byIp.set(hv.hostIp, hv);
    hvByIpCache.set(index.snapshot, byIp);
  }
  for (const ip of [host, ...ips]) {
    const hv = byIp.get(ip);
    if (hv) return hv;
  }
  return undefined;
}

/** Servers placed on a host by name, for hosts the snapshot has no hypervisor record for. */
function serversNamingHost(snapshot: Snapshot, host: string): readonly Server[] {
  let map = serversByHostCache.get(snapshot);
  if (!map) {
    map = new Map();
    for (const s of snapshot.servers) {
      const h = s.host ?? s.hypervisorHostname;
      if (!h) continue;
      const key = shortHostName(h);
      const list = map.get(key);
      if (list) list.push(s);
      else map.set(key, [s]);
    }
    serversByHostCache.set(snapshot, map);
  }
  return map.get(shortHostName(host)) ?? [];
}

const isAmphora = (s: Server): boolean => s.name.startsWith('amphora-');

export function hostImpact(index: FleetIndex, fault: Pick<OpenFault, 'host' | 'ips'>): HostImpact {
  const snapshot = index.snapshot;
  const hv = alarmHypervisor(index, fault.host, fault.ips);
  const servers = hv ? index.serversOn(hv) : serversNamingHost(snapshot, fault.host);
  const notAnswering: Server[] = [];
  const notProbed: Server[] = [];
  for (const s of servers) {
    if (s.status !== 'ACTIVE') continue;
    const verdict = judgeReachability(serverProbe(index, s), isAmphora(s));
    if (verdict === 'not-probed') notProbed.push(s);
    else if (UNREACHABLE.has(verdict)) notAnswering.push(s);
  }
  const hostProbe = hv ? hypervisorProbe(index, hv) : (index.probe('hypervisor', fault.host) ?? index.probe('hypervisor', shortHostName(fault.host)));
  const prod = hv ? hypervisorIsProd(index, hv) : servers[0] ? index.isProd(servers[0]) : true;
  return {
    hypervisor: hv,
    servers,
    notAnswering,
    notProbed,
    hostNotAnswering: UNREACHABLE.has(judgeReachability(hostProbe, false)),
    serversCollected: collected(snapshot, 'servers'),
    probesCollected: collected(snapshot, 'probes'),
    inventoryCollected: collected(snapshot, 'inventory'),
    prod,
    dbServers: servers.filter((s) => index.isDatabase(s)),
  };
}

/** The host or some of its servers already do not answer. */
export function serversAffected(impact: HostImpact): boolean {
  return impact.hostNotAnswering || impact.notAnswering.length > 0;
}

/** Probes show every ACTIVE server on the host answering (what `show <PM>` is run for). */
export function serversVerifiedFine(impact: HostImpact): boolean {
  return !serversAffected(impact) && impact.serversCollected && impact.probesCollected && impact.notProbed.length === 0;
}

/**
 * The class a fault is handled under right now. A disk warning (failure
 * predicted, SMART errors) is routine only while the servers still answer;
 * once they do not, the disk is treated as failed (§4.6, §4.7.3 → §4.9).
 */
export function handlingClass(fault: OpenFault, impact: HostImpact): HardwareClass {
  return fault.kind.diskWarning && serversAffected(impact) ? 'disk-data-loss' : fault.kind.cls;
}

/** Open faults of one handling class, each with its host impact. */
export function faultsOfClass(index: FleetIndex, cls: HardwareClass): { fault: OpenFault; impact: HostImpact }[] {
  const out: { fault: OpenFault; impact: HostImpact }[] = [];
  for (const fault of openHardwareFaults(index.snapshot)) {
    const impact = hostImpact(index, fault);
    if (handlingClass(fault, impact) === cls) out.push({ fault, impact });
  }
  return out;
}

/** The finding's resource: the hypervisor when the snapshot knows it, else the host as the alarm names it. */
export function faultResource(index: FleetIndex, fault: OpenFault, impact: HostImpact): ResourceRef {
  return impact.hypervisor ? hypervisorRef(impact.hypervisor) : hostRef(index, fault.host);
}

/** The host's name for messages: the hypervisor's name when known. */
export function hostLabel(fault: OpenFault, impact: HostImpact): string {
  return impact.hypervisor?.name ?? fault.host;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * What the common rule (§4.1) says about DB servers, as a clause for messages:
 * in a prod zone, a disruptive step waits for the DBA unless the DB servers are
 * already down, in which case the DB on-call is told at once.
 */
export function dbAdvice(impact: HostImpact): string {
  if (!impact.prod) return 'dev zone, no DB check needed';
  if (!impact.inventoryCollected) return 'check for DB servers first (no inventory collected)';
  if (impact.dbServers.length === 0) return 'no DB servers on it';
  const dbs = `${plural(impact.dbServers.length, 'DB server')} on it (${listNames(impact.dbServers.map((s) => s.name), 5)})`;
  return serversAffected(impact) ? `${dbs} already affected: tell the DB on-call now` : `${dbs}: wait for the DBA before stopping them`;
}

/** How the host's servers are doing, as a phrase for messages. */
export function reachPhrase(impact: HostImpact): string {
  if (impact.hostNotAnswering) return 'the hypervisor itself does not answer';
  const active = impact.servers.filter((s) => s.status === 'ACTIVE').length;
  const of = (n: number, verb: [string, string]): string => `${n} of its ${plural(active, 'active server')} ${n === 1 ? verb[0] : verb[1]}`;
  if (impact.notAnswering.length > 0) return of(impact.notAnswering.length, ['does not answer', 'do not answer']);
  if (impact.servers.length === 0) return impact.serversCollected ? 'it runs no servers' : 'its servers are unknown (servers not collected)';
  if (!impact.probesCollected) return `its ${plural(impact.servers.length, 'server')} ${impact.servers.length === 1 ? 'was' : 'were'} not probed`;
  if (impact.notProbed.length > 0) return of(impact.notProbed.length, ['was not probed', 'were not probed']);
  if (active === 0) return 'none of its servers is active';
  return active === 1 ? 'its only active server answers' : `all ${active} active servers on it answer`;
}

/** The tickets behind a fault. */
export function faultEvidence(fault: OpenFault): Evidence[] {
  const first = fault.alarms[0] as Alarm;
  const out: Evidence[] = [
    { label: 'ticket', value: fault.ticketIds[0] ?? first.ticketId, source: 'alarms' },
    { label: 'fault_code', value: fault.faultCode, source: 'alarms' },
    { label: 'ticket_count', value: fault.count, source: 'alarms' },
    { label: 'raised_at', value: fault.raisedAt, source: 'alarms' },
  ];
  if (fault.ticketIds.length > 1) out.push({ label: 'tickets', value: listNames(fault.ticketIds), source: 'alarms' });
  if (first.location) out.push({ label: 'location', value: first.location, source: 'alarms' });
  if (fault.ips.length > 0) out.push({ label: 'ips', value: fault.ips.join(', '), source: 'alarms' });
  if (first.message) out.push({ label: 'alarm_message', value: first.message, source: 'alarms' });
  return out;
}

/** What is at stake on the host: servers, who answers, DB servers in a prod zone. */
export function impactEvidence(impact: HostImpact): Evidence[] {
  const out: Evidence[] = [
    { label: 'zone', value: impact.prod ? 'prod' : 'dev', source: 'regions' },
    { label: 'servers_on_hypervisor', value: impact.serversCollected ? impact.servers.length : null, source: 'nova' },
  ];
  if (impact.probesCollected) {
    out.push({ label: 'servers_not_answering', value: impact.notAnswering.length, source: 'probe' });
    if (impact.notAnswering.length > 0) out.push({ label: 'not_answering', value: listNames(impact.notAnswering.map((s) => s.name)), source: 'probe' });
    if (impact.notProbed.length > 0) out.push({ label: 'servers_not_probed', value: impact.notProbed.length, source: 'probe' });
    if (impact.hostNotAnswering) out.push({ label: 'hypervisor_answers', value: false, source: 'probe' });
  }
  if (impact.inventoryCollected) {
    out.push({ label: 'db_servers_in_prod', value: impact.prod ? impact.dbServers.length : 0, source: 'inventory' });
    if (impact.dbServers.length > 0) out.push({ label: 'db_servers', value: listNames(impact.dbServers.map((s) => s.name)), source: 'inventory' });
  }
  return out;
}
