import { z } from 'zod';
import { DATA_KEYS } from '../core/data-keys.js';
import { SEVERITIES } from '../core/severity.js';
import { INCIDENT_CASES } from '../correlate/types.js';
import { REPORT_VERSION, type ScanReport } from './model.js';

/*
 * The JSON report as a zod schema: it validates reports (tests, consumers) and is
 * published as JSON Schema. The TypeScript types in model.ts stay the source of
 * truth; the type-level check at the bottom of this file fails to compile when
 * the two drift apart, in either direction.
 */

const isoTime = z.string().describe('ISO 8601 timestamp');

const RESOURCE_KINDS = ['server', 'hypervisor', 'service', 'agent', 'disk', 'host', 'alarm', 'node', 'pod', 'cluster', 'workload', 'kubernetes-service', 'volume-claim', 'ingress', 'webhook', 'api'] as const;
const LAYERS = ['openstack', 'host', 'hardware', 'kubernetes'] as const;
const RESULT_STATUSES = ['pass', 'fail', 'skipped', 'error'] as const;
const COLLECTOR_STATUSES = ['ok', 'partial', 'failed'] as const;

const severity = z.enum(SEVERITIES);
const resourceKind = z.enum(RESOURCE_KINDS);
const dataKey = z.enum(DATA_KEYS);

const resourceRefSchema = z.strictObject({
  kind: resourceKind,
  id: z.string(),
  name: z.string().optional(),
  parent: z.strictObject({ kind: resourceKind, id: z.string(), name: z.string().optional() }).optional(),
  region: z.string().optional(),
});

const evidenceSchema = z.strictObject({
  label: z.string(),
  value: z.union([z.string(), z.number(), z.boolean(), z.null()]),
  source: z.string().optional().describe('API call, command or log file the fact came from'),
});

const remediationSchema = z.strictObject({
  runbook: z.string().optional().describe('id of the runbook that answers the finding'),
  steps: z.array(z.string()),
});

const findingShape = {
  detectorId: z.string(),
  messageId: z.string(),
  message: z.string(),
  severity,
  resource: resourceRefSchema,
  evidence: z.array(evidenceSchema),
  explanation: z.string(),
  remediation: remediationSchema,
  fingerprint: z.string().describe('stable identity of the finding across runs'),
};

export const findingSchema = z.strictObject(findingShape);

export const reportFindingSchema = z.strictObject({
  ...findingShape,
  baseline: z.enum(['new', 'unchanged']).optional().describe('present when the scan was compared with a baseline report'),
});

export const reportResultSchema = z.strictObject({
  detectorId: z.string(),
  status: z.enum(RESULT_STATUSES),
  durationMs: z.number(),
  reason: z.string().optional().describe('skipped: what input was missing and why; error: the error message'),
  missing: z.array(dataKey).optional(),
  partialInputs: z.array(dataKey).optional(),
  findings: z.array(reportFindingSchema),
  suppressed: z.number().int().nonnegative(),
  title: z.string(),
  layer: z.enum(LAYERS),
  description: z.string(),
});

export const collectorOutcomeSchema = z.strictObject({
  collector: z.string(),
  status: z.enum(COLLECTOR_STATUSES),
  produces: z.array(dataKey),
  startedAt: isoTime,
  durationMs: z.number(),
  error: z.string().optional(),
  warnings: z.array(z.string()),
});

const count = z.number().int().nonnegative();

const affectedServerSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  hypervisor: z.string().optional(),
  region: z.string().optional(),
  project: z.string().optional(),
  ips: z.array(z.string()),
  owners: z.array(z.string()),
  db: z.boolean().describe('a DB server by the inventory\'s role tags (the runbook\'s warning sign)'),
  impacted: z.boolean().describe('already hit by the fault, not only at stake'),
});

const incidentShape = {
  id: z.string().describe('stable across scans while the same fault lasts'),
  title: z.string(),
  case: z.enum(INCIDENT_CASES).describe('the runbook case (catalog §4) that answers it'),
  severity,
  region: z.string().optional(),
  zone: z.enum(['prod', 'dev']),
  root: z.strictObject({ resource: resourceRefSchema, detectorId: z.string(), fingerprint: z.string() }).describe('the root cause: the resource and the finding about it'),
  chain: z
    .array(z.strictObject({ resource: resourceRefSchema, detectorId: z.string().optional(), summary: z.string() }))
    .describe('from the root cause to the last symptom'),
  blastRadius: z.strictObject({
    servers: z.array(affectedServerSchema),
    dbServers: z.array(z.string()),
    clusters: z.array(z.string()),
    projects: z.array(z.string()),
    owners: z.array(z.string()),
    counts: z.strictObject({ servers: count, impactedServers: count, dbServers: count, clusters: count, projects: count, owners: count }),
  }),
  findings: z.array(z.string()).describe('fingerprints of the findings it explains, the root first'),
  tickets: z.array(z.string()).describe('alarm-feed tickets about it'),
};

export const incidentSchema = z.strictObject(incidentShape);

export const reportIncidentSchema = z.strictObject({
  ...incidentShape,
  baseline: z.enum(['new', 'unchanged']).optional().describe('present when the scan was compared with a baseline report'),
});

export const scanReportSchema = z
  .strictObject({
    reportVersion: z.literal(REPORT_VERSION),
    tool: z.strictObject({ name: z.literal('faultline'), version: z.string() }),
    generatedAt: isoTime,
    evaluatedAt: isoTime.describe('the time detectors judged at (the snapshot time for replays)'),
    snapshot: z.strictObject({
      collectedAt: isoTime,
      description: z.string().optional(),
      counts: z.record(z.string(), count),
    }),
    collection: z.array(collectorOutcomeSchema),
    incidents: z.array(reportIncidentSchema).describe('one per root cause, most urgent first'),
    summary: z.strictObject({
      findings: count,
      incidents: count,
      unexplained: count.describe('findings that no incident explains'),
      bySeverity: z.record(severity, count),
      byStatus: z.record(z.enum(RESULT_STATUSES), count),
      new: count.optional(),
      unchanged: count.optional(),
      resolved: count.optional(),
      newIncidents: count.optional(),
      resolvedIncidents: count.optional(),
    }),
    results: z.array(reportResultSchema),
    baseline: z
      .strictObject({
        source: z.string(),
        generatedAt: isoTime,
        resolved: z.array(findingSchema),
        resolvedIncidents: z.array(incidentSchema),
      })
      .optional(),
  })
  .meta({ title: 'faultline scan report', description: 'The document every faultline report format renders.' });

// --- compile-time tie between the schema and ScanReport -------------------------

/** Strips `readonly` at every depth so readonly model types compare with zod's mutable output. */
type Mutable<T> = T extends (infer U)[] | readonly (infer U)[]
  ? Mutable<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: Mutable<T[K]> }
    : T;

/** True only when A and B are the same type (not merely assignable one way). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

type SchemaReport = Mutable<z.output<typeof scanReportSchema>>;
type ModelReport = Mutable<ScanReport>;

// Each line fails to compile when a field is added, dropped or retyped on one side only.
const schemaMatchesModel: Same<SchemaReport, ModelReport> = true;
const modelAssignableToSchema: ModelReport extends SchemaReport ? true : false = true;
const schemaAssignableToModel: SchemaReport extends ModelReport ? true : false = true;
void [schemaMatchesModel, modelAssignableToSchema, schemaAssignableToModel];
