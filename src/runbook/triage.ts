import type { DetectorResult, Evidence, Finding } from '../core/findings.js';
import type { Correlation } from '../correlate/correlate.js';
import type { Incident, IncidentCase } from '../correlate/types.js';
import { openHardwareFaults, type OpenFault } from '../detect/alarm-classes.js';
import { isUnrequestedStop } from '../detect/resources.js';
import { indexOf, shortHostName, type FleetIndex } from '../snapshot/fleet-index.js';
import type { Alarm, Hypervisor, Server, Snapshot } from '../snapshot/schema.js';
import type { Runbook } from './define.js';
import { runbookPlan } from './plan.js';
import { runbookById } from './runbooks/index.js';

/**
 * Triage: which section of the runbook (catalog §4) applies to a ticket, a host
 * or a server, why, which gates stand before any disruptive step, and the plan
 * as ordered faultline commands. Pure: it reads the snapshot and the incidents a
 * scan of it found, and changes nothing.
 */

export type TriageTargetKind = 'ticket' | 'hypervisor' | 'server';

export interface TriageTarget {
  readonly kind: TriageTargetKind;
  readonly id: string;
  readonly name: string;
}

export type GateId = 'zone' | 'db-servers' | 'fault-notice' | 'advance-notice' | 'ticket-count' | 'repeat-in-month' | 'business-hours';

/**
 * `blocking`: nothing disruptive until it is met; `notify`: tell someone now and
 * go on; `info`: how to act, not whether; `met`: nothing to wait for.
 */
export type GateStatus = 'blocking' | 'notify' | 'info' | 'met';

export interface Gate {
  readonly id: GateId;
  readonly status: GateStatus;
  readonly says: string;
}

export type StepKind = 'check' | 'notice' | 'approval' | 'action' | 'wait' | 'manual' | 'escalate' | 'hold';

export interface TriageStep {
  readonly n: number;
  readonly kind: StepKind;
  readonly text: string;
  /** The faultline command that does it, when one does; absent for work done by hand. */
  readonly command?: string;
  /** Changes something (stops, starts, power): needs --yes and every gate above met. */
  readonly disruptive: boolean;
  /** A runbook's step: its id, and its retries and jumps as `faultline run` shows them. */
  readonly id?: string;
  readonly then?: string;
}

/** The runbook whose plan the steps are, and how to run it on the target(s). */
export interface TriageRunbook {
  readonly id: string;
  readonly title: string;
  readonly section: string;
  readonly targets: readonly string[];
  /** `faultline run <runbook> <target>` per target: the same plan, then --execute to run it. */
  readonly commands: readonly string[];
}

export interface Triage {
  readonly target: TriageTarget;
  readonly case: IncidentCase | 'nothing-found';
  readonly title: string;
  readonly incident?: { readonly id: string; readonly title: string; readonly severity: string };
  /** Other incidents on the same target, most urgent first. */
  readonly otherIncidents: readonly { readonly id: string; readonly title: string; readonly case: IncidentCase }[];
  readonly reasons: readonly string[];
  readonly evidence: readonly Evidence[];
  readonly gates: readonly Gate[];
  readonly steps: readonly TriageStep[];
  /** The runbook the steps come from; null when no runbook covers the case and the steps are the manual's, by hand. */
  readonly runbook: TriageRunbook | null;
  /** Triage never acts: the steps are a plan to run by hand or with `faultline run`. */
  readonly dryRun: true;
}

/** `unknown`: nothing in the snapshot has that name; `ambiguous`: several servers do, and the caller must give an id. */
export class TriageTargetError extends Error {
  constructor(
    message: string,
    readonly reason: 'unknown' | 'ambiguous',
  ) {
    super(message);
  }
}

/** A detector whose verdict the triage lacks: its data was not collected (skipped) or it failed (error). */
export interface NotChecked {
  readonly detectorId: string;
  readonly status: 'skipped' | 'error';
  readonly reason: string;
}

export function notCheckedOf(results: readonly DetectorResult[]): NotChecked[] {
  return results.flatMap((r) => (r.status === 'skipped' || r.status === 'error' ? [{ detectorId: r.detectorId, status: r.status, reason: r.reason ?? '' }] : []));
}

export interface TriageInput {
  readonly snapshot: Snapshot;
  readonly findings: readonly Finding[];
  /** Only the incidents are read: a caller holding a recorded scan's incidents need not correlate again. */
  readonly correlation: Pick<Correlation, 'incidents'>;
  /** A ticket id from the alarm feed, a hypervisor, or a server (name, id or address). */
  readonly target: string;
  readonly now: Date;
}

/** Tickets counted over this many at or above: announce and do the work (§4.7). */
export const TICKET_COUNT_LIMIT = 10;
/** A planned disk swap starts no earlier than this after its announcement (§4.7.3a). */
export const ADVANCE_NOTICE_HOURS = 4;
const ON_CALL = '@@krane.oncall';

interface Resolved {
  readonly target: TriageTarget;
  readonly hypervisor?: Hypervisor;
  readonly server?: Server;
  readonly alarm?: Alarm;
}

function resolve(index: FleetIndex, snapshot: Snapshot, text: string): Resolved {
  const alarm = snapshot.alarms.find((a) => a.ticketId === text);
  if (alarm) {
    const hv = index.hypervisor(alarm.host);
    const server = hv ? undefined : (index.serversNamed(shortHostName(alarm.host))[0] ?? index.serversNamed(alarm.host)[0] ?? alarm.ips.map((ip) => index.serverByAddress(ip)).find((s) => s !== undefined));
    return { target: { kind: 'ticket', id: alarm.ticketId, name: `${alarm.ticketId} / ${alarm.host} / ${alarm.faultCode}` }, alarm, ...(hv ? { hypervisor: hv } : {}), ...(server ? { server } : {}) };
  }
  const hv = index.hypervisor(text);
  if (hv) return { target: { kind: 'hypervisor', id: hv.id, name: hv.name }, hypervisor: hv };
  const server = index.server(text) ?? index.serverByAddress(text) ?? uniqueNamed(index, text) ?? uniqueNamed(index, shortHostName(text));
  if (server) {
    const on = index.hypervisorOf(server);
    return { target: { kind: 'server', id: server.id, name: server.name }, server, ...(on ? { hypervisor: on } : {}) };
  }
  throw new TriageTargetError(`"${text}" is not a ticket in the alarm feed, a hypervisor or a server in this snapshot`, 'unknown');
}

function uniqueNamed(index: FleetIndex, name: string): Server | undefined {
  const named = index.serversNamed(name);
  if (named.length > 1) throw new TriageTargetError(`${named.length} servers are named "${name}"; give the server's id instead (${named.map((s) => s.id).join(', ')})`, 'ambiguous');
  return named[0];
}

/** Incidents about the target, the one to work on first. */
function incidentsFor(r: Resolved, incidents: readonly Incident[]): Incident[] {
  const about = (i: Incident): boolean => {
    if (r.alarm && i.tickets.includes(r.alarm.ticketId)) return true;
    if (r.server && !r.alarm) return i.blastRadius.servers.some((s) => s.id === r.server?.id && (s.impacted || i.root.resource.kind !== 'server'));
    if (r.hypervisor) {
      const hv = r.hypervisor;
      const root = i.root.resource;
      const onHv = (root.kind === 'hypervisor' && root.id === hv.id) || root.parent?.id === hv.id || root.parent?.name === hv.name;
      return onHv || i.blastRadius.servers.some((s) => s.hypervisor === hv.name && s.impacted);
    }
    if (r.server) return i.blastRadius.servers.some((s) => s.id === r.server?.id);
    return false;
  };
  // Incidents about the whole host come before single servers on it; then by urgency as correlation sorted them.
  const hostWide = (i: Incident): number => (i.root.resource.kind === 'server' ? 1 : 0);
  return incidents.filter(about).sort((a, b) => hostWide(a) - hostWide(b));
}

export function triage(input: TriageInput): Triage {
  const { snapshot, correlation, now } = input;
  const index = indexOf(snapshot);
  const r = resolve(index, snapshot, input.target.trim());
  const matching = incidentsFor(r, correlation.incidents);
  const incident = matching[0];
  const others = matching.slice(1).map((i) => ({ id: i.id, title: i.title, case: i.case }));
  if (!incident) return nothingFound(r);

  const hv = r.hypervisor ?? (incident.blastRadius.servers[0]?.hypervisor ? index.hypervisor(incident.blastRadius.servers[0].hypervisor) : undefined);
  const findings = new Map(input.findings.map((f) => [f.fingerprint, f]));
  const root = findings.get(incident.root.fingerprint);
  const plan = planFor({ incident, index, snapshot, hypervisor: hv, root, now, alarm: r.alarm });
  const picked = runbookFor(incident, hv?.name);
  const steps: TriageStep[] = picked
    ? runbookPlan(picked.runbook).map(({ n, id, kind, disruptive, text, then }) => ({ n, id, kind, disruptive, text, then }))
    : plan.steps.map((s, i) => ({ ...s, n: i + 1 }));
  const reasons = picked
    ? [...plan.reasons, `The steps are runbook ${picked.runbook.id}'s (${picked.runbook.section}): faultline run shows the same plan, and --execute runs it.`]
    : [...plan.reasons, runbookById(incident.case) ? `Runbook ${incident.case} needs a target this triage could not name: the steps are the manual's, done by hand.` : `No runbook covers ${incident.case} yet: the steps are the manual's, done by hand.`];
  return {
    target: r.target,
    case: incident.case,
    title: incident.title,
    incident: { id: incident.id, title: incident.title, severity: incident.severity },
    otherIncidents: others,
    reasons,
    evidence: plan.evidence,
    gates: plan.gates,
    steps,
    runbook: picked
      ? { id: picked.runbook.id, title: picked.runbook.title, section: picked.runbook.section, targets: picked.targets, commands: picked.targets.map((t) => `faultline run ${picked.runbook.id} ${t}`) }
      : null,
    dryRun: true,
  };
}

/**
 * The runbook for the incident's case (a runbook's id is the case it answers) and
 * what it runs on. None when no runbook answers the case, or when its target is not
 * known (a kernel oops that names no server): then the manual's steps stand.
 */
function runbookFor(incident: Incident, hypervisor: string | undefined): { runbook: Runbook; targets: string[] } | undefined {
  const runbook = runbookById(incident.case);
  if (!runbook) return undefined;
  const root = incident.root.resource;
  const servers = incident.blastRadius.servers;
  const impacted = servers.filter((s) => s.impacted);
  let targets: string[];
  if (runbook.target === 'hypervisor') {
    const host = hypervisor ?? (root.kind === 'hypervisor' ? (root.name ?? root.id) : root.parent?.name);
    targets = host ? [host] : [];
  } else if (root.kind === 'server') {
    targets = [root.name ?? root.id];
  } else if (incident.case === 'host-stopped-server') {
    targets = impacted.map((s) => s.name);
  } else if (incident.case === 'vm-hang') {
    const first = impacted[0] ?? servers[0];
    targets = first ? [first.name] : [];
  } else {
    // A kernel oops that names no server: the one to recover is found by hand first.
    targets = [];
  }
  return targets.length > 0 ? { runbook, targets } : undefined;
}

function nothingFound(r: Resolved): Triage {
  const reasons = [`No incident in this scan is about ${r.target.name}.`];
  if (r.alarm) reasons.push(`The ticket's fault code ${r.alarm.faultCode} matched no finding: the fault may be gone, or its data was not collected (see the scan's "Not checked").`);
  const steps: Omit<TriageStep, 'n'>[] = [];
  const what = r.server?.name ?? r.hypervisor?.name ?? r.alarm?.host;
  if (what) steps.push({ kind: 'check', text: `Look at it live: state, ping and ssh.`, command: `faultline show ${what}`, disruptive: false });
  steps.push({ kind: 'check', text: 'Scan again with every collector (host facts, probes, alarms) to see why nothing matched.', command: 'faultline scan --format table --out -', disruptive: false });
  reasons.push('No runbook applies until an incident does: the steps are checks, done by hand.');
  return { target: r.target, case: 'nothing-found', title: `Nothing found for ${r.target.name}`, otherIncidents: [], reasons, evidence: [], gates: [], steps: steps.map((s, i) => ({ ...s, n: i + 1 })), runbook: null, dryRun: true };
}

interface PlanInput {
  readonly incident: Incident;
  readonly index: FleetIndex;
  readonly snapshot: Snapshot;
  readonly hypervisor: Hypervisor | undefined;
  readonly root: Finding | undefined;
  readonly now: Date;
  readonly alarm: Alarm | undefined;
}

interface Plan {
  readonly reasons: string[];
  readonly evidence: Evidence[];
  readonly gates: Gate[];
  readonly steps: Omit<TriageStep, 'n'>[];
}

/** How urgent the case is when DB servers on the host still serve: can the work wait for the DBA? */
const CAN_WAIT: ReadonlySet<IncidentCase> = new Set(['part-non-urgent', 'part-needs-judgement', 'host-stopped-server', 'compute-agents-down']);
/** Cases whose plan acts on the whole hypervisor, so the fault notice must be out first (§1, §4.4). */
const HOST_ACTION: ReadonlySet<IncidentCase> = new Set(['pm-hang', 'part-urgent', 'disk-data-loss', 'part-non-urgent', 'part-needs-judgement']);

function planFor(p: PlanInput): Plan {
  const { incident } = p;
  const reasons: string[] = [];
  const evidence: Evidence[] = [];
  const gates: Gate[] = [];
  const steps: Omit<TriageStep, 'n'>[] = [];
  const host = p.hypervisor?.name ?? incident.root.resource.parent?.name ?? incident.root.resource.name ?? incident.root.resource.id;
  const radius = incident.blastRadius;
  const impacted = radius.servers.filter((s) => s.impacted);
  const firstServer = impacted[0] ?? radius.servers[0];

  reasons.push(`Root cause: ${incident.root.detectorId} on ${incident.root.resource.kind} ${incident.root.resource.name ?? incident.root.resource.id}${p.root ? `: ${p.root.message.replace(/\.$/, '')}` : ''}.`);
  evidence.push({ label: 'incident', value: incident.id, source: 'faultline' });
  evidence.push({ label: 'severity', value: incident.severity, source: 'faultline' });
  evidence.push({ label: 'servers_at_stake', value: radius.counts.servers, source: 'nova' });
  evidence.push({ label: 'servers_impacted', value: radius.counts.impactedServers, source: 'faultline' });
  if (radius.dbServers.length > 0) evidence.push({ label: 'db_servers', value: radius.dbServers.join(', '), source: 'inventory' });
  if (incident.tickets.length > 0) evidence.push({ label: 'tickets', value: incident.tickets.join(', '), source: 'alarms' });
  for (const e of (p.root?.evidence ?? []).slice(0, 8)) if (!evidence.some((x) => x.label === e.label)) evidence.push(e);

  // --- gates --------------------------------------------------------------------
  const dev = incident.zone === 'dev';
  gates.push(
    dev
      ? { id: 'zone', status: 'info', says: 'Dev zone: handled in the daytime; escalations are a chat mention of the platform on-call only, no page at night.' }
      : { id: 'zone', status: 'info', says: `Prod zone: work it now; if the steps do not bring it back, page the platform on-call (${ON_CALL}).` },
  );
  const dbs = radius.servers.filter((s) => s.db);
  if (!dev && dbs.length > 0) {
    const hit = dbs.filter((s) => s.impacted);
    const waiting = dbs.filter((s) => !s.impacted);
    if (hit.length > 0) {
      gates.push({ id: 'db-servers', status: 'notify', says: `DB server(s) already impacted (${hit.map((s) => s.name).join(', ')}): proceed fast and tell the DB on-call now.` });
      reasons.push(`${hit.length} DB server(s) are already down with it, so waiting for the DBA only lengthens the outage (§4.1 3a).`);
    }
    if (waiting.length > 0) {
      // A DB server that still serves is never taken down without the DBA's word (the runbooks' dba-acknowledged gate);
      // what the fault changes is only how hard to chase that word.
      const canWait = CAN_WAIT.has(incident.case);
      const names = waiting.map((s) => s.name).join(', ');
      gates.push(
        canWait
          ? { id: 'db-servers', status: 'blocking', says: `DB server(s) still serving (${names}) and the fault can wait: wait for the DBA's acknowledgement before any disruptive step.` }
          : { id: 'db-servers', status: 'blocking', says: `DB server(s) still serving (${names}) and the fault cannot wait: page the DB on-call now; the run waits for their acknowledgement before stopping them.` },
      );
    }
  } else if (!dev) gates.push({ id: 'db-servers', status: 'met', says: 'No DB server among the servers at stake (by the inventory): proceed.' });
  if (HOST_ACTION.has(incident.case)) {
    gates.push({ id: 'fault-notice', status: 'blocking', says: `The fault notice must be out before any action on ${host} (power, reboot, stopping its servers).` });
  }

  // --- the case's steps -----------------------------------------------------------
  const show = (what: string, text = `Check state, ping and ssh of ${what}.`): Omit<TriageStep, 'n'> => ({ kind: 'check', text, command: `faultline show ${what}`, disruptive: false });
  const notice = (kind: 'fault' | 'recovery' | 'data-loss', text: string): Omit<TriageStep, 'n'> => ({ kind: 'notice', text, command: `faultline notice ${incident.id} --kind ${kind}`, disruptive: false });
  const escalate = (): Omit<TriageStep, 'n'> =>
    dev
      ? { kind: 'escalate', text: `Still bad: mention the platform on-call (${ON_CALL}) in chat during the day; no page for a dev zone.`, disruptive: false }
      : { kind: 'escalate', text: `Still bad: page the platform on-call (${ON_CALL}) with this incident's id and evidence.`, disruptive: false };

  switch (incident.case) {
    case 'vm-hang': {
      const s = firstServer?.name ?? host;
      reasons.push(`One server (${s}) does not serve while its hypervisor ${host} is fine: the VM-hang section (§4.2) applies.`);
      reasons.push('Three or more affected servers on one hypervisor would make it a PM hang instead; here it is fewer.');
      break;
    }
    case 'kernel-panic-pm-fine': {
      const s = incident.root.resource.kind === 'server' ? (incident.root.resource.name ?? incident.root.resource.id) : undefined;
      reasons.push(`A VM process died in ${host}'s kernel (oops with Comm: qemu-system-*), and the hypervisor itself answers: kernel panic with the PM fine (§4.5).`);
      if (s) {
        reasons.push(`The one server to recover is ${s}; name only it on the ticket.`);
      } else {
        steps.push(show(host, `Find the one server on ${host} whose ssh is false or hangs over 10 s.`));
        steps.push({ kind: 'manual', text: 'Treat that server as a hung VM: faultline stop <server> --yes, then faultline start <server> --yes.', disruptive: true });
        steps.push({ kind: 'escalate', text: `If that server does not come back, treat ${host} as hung: fault notice, then reboot it (faultline triage ${host}).`, disruptive: false });
      }
      break;
    }
    case 'pm-hang': {
      reasons.push(
        incident.root.detectorId === 'hypervisor-down'
          ? `${host} does not answer (${incident.root.detectorId}): a hung hypervisor takes every server on it down (§4.4).`
          : `${radius.counts.impactedServers} servers on ${host} are affected at once: three or more on one hypervisor is treated as a PM hang (§4.2.5, §5.5.3).`,
      );
      break;
    }
    case 'host-stopped-server': {
      const stopped = impacted.map((s) => s.name);
      const flaps = impacted.map((s) => ({ name: s.name, stops: countHostStops(p.index, s.id) }));
      reasons.push(`${host} stopped ${stopped.join(', ') || 'its servers'} itself (Nova recorded a stop with no user or project): the cause is on the host, not in the guest (seed 002).`);
      if (incident.root.resource.kind !== 'server') reasons.push(`The host-side cause is ${incident.root.detectorId} on ${incident.root.resource.name ?? incident.root.resource.id}; starting the servers without fixing it starts the next stop.`);
      else reasons.push('No host-side cause was found in the collected facts; collect host facts (SSH) to find it before the next stop.');
      for (const f of flaps) if (f.stops > 1) evidence.push({ label: `host_stops_${f.name}`, value: f.stops, source: 'nova instance actions' });
      reasons.push(`Host evidence to read first: ${incident.root.detectorId}${incident.chain[0]?.summary ? ` (${incident.chain[0].summary})` : ''}; then fix the cause on ${host}: ${remedyOf(incident.root.detectorId)}`);
      const flapping = flaps.filter((f) => f.stops >= 3);
      if (flapping.length > 0) {
        reasons.push(`${flapping.map((f) => `${f.name} (${f.stops} host stops on record)`).join(', ')} keeps being stopped: do not restart it in a loop; escalate with the host evidence.`);
      }
      break;
    }
    case 'compute-agents-down': {
      const runtime = agentRuntime(p.index, host);
      reasons.push(`The compute agents on ${host} are not all running while the host answers: compute agents down (§4.10).`);
      reasons.push(`Runtime on this host: ${runtime}.`);
      const ssh = (cmd: string): string => `ssh ${host} 'sudo ${cmd}'`;
      if (runtime !== 'containerd') {
        steps.push(
          { kind: 'manual', text: 'Restart docker and check it is active.', command: ssh('systemctl restart docker.service && systemctl list-units | grep docker.service'), disruptive: true },
          { kind: 'check', text: 'Check the three compose projects: nova (1 container), neutron (3), hostroute (2), all Up.', command: ssh('sh -c "cd /opt/krane/nova && docker-compose ps; cd /opt/krane/neutron && docker-compose ps; cd /opt/krane/hostroute && docker-compose ps"'), disruptive: false },
          { kind: 'manual', text: 'Restart the project that is not Up (nova, neutron or hostroute).', command: ssh('sh -c "cd /opt/krane/<project> && docker-compose restart"'), disruptive: true },
        );
      }
      if (runtime !== 'docker-compose') {
        steps.push(
          { kind: 'manual', text: 'Restart containerd and kubelet and check both are active.', command: ssh('systemctl restart containerd.service kubelet.service && systemctl list-units | grep -E "containerd|kubelet"'), disruptive: true },
          { kind: 'manual', text: 'Stop the running containers; kubelet starts them again.', command: ssh('sh -c "crictl stop $(crictl ps -q)"'), disruptive: true },
          { kind: 'check', text: 'Check nova (1), neutron (3) and hostroute (2) containers are Running.', command: ssh('sh -c "crictl ps --name nova-* -s Running; crictl ps --name neutron-* -s Running; crictl ps --name hostroute-* -s Running"'), disruptive: false },
          { kind: 'check', text: 'Swap must be 0B; if not, turn it off and restart kubelet.', command: ssh('sh -c "free -h | grep Swap"'), disruptive: false },
          { kind: 'manual', text: 'Only when swap is not 0B.', command: ssh('sh -c "swapoff -a && systemctl restart kubelet.service"'), disruptive: true },
        );
      }
      steps.push({ kind: 'wait', text: 'Try up to 3 times, 1 minute apart, re-checking the containers each time.', command: `faultline scan --only compute-agents-down,network-agents-down --format table --out -`, disruptive: false });
      steps.push({ ...escalate(), text: `After 3 tries one minute apart: ${escalate().text}` });
      break;
    }
    case 'part-non-urgent': {
      reasons.push(`${host} has a part fault that does not stop it (fan, redundant PSU, disk predicted to fail) and its servers answer: daytime work without a public fault notice at night (§4.6).`);
      gates.push({ id: 'business-hours', status: 'info', says: 'Hand it over to the day shift; no public notice at night.' });
      steps.push(...partWork(host, notice, show));
      break;
    }
    case 'part-needs-judgement': {
      const faults = openHardwareFaults(p.snapshot).filter((f) => p.hypervisor && shortHostName(f.host) === shortHostName(p.hypervisor.host) && f.kind.cls === 'needs-judgement');
      const count = faults.reduce((n, f) => n + f.count, 0);
      const disk = faults.some((f) => f.kind.diskWarning) || ['smart-failing', 'nvme-error-log'].includes(incident.root.detectorId);
      reasons.push(`${host} reports ${faults.map((f) => f.kind.part).join(', ') || 'disk errors'}: a part that needs judgement (§4.7); memory single-bit errors, HW-MC-ERROR and disk smartctl errors are handled the same way.`);
      if (faults.length > 0) {
        if (!evidence.some((e) => e.label === 'ticket_count')) evidence.push({ label: 'ticket_count', value: count, source: 'alarms' });
        const first = earliest(faults);
        if (count >= TICKET_COUNT_LIMIT) {
          gates.push({ id: 'ticket-count', status: 'info', says: `Ticket count ${count} ≥ ${TICKET_COUNT_LIMIT}: announce the work, then stop, fix, start and check.` });
          steps.push(...partWork(host, notice, show));
        } else {
          const until = new Date(Date.parse(first.raisedAt) + 24 * 3_600_000);
          gates.push({ id: 'ticket-count', status: 'info', says: `Ticket count ${count} < ${TICKET_COUNT_LIMIT}: monitor for 24 hours (until ${until.toISOString()}) and close without action if it stays below.` });
          steps.push({ kind: 'wait', text: `Monitor ${host} until ${until.toISOString()}: the alarm count must stay under ${TICKET_COUNT_LIMIT}.`, command: `faultline triage ${host}`, disruptive: false });
          steps.push({ kind: 'check', text: 'Then close the ticket without action (a corrected single-bit error means the part held).', disruptive: false });
        }
      } else {
        gates.push({ id: 'ticket-count', status: 'info', says: 'No ticket in the alarm feed for this part: judge by the host evidence; a failing disk is swapped as planned work.' });
        steps.push(...partWork(host, notice, show));
      }
      gates.push({ id: 'repeat-in-month', status: 'info', says: `If ${host} needed this work 3 times within a month, replace the whole box (counted from the alarm feed today: ${faults.flatMap((f) => f.ticketIds).length} ticket(s) open; the history store counts past work once it is configured).` });
      if (disk) {
        const earliestStart = new Date(p.now.getTime() + ADVANCE_NOTICE_HOURS * 3_600_000);
        gates.push({ id: 'advance-notice', status: 'blocking', says: `Planned disk swap: announce it during business hours and start no earlier than ${ADVANCE_NOTICE_HOURS} h later (announced now: not before ${earliestStart.toISOString()}); longer if the owners ask, and tell the DBA.` });
      }
      break;
    }
    case 'part-urgent': {
      reasons.push(`${host} has a failed part that needs power work now (CPU, memory, NIC, PSU, mainboard): urgent part (§4.8).`);
      steps.push(
        notice('fault', 'Post the fault notice before touching the host.'),
        { kind: 'action', text: `If ${host} still runs, stop all its servers.`, command: `faultline stop ${host} --yes`, disruptive: true },
        { kind: 'manual', text: `Power ${host} off, swap the part (from the spare pool: faultline spare ${host}), power it on.`, command: `faultline spare ${host}`, disruptive: true },
        { kind: 'check', text: 'After a mainboard or box swap, check the virtualization settings (VT-x, VT-d, x2apic, SR-IOV, IOMMU passthrough).', command: `faultline check-host ${host}`, disruptive: false },
        { kind: 'action', text: `Start every server on ${host}.`, command: `faultline start ${host} --yes`, disruptive: true },
        show(host, `Confirm every server on ${host} is ACTIVE with ping and ssh true.`),
        notice('recovery', 'Comment the recovery: what was done, who confirmed, mention the owners.'),
      );
      break;
    }
    case 'disk-data-loss': {
      reasons.push(`${host} lost a disk that must be replaced, or data on it: disk failure / data loss (§4.9). A filesystem error that fsck fixed at reboot is not this case.`);
      steps.push(
        notice('data-loss', 'Post the data-loss notice (the fixed wording: all data lost, servers unrecoverable, deleted within 2 days, cluster workers must be re-added).'),
        { kind: 'manual', text: `Swap the disk (spare pool first) and reinstall the OS from the prescribed template.`, command: `faultline spare ${host}`, disruptive: true },
        { kind: 'check', text: 'Check the reinstalled host before it takes servers again.', command: `faultline check-host ${host}`, disruptive: false },
        { kind: 'manual', text: 'Tell the owners and the platform on-call the reinstall is done; send no "recovered" notice: nothing was recovered.', disruptive: false },
      );
      break;
    }
    case 'node-not-ready':
    case 'node-never-joined': {
      const node = incident.root.resource.name ?? incident.root.resource.id;
      reasons.push(`Kubernetes node ${node} is ${incident.case === 'node-never-joined' ? 'missing from its cluster' : 'not ready'} and no VM or hypervisor fault explains it: the cause is on the node.`);
      steps.push(
        { kind: 'check', text: `kubectl get node ${node}; kubectl -n kube-system get pod -o wide --field-selector spec.nodeName=${node}`, disruptive: false },
        { kind: 'check', text: `On the node: systemctl status kubelet containerd; journalctl -u kubelet; ls -l /var/run/containerd/containerd.sock; free -h (swap must be 0B); df -h.`, disruptive: false },
        { kind: 'manual', text: 'Restart what is down (containerd, then kubelet); swapoff -a when swap is on.', disruptive: true },
      );
      break;
    }
    case 'system-pod-unhealthy': {
      const pod = incident.root.resource.name ?? incident.root.resource.id;
      const node = incident.root.resource.parent?.kind === 'node' ? incident.root.resource.parent.name : undefined;
      reasons.push(`System pod ${pod} is unhealthy and no node or VM fault explains it: follow the cluster checklist from the pod's own log (seed 003).`);
      const [ns, name] = pod.split('/');
      steps.push(
        { kind: 'check', text: 'Which system pods are down, and on which nodes.', command: `kubectl -n ${ns ?? 'kube-system'} get pod -o wide`, disruptive: false },
        { kind: 'check', text: 'Read the pod\'s log (for a multi-container pod, each container with -c; calico\'s "bird: Unable to open configuration file" is the classic).', command: `kubectl -n ${ns ?? 'kube-system'} logs ${name ?? pod} --all-containers`, disruptive: false },
        { kind: 'check', text: 'Events work even when the pod never started.', command: `kubectl -n ${ns ?? 'kube-system'} get events --sort-by=.lastTimestamp`, disruptive: false },
        { kind: 'check', text: `A static pod (mirror of /etc/kubernetes/manifests/*.yaml) is fixed on the node itself, not with kubectl${node ? `: ssh ${node}` : ''}; then systemctl status kubelet, journalctl -u kubelet, df -h, free -h.`, disruptive: false },
        { kind: 'manual', text: 'Fix the cause the log names, then delete the crash-looping pod so its DaemonSet recreates it.', command: `kubectl -n ${ns ?? 'kube-system'} delete pod ${name ?? pod}`, disruptive: true },
      );
      break;
    }
    default: {
      reasons.push(`No runbook section covers this directly; follow the finding's own steps.`);
      for (const step of p.root?.remediation.steps ?? []) steps.push({ kind: 'manual', text: step, disruptive: false });
    }
  }
  return { reasons, evidence, gates, steps };
}

function partWork(
  host: string,
  notice: (kind: 'fault' | 'recovery' | 'data-loss', text: string) => Omit<TriageStep, 'n'>,
  show: (what: string, text?: string) => Omit<TriageStep, 'n'>,
): Omit<TriageStep, 'n'>[] {
  return [
    show(host, `Confirm ${host}'s servers answer (ping and ssh): then it is daytime work.`),
    notice('fault', 'Announce the work (the work notice) before stopping anything.'),
    { kind: 'action', text: `Stop the servers on ${host}.`, command: `faultline stop ${host} --yes`, disruptive: true },
    { kind: 'manual', text: 'Do the work (swap the part), then check the host is healthy.', disruptive: true },
    { kind: 'action', text: `Start the servers on ${host}.`, command: `faultline start ${host} --yes`, disruptive: true },
    show(host, `Confirm every server on ${host} is ACTIVE with ping and ssh true.`),
    notice('recovery', 'Post the completion notice.'),
  ];
}

function earliest(faults: readonly OpenFault[]): OpenFault {
  return [...faults].sort((a, b) => Date.parse(a.raisedAt) - Date.parse(b.raisedAt))[0] as OpenFault;
}

/** Stops Nova made on its own for a server, from the instance actions on record. */
function countHostStops(index: FleetIndex, serverId: string): number {
  return index.actionsOf(serverId).filter(isUnrequestedStop).length;
}

function agentRuntime(index: FleetIndex, host: string): 'docker-compose' | 'containerd' | 'unknown (no container facts)' {
  const containers = index.hostFacts(host)?.containers ?? [];
  if (containers.some((c) => c.runtime === 'containerd')) return 'containerd';
  if (containers.some((c) => c.runtime === 'docker-compose')) return 'docker-compose';
  return 'unknown (no container facts)';
}

const REMEDY: Readonly<Record<string, string>> = {
  'nvme-error-log': 'the NVMe controller or its firmware is failing: plan the disk swap (a part that needs judgement) and move the servers off.',
  'smart-failing': 'the disk is failing: plan the swap (a part that needs judgement) and move the servers off.',
  'qcow2-refcount-errors': 'the image is corrupted: stop the server, back the image up, run qemu-img check -r all on it.',
  'io-errors': 'block I/O errors: find the failing device (smartctl, dmesg) and plan its swap.',
  'hung-task': 'tasks blocked on I/O: find the stalled device before nova-compute hangs for good.',
  'oom-kill': 'the host ran out of memory: move servers off or add memory; swap must stay off.',
  'memory-pressure': 'memory is nearly exhausted: move servers off the host.',
  'cpu-overheat': 'the CPU runs too hot: check fans and airflow (a part job).',
  'unexpected-reboot': 'the host rebooted by itself: read the last boot logs for the cause.',
};

function remedyOf(detectorId: string): string {
  return REMEDY[detectorId] ?? 'see the root finding\'s steps in the scan report.';
}
