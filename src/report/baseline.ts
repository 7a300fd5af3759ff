import { z } from 'zod';
import { SEVERITIES } from '../core/severity.js';
import { formatIssues } from '../snapshot/issues.js';
import { ReportError } from '../core/errors.js';
import type { Incident } from '../correlate/types.js';
import type { ReportFinding, ReportIncident, ScanReport } from './model.js';
import { allFindings } from './model.js';
import { REPORT_VERSION } from './model.js';

/**
 * Marks each finding new or unchanged against a previous JSON report (by
 * fingerprint) and lists what was resolved since. Findings of detectors that
 * were skipped this time are not called resolved: nobody looked.
 */
export function applyBaseline(report: ScanReport, previous: ScanReport, source: string): ScanReport {
  const before = new Map(allFindings(previous).map((f) => [f.fingerprint, f]));
  const now = new Set<string>();
  let added = 0;
  let unchanged = 0;
  const results = report.results.map((r) => ({
    ...r,
    findings: r.findings.map((f): ReportFinding => {
      now.add(f.fingerprint);
      const state = before.has(f.fingerprint) ? 'unchanged' : 'new';
      if (state === 'new') added += 1;
      else unchanged += 1;
      return { ...f, baseline: state };
    }),
  }));
  const evaluated = new Set(report.results.filter((r) => r.status === 'pass' || r.status === 'fail').map((r) => r.detectorId));
  const resolved = [...before.values()]
    .filter((f) => !now.has(f.fingerprint) && evaluated.has(f.detectorId))
    .map(({ baseline: _b, ...f }) => f);
  // Incidents by their stable id; one is resolved only when the detector of its root ran this time.
  const previousIncidents = previous.incidents ?? [];
  const incidentBefore = new Set(previousIncidents.map((i) => i.id));
  const incidentNow = new Set(report.incidents.map((i) => i.id));
  let newIncidents = 0;
  const incidents = report.incidents.map((i): ReportIncident => {
    const state = incidentBefore.has(i.id) ? 'unchanged' : 'new';
    if (state === 'new') newIncidents += 1;
    return { ...i, baseline: state };
  });
  const resolvedIncidents: Incident[] = previousIncidents
    .filter((i) => !incidentNow.has(i.id) && evaluated.has(i.root.detectorId))
    .map(({ baseline: _b, ...i }) => i);
  return {
    ...report,
    results,
    incidents,
    summary: { ...report.summary, new: added, unchanged, resolved: resolved.length, newIncidents, resolvedIncidents: resolvedIncidents.length },
    baseline: { source, generatedAt: previous.generatedAt, resolved, resolvedIncidents },
  };
}

/**
 * What diffing needs from a previous report, checked because the file may have
 * been edited by hand: every finding has an identity, a known severity and a
 * resource, so renderers can trust what ends up in the resolved list. Loose, so
 * a report with fields this version does not know still works as a baseline.
 */
const baselineDocSchema = z.looseObject({
  generatedAt: z.string(),
  // Reports written before incidents existed have none; that is no damage.
  incidents: z
    .array(
      z.looseObject({
        id: z.string(),
        title: z.string(),
        case: z.string(),
        severity: z.enum(SEVERITIES),
        root: z.looseObject({ detectorId: z.string(), resource: z.looseObject({ kind: z.string(), id: z.string() }) }),
        findings: z.array(z.string()),
      }),
    )
    .optional(),
  results: z.array(
    z.looseObject({
      detectorId: z.string(),
      findings: z.array(
        z.looseObject({
          detectorId: z.string(),
          fingerprint: z.string(),
          severity: z.enum(SEVERITIES),
          message: z.string(),
          resource: z.looseObject({
            kind: z.string(),
            id: z.string(),
            name: z.string().optional(),
            parent: z.looseObject({ kind: z.string(), id: z.string(), name: z.string().optional() }).optional(),
          }),
        }),
      ),
    }),
  ),
});

/** Reads a previous JSON report enough to diff against it; anything else is a clear error. */
export function parseBaselineReport(text: string, source: string): ScanReport {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ReportError(`baseline ${source} is not JSON: ${(err as Error).message}`);
  }
  const d = doc as Partial<ScanReport>;
  if (!d || typeof d !== 'object' || d.reportVersion !== REPORT_VERSION || !Array.isArray(d.results)) {
    throw new ReportError(`baseline ${source} is not a faultline JSON report (write one with --format json)`);
  }
  const checked = baselineDocSchema.safeParse(doc);
  if (!checked.success) {
    throw new ReportError(`baseline ${source} is a damaged faultline JSON report:\n  ${formatIssues(checked.error.issues).join('\n  ')}`);
  }
  return d as ScanReport;
}
