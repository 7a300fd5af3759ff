import type { Finding, ResourceRef } from '../core/findings.js';
import { fingerprint } from '../core/fingerprint.js';
import { severityRank, type Severity } from '../core/severity.js';
import { indexOf, shortHostName, type FleetIndex } from '../snapshot/fleet-index.js';
import type { Hypervisor, Server, Snapshot } from '../snapshot/schema.js';
import { blastRadius } from './blast-radius.js';
import { nodeOfFinding, type NodePlacement } from './kubernetes.js';
import { place } from './place.js';
import { ABSORBS, EXPLAINS, FAMILY_ORDER, roleOf, type HostFamily, type ServerSymptom } from './roles.js';
import type { ChainLink, Incident, IncidentCase } from './types.js';

/** The outcome of correlation: incidents, and which findings they explain. */
export interface Correlation {
  readonly incidents: readonly Incident[];
  /** Fingerprints of findings some incident explains; the rest stay on their own. */
  readonly explained: ReadonlySet<string>;
}

export interface CorrelateOptions {
  /** Affected servers on one hypervisor that make it a hypervisor incident (catalog §1: three). */
  readonly minAffectedForHypervisor?: number;
}

interface HostGroup {
  readonly hypervisor: Hypervisor;
  readonly causes: Map<HostFamily, Finding[]>;
  /** Server id → its symptom findings. */
  readonly symptoms: Map<string, { server: Server; findings: { finding: Finding; symptom: ServerSymptom }[] }>;
}

/** Incident under construction: the root, what it explains, and on which servers. */
interface Draft {
  readonly case: IncidentCase;
  /** The host family behind a host incident, for its title. */
  readonly family?: HostFamily;
  readonly root: Finding;
  readonly hypervisor?: Hypervisor;
  /** Whether every server on the hypervisor is at stake (a host incident) or only the ones named. */
  readonly wholeHost: boolean;
  readonly chain: ChainLink[];
  readonly findings: Finding[];
  readonly impacted: Map<string, Server>;
  readonly named: Map<string, Server>;
}

const CASE_OF_FAMILY: Readonly<Record<HostFamily, IncidentCase>> = {
  hung: 'pm-hang',
  'mass-impact': 'pm-hang',
  'part-urgent': 'part-urgent',
  'disk-data-loss': 'disk-data-loss',
  storage: 'host-stopped-server',
  memory: 'host-stopped-server',
  heat: 'host-stopped-server',
  reboot: 'host-stopped-server',
  agents: 'compute-agents-down',
  'guest-oops': 'kernel-panic-pm-fine',
  'part-needs-judgement': 'part-needs-judgement',
  'part-non-urgent': 'part-non-urgent',
};

/** Which root inside a family speaks for it: the most specific evidence first. */
const ROOT_PREFERENCE: readonly string[] = [
  'hypervisor-down',
  'nvme-error-log',
  'smart-failing',
  'qcow2-refcount-errors',
  'io-errors',
  'hung-task',
  'oom-kill',
  'memory-pressure',
  'compute-agents-down',
  'network-agents-down',
];

/** Mass impact only says that many servers are down; any finding that says why speaks first. */
const LAST_RESORT = new Set(['hypervisor-mass-impact']);

/** Host causes that explain no symptom need this much weight to be an incident alone. */
const ALONE_MIN_SEVERITY: Severity = 'medium';

function byRootPreference(a: Finding, b: Finding): number {
  const rank = (f: Finding): number => {
    if (LAST_RESORT.has(f.detectorId)) return 1000;
    const i = ROOT_PREFERENCE.indexOf(f.detectorId);
    return i === -1 ? 100 : i;
  };
  return rank(a) - rank(b) || severityRank(b.severity) - severityRank(a.severity) || a.fingerprint.localeCompare(b.fingerprint);
}

/**
 * Groups findings into incidents, one per root cause (catalog §7): host causes
 * first, each claiming the server symptoms its family explains; three or more
 * affected servers on one hypervisor make a hypervisor incident even without a
 * host-side cause; what is left on a server is that server's own incident; a
 * Kubernetes node follows its backing server. Pure and linear in the findings.
 */
export function correlate(snapshot: Snapshot, findings: readonly Finding[], options: CorrelateOptions = {}): Correlation {
  const index = indexOf(snapshot);
  const minAffected = options.minAffectedForHypervisor ?? 3;
  const groups = new Map<string, HostGroup>();
  const unplacedServerSymptoms: Finding[] = [];
  const kubernetes: KubernetesItem[] = [];

  const groupOf = (hv: Hypervisor): HostGroup => {
    let g = groups.get(hv.id);
    if (!g) {
      g = { hypervisor: hv, causes: new Map(), symptoms: new Map() };
      groups.set(hv.id, g);
    }
    return g;
  };

  for (const f of findings) {
    const role = roleOf(f);
    if (role.kind === 'hygiene') continue;
    if (role.kind === 'kubernetes') {
      kubernetes.push({ finding: f, node: nodeOfFinding(index, f) });
      continue;
    }
    const where = place(index, f);
    if (role.kind === 'host-cause') {
      if (!where.hypervisor) {
        // A cause read on a Kubernetes node's VM (its reboot, its swap) belongs with that node's trouble;
        // on any other host that is not a known hypervisor it stands alone.
        const node = nodeOfFinding(index, f);
        if (node && node.node !== '') kubernetes.push({ finding: f, node, hostFact: true });
        else if (severityRank(f.severity) >= severityRank(ALONE_MIN_SEVERITY)) unplacedServerSymptoms.push(f);
        continue;
      }
      const g = groupOf(where.hypervisor);
      const list = g.causes.get(role.family);
      if (list) list.push(f);
      else g.causes.set(role.family, [f]);
      continue;
    }
    // A server symptom.
    if (!where.server || !where.hypervisor) {
      unplacedServerSymptoms.push(f);
      continue;
    }
    const g = groupOf(where.hypervisor);
    const entry = g.symptoms.get(where.server.id);
    if (entry) entry.findings.push({ finding: f, symptom: role.symptom });
    else g.symptoms.set(where.server.id, { server: where.server, findings: [{ finding: f, symptom: role.symptom }] });
  }

  const drafts: Draft[] = [];
  for (const g of [...groups.values()].sort((a, b) => a.hypervisor.name.localeCompare(b.hypervisor.name))) {
    drafts.push(...hostDrafts(index, g, minAffected));
  }
  for (const f of unplacedServerSymptoms) if (severityRank(f.severity) >= severityRank(ALONE_MIN_SEVERITY)) drafts.push(singleDraft(index, f));

  const byServer = new Map<string, Draft>();
  for (const d of drafts) for (const id of d.impacted.keys()) if (!byServer.has(id)) byServer.set(id, d);
  attachKubernetes(index, kubernetes, drafts, byServer);

  const incidents = drafts.map((d) => finish(index, d)).sort(
    (a, b) => severityRank(b.severity) - severityRank(a.severity) || a.title.localeCompare(b.title) || a.id.localeCompare(b.id),
  );
  const explained = new Set<string>();
  for (const i of incidents) for (const fp of i.findings) explained.add(fp);
  return { incidents, explained };
}

/** Incidents rooted on one hypervisor, and the server incidents nothing on it explains. */
function hostDrafts(index: FleetIndex, g: HostGroup, minAffected: number): Draft[] {
  const out: Draft[] = [];
  const hv = g.hypervisor;
  const claimed = new Set<string>();
  const absorbed = new Set<HostFamily>();
  const affectedCount = g.symptoms.size;

  // A failing disk that has hit no server yet and has a part alarm of its own (disk failure predicted,
  // smartctl errors) is that alarm's evidence, not a second incident about the same drive.
  const diskAlarm = (['part-non-urgent', 'part-needs-judgement'] as const).find((f) => g.causes.get(f)?.some(isDiskAlarm));
  const storage = g.causes.get('storage');
  if (diskAlarm && storage && !hasVictims(index, g, 'storage', storage)) {
    g.causes.get(diskAlarm)?.push(...storage);
    g.causes.delete('storage');
  }

  for (const family of FAMILY_ORDER) {
    if (absorbed.has(family)) continue;
    const causes = g.causes.get(family);
    if (!causes || causes.length === 0) continue;
    if (family === 'mass-impact' && affectedCount < minAffected) continue;
    if (family === 'guest-oops') {
      // Each dead VM process names (or does not name) its own server: one incident per oops.
      for (const oops of causes) out.push(oopsDraft(index, g, oops, claimed));
      continue;
    }
    const explains = new Set(EXPLAINS[family]);
    const members = [...causes];
    for (const other of ABSORBS[family]) {
      const more = g.causes.get(other);
      if (more && !absorbed.has(other)) {
        members.push(...more);
        for (const s of EXPLAINS[other]) explains.add(s);
        absorbed.add(other);
      }
    }
    // Server-level causes (the qemu the oom-killer hit, the image whose qcow2 broke) name their victim.
    const victims = new Map<string, Server>();
    for (const c of members) {
      if (c.resource.kind === 'server') {
        const s = index.server(c.resource.id);
        if (s) victims.set(s.id, s);
      }
    }
    const symptomFindings: Finding[] = [];
    for (const [id, entry] of g.symptoms) {
      if (claimed.has(id)) continue;
      const mine = entry.findings.filter((x) => explains.has(x.symptom));
      if (mine.length === 0) continue;
      victims.set(id, entry.server);
      symptomFindings.push(...mine.map((x) => x.finding));
      // A server whose every symptom is explained is claimed; one with a cause of its own keeps that.
      if (mine.length === entry.findings.length) claimed.add(id);
      else entry.findings.splice(0, entry.findings.length, ...entry.findings.filter((x) => !explains.has(x.symptom)));
    }
    const alone = victims.size === 0;
    const rooted = [...members].sort(byRootPreference);
    const root = rooted[0] as Finding;
    if (alone && family !== 'hung' && !isStandaloneWorthy(family, members)) continue;
    const caseId = caseFor(family, alone, members);
    out.push({
      case: caseId,
      family,
      root,
      hypervisor: hv,
      wholeHost: true,
      chain: hostChain(hv, root, rooted.slice(1), victims, symptomFindings),
      findings: [root, ...rooted.slice(1), ...symptomFindings],
      impacted: victims,
      named: victims,
    });
  }

  // Symptoms left: three or more on one host are one hypervisor incident (§1), otherwise each server its own.
  const left = [...g.symptoms.values()].filter((e) => !claimed.has(e.server.id) && e.findings.length > 0);
  const spreadable = left.filter((e) => e.findings.some((x) => COUNTS_AS_AFFECTED.has(x.symptom)));
  if (spreadable.length >= minAffected) {
    const findings = spreadable.flatMap((e) => e.findings.filter((x) => x.symptom !== 'image-damaged').map((x) => x.finding));
    const victims = new Map(spreadable.map((e) => [e.server.id, e.server]));
    const root = [...findings].sort(byRootPreference)[0] as Finding;
    out.push({
      case: 'pm-hang',
      root,
      hypervisor: hv,
      wholeHost: true,
      chain: hostChain(hv, undefined, [], victims, findings),
      findings,
      impacted: victims,
      named: victims,
    });
    for (const e of spreadable) e.findings.splice(0, e.findings.length, ...e.findings.filter((x) => x.symptom === 'image-damaged'));
  }
  for (const e of left) {
    // A server whose worst is a warning (low, info) is not paged for: its findings stay on their own.
    if (e.findings.length === 0 || !e.findings.some((x) => severityRank(x.finding.severity) >= severityRank(ALONE_MIN_SEVERITY))) continue;
    out.push(serverDraft(index, e.server, e.findings));
  }
  return out;
}

function isDiskAlarm(f: Finding): boolean {
  return /disk|smart/i.test(f.messageId) || f.evidence.some((e) => e.label === 'fault_code' && typeof e.value === 'string' && /DISK/i.test(e.value));
}

/** Whether a family's causes name a server or explain a symptom on the host. */
function hasVictims(index: FleetIndex, g: HostGroup, family: HostFamily, causes: readonly Finding[]): boolean {
  if (causes.some((c) => c.resource.kind === 'server' && index.server(c.resource.id) !== undefined)) return true;
  const explains = EXPLAINS[family];
  return [...g.symptoms.values()].some((e) => e.findings.some((x) => explains.has(x.symptom)));
}

/** A lone host cause without victims is worth an incident only when it is a real fault, not a warning. */
function isStandaloneWorthy(family: HostFamily, members: readonly Finding[]): boolean {
  if (family === 'part-needs-judgement' || family === 'part-non-urgent' || family === 'part-urgent' || family === 'disk-data-loss' || family === 'agents') return true;
  return members.some((f) => severityRank(f.severity) >= severityRank(ALONE_MIN_SEVERITY));
}

function caseFor(family: HostFamily, alone: boolean, members: readonly Finding[]): IncidentCase {
  // A failing disk that stopped nothing yet is the runbook's "disk smartctl errors": a part that needs judgement.
  if (alone && family === 'storage' && members.some((f) => f.detectorId === 'nvme-error-log' || f.detectorId === 'smart-failing')) return 'part-needs-judgement';
  if (alone && (family === 'storage' || family === 'memory' || family === 'heat' || family === 'reboot')) return 'other';
  return CASE_OF_FAMILY[family];
}

function oopsDraft(index: FleetIndex, g: HostGroup, oops: Finding, claimed: Set<string>): Draft {
  const hv = g.hypervisor;
  const server = oops.resource.kind === 'server' ? index.server(oops.resource.id) : undefined;
  const victims = new Map<string, Server>();
  const symptoms: Finding[] = [];
  if (server) {
    victims.set(server.id, server);
    const entry = g.symptoms.get(server.id);
    if (entry && !claimed.has(server.id)) {
      symptoms.push(...entry.findings.map((x) => x.finding));
      claimed.add(server.id);
    }
  }
  return {
    case: 'kernel-panic-pm-fine',
    root: oops,
    hypervisor: hv,
    wholeHost: false,
    chain: [
      { resource: hypervisorResource(hv), detectorId: oops.detectorId, summary: 'the host kernel logged an oops in a VM process; the host itself answers' },
      ...(server ? [{ resource: oops.resource, summary: symptoms.length > 0 ? summarise(symptoms) : 'the VM whose process died' }] : []),
    ],
    findings: [oops, ...symptoms],
    impacted: victims,
    named: victims,
  };
}

function serverDraft(index: FleetIndex, server: Server, findings: readonly { finding: Finding; symptom: ServerSymptom }[]): Draft {
  const sorted = [...findings].sort((a, b) => SYMPTOM_ORDER.indexOf(a.symptom) - SYMPTOM_ORDER.indexOf(b.symptom) || byRootPreference(a.finding, b.finding));
  const root = (sorted[0] as { finding: Finding; symptom: ServerSymptom });
  const hv = index.hypervisorOf(server);
  const victims = new Map([[server.id, server]]);
  return {
    case: SERVER_CASE[root.symptom],
    root: root.finding,
    ...(hv ? { hypervisor: hv } : {}),
    wholeHost: false,
    chain: [{ resource: root.finding.resource, detectorId: root.finding.detectorId, summary: summarise(sorted.map((x) => x.finding)) }],
    findings: sorted.map((x) => x.finding),
    impacted: victims,
    named: victims,
  };
}

function singleDraft(index: FleetIndex, f: Finding): Draft {
  const role = roleOf(f);
  const server = f.resource.kind === 'server' ? index.server(f.resource.id) : undefined;
  const caseId: IncidentCase = role.kind === 'server-symptom' ? SERVER_CASE[role.symptom] : role.kind === 'host-cause' ? caseFor(role.family, true, [f]) : 'other';
  const victims = server ? new Map([[server.id, server]]) : new Map<string, Server>();
  return { case: caseId, root: f, wholeHost: false, chain: [{ resource: f.resource, detectorId: f.detectorId, summary: f.message }], findings: [f], impacted: victims, named: victims };
}

/**
 * What makes a server "affected" for the three-on-one-hypervisor rule, as
 * hypervisor-mass-impact counts it: it does not serve. A task that hangs or an
 * image that is damaged is that server's own trouble.
 */
const COUNTS_AS_AFFECTED: ReadonlySet<ServerSymptom> = new Set(['unreachable', 'error', 'host-stopped', 'guest-panic']);

/** Which symptom speaks for a server when it has several: the one closest to the cause. */
const SYMPTOM_ORDER: readonly ServerSymptom[] = ['image-damaged', 'host-stopped', 'guest-panic', 'error', 'unreachable', 'stuck-task'];

const SERVER_CASE: Readonly<Record<ServerSymptom, IncidentCase>> = {
  unreachable: 'vm-hang',
  'guest-panic': 'vm-hang',
  'host-stopped': 'host-stopped-server',
  error: 'other',
  'image-damaged': 'other',
  'stuck-task': 'other',
};

function hypervisorResource(hv: Hypervisor): ResourceRef {
  return { kind: 'hypervisor', id: hv.id, name: hv.name, ...(hv.region ? { region: hv.region } : {}) };
}

/** Root → (hypervisor, when the root is below it) → contributing causes → the servers hit. */
function hostChain(hv: Hypervisor, root: Finding | undefined, contributing: readonly Finding[], victims: ReadonlyMap<string, Server>, symptoms: readonly Finding[]): ChainLink[] {
  const chain: ChainLink[] = [];
  if (root) chain.push({ resource: root.resource, detectorId: root.detectorId, summary: root.message });
  if (!root || root.resource.kind !== 'hypervisor') {
    const onHost = contributing.filter((c) => c.resource.kind === 'hypervisor' || c.resource.kind === 'host');
    chain.push({
      resource: hypervisorResource(hv),
      ...(onHost[0] ? { detectorId: onHost[0].detectorId } : {}),
      summary: onHost.length > 0 ? onHost.map((c) => c.message).join(' ') : root ? `the hypervisor the ${root.resource.kind} belongs to` : `${victims.size} servers on this hypervisor are affected at once`,
    });
  }
  for (const c of contributing) {
    if (c.resource.kind === 'hypervisor' || c.resource.kind === 'host') continue;
    if (c.resource.kind === 'server') continue; // shown with its server below
    chain.push({ resource: c.resource, detectorId: c.detectorId, summary: c.message });
  }
  const byServer = new Map<string, Finding[]>();
  for (const f of [...symptoms, ...contributing.filter((c) => c.resource.kind === 'server')]) {
    const list = byServer.get(f.resource.id);
    if (list) list.push(f);
    else byServer.set(f.resource.id, [f]);
  }
  for (const server of [...victims.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    const fs = byServer.get(server.id) ?? [];
    chain.push({
      resource: { kind: 'server', id: server.id, name: server.name, parent: { kind: 'hypervisor', id: hv.id, name: hv.name } },
      ...(fs[0] ? { detectorId: fs[0].detectorId } : {}),
      summary: fs.length > 0 ? summarise(fs) : 'affected',
    });
  }
  return chain;
}

/** What is wrong with one resource, from its findings, shortest first. */
function summarise(findings: readonly Finding[]): string {
  return [...new Set(findings.map((f) => f.message))].join(' ');
}

/** Which node-level finding speaks for a node: the cause (runtime, kubelet, a join that failed) before the symptom. */
const NODE_ROOT_ORDER: readonly string[] = ['container-runtime-down', 'kubelet-down', 'node-never-joined', 'node-network', 'node-not-ready'];
const SYSTEM_POD_DETECTORS = new Set(['system-pod-unhealthy', 'static-pod-unhealthy']);
const NODE_INCIDENT_ROOTS = new Set(['container-runtime-down', 'kubelet-down', 'node-never-joined', 'node-not-ready']);

/** A Kubernetes finding, or a host fact read on a node's VM (`hostFact`), with the node it sits on. */
interface KubernetesItem {
  readonly finding: Finding;
  readonly node: NodePlacement | undefined;
  readonly hostFact?: boolean;
}

/**
 * Kubernetes findings follow the VM behind their node (catalog §7): into that
 * server's incident when it has one; else one incident per node for the node's
 * own trouble, which its pods and its VM's host facts join; a host fact with no
 * node trouble to join stands alone as it would on any host; system pods left
 * over are one incident per cluster; other pod findings stay findings.
 */
function attachKubernetes(index: FleetIndex, items: readonly KubernetesItem[], drafts: Draft[], byServer: Map<string, Draft>): void {
  const byNode = new Map<string, Draft>();
  const nodeLevel = (f: Finding): boolean => f.resource.kind !== 'pod';
  const rank = (f: Finding): number => {
    const i = NODE_ROOT_ORDER.indexOf(f.detectorId);
    return (nodeLevel(f) ? 0 : 100) + (i === -1 ? 50 : i);
  };
  const ordered = [...items].sort((a, b) => rank(a.finding) - rank(b.finding) || a.finding.fingerprint.localeCompare(b.finding.fingerprint));
  const leftoverPods = new Map<string, { findings: Finding[]; servers: Map<string, Server> }>();
  for (const { finding, node, hostFact } of ordered) {
    const nodeKey = node && node.node !== '' ? `${node.cluster}/${node.node}` : undefined;
    const owner = (node?.server ? byServer.get(node.server.id) : undefined) ?? (nodeKey ? byNode.get(nodeKey) : undefined);
    if (owner) {
      owner.findings.push(finding);
      owner.chain.push({ resource: finding.resource, detectorId: finding.detectorId, summary: finding.message });
      if (nodeKey && !byNode.has(nodeKey)) byNode.set(nodeKey, owner);
      continue;
    }
    if (!nodeLevel(finding)) {
      if (node && SYSTEM_POD_DETECTORS.has(finding.detectorId) && severityRank(finding.severity) >= severityRank('high')) {
        const group = leftoverPods.get(node.cluster) ?? { findings: [], servers: new Map<string, Server>() };
        group.findings.push(finding);
        if (node.server) group.servers.set(node.server.id, node.server);
        leftoverPods.set(node.cluster, group);
      }
      continue;
    }
    if (hostFact && !NODE_INCIDENT_ROOTS.has(finding.detectorId)) {
      if (severityRank(finding.severity) < severityRank(ALONE_MIN_SEVERITY)) continue;
      const d = singleDraft(index, finding);
      drafts.push(d);
      if (nodeKey) byNode.set(nodeKey, d);
      continue;
    }
    // A node's own incident needs a node that does not work; a wrong MTU alone is worth a finding, not a page.
    if (!NODE_INCIDENT_ROOTS.has(finding.detectorId) || severityRank(finding.severity) < severityRank(ALONE_MIN_SEVERITY)) continue;
    const victims = node?.server ? new Map([[node.server.id, node.server]]) : new Map<string, Server>();
    const hv = node?.server ? index.hypervisorOf(node.server) : undefined;
    const neverJoined = finding.detectorId === 'node-never-joined' || (node !== undefined && index.cluster(node.cluster)?.nodes.every((n) => n.name !== node.node) === true);
    const d: Draft = {
      case: neverJoined ? 'node-never-joined' : 'node-not-ready',
      root: finding,
      ...(hv ? { hypervisor: hv } : {}),
      wholeHost: false,
      chain: [{ resource: finding.resource, detectorId: finding.detectorId, summary: finding.message }],
      findings: [finding],
      impacted: victims,
      named: victims,
    };
    drafts.push(d);
    if (nodeKey) byNode.set(nodeKey, d);
    if (node?.server) byServer.set(node.server.id, d);
  }
  for (const [cluster, { findings: pods, servers }] of leftoverPods) {
    const sorted = [...pods].sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.fingerprint.localeCompare(b.fingerprint));
    const root = sorted[0] as Finding;
    drafts.push({
      case: 'system-pod-unhealthy',
      root,
      wholeHost: false,
      chain: [{ resource: { kind: 'cluster', id: cluster, name: cluster }, summary: `${pods.length} system pod(s) unhealthy with no node or VM fault under them` }, ...sorted.map((f) => ({ resource: f.resource, detectorId: f.detectorId, summary: f.message }))],
      findings: sorted,
      // The nodes whose system pods are down do not do their job (no pod network without calico): their servers are hit.
      impacted: servers,
      named: servers,
    });
  }
}

function finish(index: FleetIndex, d: Draft): Incident {
  const hv = d.hypervisor;
  const seen = new Set<string>();
  const findings = d.findings.filter((f) => (seen.has(f.fingerprint) ? false : (seen.add(f.fingerprint), true)));
  const atStake = d.wholeHost && hv ? index.serversOn(hv) : [...d.named.values()];
  const radius = blastRadius(index, atStake, d.impacted);
  const region = hv?.region ?? d.root.resource.region ?? [...d.named.values()][0]?.region;
  const zone = index.region(region)?.zone === 'dev' ? 'dev' : 'prod';
  const rootResource = d.case === 'pm-hang' && hv ? hypervisorResource(hv) : d.root.resource;
  // A host's own tickets belong to incidents about the host; a VM's incident takes only tickets naming it (§4.5 kernel panics excepted: they are raised on the host).
  const hostTickets = d.wholeHost || d.case === 'kernel-panic-pm-fine';
  const tickets = ticketsFor(index, hostTickets ? hv : undefined, [...d.named.values()]);
  return {
    id: incidentId(d, rootResource),
    title: titleOf(d, hv, radius.counts.impactedServers, atStake.length),
    case: d.case,
    severity: findings.reduce<Severity>((best, f) => (severityRank(f.severity) > severityRank(best) ? f.severity : best), 'info'),
    ...(region ? { region } : {}),
    zone,
    root: { resource: rootResource, detectorId: d.root.detectorId, fingerprint: d.root.fingerprint },
    chain: d.chain,
    blastRadius: radius,
    findings: findings.map((f) => f.fingerprint),
    tickets,
  };
}

/**
 * Stable across scans while the fault lasts: a host incident is one per case and
 * hypervisor (whichever of its findings is the root this time), a server's is one
 * per case and server; anything else keys on its root finding's fingerprint.
 */
function incidentId(d: Draft, rootResource: ResourceRef): string {
  // Families that share the case `other` on one host (memory and heat, say) stay apart.
  if (d.wholeHost && d.hypervisor) return `inc-${fingerprint([d.case, d.case === 'other' ? (d.family ?? '') : '', 'hypervisor', d.hypervisor.id])}`;
  if (d.case !== 'kernel-panic-pm-fine' && rootResource.kind === 'server') return `inc-${fingerprint([d.case, 'server', rootResource.id])}`;
  return `inc-${fingerprint([d.case, d.root.fingerprint])}`;
}

/** Open alarm-feed tickets about the hypervisor, or naming one of the servers' addresses. */
function ticketsFor(index: FleetIndex, hv: Hypervisor | undefined, servers: readonly Server[]): string[] {
  const ids = new Set<string>();
  if (hv) for (const a of index.alarmsOn(hv.host)) if (a.status === 'open') ids.add(a.ticketId);
  if (hv && shortHostName(hv.name) !== shortHostName(hv.host)) for (const a of index.alarmsOn(hv.name)) if (a.status === 'open') ids.add(a.ticketId);
  const addrs = new Set(servers.flatMap((s) => s.addresses.map((a) => a.addr)));
  const names = new Set(servers.map((s) => shortHostName(s.name)));
  if (addrs.size > 0 || names.size > 0) {
    for (const a of index.snapshot.alarms) {
      if (a.status !== 'open') continue;
      if (names.has(shortHostName(a.host)) || a.ips.some((ip) => addrs.has(ip))) ids.add(a.ticketId);
    }
  }
  return [...ids].sort();
}

const CASE_TITLE: Readonly<Record<IncidentCase, string>> = {
  'vm-hang': 'Server {{server}} hangs',
  'pm-hang': 'Hypervisor {{host}} hung: {{impacted}} of {{total}} servers affected',
  'kernel-panic-pm-fine': 'A VM died on {{host}} (kernel oops), the hypervisor answers',
  'part-non-urgent': 'Hardware fault on {{host}}, daytime work',
  'part-needs-judgement': 'Hardware errors on {{host}} that need judgement',
  'part-urgent': 'Failed part on {{host}}: power work needed now',
  'disk-data-loss': 'Disk failure on {{host}}: data on its servers is lost',
  'compute-agents-down': 'Compute agents down on {{host}}',
  'host-stopped-server': '{{host}} is stopping its servers ({{impacted}} affected)',
  'node-not-ready': 'Kubernetes node {{node}} not ready',
  'node-never-joined': 'Kubernetes node {{node}} never joined its cluster',
  'system-pod-unhealthy': 'System pods unhealthy in cluster {{cluster}}: {{node}}',
  other: '{{what}}',
};

/** Host incidents whose case is shared by several families say which fault it is. */
const FAMILY_TITLE: Partial<Record<HostFamily, string>> = {
  storage: 'Storage fault on {{host}} under its servers ({{impacted}} affected)',
  memory: 'Memory exhausted on {{host}} ({{impacted}} servers affected)',
  heat: 'CPU overheating on {{host}} ({{impacted}} servers affected)',
  reboot: '{{host}} rebooted unexpectedly and left {{impacted}} servers stopped',
};

/** The same faults before they have hit any server. */
const FAMILY_ALONE_TITLE: Partial<Record<HostFamily, string>> = {
  storage: 'Storage fault on {{host}}',
  memory: 'Memory pressure on {{host}}',
  heat: 'CPU overheating on {{host}}',
  reboot: '{{host}} rebooted unexpectedly',
};

function titleOf(d: Draft, hv: Hypervisor | undefined, impacted: number, total: number): string {
  const server = [...d.named.values()][0];
  const host = hv?.name ?? d.root.resource.parent?.name ?? d.root.resource.name ?? d.root.resource.id;
  const values: Record<string, string> = {
    server: server?.name ?? d.root.resource.name ?? d.root.resource.id,
    host,
    impacted: String(impacted),
    total: String(total),
    node: d.root.resource.name ?? d.root.resource.id,
    cluster: d.chain[0]?.resource.kind === 'cluster' ? (d.chain[0].resource.name ?? d.chain[0].resource.id) : '',
    what: d.root.message,
  };
  const byFamily = d.family && (d.case === 'host-stopped-server' || d.case === 'other') ? (impacted === 0 ? FAMILY_ALONE_TITLE : FAMILY_TITLE)[d.family] : undefined;
  const template = byFamily ?? CASE_TITLE[d.case];
  let title = template.replace(/\{\{(\w+)\}\}/g, (_, k: string) => values[k] ?? k);
  if (d.case === 'host-stopped-server' && !hv) title = `Server ${values['server']} was stopped by its host`;
  if (d.case === 'kernel-panic-pm-fine' && server) title = `Server ${server.name} died on ${host} (kernel oops), the hypervisor answers`;
  return title;
}
