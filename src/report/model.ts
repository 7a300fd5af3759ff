import type { CollectorOutcome, DetectorResult, Finding, ResultStatus } from '../core/findings.js';
import { SEVERITIES, severityRank, type Severity } from '../core/severity.js';
import { correlate } from '../correlate/correlate.js';
import type { Incident } from '../correlate/types.js';
import type { AnyDetector, Layer } from '../detect/define.js';
import type { Snapshot } from '../snapshot/schema.js';

export const REPORT_VERSION = 1;

export type BaselineState = 'new' | 'unchanged';

export interface ReportFinding extends Finding {
  /** Present when the scan was compared with a baseline report. */
  readonly baseline?: BaselineState;
}

/** An incident as reported; `baseline` is present when the scan was compared with a baseline report. */
export interface ReportIncident extends Incident {
  readonly baseline?: BaselineState;
}

export interface ReportResult extends Omit<DetectorResult, 'findings'> {
  readonly title: string;
  readonly layer: Layer;
  readonly description: string;
  readonly findings: readonly ReportFinding[];
}

/** The one document every format renders; JSON output is this, losslessly. */
export interface ScanReport {
  readonly reportVersion: typeof REPORT_VERSION;
  readonly tool: { readonly name: 'faultline'; readonly version: string };
  readonly generatedAt: string;
  /** The time detectors judged at (the snapshot's time for replays). */
  readonly evaluatedAt: string;
  readonly snapshot: {
    readonly collectedAt: string;
    readonly description?: string;
    readonly counts: Readonly<Record<string, number>>;
  };
  readonly collection: readonly CollectorOutcome[];
  /** One per root cause, most urgent first; every format shows these before the findings. */
  readonly incidents: readonly ReportIncident[];
  readonly summary: {
    readonly findings: number;
    readonly incidents: number;
    /** Findings that no incident explains (hygiene, or causes too small to page for). */
    readonly unexplained: number;
    readonly bySeverity: Readonly<Record<Severity, number>>;
    readonly byStatus: Readonly<Record<ResultStatus, number>>;
    readonly new?: number;
    readonly unchanged?: number;
    readonly resolved?: number;
    readonly newIncidents?: number;
    readonly resolvedIncidents?: number;
  };
  readonly results: readonly ReportResult[];
  readonly baseline?: {
    readonly source: string;
    readonly generatedAt: string;
    readonly resolved: readonly Finding[];
    /** Incidents of the baseline report that are gone now (their root's detector ran and did not find it). */
    readonly resolvedIncidents: readonly Incident[];
  };
}

export function sortFindings<T extends Finding>(findings: readonly T[]): T[] {
  return [...findings].sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      a.detectorId.localeCompare(b.detectorId) ||
      (a.resource.parent?.name ?? '').localeCompare(b.resource.parent?.name ?? '') ||
      (a.resource.name ?? a.resource.id).localeCompare(b.resource.name ?? b.resource.id) ||
      a.fingerprint.localeCompare(b.fingerprint),
  );
}

export function allFindings(report: ScanReport): ReportFinding[] {
  return sortFindings(report.results.flatMap((r) => r.findings));
}

export interface BuildReportInput {
  readonly snapshot: Snapshot;
  readonly detectors: readonly AnyDetector[];
  readonly results: readonly DetectorResult[];
  readonly version: string;
  readonly generatedAt: Date;
  readonly evaluatedAt: Date;
  /** Outcomes of this run's collection; defaults to what the snapshot recorded. */
  readonly collection?: readonly CollectorOutcome[];
  /** Incidents already correlated (e.g. timed by the caller); correlated here when omitted. */
  readonly incidents?: readonly Incident[];
}

/** Where each finding's incident is, by fingerprint, for formats that show findings beside incidents. */
export function incidentOfFinding(report: ScanReport): ReadonlyMap<string, { readonly index: number; readonly incident: ReportIncident }> {
  const out = new Map<string, { index: number; incident: ReportIncident }>();
  report.incidents.forEach((incident, i) => {
    for (const fp of incident.findings) if (!out.has(fp)) out.set(fp, { index: i + 1, incident });
  });
  return out;
}

export function buildReport(input: BuildReportInput): ScanReport {
  const byId = new Map(input.detectors.map((d) => [d.id, d]));
  const results: ReportResult[] = input.results.map((r) => {
    const d = byId.get(r.detectorId);
    return {
      ...r,
      title: d?.title ?? r.detectorId,
      layer: d?.layer ?? 'openstack',
      description: d?.description ?? '',
      findings: sortFindings(r.findings),
    };
  });
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const byStatus: Record<ResultStatus, number> = { pass: 0, fail: 0, skipped: 0, error: 0 };
  let findings = 0;
  for (const r of results) {
    byStatus[r.status] += 1;
    for (const f of r.findings) {
      bySeverity[f.severity] += 1;
      findings += 1;
    }
  }
  const s = input.snapshot;
  const incidents = input.incidents ?? correlate(s, results.flatMap((r) => r.findings)).incidents;
  const explained = new Set(incidents.flatMap((i) => i.findings));
  const unexplained = results.reduce((n, r) => n + r.findings.filter((f) => !explained.has(f.fingerprint)).length, 0);
  return {
    reportVersion: REPORT_VERSION,
    tool: { name: 'faultline', version: input.version },
    generatedAt: input.generatedAt.toISOString(),
    evaluatedAt: input.evaluatedAt.toISOString(),
    snapshot: {
      collectedAt: s.collectedAt,
      ...(s.description ? { description: s.description } : {}),
      counts: {
        regions: s.regions.length,
        hypervisors: s.hypervisors.length,
        servers: s.servers.length,
        computeServices: s.computeServices.length,
        networkAgents: s.networkAgents.length,
        hostFacts: s.hostFacts.length,
        disks: s.disks.length,
        alarms: s.alarms.length,
        clusters: s.kubernetes.clusters.length,
      },
    },
    collection: input.collection ?? s.collection,
    incidents,
    summary: { findings, incidents: incidents.length, unexplained, bySeverity, byStatus },
    results,
  };
}
