import { SEVERITIES, type Severity } from '../core/severity.js';
import type { Finding } from '../core/findings.js';
import { allFindings, incidentOfFinding, sortFindings, type ReportFinding, type ReportIncident, type ScanReport } from './model.js';
import { blastRadiusText, caseLabel, evidenceText, resourceName, singleLine } from './text.js';

/** Evidence items shown per finding; the rest is in the JSON and HTML reports. */
const KEY_EVIDENCE = 6;

/**
 * Makes untrusted text inert in Markdown and in chat tools that read it (Slack,
 * Mattermost, Teams, GitLab/GitHub): markup characters are backslash-escaped,
 * `<`, `>` and `&` become entities (Slack needs those; CommonMark renders them
 * as the characters), and `@` gets a zero-width space after it so `@here`,
 * `@channel` or `@someone` in a server name cannot notify anyone. Line breaks
 * collapse to spaces so a value cannot start a heading or a list of its own.
 */
export function escapeMarkdown(text: string): string {
  return escapeInline(singleLine(text))
    .replace(/^#/, '\\#')
    .replace(/^([-+]|\d+[.)])(?= |$)/, (m) => `${m.slice(0, -1)}\\${m.slice(-1)}`);
}

/** The character-level part of {@link escapeMarkdown}, for text already on one line. */
function escapeInline(text: string): string {
  return text
    .replace(/[\\`*_[\]~|]/g, '\\$&')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@/g, '@\u200b');
}

/** An identifier as inline code when it is plainly one; anything else is escaped text. */
function code(text: string): string {
  return /^[\w.:/-]+$/.test(text) ? `\`${text}\`` : escapeMarkdown(text);
}

/**
 * faultline's own prose (remediation steps) keeps its `code spans`; the text
 * between them is escaped like any other text.
 */
function prose(text: string): string {
  return singleLine(text)
    .split(/(`[^`]+`)/)
    .map((part, i) => (i % 2 === 1 ? part : escapeInline(part)))
    .join('');
}

const TITLES: Readonly<Record<Severity, string>> = { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low', info: 'Info' };

/** The report for chat messages and tickets: short, escaped, grouped by severity. */
export function renderMarkdown(report: ScanReport): string {
  const s = report.summary;
  const out: string[] = ['# faultline scan report', ''];
  const bySeverity = [...SEVERITIES]
    .reverse()
    .map((sev) => `${s.bySeverity[sev]} ${sev}`)
    .join(' · ');
  const counts = Object.entries(report.snapshot.counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${escapeMarkdown(k)} ${n}`)
    .join(', ');
  out.push(`- **${s.findings} finding${s.findings === 1 ? '' : 's'}**: ${bySeverity}`);
  out.push(`- Detectors: ${s.byStatus.fail} fail · ${s.byStatus.pass} pass · ${s.byStatus.skipped} skipped · ${s.byStatus.error} error`);
  out.push(
    `- Evaluated ${escapeMarkdown(report.evaluatedAt)}; snapshot collected ${escapeMarkdown(report.snapshot.collectedAt)}${counts ? ` (${counts})` : ''}; faultline ${escapeMarkdown(report.tool.version)}`,
  );
  if (report.snapshot.description) out.push(`- Snapshot: ${escapeMarkdown(report.snapshot.description)}`);
  if (report.baseline || s.new !== undefined) {
    const vs = report.baseline ? ` (vs ${escapeMarkdown(report.baseline.source)} from ${escapeMarkdown(report.baseline.generatedAt)})` : '';
    out.push(`- Baseline${vs}: **${s.new ?? 0} new**, ${s.unchanged ?? 0} unchanged, ${s.resolved ?? 0} resolved`);
  }
  const suppressed = report.results.reduce((n, r) => n + r.suppressed, 0);
  if (suppressed > 0) out.push(`- ${suppressed} finding(s) suppressed by config`);
  out.push(`- **${s.incidents} incident${s.incidents === 1 ? '' : 's'}**; ${s.unexplained} finding(s) no incident explains${s.newIncidents !== undefined ? `; vs baseline: **${s.newIncidents} new**, ${s.resolvedIncidents ?? 0} resolved incident(s)` : ''}`);

  if (report.incidents.length > 0) {
    out.push('', `## Incidents (${report.incidents.length})`);
    report.incidents.forEach((inc, i) => out.push('', ...incidentLines(inc, i + 1)));
  }

  const findings = allFindings(report);
  const incidentOf = incidentOfFinding(report);
  if (findings.length === 0) out.push('', 'No findings.');
  for (const sev of [...SEVERITIES].reverse()) {
    const group = findings.filter((f) => f.severity === sev);
    if (group.length === 0) continue;
    out.push('', `## ${TITLES[sev]} (${group.length})`, '');
    for (const f of group) out.push(...findingLines(f, incidentOf.get(f.fingerprint)?.index));
  }

  const failed = report.results.filter((r) => r.findings.length > 0);
  if (failed.length > 0) {
    out.push('', '## Remediation', '');
    for (const r of failed) {
      const runbook = r.findings[0]?.remediation.runbook;
      const steps = r.findings[0]?.remediation.steps ?? [];
      out.push(`**${escapeMarkdown(r.title)}** (${code(r.detectorId)})${runbook ? `, runbook ${code(runbook)}` : ''}`, '');
      steps.forEach((step, i) => out.push(`${i + 1}. ${prose(step)}`));
      out.push('');
    }
    out.pop();
  }

  const notChecked = report.results.filter((r) => r.status === 'skipped' || r.status === 'error' || (r.partialInputs?.length ?? 0) > 0);
  if (notChecked.length > 0) {
    out.push('', `## Not checked (${notChecked.length})`, '', '| Detector | Status | Reason |', '| --- | --- | --- |');
    for (const r of notChecked) {
      const status = r.status === 'skipped' || r.status === 'error' ? r.status : `${r.status} on partial input`;
      const missing = r.missing && r.missing.length > 0 ? ` (missing: ${r.missing.map(escapeMarkdown).join(', ')})` : '';
      out.push(`| ${code(r.detectorId)} | ${status} | ${escapeMarkdown(r.reason ?? 'no reason recorded')}${missing} |`);
    }
  }

  const troubled = report.collection.filter((c) => c.status !== 'ok');
  if (troubled.length > 0) {
    out.push('', `## Collection problems (${troubled.length} of ${report.collection.length} collectors)`, '', '| Collector | Status | Produces | Detail |', '| --- | --- | --- | --- |');
    for (const c of troubled) {
      const detail = [c.error, ...c.warnings].filter((x): x is string => x !== undefined && x !== '').map(escapeMarkdown).join('; ');
      out.push(`| ${escapeMarkdown(c.collector)} | ${c.status} | ${c.produces.join(', ')} | ${detail || '—'} |`);
    }
  }

  if (report.baseline && report.baseline.resolvedIncidents.length > 0) {
    out.push('', `## Incidents resolved since the baseline (${report.baseline.resolvedIncidents.length})`, '');
    for (const inc of report.baseline.resolvedIncidents) out.push(`- ${escapeMarkdown(inc.severity)}: ${escapeMarkdown(inc.title)} (${escapeMarkdown(caseLabel(inc.case))}, ${code(inc.id)})`);
  }

  if (report.baseline && report.baseline.resolved.length > 0) {
    out.push('', `## Resolved since the baseline (${report.baseline.resolved.length})`, '');
    for (const f of sortFindings(report.baseline.resolved)) out.push(`- ${escapeMarkdown(f.severity)}: ${where(f)}: ${escapeMarkdown(f.message)}`);
  }
  return `${out.join('\n')}\n`;
}

function where(f: Pick<Finding, 'resource'>): string {
  const parent = f.resource.parent ? ` on ${escapeMarkdown(resourceName(f.resource.parent))}` : '';
  return `**${escapeMarkdown(resourceName(f.resource))}**${parent}`;
}

/** One incident: what, the root cause, the chain, who is hit (DB servers called out), tickets. */
function incidentLines(inc: ReportIncident, n: number): string[] {
  const badge = inc.baseline === 'new' ? ' · **NEW**' : '';
  const chain = inc.chain.slice(0, 8).map((l) => `**${escapeMarkdown(resourceName(l.resource))}**`);
  const more = inc.chain.length - chain.length;
  const lines = [
    `### ${n}. ${escapeMarkdown(inc.title)}`,
    '',
    `- **${escapeMarkdown(inc.severity)}** · ${escapeMarkdown(caseLabel(inc.case))} · ${inc.zone} zone · ${code(inc.id)}${badge}`,
    `- Root cause: ${code(inc.root.detectorId)} on ${where({ resource: inc.root.resource })}`,
    `- Chain: ${chain.join(' → ')}${more > 0 ? ` (+${more} more)` : ''}`,
    `- Blast radius: ${escapeMarkdown(blastRadiusText(inc.blastRadius))}`,
  ];
  const dbs = inc.blastRadius.servers.filter((s) => s.db);
  if (dbs.length > 0) {
    lines.push(`- ⚠ DB servers: ${dbs.map((s) => `**${escapeMarkdown(s.name)}** (${s.impacted ? 'already impacted: tell the DB on-call now' : 'not impacted yet: wait for the DBA before any disruptive step'})`).join(', ')}`);
  }
  if (inc.blastRadius.owners.length > 0) lines.push(`- Owners: ${inc.blastRadius.owners.map(escapeMarkdown).join(', ')}`);
  if (inc.tickets.length > 0) lines.push(`- Tickets: ${inc.tickets.map(escapeMarkdown).join(', ')}`);
  lines.push(`- ${inc.findings.length} finding(s), marked "incident ${n}" below`);
  return lines;
}

function findingLines(f: ReportFinding, incident?: number): string[] {
  const badge = (f.baseline === 'new' ? ' **NEW**' : '') + (incident !== undefined ? ` (incident ${incident})` : '');
  const lines = [`- ${where(f)}: ${escapeMarkdown(f.message)}${badge}`];
  const shown = f.evidence.slice(0, KEY_EVIDENCE).map((e) => `${escapeMarkdown(e.label)}: ${escapeMarkdown(evidenceText(e.value))}`);
  if (shown.length > 0) {
    const more = f.evidence.length - shown.length;
    lines.push(`  - Evidence: ${shown.join(' · ')}${more > 0 ? ` (+${more} more)` : ''}`);
  }
  const runbook = f.remediation.runbook ? `runbook ${code(f.remediation.runbook)} · ` : '';
  lines.push(`  - ${runbook}detector ${code(f.detectorId)} · fingerprint ${code(f.fingerprint)}`);
  return lines;
}
