import type { CollectorOutcome, DetectorResult, Finding, ResultStatus } from '../core/findings.js';
import { SEVERITIES, severityRank, type Severity } from '../core/severity.js';
import type { AnyDetector, Layer } from '../detect/define.js';
import type { Snapshot } from '../snapshot/schema.js';

export const REPORT_VERSION = 1;

export type BaselineState = 'new' | 'unchanged';

export interface ReportFinding extends Finding {
  /** Present when the scan was compared with a baseline report. */
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
  readonly summary: {
    readonly findings: number;
    readonly bySeverity: Readonly<Record<Severity, number>>;
    readonly byStatus: Readonly<Record<ResultStatus, number>>;
    readonly new?: number;
    readonly unchanged?: number;
    readonly resolved?: number;
  };
  readonly results: readonly ReportResult[];
  readonly baseline?: { readonly source: string; readonly generatedAt: string; readonly resolved: readonly Finding[] };
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
    summary: { findings, bySeverity, byStatus },
    results,
  };
}
