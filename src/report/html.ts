import { createHash } from 'node:crypto';
import type { CollectorOutcome, Finding, ResultStatus } from '../core/findings.js';
import { SEVERITIES, isSeverity, severityRank, type Severity } from '../core/severity.js';
import { allFindings, sortFindings, type ReportFinding, type ReportIncident, type ReportResult, type ScanReport } from './model.js';
import { blastRadiusText, caseLabel, evidenceText, resourceName, showControls, singleLine } from './text.js';

/*
 * One self-contained HTML file: no network at all, readable without JavaScript
 * (everything is rendered here; the view toggle is pure CSS), with a small
 * inline script that only filters, searches and expands. Every value from the
 * report is untrusted (names come from cloud APIs), so it is escaped here, the
 * script touches data only through textContent, and a Content-Security-Policy
 * allows exactly that one script by hash: anything that slipped past escaping
 * still cannot run.
 */

/** Escapes the five characters that matter in HTML text and quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ENTITIES[ch] as string);
}

const HTML_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * JSON that is safe inside `<script type="application/json">`: `<`, `>` and `&`
 * cannot close the element or open a comment, and U+2028/2029 cannot end a line
 * for older parsers. All five only occur inside JSON strings, so the result is
 * the same JSON value.
 */
export function embedJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Untrusted text, possibly several lines (evidence, reasons). */
function text(value: string): string {
  return escapeHtml(showControls(value));
}

/** Untrusted text that must stay on one line (names, messages). */
function line(value: string): string {
  return escapeHtml(singleLine(value));
}

/** faultline's own prose with `code spans`: the spans become <code>, everything is escaped. */
function prose(value: string): string {
  return singleLine(value)
    .split(/`([^`]+)`/)
    .map((part, i) => (i % 2 === 1 ? `<code>${escapeHtml(part)}</code>` : escapeHtml(part)))
    .join('');
}

function time(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?Z$/.exec(iso);
  return `<time datetime="${line(iso)}">${m ? `${m[1]} ${m[2]} UTC` : line(iso)}</time>`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

const DESCENDING: readonly Severity[] = [...SEVERITIES].reverse();

/** A severity for use in attributes; a report edited by hand cannot smuggle markup through it. */
function severityToken(value: string): string {
  return isSeverity(value) ? value : 'unknown';
}

function worst(findings: readonly Finding[]): number {
  return Math.max(-1, ...findings.map((f) => severityRank(f.severity)));
}

function severityCounts(findings: readonly Finding[]): string {
  return DESCENDING.map((sev) => ({ sev, n: findings.filter((f) => f.severity === sev).length }))
    .filter((x) => x.n > 0)
    .map((x) => `<span class="pill sev-${x.sev}">${x.n} ${x.sev}</span>`)
    .join('');
}

// --- findings --------------------------------------------------------------------

function findingHtml(f: ReportFinding, result: ReportResult | undefined): string {
  const r = f.resource;
  const parent = r.parent ? `<span class="on">on ${line(resourceName(r.parent))}</span>` : '';
  const isNew = f.baseline === 'new' ? '<span class="badge new" title="not in the baseline report">NEW</span>' : '';
  const evidence =
    f.evidence.length === 0
      ? '<p class="muted">No evidence recorded.</p>'
      : `<table class="evidence"><thead><tr><th scope="col">Fact</th><th scope="col">Value</th><th scope="col">Source</th></tr></thead><tbody>${f.evidence
          .map(
            (e) =>
              `<tr><th scope="row">${line(e.label)}</th><td class="${e.value === null ? 'muted' : 'value'}">${text(evidenceText(e.value))}</td><td class="muted">${e.source ? line(e.source) : ''}</td></tr>`,
          )
          .join('')}</tbody></table>`;
  const steps = f.remediation.steps.length > 0 ? `<ol class="steps">${f.remediation.steps.map((s) => `<li>${prose(s)}</li>`).join('')}</ol>` : '';
  const runbook = f.remediation.runbook
    ? `<p>Runbook: <code class="runbook">${line(f.remediation.runbook)}</code></p>`
    : '<p class="muted">No runbook; follow the steps by hand.</p>';
  const baseline =
    f.baseline === undefined ? '' : `<dt>Baseline</dt><dd>${f.baseline === 'new' ? 'new since the baseline report' : 'also in the baseline report'}</dd>`;
  const facts = [
    `<dt>Resource</dt><dd>${line(r.kind)} <strong>${line(resourceName(r))}</strong> <span class="id">${line(r.id)}</span></dd>`,
    r.parent ? `<dt>${r.parent.kind === 'hypervisor' ? 'Hypervisor' : 'On'}</dt><dd>${line(resourceName(r.parent))} <span class="id">${line(r.parent.id)}</span></dd>` : '',
    r.region ? `<dt>Region</dt><dd>${line(r.region)}</dd>` : '',
    `<dt>Detector</dt><dd>${line(result?.title ?? f.detectorId)} <code>${line(f.detectorId)}</code></dd>`,
    `<dt>Fingerprint</dt><dd><code>${line(f.fingerprint)}</code></dd>`,
    baseline,
  ].join('');
  const sev = severityToken(f.severity);
  return `<details class="finding sev-${sev}" data-severity="${sev}">
<summary><span class="badge sev-${sev}">${sev}</span>${isNew}<span class="res">${line(resourceName(r))}</span>${parent}<span class="msg">${line(f.message)}</span><span class="det">${line(f.detectorId)}</span></summary>
<div class="body">
<p class="message">${line(f.message)}</p>
<dl class="facts">${facts}</dl>
<h4>Evidence</h4>
${evidence}
<h4>Why it matters</h4>
<p>${prose(f.explanation)}</p>
<h4>What to do</h4>
${runbook}${steps}
</div>
</details>`;
}

function byDetector(report: ScanReport): string {
  const failing = report.results
    .filter((r) => r.findings.length > 0)
    .sort((a, b) => worst(b.findings) - worst(a.findings) || b.findings.length - a.findings.length || a.detectorId.localeCompare(b.detectorId));
  return failing
    .map(
      (r) => `<section class="group" data-group>
<h3><span class="title">${line(r.title)}</span> <code>${line(r.detectorId)}</code> <span class="pills">${severityCounts(r.findings)}</span></h3>
${r.description ? `<p class="muted desc">${line(r.description)}</p>` : ''}
${sortFindings(r.findings)
  .map((f) => findingHtml(f, r))
  .join('\n')}
</section>`,
    )
    .join('\n');
}

interface Place {
  readonly key: string;
  readonly name: string;
  readonly id: string;
  readonly findings: ReportFinding[];
}

/** The hypervisor a finding is on: the resource itself when it is one, else its parent. */
function placeOf(f: Finding): { key: string; name: string; id: string } {
  const r = f.resource;
  if (r.kind === 'hypervisor') return { key: `hypervisor:${r.id}`, name: resourceName(r), id: r.id };
  if (r.parent) return { key: `${r.parent.kind}:${r.parent.id}`, name: resourceName(r.parent), id: r.parent.id };
  return { key: '', name: '', id: '' };
}

function byHypervisor(report: ScanReport): string {
  const places = new Map<string, Place>();
  for (const f of allFindings(report)) {
    const p = placeOf(f);
    const place = places.get(p.key) ?? { ...p, findings: [] };
    place.findings.push(f);
    places.set(p.key, place);
  }
  const results = new Map(report.results.map((r) => [r.detectorId, r]));
  return [...places.values()]
    .sort((a, b) => (a.key === '' ? 1 : 0) - (b.key === '' ? 1 : 0) || worst(b.findings) - worst(a.findings) || b.findings.length - a.findings.length || a.name.localeCompare(b.name))
    .map(
      (p) => `<section class="group" data-group>
<h3><span class="title">${p.key === '' ? 'Not placed on a hypervisor' : line(p.name)}</span>${p.key === '' ? '' : ` <span class="id">${line(p.id)}</span>`} <span class="pills">${severityCounts(p.findings)}</span></h3>
${p.findings.map((f) => findingHtml(f, results.get(f.detectorId))).join('\n')}
</section>`,
    )
    .join('\n');
}

// --- incidents -------------------------------------------------------------------

function incidentHtml(inc: ReportIncident, n: number, findings: readonly ReportFinding[], results: ReadonlyMap<string, ReportResult>, extra: string): string {
  const sev = severityToken(inc.severity);
  const isNew = inc.baseline === 'new' ? '<span class="badge new" title="not in the baseline report">NEW</span>' : '';
  const chain = inc.chain
    .map(
      (l) =>
        `<li><strong>${line(resourceName(l.resource))}</strong> <span class="muted">${line(l.resource.kind)}</span>${l.detectorId ? ` <code>${line(l.detectorId)}</code>` : ''}<br><span class="summary-text">${line(l.summary)}</span></li>`,
    )
    .join('');
  const servers = inc.blastRadius.servers;
  const serverRows = servers
    .map(
      (s) =>
        `<tr class="${s.db ? 'db' : ''}"><td><strong>${line(s.name)}</strong>${s.db ? ' <span class="db-mark" title="DB server">⚠ DB</span>' : ''}</td><td data-label="Impacted">${s.impacted ? '<span class="chip st-fail">impacted</span>' : '<span class="chip">at stake</span>'}</td><td data-label="Project">${line(s.project ?? '')}</td><td data-label="IPs">${s.ips.map((ip) => `<code>${line(ip)}</code>`).join(' ')}</td><td data-label="Owners">${s.owners.map(line).join(', ')}</td></tr>`,
    )
    .join('');
  const dbs = servers.filter((s) => s.db);
  const dbWarning =
    dbs.length > 0
      ? `<p class="db-warning">⚠ DB servers: ${dbs
          .map((s) => `<strong>${line(s.name)}</strong> (${s.impacted ? 'already impacted: tell the DB on-call now' : 'not impacted yet: wait for the DBA before any disruptive step'})`)
          .join(', ')}</p>`
      : '';
  const lists = [
    inc.blastRadius.clusters.length > 0 ? `<dt>Clusters</dt><dd>${inc.blastRadius.clusters.map(line).join(', ')}</dd>` : '',
    inc.blastRadius.projects.length > 0 ? `<dt>Projects</dt><dd>${inc.blastRadius.projects.map(line).join(', ')}</dd>` : '',
    inc.blastRadius.owners.length > 0 ? `<dt>Owners</dt><dd>${inc.blastRadius.owners.map(line).join(', ')}</dd>` : '',
    inc.tickets.length > 0 ? `<dt>Tickets</dt><dd>${inc.tickets.map(line).join(', ')}</dd>` : '',
  ].join('');
  return `<section class="group incident sev-${sev}" data-group data-incident="${line(inc.id)}">
<h3><span class="badge sev-${sev}">${sev}</span>${isNew}<span class="title">${n}. ${line(inc.title)}</span> <span class="chip case">${line(caseLabel(inc.case))}</span> <span class="chip">${inc.zone === 'dev' ? 'dev' : 'prod'} zone</span> <span class="id">${line(inc.id)}</span></h3>
<dl class="facts">
<dt>Root cause</dt><dd><code>${line(inc.root.detectorId)}</code> on ${line(inc.root.resource.kind)} <strong>${line(resourceName(inc.root.resource))}</strong></dd>
<dt>Blast radius</dt><dd>${line(blastRadiusText(inc.blastRadius))}</dd>
${lists}
</dl>
${dbWarning}
<h4>Causal chain</h4>
<ol class="chain">${chain}</ol>
${servers.length > 0 ? `<h4>Servers</h4><div class="scroll"><table class="list stack servers"><thead><tr><th scope="col">Server</th><th scope="col">State</th><th scope="col">Project</th><th scope="col">IPs</th><th scope="col">Owners</th></tr></thead><tbody>${serverRows}</tbody></table></div>` : ''}
${extra}<h4>Findings <span class="muted">${findings.length}</span></h4>
${findings.map((f) => findingHtml(f, results.get(f.detectorId))).join('\n')}
</section>`;
}

/**
 * Every incident as a section, then the findings no incident explains. The live
 * dashboard renders the same sections; `extra` is HTML it adds to an incident
 * (its runbook run, its hypervisors' servers) and must already be escaped.
 */
export function incidentSections(report: ScanReport, extra: (inc: ReportIncident) => string = () => ''): string {
  const byFingerprint = new Map(allFindings(report).map((f) => [f.fingerprint, f]));
  const results = new Map(report.results.map((r) => [r.detectorId, r]));
  const explained = new Set<string>();
  const sections = report.incidents.map((inc, i) => {
    const findings = inc.findings.map((fp) => byFingerprint.get(fp)).filter((f): f is ReportFinding => f !== undefined);
    for (const f of findings) explained.add(f.fingerprint);
    return incidentHtml(inc, i + 1, findings, results, extra(inc));
  });
  const rest = allFindings(report).filter((f) => !explained.has(f.fingerprint));
  if (rest.length > 0) {
    sections.push(`<section class="group" data-group>
<h3><span class="title">Not explained by an incident</span> <span class="pills">${severityCounts(rest)}</span></h3>
<p class="muted desc">Hygiene and causes that have not hit anything yet; each stands on its own.</p>
${rest.map((f) => findingHtml(f, results.get(f.detectorId))).join('\n')}
</section>`);
  }
  return sections.join('\n');
}

// --- the other sections ------------------------------------------------------------

const STATUS_LABEL: Readonly<Record<ResultStatus, string>> = { fail: 'failed', pass: 'passed', skipped: 'skipped', error: 'errored' };

export function summaryHtml(report: ScanReport): string {
  const s = report.summary;
  const cards = DESCENDING.map(
    (sev) => `<div class="card sev-${sev}${s.bySeverity[sev] === 0 ? ' zero' : ''}"><span class="n">${s.bySeverity[sev]}</span><span class="label">${sev}</span></div>`,
  ).join('');
  const statuses = (['fail', 'pass', 'skipped', 'error'] as const)
    .map((st) => {
      const chip = `<span class="chip st-${st}"><strong>${s.byStatus[st]}</strong> ${STATUS_LABEL[st]}</span>`;
      return (st === 'skipped' || st === 'error') && s.byStatus[st] > 0 ? `<a class="chip-link" href="#not-checked">${chip}</a>` : chip;
    })
    .join('');
  const suppressed = report.results.reduce((n, r) => n + r.suppressed, 0);
  const baseline =
    report.baseline || s.new !== undefined
      ? `<p class="baseline-line">Compared with ${report.baseline ? `<strong>${line(report.baseline.source)}</strong> from ${time(report.baseline.generatedAt)}` : 'a baseline'}: <span class="badge new">${s.new ?? 0} new</span> ${s.unchanged ?? 0} unchanged · ${s.resolved ?? 0} resolved${report.baseline && report.baseline.resolved.length > 0 ? ' (<a href="#resolved">list</a>)' : ''}</p>`
      : '';
  const incidentsLine = `<p class="incidents-line"><a href="#findings"><strong>${plural(s.incidents, 'incident')}</strong></a> · ${plural(s.unexplained, 'finding')} no incident explains${s.newIncidents !== undefined ? ` · vs baseline: <span class="badge new">${s.newIncidents} new</span> ${s.resolvedIncidents ?? 0} resolved` : ''}</p>`;
  return `<section class="summary" aria-label="Summary">
${incidentsLine}
<div class="total"><span class="n">${s.findings}</span><span class="label">${s.findings === 1 ? 'finding' : 'findings'}</span></div>
<div class="cards">${cards}</div>
<div class="statuses"><span class="muted">Detectors</span> ${statuses}${suppressed > 0 ? ` <span class="chip">${suppressed} suppressed by config</span>` : ''}</div>
${baseline}
</section>`;
}

export function notCheckedHtml(report: ScanReport): string {
  const skipped = report.results.filter((r) => r.status === 'skipped');
  const errored = report.results.filter((r) => r.status === 'error');
  const partial = report.results.filter((r) => r.status !== 'skipped' && r.status !== 'error' && (r.partialInputs?.length ?? 0) > 0);
  if (skipped.length + errored.length + partial.length === 0) {
    return '<section id="not-checked"><h2>Not checked</h2><p class="muted">Every detector ran on complete input.</p></section>';
  }
  const row = (r: ReportResult, status: string, keys: readonly string[] | undefined): string =>
    `<tr><td><strong>${line(r.title)}</strong><br><code>${line(r.detectorId)}</code></td><td><span class="chip st-${r.status}">${status}</span></td><td class="reason" data-label="Reason">${text(r.reason ?? 'no reason recorded')}</td><td data-label="Inputs">${(keys ?? []).map((k) => `<code>${line(k)}</code>`).join(' ')}</td></tr>`;
  return `<section id="not-checked">
<h2>Not checked <span class="count">${skipped.length + errored.length}</span></h2>
<p class="muted">These detectors gave no verdict: no findings from them does not mean nothing is wrong.</p>
<div class="scroll"><table class="list stack">
<thead><tr><th scope="col">Detector</th><th scope="col">Status</th><th scope="col">Reason</th><th scope="col">Inputs</th></tr></thead>
<tbody>
${[...skipped.map((r) => row(r, 'skipped', r.missing)), ...errored.map((r) => row(r, 'error', [])), ...partial.map((r) => row(r, `${r.status} on partial input`, r.partialInputs))].join('\n')}
</tbody></table></div>
</section>`;
}

function resolvedHtml(report: ScanReport): string {
  if (!report.baseline) return '';
  const resolved = sortFindings(report.baseline.resolved);
  const body =
    resolved.length === 0
      ? '<p class="muted">Nothing was resolved since the baseline.</p>'
      : `<div class="scroll"><table class="list stack"><thead><tr><th scope="col">Severity</th><th scope="col">Resource</th><th scope="col">Message</th><th scope="col">Detector</th><th scope="col">Fingerprint</th></tr></thead><tbody>${resolved
          .map(
            (f) =>
              `<tr><td><span class="badge sev-${severityToken(f.severity)}">${severityToken(f.severity)}</span></td><td><strong>${line(resourceName(f.resource))}</strong>${f.resource.parent ? ` <span class="muted">on ${line(resourceName(f.resource.parent))}</span>` : ''}</td><td>${line(f.message)}</td><td data-label="Detector"><code>${line(f.detectorId)}</code></td><td data-label="Fingerprint"><code>${line(f.fingerprint)}</code></td></tr>`,
          )
          .join('')}</tbody></table></div>`;
  return `<section id="resolved"><h2>Resolved since the baseline <span class="count">${resolved.length}</span></h2>
<p class="muted">In ${line(report.baseline.source)} (${time(report.baseline.generatedAt)}) and gone now. Findings of detectors that did not run this time are not counted as resolved.</p>
${body}</section>`;
}

function passedHtml(report: ScanReport): string {
  const passed = report.results.filter((r) => r.status === 'pass');
  if (passed.length === 0) return '';
  return `<section id="passed"><h2>Passed <span class="count">${passed.length}</span></h2>
<ul class="passed">${passed
    .map((r) => `<li><span class="chip st-pass">pass</span> <strong>${line(r.title)}</strong> <code>${line(r.detectorId)}</code>${(r.partialInputs?.length ?? 0) > 0 ? ' <span class="chip st-skipped">partial input</span>' : ''}${r.suppressed > 0 ? ` <span class="muted">(${r.suppressed} suppressed)</span>` : ''}</li>`)
    .join('')}</ul></section>`;
}

function collectionHtml(outcomes: readonly CollectorOutcome[]): string {
  if (outcomes.length === 0) return '<section id="collection"><h2>Collection</h2><p class="muted">The snapshot records no collection outcomes.</p></section>';
  const order = { failed: 0, partial: 1, ok: 2 } as const;
  const rows = [...outcomes]
    .sort((a, b) => order[a.status] - order[b.status] || a.collector.localeCompare(b.collector))
    .map((c) => {
      const detail = [c.error ? `<div class="error">${text(c.error)}</div>` : '', ...c.warnings.map((w) => `<div class="warning">${text(w)}</div>`)].join('');
      return `<tr><td><strong>${line(c.collector)}</strong></td><td><span class="chip co-${c.status}">${c.status}</span></td><td data-label="Produces">${c.produces.map((k) => `<code>${line(k)}</code>`).join(' ')}</td><td data-label="Started">${time(c.startedAt)}</td><td class="num" data-label="Took">${Math.round(c.durationMs)} ms</td><td>${detail}</td></tr>`;
    })
    .join('\n');
  const bad = outcomes.filter((c) => c.status !== 'ok').length;
  return `<section id="collection"><h2>Collection <span class="count">${outcomes.length}</span></h2>
${bad > 0 ? `<p class="muted">${plural(bad, 'collector')} did not fully succeed; detectors needing their data were skipped or ran on partial input.</p>` : ''}
<div class="scroll"><table class="list stack"><thead><tr><th scope="col">Collector</th><th scope="col">Status</th><th scope="col">Produces</th><th scope="col">Started</th><th scope="col">Took</th><th scope="col">Error / warnings</th></tr></thead>
<tbody>
${rows}
</tbody></table></div></section>`;
}

// --- page ----------------------------------------------------------------------

/** Renders the whole report as one offline HTML page. */
export function renderHtml(report: ScanReport): string {
  const s = report.summary;
  const findings = allFindings(report);
  const counts = Object.entries(report.snapshot.counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `<span><strong>${n}</strong> ${line(k)}</span>`)
    .join('');
  const worstSeverity = DESCENDING.find((sev) => s.bySeverity[sev] > 0);
  const title = `faultline: ${plural(s.incidents, 'incident')}, ${plural(s.findings, 'finding')}${worstSeverity ? ` (${s.bySeverity[worstSeverity]} ${worstSeverity})` : ''}`;
  const filters = DESCENDING.map(
    (sev) =>
      `<label class="sev-toggle sev-${sev}"><input type="checkbox" value="${sev}" data-severity-filter checked> ${sev} <span class="muted">${s.bySeverity[sev]}</span></label>`,
  ).join('');
  const findingsSection =
    findings.length === 0
      ? `<section id="findings"><h2>Findings</h2><p class="all-clear">No findings.${s.byStatus.skipped + s.byStatus.error > 0 ? ' Some detectors did not check, see <a href="#not-checked">Not checked</a>.' : ''}</p></section>`
      : `<section id="findings">
<h2>Incidents <span class="count">${report.incidents.length}</span> and findings <span class="count">${findings.length}</span></h2>
<input type="radio" name="view" id="view-incident" class="view-radio" checked>
<input type="radio" name="view" id="view-detector" class="view-radio">
<input type="radio" name="view" id="view-hypervisor" class="view-radio">
<div class="toolbar">
<div class="view-switch" role="group" aria-label="Group findings"><label for="view-incident">By incident</label><label for="view-detector">By detector</label><label for="view-hypervisor">By hypervisor</label></div>
<div id="filters" class="filters" hidden>
<div class="sev-filter" role="group" aria-label="Severities shown">${filters}</div>
<input type="search" id="search" placeholder="Search findings (press /)" aria-label="Search findings">
<span class="actions"><button type="button" id="expand-all">Expand all</button><button type="button" id="collapse-all">Collapse all</button></span>
<span id="shown" class="muted" aria-live="polite"></span>
</div>
</div>
<div class="view by-incident">
${incidentSections(report)}
</div>
<div class="view by-detector">
${byDetector(report)}
</div>
<div class="view by-hypervisor">
${byHypervisor(report)}
</div>
<p id="no-match" class="muted" hidden>No findings match the filter.</p>
</section>`;

  const script = CLIENT_SCRIPT;
  const csp = [
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    `script-src 'sha256-${createHash('sha256').update(script, 'utf8').digest('base64')}'`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="faultline ${line(report.tool.version)}">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header class="top">
<div class="wrap">
<p class="brand">faultline <span>${line(report.tool.version)}</span></p>
<h1>Scan report</h1>
<dl class="meta">
<div><dt>Evaluated</dt><dd>${time(report.evaluatedAt)}</dd></div>
<div><dt>Snapshot collected</dt><dd>${time(report.snapshot.collectedAt)}</dd></div>
<div><dt>Generated</dt><dd>${time(report.generatedAt)}</dd></div>
${report.snapshot.description ? `<div><dt>Snapshot</dt><dd>${line(report.snapshot.description)}</dd></div>` : ''}
</dl>
${counts ? `<p class="counts">${counts}</p>` : ''}
</div>
</header>
<main class="wrap">
${summaryHtml(report)}
${findingsSection}
${notCheckedHtml(report)}
${resolvedHtml(report)}
${passedHtml(report)}
${collectionHtml(report.collection)}
</main>
<footer class="wrap muted">Generated by faultline ${line(report.tool.version)}. This file works offline; the full JSON report is embedded in it (script element <code>#faultline-report</code>).</footer>
<script type="application/json" id="faultline-report">${embedJson(report)}</script>
<script>${script}</script>
</body>
</html>
`;
}

/**
 * The page's only script. It is static (no report data in it), so its hash is
 * stable; it reads the DOM and changes only `hidden`, `open` and textContent.
 */
const CLIENT_SCRIPT = `
(function () {
  'use strict';
  var filters = document.getElementById('filters');
  if (!filters) return;
  filters.hidden = false;
  var boxes = Array.prototype.slice.call(document.querySelectorAll('input[data-severity-filter]'));
  var search = document.getElementById('search');
  var shown = document.getElementById('shown');
  var noMatch = document.getElementById('no-match');
  var findings = Array.prototype.slice.call(document.querySelectorAll('details.finding'));
  var groups = Array.prototype.slice.call(document.querySelectorAll('[data-group]'));
  var total = document.querySelectorAll('.by-detector details.finding').length;
  var haystacks = findings.map(function (f) { return f.textContent.toLowerCase(); });

  function apply() {
    var allowed = {};
    boxes.forEach(function (b) { allowed[b.value] = b.checked; });
    var words = search.value.toLowerCase().split(/\\s+/).filter(Boolean);
    findings.forEach(function (f, i) {
      var ok = allowed[f.getAttribute('data-severity')] === true &&
        words.every(function (w) { return haystacks[i].indexOf(w) !== -1; });
      f.hidden = !ok;
    });
    groups.forEach(function (g) { g.hidden = g.querySelector('details.finding:not([hidden])') === null; });
    var n = document.querySelectorAll('.by-detector details.finding:not([hidden])').length;
    shown.textContent = n === total ? total + ' shown' : n + ' of ' + total + ' shown';
    noMatch.hidden = n !== 0;
  }

  function currentView() {
    var hv = document.getElementById('view-hypervisor');
    var det = document.getElementById('view-detector');
    return document.querySelector(hv && hv.checked ? '.by-hypervisor' : det && det.checked ? '.by-detector' : '.by-incident');
  }

  function setOpen(open) {
    var view = currentView();
    if (!view) return;
    Array.prototype.forEach.call(view.querySelectorAll('details.finding:not([hidden])'), function (d) { d.open = open; });
  }

  boxes.forEach(function (b) { b.addEventListener('change', apply); });
  search.addEventListener('input', apply);
  document.getElementById('expand-all').addEventListener('click', function () { setOpen(true); });
  document.getElementById('collapse-all').addEventListener('click', function () { setOpen(false); });
  document.addEventListener('keydown', function (e) {
    if (e.key === '/' && document.activeElement !== search) { e.preventDefault(); search.focus(); }
  });
  apply();
})();
`;

/** The report's stylesheet; the dashboard uses it too, so both look alike. */
export const STYLE = `
:root {
  --bg: #f6f7f9; --panel: #fff; --text: #1d2330; --muted: #5f6b7a; --line: #e2e6ec; --code: #eef1f5; --accent: #2c5fd4;
  --critical: #b42318; --high: #e0561b; --medium: #b98200; --low: #2f6fd6; --info: #6b7480;
  --pass: #1f8a4c; --skipped: #b98200; --error: #8b3fb0; --new: #c2187a;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #12151b; --panel: #1a1f28; --text: #e4e8ee; --muted: #98a2b0; --line: #2c3340; --code: #252c38; --accent: #7aa2ff;
    --critical: #ff6b5e; --high: #ff8a4c; --medium: #f0b429; --low: #6ea0ff; --info: #9aa4b2; --pass: #4cc38a; --skipped: #f0b429; --error: #c58af0; --new: #ff6fb5; }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--text); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
code, .id { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: .86em; }
code { background: var(--code); padding: .05em .35em; border-radius: 4px; overflow-wrap: anywhere; }
.id { color: var(--muted); font-size: .78em; overflow-wrap: anywhere; }
a { color: var(--accent); }
.wrap { max-width: 1180px; margin: 0 auto; padding: 0 20px; }
.muted { color: var(--muted); }
.top { background: #161b26; color: #e9edf3; padding: 22px 0 18px; }
.top .brand { margin: 0; font-weight: 700; letter-spacing: .04em; text-transform: uppercase; font-size: 12px; color: #9fb3d9; }
.top .brand span { font-weight: 400; color: #8793a6; letter-spacing: 0; text-transform: none; margin-left: .4em; }
.top h1 { margin: 2px 0 12px; font-size: 26px; font-weight: 650; }
.meta { display: flex; flex-wrap: wrap; gap: 8px 28px; margin: 0; }
.meta div { min-width: 0; }
.meta dt { font-size: 11px; text-transform: uppercase; letter-spacing: .06em; color: #8793a6; }
.meta dd { margin: 0; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.counts { display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 12px 0 0; color: #b9c3d3; font-size: 13px; }
.counts strong { color: #fff; }
main.wrap { padding-top: 20px; padding-bottom: 24px; }
section { margin: 0 0 28px; }
h2 { font-size: 19px; margin: 0 0 10px; display: flex; align-items: center; gap: 8px; }
h2 .count { font-size: 12px; font-weight: 600; background: var(--line); color: var(--text); border-radius: 999px; padding: 1px 9px; }
h3 { font-size: 15px; margin: 0; display: flex; flex-wrap: wrap; align-items: center; gap: 6px 10px; }
h4 { font-size: 12px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 16px 0 6px; }
.summary { display: grid; grid-template-columns: auto 1fr; gap: 14px 18px; align-items: stretch; background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 16px; }
.total { display: flex; flex-direction: column; justify-content: center; padding: 0 18px 0 4px; border-right: 1px solid var(--line); }
.total .n { font-size: 40px; font-weight: 700; line-height: 1; }
.total .label { color: var(--muted); }
.cards { display: grid; grid-template-columns: repeat(5, minmax(0, 1fr)); gap: 10px; }
.card { border-radius: 8px; padding: 10px 12px; border: 1px solid var(--line); border-top: 4px solid var(--sev); display: flex; flex-direction: column; }
.card .n { font-size: 26px; font-weight: 700; line-height: 1.1; color: var(--sev); font-variant-numeric: tabular-nums; }
.card .label { text-transform: capitalize; color: var(--muted); font-size: 13px; }
.card.zero { opacity: .55; }
.card.zero .n { color: var(--muted); }
.statuses { grid-column: 1 / -1; display: flex; flex-wrap: wrap; align-items: center; gap: 6px; margin: 0; }
.baseline-line { grid-column: 1 / -1; margin: 0; }
.sev-critical { --sev: var(--critical); } .sev-high { --sev: var(--high); } .sev-medium { --sev: var(--medium); } .sev-low { --sev: var(--low); } .sev-info { --sev: var(--info); }
.chip { display: inline-flex; align-items: center; gap: 4px; border: 1px solid var(--line); border-radius: 999px; padding: 1px 10px; font-size: 13px; background: var(--panel); white-space: nowrap; }
.chip-link { text-decoration: none; color: inherit; }
.st-fail { color: var(--critical); } .st-pass, .co-ok { color: var(--pass); } .st-skipped, .co-partial { color: var(--skipped); } .st-error, .co-failed { color: var(--error); }
.co-failed { font-weight: 600; }
.badge { display: inline-block; border-radius: 4px; padding: 0 7px; font-size: 11px; font-weight: 700; text-transform: uppercase; letter-spacing: .04em; line-height: 20px; color: #fff; background: var(--sev, var(--info)); white-space: nowrap; }
.badge.new { background: var(--new); }
.pill { display: inline-block; font-size: 12px; font-weight: 600; color: var(--sev); border: 1px solid currentColor; border-radius: 999px; padding: 0 8px; margin-right: 4px; }
.view-radio { position: absolute; opacity: 0; pointer-events: none; }
.toolbar { display: flex; flex-wrap: wrap; gap: 10px 16px; align-items: center; margin: 0 0 12px; }
.view-switch { display: inline-flex; border: 1px solid var(--line); border-radius: 8px; overflow: hidden; background: var(--panel); }
.view-switch label { padding: 6px 14px; cursor: pointer; font-size: 14px; user-select: none; }
.view-switch label + label { border-left: 1px solid var(--line); }
#view-incident:checked ~ .toolbar label[for="view-incident"], #view-detector:checked ~ .toolbar label[for="view-detector"], #view-hypervisor:checked ~ .toolbar label[for="view-hypervisor"] { background: var(--accent); color: #fff; }
#view-incident:focus-visible ~ .toolbar label[for="view-incident"], #view-detector:focus-visible ~ .toolbar label[for="view-detector"], #view-hypervisor:focus-visible ~ .toolbar label[for="view-hypervisor"] { outline: 2px solid var(--accent); outline-offset: 2px; }
#view-incident:checked ~ .by-detector, #view-incident:checked ~ .by-hypervisor, #view-detector:checked ~ .by-incident, #view-detector:checked ~ .by-hypervisor, #view-hypervisor:checked ~ .by-incident, #view-hypervisor:checked ~ .by-detector { display: none; }
.incident { border-left: 5px solid var(--sev); }
.incident > .facts { margin: 6px 0 4px; }
.chain { margin: 4px 0 0; padding-left: 22px; }
.chain li { margin: 3px 0; overflow-wrap: anywhere; }
.chain .summary-text { color: var(--muted); font-size: 14px; }
.db-mark { color: var(--critical); font-weight: 700; white-space: nowrap; }
.db-warning { margin: 8px 0 0; padding: 6px 10px; border-left: 4px solid var(--critical); background: var(--code); border-radius: 6px; }
.incidents-line { grid-column: 1 / -1; margin: 0; font-size: 16px; }
.servers { min-width: 640px; }
.filters { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: center; flex-basis: 100%; }
.filters .actions { display: inline-flex; gap: 6px; }
.sev-filter { display: inline-flex; flex-wrap: wrap; gap: 6px; }
.sev-toggle { display: inline-flex; align-items: center; gap: 4px; font-size: 13px; border: 1px solid var(--line); border-left: 4px solid var(--sev); border-radius: 6px; padding: 3px 8px; background: var(--panel); cursor: pointer; text-transform: capitalize; }
#search { flex: 1 1 220px; min-width: 0; font: inherit; padding: 6px 10px; border: 1px solid var(--line); border-radius: 8px; background: var(--panel); color: var(--text); }
button { font: inherit; font-size: 13px; padding: 5px 10px; border: 1px solid var(--line); border-radius: 8px; background: var(--panel); color: var(--text); cursor: pointer; }
button:hover, .view-switch label:hover { filter: brightness(.96); }
.group { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; margin-bottom: 14px; }
.group .desc { margin: 2px 0 8px; font-size: 14px; }
.group h3 { margin-bottom: 8px; }
.finding { border: 1px solid var(--line); border-left: 4px solid var(--sev); border-radius: 8px; margin: 8px 0 0; background: var(--panel); }
.finding > summary { list-style: none; cursor: pointer; display: flex; flex-wrap: wrap; align-items: center; gap: 4px 10px; padding: 8px 12px; }
.finding > summary::-webkit-details-marker { display: none; }
.finding > summary::before { content: "\\25B8"; color: var(--muted); width: 10px; }
.finding[open] > summary::before { content: "\\25BE"; }
.finding[open] > summary { border-bottom: 1px solid var(--line); }
.finding .res { font-weight: 650; overflow-wrap: anywhere; }
.finding .on { color: var(--muted); font-size: 14px; overflow-wrap: anywhere; }
.finding .msg { flex: 1 1 320px; min-width: 0; color: var(--text); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.finding[open] .msg { display: none; }
.finding .det { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; color: var(--muted); }
.finding .body { padding: 4px 16px 14px 26px; }
.finding .message { font-size: 15px; margin: 10px 0; overflow-wrap: anywhere; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 3px 16px; margin: 0; font-size: 14px; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; vertical-align: top; padding: 6px 10px; border-bottom: 1px solid var(--line); }
thead th { font-size: 12px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); font-weight: 600; }
.evidence { max-width: 900px; }
.evidence tbody th { font-weight: 600; white-space: nowrap; width: 1%; }
.evidence td.value, td.reason, .error, .warning { white-space: pre-wrap; overflow-wrap: break-word; }
.list { min-width: 720px; }
.list .chip { white-space: nowrap; }
.scroll { overflow-x: auto; background: var(--panel); border: 1px solid var(--line); border-radius: 10px; }
.list td:first-child { min-width: 160px; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.error { color: var(--error); }
.warning { color: var(--skipped); }
.steps { margin: 6px 0 0; padding-left: 22px; }
.steps li { margin: 2px 0; }
.passed { list-style: none; padding: 0; margin: 0; display: grid; gap: 6px; }
.all-clear { background: var(--panel); border: 1px solid var(--line); border-left: 4px solid var(--pass); border-radius: 8px; padding: 12px 14px; }
footer.wrap { padding-top: 8px; padding-bottom: 32px; font-size: 13px; }
@media (max-width: 760px) {
  .summary { grid-template-columns: 1fr; }
  .total { border-right: 0; border-bottom: 1px solid var(--line); padding: 0 0 10px; flex-direction: row; align-items: baseline; gap: 8px; }
  .cards { grid-template-columns: repeat(3, minmax(0, 1fr)); }
  .finding .msg { flex-basis: 100%; white-space: normal; }
  .finding .body { padding-left: 14px; }
  .facts { grid-template-columns: 1fr; }
  .list.stack { min-width: 0; }
  .stack thead { display: none; }
  .stack tr { display: block; padding: 8px 0; border-bottom: 1px solid var(--line); }
  .stack td { display: block; border: 0; padding: 2px 12px; text-align: left; }
  .stack td:empty { display: none; }
  .stack td[data-label]::before { content: attr(data-label) ": "; color: var(--muted); font-size: 12px; }
}
@media print {
  .toolbar, .view-radio { display: none; }
  .by-hypervisor, .by-detector { display: none !important; }
  .by-incident { display: block !important; }
  .top { background: none; color: inherit; }
}
`;
