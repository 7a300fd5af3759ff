import type { ResultStatus } from '../core/findings.js';
import { SEVERITIES, type Severity } from '../core/severity.js';
import { allFindings, incidentOfFinding, sortFindings, type ScanReport } from './model.js';
import { blastRadiusText, caseLabel, resourceLabel, singleLine, textWidth, truncate } from './text.js';

export interface TableOptions {
  /** Emit ANSI colours; the CLI decides with {@link shouldUseColor}. */
  readonly color: boolean;
  /** Terminal columns; findings are cut to fit. Omitted: nothing is cut. */
  readonly width?: number;
}

/**
 * Whether terminal output should be coloured. Follows https://no-color.org:
 * any non-empty NO_COLOR turns colour off, and wins over everything else so a
 * user's opt-out always holds. FORCE_COLOR turns it on even when not a TTY
 * (FORCE_COLOR=0 or false turns it off). Otherwise: a TTY that is not TERM=dumb.
 */
export function shouldUseColor(env: Readonly<Record<string, string | undefined>>, isTTY: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  return isTTY && env.TERM !== 'dumb';
}

const SEVERITY_STYLE: Readonly<Record<Severity, string>> = {
  critical: '1;97;41',
  high: '1;31',
  medium: '33',
  low: '36',
  info: '2',
};

const STATUS_STYLE: Readonly<Record<ResultStatus | 'partial' | 'failed' | 'ok', string>> = {
  fail: '31',
  pass: '32',
  ok: '32',
  skipped: '33',
  partial: '33',
  error: '35',
  failed: '35',
};

const GAP = '  ';
/** Below this the message column is useless; narrower columns give way first. */
const MIN_MESSAGE = 24;
const MIN_COLUMN = 12;

/** Renders the report for a terminal: summary, findings table, what was not checked, collection problems. */
export function renderTable(report: ScanReport, options: TableOptions): string {
  const paint = (style: string, text: string): string => (options.color && text !== '' ? `\x1b[${style}m${text}\x1b[0m` : text);
  const heading = (text: string): string => paint('1', text);
  const label = (status: keyof typeof STATUS_STYLE, style: keyof typeof STATUS_STYLE = status): string =>
    paint(STATUS_STYLE[style], status) + ' '.repeat(Math.max(0, 7 - status.length));
  const out: string[] = [];

  out.push(...header(report, paint));
  out.push('');

  const fit = (text: string): string => (options.width !== undefined ? truncate(text, options.width) : text);
  if (report.incidents.length > 0) {
    out.push(heading(`Incidents (${report.incidents.length})`));
    report.incidents.forEach((inc, i) => {
      const mark = inc.baseline === 'new' ? `${paint('1;35', 'NEW')} ` : '';
      out.push(fit(`#${i + 1} ${mark}${paint(SEVERITY_STYLE[inc.severity], inc.severity)}  ${singleLine(inc.title)}  [${caseLabel(inc.case)}, ${inc.zone}]`));
      out.push(fit(`   root: ${singleLine(inc.root.detectorId)} on ${singleLine(resourceLabel(inc.root.resource))}`));
      const chain = inc.chain.map((l) => singleLine(l.resource.name ?? l.resource.id));
      out.push(fit(`   chain: ${chain.slice(0, 6).join(' → ')}${chain.length > 6 ? ` (+${chain.length - 6} more)` : ''}`));
      out.push(fit(`   blast radius: ${singleLine(blastRadiusText(inc.blastRadius))}`));
      if (inc.tickets.length > 0) out.push(fit(`   tickets: ${inc.tickets.map(singleLine).join(', ')}`));
      out.push(`   ${inc.findings.length} finding(s) · id ${singleLine(inc.id)}`);
    });
    out.push('');
  }

  const findings = allFindings(report);
  const incidentOf = incidentOfFinding(report);
  if (findings.length === 0) {
    const notChecked = report.summary.byStatus.skipped + report.summary.byStatus.error;
    out.push(notChecked > 0 ? `No findings, but ${notChecked} detector(s) did not check (see "Not checked").` : 'No findings.');
  } else {
    const withBaseline = report.baseline !== undefined || findings.some((f) => f.baseline !== undefined);
    const rows = findings.map((f) => ({
      incident: incidentOf.has(f.fingerprint) ? `#${incidentOf.get(f.fingerprint)?.index}` : '',
      mark: f.baseline === 'new' ? 'NEW' : '',
      severity: singleLine(f.severity),
      style: SEVERITY_STYLE[f.severity] as string | undefined,
      detector: singleLine(f.detectorId),
      resource: singleLine(resourceLabel(f.resource)),
      message: singleLine(f.message),
    }));
    const fixed = {
      incident: Math.max('INC'.length, ...rows.map((r) => textWidth(r.incident))),
      mark: withBaseline ? 3 : 0,
      severity: Math.max('SEVERITY'.length, ...SEVERITIES.map((s) => s.length)),
      detector: Math.max('DETECTOR'.length, ...rows.map((r) => textWidth(r.detector))),
      resource: Math.max('RESOURCE'.length, ...rows.map((r) => textWidth(r.resource))),
    };
    let message = Math.max(...rows.map((r) => textWidth(r.message)));
    if (options.width !== undefined) {
      const used = (): number => (withBaseline ? fixed.mark + GAP.length : 0) + fixed.incident + fixed.severity + fixed.detector + fixed.resource + 4 * GAP.length;
      // Give the message room first by narrowing the resource, then the detector column.
      for (const column of ['resource', 'detector'] as const) {
        const short = options.width - used() - MIN_MESSAGE;
        if (short < 0) fixed[column] = Math.max(MIN_COLUMN, fixed[column] + short);
      }
      message = Math.max(MIN_COLUMN, options.width - used());
    }
    // Paint the text, not the padding, so backgrounds do not bleed into the gap.
    const cell = (text: string, width: number, style?: string): string => {
      const cut = truncate(text, width);
      return (style ? paint(style, cut) : cut) + ' '.repeat(Math.max(0, width - textWidth(cut)));
    };
    const line = (parts: string[]): string => parts.join(GAP).trimEnd();
    out.push(
      heading(
        line([
          ...(withBaseline ? [cell('', fixed.mark)] : []),
          cell('INC', fixed.incident),
          cell('SEVERITY', fixed.severity),
          cell('DETECTOR', fixed.detector),
          cell('RESOURCE', fixed.resource),
          'MESSAGE',
        ]),
      ),
    );
    for (const r of rows) {
      out.push(
        line([
          ...(withBaseline ? [cell(r.mark, fixed.mark, '1;35')] : []),
          cell(r.incident, fixed.incident),
          cell(r.severity, fixed.severity, r.style),
          cell(r.detector, fixed.detector),
          cell(r.resource, fixed.resource),
          truncate(r.message, message),
        ]),
      );
    }
  }

  const skipped = report.results.filter((r) => r.status === 'skipped' || r.status === 'error');
  if (skipped.length > 0) {
    out.push('', heading(`Not checked (${skipped.length})`));
    const idWidth = Math.max(...skipped.map((r) => textWidth(singleLine(r.detectorId))));
    for (const r of skipped) {
      const missing = r.missing && r.missing.length > 0 ? ` [missing: ${r.missing.join(', ')}]` : '';
      const reason = singleLine(r.reason ?? (r.status === 'error' ? 'failed without a message' : 'no reason recorded'));
      out.push(`  ${label(r.status)}  ${singleLine(r.detectorId).padEnd(idWidth)}  ${reason}${missing}`);
    }
  }

  const partial = report.results.filter((r) => r.status !== 'skipped' && r.status !== 'error' && (r.partialInputs?.length ?? 0) > 0);
  if (partial.length > 0) {
    out.push('', heading(`Checked on partial input (${partial.length})`));
    for (const r of partial) {
      out.push(`  ${label(r.status, 'partial')}  ${singleLine(r.detectorId)}  ${singleLine(r.reason ?? (r.partialInputs ?? []).join(', '))}`);
    }
  }

  const troubled = report.collection.filter((c) => c.status !== 'ok');
  if (troubled.length > 0) {
    out.push('', heading(`Collection problems (${troubled.length} of ${report.collection.length} collectors)`));
    const nameWidth = Math.max(...troubled.map((c) => textWidth(singleLine(c.collector))));
    for (const c of troubled) {
      const detail = [c.error, ...c.warnings].filter((x): x is string => x !== undefined && x !== '').map(singleLine).join('; ');
      out.push(
        `  ${label(c.status)}  ${singleLine(c.collector).padEnd(nameWidth)}  ${c.produces.join(', ')}${detail ? `: ${detail}` : ''}`,
      );
    }
  }

  if (report.baseline && report.baseline.resolvedIncidents.length > 0) {
    out.push('', heading(`Incidents resolved since the baseline (${report.baseline.resolvedIncidents.length})`));
    for (const inc of report.baseline.resolvedIncidents) out.push(fit(`  ${singleLine(inc.severity).padEnd(8)}  ${singleLine(inc.title)}  [${caseLabel(inc.case)}] id ${singleLine(inc.id)}`));
  }

  if (report.baseline && report.baseline.resolved.length > 0) {
    out.push('', heading(`Resolved since the baseline (${report.baseline.resolved.length})`));
    for (const f of sortFindings(report.baseline.resolved)) {
      const text = `  ${singleLine(f.severity).padEnd(8)}  ${singleLine(f.detectorId)}  ${singleLine(resourceLabel(f.resource))}  ${singleLine(f.message)}`;
      out.push(options.width !== undefined ? truncate(text, options.width) : text);
    }
  }

  return `${out.join('\n')}\n`;
}

function header(report: ScanReport, paint: (style: string, text: string) => string): string[] {
  const s = report.summary;
  const counts = Object.entries(report.snapshot.counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${singleLine(k)} ${n}`)
    .join(', ');
  const lines = [
    paint('1', `faultline ${singleLine(report.tool.version)} scan`) +
      ` · evaluated ${singleLine(report.evaluatedAt)} · snapshot ${singleLine(report.snapshot.collectedAt)}${counts ? ` (${counts})` : ''}`,
  ];
  if (report.snapshot.description) lines.push(singleLine(report.snapshot.description));
  const bySeverity = [...SEVERITIES]
    .reverse()
    .map((sev) => (s.bySeverity[sev] > 0 ? paint(SEVERITY_STYLE[sev], `${s.bySeverity[sev]} ${sev}`) : `0 ${sev}`))
    .join(', ');
  const byStatus = (['fail', 'pass', 'skipped', 'error'] as const).map((st) => `${s.byStatus[st]} ${st}`).join(', ');
  const suppressed = report.results.reduce((n, r) => n + r.suppressed, 0);
  lines.push(
    `${paint('1', `${s.findings} finding${s.findings === 1 ? '' : 's'}`)}: ${bySeverity} · detectors: ${byStatus}` +
      (suppressed > 0 ? ` · ${suppressed} suppressed by config` : ''),
  );
  lines.push(`${paint('1', `${s.incidents} incident${s.incidents === 1 ? '' : 's'}`)} · ${s.unexplained} finding${s.unexplained === 1 ? '' : 's'} no incident explains`);
  if (report.baseline || s.new !== undefined) {
    const source = report.baseline ? ` (vs ${singleLine(report.baseline.source)}, ${singleLine(report.baseline.generatedAt)})` : '';
    lines.push(`Baseline${source}: ${paint('1;35', `${s.new ?? 0} new`)}, ${s.unchanged ?? 0} unchanged, ${s.resolved ?? 0} resolved; incidents ${s.newIncidents ?? 0} new, ${s.resolvedIncidents ?? 0} resolved`);
  }
  return lines;
}
