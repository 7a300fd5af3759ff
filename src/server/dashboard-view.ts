import { isDbServer } from '../act/openstack/power.js';
import { probeAddress } from '../act/openstack/reachability.js';
import type { Incident } from '../correlate/types.js';
import { detectors } from '../detect/rules/index.js';
import { STYLE, escapeHtml, incidentSections, notCheckedHtml, summaryHtml } from '../report/html.js';
import { buildReport, type ReportIncident } from '../report/model.js';
import { singleLine } from '../report/text.js';
import { GATE_IDS, type GateId } from '../runbook/define.js';
import type { RunRecord } from '../runbook/ports.js';
import { FINAL_STATUSES } from '../runbook/ports.js';
import type { Probe, Server, Snapshot } from '../snapshot/schema.js';
import type { StoredIncident } from '../store/lists.js';
import type { LatestScan } from './latest.js';

/**
 * The dashboard's view: the HTML report's own sections (same rendering, same
 * escaping) for the newest scan, with what only the server knows added to each
 * incident: its runbook runs with the gate they wait at, and the `show
 * <hypervisor>` table of the hypervisors it touches. Every value that came from
 * an API or the store goes through `esc`.
 */
export interface DashboardInput {
  readonly latest: LatestScan | undefined;
  readonly runs: readonly RunRecord[];
  readonly resolved: readonly StoredIncident[];
  /** Whether the caller may approve gates: only then are Approve buttons drawn. */
  readonly canApprove: boolean;
  readonly version: string;
  readonly now: Date;
}

export interface DashboardView {
  readonly html: string;
  readonly scanId: number | null;
  readonly asOf: string | null;
  readonly incidents: number;
}

const esc = (value: string): string => escapeHtml(singleLine(value));

const GATE_IN_REASON = new RegExp(`faultline approve \\S+ (${GATE_IDS.join('|')})\\b`);

/** The gate a waiting run stops at; the engine names it, with the command to approve it, in the run's reason. */
export function waitingGate(run: RunRecord): GateId | undefined {
  if (run.status !== 'waiting' || run.reason === null) return undefined;
  return GATE_IN_REASON.exec(run.reason)?.[1] as GateId | undefined;
}

function when(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso);
  return `<time datetime="${esc(iso)}">${m ? `${m[1]} ${m[2]} UTC` : esc(iso)}</time>`;
}

const STATUS_CLASS: Readonly<Record<string, string>> = { done: 'st-pass', waiting: 'st-skipped', running: 'st-skipped', halted: 'st-error', escalated: 'st-fail', failed: 'st-fail', aborted: 'st-error', storm: 'st-fail' };

function runHtml(run: RunRecord, canApprove: boolean): string {
  const gate = waitingGate(run);
  const button =
    gate && canApprove
      ? `<button type="button" class="approve" data-approve-run="${esc(run.id)}" data-gate="${esc(gate)}">Approve ${esc(gate)}</button>`
      : '';
  const waits = gate ? `<span class="chip gate">waits at gate <strong>${esc(gate)}</strong></span>` : '';
  return `<li class="run" data-run="${esc(run.id)}" data-status="${esc(run.status)}">
<div class="run-head"><code>${esc(run.runbook)}</code> on ${esc(run.context.target.kind)} <strong>${esc(run.context.target.name)}</strong> <span class="chip ${STATUS_CLASS[run.status] ?? ''}">${esc(run.status)}</span>${waits}${button}</div>
<div class="muted run-meta"><span class="id">${esc(run.id)}</span> · step ${run.cursor + 1} · started ${when(run.createdAt)} by ${esc(run.createdBy)} · updated ${when(run.updatedAt)}</div>
${run.reason ? `<div class="run-reason">${esc(run.reason)}</div>` : ''}
<p class="approve-result muted" aria-live="polite" hidden></p>
</li>`;
}

/** The runs that act on what the incident hit: its root, a server in its blast radius, or its hypervisor. */
function runsOf(inc: Incident, runs: readonly RunRecord[]): RunRecord[] {
  const ids = new Set<string>([inc.root.resource.id, ...inc.blastRadius.servers.map((s) => s.id)]);
  if (inc.root.resource.parent?.kind === 'hypervisor') ids.add(inc.root.resource.parent.id);
  const names = new Set(hypervisorsOf(inc));
  return runs.filter((r) => ids.has(r.context.target.id) || (r.context.hypervisor !== undefined && (names.has(r.context.hypervisor.name) || names.has(r.context.hypervisor.host))));
}

/** The hypervisors an incident touches, by name: its root when it is one, the root's parent, its servers' hypervisors. */
function hypervisorsOf(inc: Incident): string[] {
  const root = inc.root.resource;
  const out = new Set<string>();
  if (root.kind === 'hypervisor') out.add(root.name ?? root.id);
  if (root.parent?.kind === 'hypervisor') out.add(root.parent.name ?? root.parent.id);
  for (const s of inc.blastRadius.servers) if (s.hypervisor) out.add(s.hypervisor);
  return [...out].sort();
}

const dash = (v: string | null | undefined): string => (v === null || v === undefined || v === '' ? '-' : esc(v));

function pingText(p: Probe | undefined): string {
  if (!p || p.ping === null) return '-';
  return p.ping.ok ? 'yes' : 'no';
}

function sshText(p: Probe | undefined): string {
  if (!p || p.ssh === null) return '-';
  return p.ssh.state === 'not-expected' ? 'n/a' : p.ssh.state;
}

/** `faultline show <hypervisor>`'s table, as the newest scan saw the hypervisor's servers (no fresh probe). */
function showTable(snapshot: Snapshot, name: string): string {
  const hv = snapshot.hypervisors.find((h) => h.name === name || h.host === name);
  const servers: Server[] = hv
    ? snapshot.servers.filter((s) => s.hypervisorHostname === hv.name || (!s.hypervisorHostname && s.host === hv.host)).sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
    : [];
  const probes = new Map(snapshot.probes.filter((p) => p.targetKind === 'server').map((p) => [p.targetId, p]));
  const facts = hv ? [hv.state && `state ${hv.state}`, hv.status && `status ${hv.status}`, hv.region && `region ${hv.region}`].filter((x): x is string => Boolean(x)).map(esc).join(', ') : 'not in the newest scan';
  const rows = servers
    .map((s) => {
      const p = probes.get(s.id);
      const ping = pingText(p);
      const ssh = sshText(p);
      const bad = (v: string, good: string): string => (v === '-' || v === good || v === 'n/a' ? '' : ' class="bad"');
      return `<tr class="${isDbServer(s) ? 'db' : ''}"><td><strong>${esc(s.name)}</strong>${isDbServer(s) ? ' <span class="db-mark" title="DB server">⚠ DB</span>' : ''}</td><td data-label="Status">${esc(s.status)}</td><td data-label="VM state">${dash(s.vmState)}</td><td data-label="Task">${dash(s.taskState)}</td><td data-label="IP"><code>${dash(probeAddress(s))}</code></td><td data-label="Ping"${bad(ping, 'yes')}>${ping}</td><td data-label="SSH"${bad(ssh, 'ok')}>${esc(ssh)}</td><td data-label="Project">${dash(s.projectId)}</td></tr>`;
    })
    .join('');
  return `<div class="show" data-hypervisor="${esc(name)}"><h4>show ${esc(name)} <span class="muted">${facts}; ${servers.length} server(s)</span></h4>${
    servers.length > 0
      ? `<div class="scroll"><table class="list stack show-table"><thead><tr><th scope="col">Server</th><th scope="col">Status</th><th scope="col">VM state</th><th scope="col">Task</th><th scope="col">IP</th><th scope="col">Ping</th><th scope="col">SSH</th><th scope="col">Project</th></tr></thead><tbody>${rows}</tbody></table></div>`
      : ''
  }</div>`;
}

function resolvedHtml(resolved: readonly StoredIncident[]): string {
  if (resolved.length === 0) return '';
  return `<section id="resolved-incidents"><h2>Recently resolved <span class="count">${resolved.length}</span></h2><ul class="resolved-list">${resolved
    .map(
      (r) =>
        `<li class="resolved-incident" data-incident="${esc(r.id)}"><span class="chip st-pass">resolved</span> <strong>${esc(r.title)}</strong> <span class="muted">${esc(r.case)} · ${esc(r.root.kind)} ${esc(r.root.name ?? r.root.id)} · resolved ${r.resolvedAt ? when(r.resolvedAt) : '-'}</span></li>`,
    )
    .join('')}</ul></section>`;
}

export function renderDashboardView(input: DashboardInput): DashboardView {
  const active = input.runs.filter((r) => !FINAL_STATUSES.has(r.status));
  const runsSection = `<section id="runs"><h2>Runs <span class="count">${input.runs.length}</span>${active.length > 0 ? ` <span class="chip st-skipped">${active.length} not finished</span>` : ''}</h2>${
    input.runs.length === 0 ? '<p class="muted">No runbook run is recorded.</p>' : `<ul class="runs">${[...active, ...input.runs.filter((r) => FINAL_STATUSES.has(r.status))].map((r) => runHtml(r, input.canApprove)).join('')}</ul>`
  }</section>`;
  const latest = input.latest;
  if (!latest) {
    return {
      html: `<section id="incidents"><h2>Incidents</h2><p class="muted waiting-scan">No scan has finished yet; this view fills in when the first one is recorded.</p></section>${runsSection}${resolvedHtml(input.resolved)}`,
      scanId: null,
      asOf: null,
      incidents: 0,
    };
  }
  const report = buildReport({ snapshot: latest.snapshot, detectors, results: latest.results, incidents: latest.incidents, version: input.version, generatedAt: input.now, evaluatedAt: latest.evaluatedAt });
  const extra = (inc: ReportIncident): string => {
    const runs = runsOf(inc, input.runs);
    const hvs = hypervisorsOf(inc);
    return (
      `<h4>Runbook run</h4>${runs.length > 0 ? `<ul class="runs">${runs.map((r) => runHtml(r, input.canApprove)).join('')}</ul>` : '<p class="muted">No run for this incident yet.</p>'}` +
      hvs.map((h) => showTable(latest.snapshot, h)).join('')
    );
  };
  const sections = incidentSections(report, extra);
  const html = `<p class="as-of">Newest scan ${latest.scanId !== null ? `<strong>#${latest.scanId}</strong> ` : ''}evaluated ${when(latest.evaluatedAt.toISOString())}</p>
<section id="incidents"><h2>Incidents <span class="count">${report.incidents.length}</span></h2>
${report.incidents.length === 0 ? '<p class="all-clear">No open incident.</p>' : ''}
<div class="by-incident">${sections}</div>
</section>
${runsSection}
${resolvedHtml(input.resolved)}
${summaryHtml(report)}
${notCheckedHtml(report)}`;
  return { html, scanId: latest.scanId, asOf: latest.evaluatedAt.toISOString(), incidents: report.incidents.length };
}

/** The dashboard's own additions to the report's stylesheet. */
export const DASHBOARD_STYLE = `${STYLE}
.login { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 16px; margin: 20px 0; display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.login input { flex: 1 1 240px; min-width: 0; font: inherit; padding: 6px 10px; border: 1px solid var(--line); border-radius: 8px; background: var(--panel); color: var(--text); }
.login .problem { flex-basis: 100%; margin: 0; color: var(--critical); }
.live { font-size: 13px; color: #b9c3d3; margin: 8px 0 0; }
.as-of { margin: 0 0 12px; }
.runs { list-style: none; padding: 0; margin: 6px 0 0; display: grid; gap: 8px; }
.run { border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; background: var(--panel); overflow-wrap: anywhere; }
.run-head { display: flex; flex-wrap: wrap; gap: 6px 10px; align-items: center; }
.run-meta { font-size: 13px; }
.run-reason { font-size: 14px; margin-top: 4px; }
button.approve { background: var(--accent); color: #fff; border-color: var(--accent); font-weight: 600; }
button.approve:disabled { opacity: .6; cursor: default; }
.show { margin-top: 10px; }
.show-table td.bad { color: var(--critical); font-weight: 600; }
.resolved-list { list-style: none; padding: 0; margin: 0; display: grid; gap: 6px; }
.resolved-incident { background: var(--panel); border: 1px solid var(--line); border-left: 4px solid var(--pass); border-radius: 8px; padding: 8px 12px; overflow-wrap: anywhere; }
.show-table { min-width: 720px; }
@media (max-width: 760px) { .show-table { min-width: 0; } }
`;
