import { createHash } from 'node:crypto';
import type { DetectorResult, Finding } from '../core/findings.js';
import type { Incident } from '../correlate/types.js';
import { isUnrequestedStop, timeOf } from '../detect/resources.js';
import { inputState } from '../detect/inputs.js';
import type { Snapshot } from '../snapshot/schema.js';
import type { SqlRunner } from './engine.js';

/**
 * Writing one scan. Everything is set-based: each table gets one statement over
 * arrays (`unnest`), whatever the number of rows, so a scan of a large fleet costs
 * a handful of round trips on either engine instead of one per finding.
 */

export interface ScanToRecord {
  readonly snapshot: Snapshot;
  readonly results: readonly DetectorResult[];
  /** The time the detectors judged at: findings are first/last seen then. */
  readonly evaluatedAt: Date;
  /** `collected` for a live scan, `snapshot` for a replay with --from. */
  readonly source: 'collected' | 'snapshot';
  readonly version: string;
  /**
   * The regions this scan looked at, when it looked at only some (one of several faultline
   * serve processes sharing the fleet by region): only findings and incidents of these
   * regions are resolved by their absence, and a detector's run counts as a sighting only
   * for them. Absent: the whole fleet.
   */
  readonly regions?: readonly string[];
}

export interface ScanSummary {
  readonly findings: number;
  readonly bySeverity: Readonly<Record<string, number>>;
  readonly byStatus: Readonly<Record<string, number>>;
  readonly skipped: readonly string[];
}

export interface RecordedScan {
  readonly scanId: number;
  readonly newFindings: number;
  readonly reopenedFindings: number;
  readonly resolvedFindings: number;
  readonly alarmsSeen: number;
  readonly hostStopsAdded: number;
}

export function summarise(results: readonly DetectorResult[]): ScanSummary {
  const bySeverity: Record<string, number> = {};
  const byStatus: Record<string, number> = {};
  let findings = 0;
  for (const r of results) {
    byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    for (const f of r.findings) {
      findings++;
      bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
    }
  }
  return { findings, bySeverity, byStatus, skipped: results.filter((r) => r.status === 'skipped').map((r) => r.detectorId) };
}

/**
 * Detectors whose silence means "fixed": they ran over complete inputs. A skipped
 * or errored detector, or one that read only part of its data, says nothing about
 * the findings it did not report, so those stay open.
 */
export function judgedDetectors(results: readonly DetectorResult[]): string[] {
  return results.filter((r) => (r.status === 'pass' || r.status === 'fail') && (r.partialInputs?.length ?? 0) === 0).map((r) => r.detectorId);
}

function uniqueFindings(results: readonly DetectorResult[]): Finding[] {
  const byFingerprint = new Map<string, Finding>();
  for (const r of results) for (const f of r.findings) byFingerprint.set(f.fingerprint, f);
  return [...byFingerprint.values()];
}

const nul = (v: string | undefined): string | null => v ?? null;

export async function recordScan(tx: SqlRunner, scan: ScanToRecord): Promise<RecordedScan> {
  const at = scan.evaluatedAt.toISOString();
  const partial = scan.snapshot.collection.some((o) => o.status !== 'ok');
  const [row] = await tx.query<{ id: number }>(
    `INSERT INTO scans (collected_at, evaluated_at, recorded_at, source, faultline_version, partial, collectors, summary)
     VALUES ($1, $2, now(), $3, $4, $5, $6::jsonb, $7::jsonb) RETURNING id`,
    [
      scan.snapshot.collectedAt,
      at,
      scan.source,
      scan.version,
      partial,
      JSON.stringify(scan.snapshot.collection.map((o) => ({ collector: o.collector, status: o.status, produces: o.produces, durationMs: o.durationMs, ...(o.error ? { error: o.error } : {}) }))),
      JSON.stringify(summarise(scan.results)),
    ],
  );
  const scanId = Number(row?.id);
  const findings = await recordFindings(tx, scanId, at, uniqueFindings(scan.results), judgedDetectors(scan.results), scan.regions);
  const alarmsSeen = inputState(scan.snapshot, 'alarms').state === 'missing' ? 0 : await recordAlarms(tx, scanId, at, scan.snapshot);
  const hostStopsAdded = await recordHostStops(tx, at, scan.snapshot);
  return { scanId, ...findings, alarmsSeen, hostStopsAdded };
}

export type RecordedFindings = Pick<RecordedScan, 'newFindings' | 'reopenedFindings' | 'resolvedFindings'>;

/** Findings of detectors that ran later in the same scan (the ones that read the history). */
export function recordMoreResults(tx: SqlRunner, scanId: number, scan: Pick<ScanToRecord, 'results' | 'evaluatedAt' | 'regions'>): Promise<RecordedFindings> {
  return recordFindings(tx, scanId, scan.evaluatedAt.toISOString(), uniqueFindings(scan.results), judgedDetectors(scan.results), scan.regions);
}

/** The alarm ticket a finding was raised from (alarm rules say so in their evidence), so a spell can tell one alarm from the next. */
function alarmTicket(f: Finding): string | null {
  const ticket = f.evidence.find((e) => e.label === 'ticket' && e.source === 'alarms')?.value;
  return typeof ticket === 'string' && ticket !== '' ? ticket : null;
}

/** What the operator sees of a finding, hashed: an unchanged finding is not rewritten. */
function signature(f: Finding): string {
  const r = f.resource;
  return createHash('sha1').update(JSON.stringify([f.messageId, f.severity, f.message, r.name, r.region, r.parent?.kind, r.parent?.id, r.parent?.name])).digest('base64url').slice(0, 16);
}

/**
 * A large fleet reports the same findings scan after scan, and rewriting each of
 * their rows every time is what would make recording slow. So only rows that
 * change are written: new findings, findings back after being resolved, findings
 * whose message or severity changed, and findings of a detector that ran over
 * partial inputs (which says nothing about what it did not report). An open
 * finding's last sighting is the last complete run of its detector (detector_runs),
 * read through the finding_state view.
 */
async function recordFindings(tx: SqlRunner, scanId: number, at: string, findings: readonly Finding[], judged: readonly string[], regions?: readonly string[]): Promise<RecordedFindings> {
  const fps = findings.map((f) => f.fingerprint);
  const sigs = findings.map(signature);
  const changed = await tx.query<{ fp: string; fresh: boolean; reopened: boolean }>(
    `SELECT c.fp, f.fingerprint IS NULL AS fresh, f.resolved_at IS NOT NULL AS reopened
       FROM unnest($1::text[], $2::text[]) AS c(fp, sig) LEFT JOIN findings f ON f.fingerprint = c.fp
      WHERE f.fingerprint IS NULL OR f.resolved_at IS NOT NULL OR f.signature <> c.sig`,
    [fps, sigs],
  );
  const judgedSet = new Set(judged);
  const write = new Set(changed.map((c) => c.fp));
  for (const f of findings) if (!judgedSet.has(f.detectorId)) write.add(f.fingerprint);
  const opening = changed.filter((c) => c.fresh || c.reopened).map((c) => c.fp);
  // Resolved first, while detector_runs still holds the previous complete run: that was the last time they were seen.
  // A regional scan resolves only findings of its regions: the others' silence is another process's to judge.
  const resolved = await tx.query<{ fingerprint: string }>(
    `UPDATE findings f SET resolved_at = $1,
            last_seen = greatest(f.last_seen, coalesce((SELECT max(d.last_judged_at) FROM detector_runs d WHERE d.detector_id = f.detector_id AND (d.region = '' OR d.region = f.region)), f.last_seen))
      WHERE f.resolved_at IS NULL AND f.detector_id = ANY($2::text[]) AND NOT (f.fingerprint = ANY($3::text[]))
        AND ($4::text[] IS NULL OR f.region = ANY($4::text[]))
      RETURNING f.fingerprint`,
    [at, judged, fps, regions ? [...regions] : null],
  );
  if (resolved.length > 0) {
    await tx.query('UPDATE finding_episodes SET closed_at = $1 WHERE closed_at IS NULL AND fingerprint = ANY($2::text[])', [at, resolved.map((r) => r.fingerprint)]);
  }
  // A finding that is new, or back after being resolved, starts a spell, which keeps what it was about when it opened.
  if (opening.length > 0) {
    const byFingerprint = new Map(findings.map((f) => [f.fingerprint, f]));
    const opened = opening.map((fp) => byFingerprint.get(fp) as Finding);
    await tx.query(
      `INSERT INTO finding_episodes (fingerprint, opened_at, message_id, message, alarm_ticket)
       SELECT c.fp, $5, c.m, c.t, c.a FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS c(fp, m, t, a) ON CONFLICT DO NOTHING`,
      [opening, opened.map((f) => f.messageId), opened.map((f) => f.message), opened.map(alarmTicket), at],
    );
  }
  const rows = findings.map((f, i) => ({ f, sig: sigs[i] as string })).filter(({ f }) => write.has(f.fingerprint));
  if (rows.length > 0) {
    await tx.query(
      `INSERT INTO findings (fingerprint, detector_id, message_id, severity, message, resource_kind, resource_id, resource_name, region,
                             parent_kind, parent_id, parent_name, signature, first_seen, last_seen, first_scan_id, last_scan_id, episodes)
       SELECT c.*, $14::timestamptz, $14::timestamptz, $15::bigint, $15::bigint, 1
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])
           AS c(fingerprint, detector_id, message_id, severity, message, resource_kind, resource_id, resource_name, region, parent_kind, parent_id, parent_name, signature)
       ON CONFLICT (fingerprint) DO UPDATE SET
         message_id = excluded.message_id, severity = excluded.severity, message = excluded.message,
         resource_name = excluded.resource_name, region = excluded.region,
         parent_kind = excluded.parent_kind, parent_id = excluded.parent_id, parent_name = excluded.parent_name, signature = excluded.signature,
         last_seen = excluded.last_seen, last_scan_id = excluded.last_scan_id,
         episodes = findings.episodes + CASE WHEN findings.resolved_at IS NULL THEN 0 ELSE 1 END,
         resolved_at = NULL`,
      [
        rows.map(({ f }) => f.fingerprint),
        rows.map(({ f }) => f.detectorId),
        rows.map(({ f }) => f.messageId),
        rows.map(({ f }) => f.severity),
        rows.map(({ f }) => f.message),
        rows.map(({ f }) => f.resource.kind),
        rows.map(({ f }) => f.resource.id),
        rows.map(({ f }) => nul(f.resource.name)),
        rows.map(({ f }) => nul(f.resource.region)),
        rows.map(({ f }) => nul(f.resource.parent?.kind)),
        rows.map(({ f }) => nul(f.resource.parent?.id)),
        rows.map(({ f }) => nul(f.resource.parent?.name)),
        rows.map(({ sig }) => sig),
        at,
        scanId,
      ],
    );
  }
  if (judged.length > 0) {
    // '' stands for the whole fleet; a regional scan says it judged each of its regions.
    await tx.query(
      `INSERT INTO detector_runs (detector_id, region, last_judged_at, last_scan_id) SELECT d, r, $2, $3 FROM unnest($1::text[]) AS c(d) CROSS JOIN unnest($4::text[]) AS g(r)
       ON CONFLICT (detector_id, region) DO UPDATE SET last_judged_at = excluded.last_judged_at, last_scan_id = excluded.last_scan_id`,
      [judged, at, scanId, regions ? [...regions] : ['']],
    );
  }
  return {
    newFindings: changed.filter((c) => c.fresh).length,
    reopenedFindings: changed.filter((c) => c.reopened).length,
    resolvedFindings: resolved.length,
  };
}

export interface RecordedIncidents {
  readonly newIncidents: number;
  readonly reopenedIncidents: number;
  readonly resolvedIncidents: number;
}

/**
 * Incidents are kept like findings, by their stable id. Call it once per scan in
 * which correlation ran: an open incident missing from `incidents` is resolved.
 */
/**
 * `judged`, when given, are the detectors this scan could judge: an incident whose root
 * detector is not among them stays open (a watch round that reads only Nova says nothing
 * about a hung hypervisor found by the full scan's probes), as its findings do.
 */
export async function recordIncidents(tx: SqlRunner, scanId: number, at: string, incidents: readonly Incident[], regions?: readonly string[], judged?: readonly string[]): Promise<RecordedIncidents> {
  const unique = [...new Map(incidents.map((i) => [i.id, i])).values()];
  const ids = unique.map((i) => i.id);
  const [counts] = await tx.query<{ fresh: number; reopened: number }>(
    `SELECT count(*) FILTER (WHERE i.id IS NULL) AS fresh, count(*) FILTER (WHERE i.resolved_at IS NOT NULL) AS reopened
       FROM unnest($1::text[]) AS c(id) LEFT JOIN incidents i ON i.id = c.id`,
    [ids],
  );
  await tx.query(
    `INSERT INTO incident_episodes (incident_id, opened_at)
     SELECT c.id, $2 FROM unnest($1::text[]) AS c(id) LEFT JOIN incidents i ON i.id = c.id
      WHERE i.id IS NULL OR i.resolved_at IS NOT NULL
     ON CONFLICT DO NOTHING`,
    [ids, at],
  );
  await tx.query(
    `INSERT INTO incidents (id, incident_case, severity, title, region, root_kind, root_id, root_name, root_detector, root_fingerprint,
                            finding_fingerprints, tickets, first_seen, last_seen, first_scan_id, last_scan_id, times_seen, episodes)
     SELECT c.id, c.incident_case, c.severity, c.title, c.region, c.root_kind, c.root_id, c.root_name, c.root_detector, c.root_fingerprint,
            c.finding_fingerprints::jsonb, c.tickets::jsonb, $13::timestamptz, $13::timestamptz, $14::bigint, $14::bigint, 1, 1
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])
         AS c(id, incident_case, severity, title, region, root_kind, root_id, root_name, root_detector, root_fingerprint, finding_fingerprints, tickets)
     ON CONFLICT (id) DO UPDATE SET
       incident_case = excluded.incident_case, severity = excluded.severity, title = excluded.title, region = excluded.region,
       root_name = excluded.root_name, root_detector = excluded.root_detector, root_fingerprint = excluded.root_fingerprint,
       finding_fingerprints = excluded.finding_fingerprints, tickets = excluded.tickets,
       last_seen = excluded.last_seen, last_scan_id = excluded.last_scan_id,
       times_seen = incidents.times_seen + 1,
       episodes = incidents.episodes + CASE WHEN incidents.resolved_at IS NULL THEN 0 ELSE 1 END,
       resolved_at = NULL`,
    [
      ids,
      unique.map((i) => i.case),
      unique.map((i) => i.severity),
      unique.map((i) => i.title),
      unique.map((i) => nul(i.region)),
      unique.map((i) => i.root.resource.kind),
      unique.map((i) => i.root.resource.id),
      unique.map((i) => nul(i.root.resource.name)),
      unique.map((i) => i.root.detectorId),
      unique.map((i) => i.root.fingerprint),
      unique.map((i) => JSON.stringify(i.findings)),
      unique.map((i) => JSON.stringify(i.tickets)),
      at,
      scanId,
    ],
  );
  const resolved = await tx.query<{ id: string }>(
    `UPDATE incidents SET resolved_at = $1 WHERE resolved_at IS NULL AND last_scan_id <> $2 AND ($3::text[] IS NULL OR region = ANY($3::text[]))
       AND ($4::text[] IS NULL OR root_detector = ANY($4::text[])) RETURNING id`,
    [at, scanId, regions ? [...regions] : null, judged ? [...judged] : null],
  );
  if (resolved.length > 0) {
    await tx.query('UPDATE incident_episodes SET closed_at = $1 WHERE closed_at IS NULL AND incident_id = ANY($2::text[])', [at, resolved.map((r) => r.id)]);
  }
  return { newIncidents: Number(counts?.fresh ?? 0), reopenedIncidents: Number(counts?.reopened ?? 0), resolvedIncidents: resolved.length };
}

async function recordAlarms(tx: SqlRunner, scanId: number, at: string, snapshot: Snapshot): Promise<number> {
  const alarms = [...new Map(snapshot.alarms.map((a) => [a.ticketId, a])).values()];
  if (alarms.length === 0) return 0;
  const ids = alarms.map((a) => a.ticketId);
  const counts = alarms.map((a) => a.count);
  const statuses = alarms.map((a) => a.status);
  // The count history first: it compares against what the alarms table still holds from the last read.
  await tx.query(
    `INSERT INTO alarm_counts (ticket_id, observed_at, scan_id, count, status)
     SELECT c.t, $4, $5, c.n, c.s FROM unnest($1::text[], $2::int[], $3::text[]) AS c(t, n, s)
       LEFT JOIN alarms a ON a.ticket_id = c.t
      WHERE a.ticket_id IS NULL OR a.count <> c.n OR a.status <> c.s
     ON CONFLICT DO NOTHING`,
    [ids, counts, statuses, at, scanId],
  );
  await tx.query(
    `INSERT INTO alarms (ticket_id, host, fault_code, message, raised_at, status, count, max_count, first_seen, last_seen)
     SELECT c.t, c.h, c.f, c.m, c.r, c.s, c.n, c.n, $8, $8
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::int[]) AS c(t, h, f, m, r, s, n)
     ON CONFLICT (ticket_id) DO UPDATE SET
       host = excluded.host, fault_code = excluded.fault_code, message = excluded.message, raised_at = excluded.raised_at,
       status = excluded.status, count = excluded.count, max_count = greatest(alarms.max_count, excluded.count), last_seen = excluded.last_seen`,
    [ids, alarms.map((a) => a.host), alarms.map((a) => a.faultCode), alarms.map((a) => a.message), alarms.map((a) => a.raisedAt), statuses, counts, at],
  );
  return alarms.length;
}

/**
 * Stops Nova did on its own are kept beyond Nova's action list, which a busy
 * server outgrows: the flapping rule across days needs them all.
 */
async function recordHostStops(tx: SqlRunner, at: string, snapshot: Snapshot): Promise<number> {
  const stops = snapshot.instanceActions.filter((a) => isUnrequestedStop(a) && timeOf(a.startTime) !== undefined);
  if (stops.length === 0) return 0;
  const servers = new Map(snapshot.servers.map((s) => [s.id, s]));
  const unique = [...new Map(stops.map((a) => [a.requestId, a])).values()];
  const rows = await tx.query(
    `INSERT INTO host_stops (request_id, server_id, server_name, host, started_at, first_recorded)
     SELECT c.r, c.s, c.n, c.h, c.t, $6 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) AS c(r, s, n, h, t)
     ON CONFLICT (request_id) DO NOTHING RETURNING request_id`,
    [
      unique.map((a) => a.requestId),
      unique.map((a) => a.serverId),
      unique.map((a) => servers.get(a.serverId)?.name ?? null),
      unique.map((a) => servers.get(a.serverId)?.host ?? a.events.find((e) => e.host)?.host ?? null),
      unique.map((a) => new Date(timeOf(a.startTime) as number).toISOString()),
      at,
    ],
  );
  return rows.length;
}

/** One step an operator command took (stop, start, reboot, verify), as the store keeps it. */
export interface ActionEntry {
  readonly at: string;
  readonly finishedAt?: string;
  readonly actor: string;
  /** The command that did it, e.g. `faultline stop`. */
  readonly command: string;
  readonly action: string;
  readonly target: { readonly kind: string; readonly id: string; readonly name?: string; readonly host?: string; readonly region?: string };
  readonly result: string;
  readonly before?: string;
  readonly after?: string;
  readonly detail: string;
  readonly requestId?: string;
}

export async function recordActions(tx: SqlRunner, actions: readonly ActionEntry[]): Promise<number> {
  if (actions.length === 0) return 0;
  const rows = await tx.query(
    `INSERT INTO actions (at, finished_at, actor, command, action, target_kind, target_id, target_name, host, region, result, before_state, after_state, detail, request_id)
     SELECT * FROM unnest($1::timestamptz[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
                          $11::text[], $12::text[], $13::text[], $14::text[], $15::text[])
     RETURNING id`,
    [
      actions.map((a) => a.at),
      actions.map((a) => a.finishedAt ?? null),
      actions.map((a) => a.actor),
      actions.map((a) => a.command),
      actions.map((a) => a.action),
      actions.map((a) => a.target.kind),
      actions.map((a) => a.target.id),
      actions.map((a) => nul(a.target.name)),
      actions.map((a) => nul(a.target.host)),
      actions.map((a) => nul(a.target.region)),
      actions.map((a) => a.result),
      actions.map((a) => nul(a.before)),
      actions.map((a) => nul(a.after)),
      actions.map((a) => a.detail),
      actions.map((a) => nul(a.requestId)),
    ],
  );
  return rows.length;
}

export interface Retention {
  /** Scans (their summaries) and the alarm count history older than this go. */
  readonly scansDays: number;
  /** Findings and incidents resolved longer ago than this go, with their episodes; recurrence looks back this far. */
  readonly resolvedDays: number;
  /** Operator actions and host stops older than this go. */
  readonly actionsDays: number;
}

export interface Pruned {
  readonly scans: number;
  readonly findings: number;
  readonly incidents: number;
  readonly actions: number;
}

const DAY_MS = 86_400_000;

export async function prune(tx: SqlRunner, now: Date, retention: Retention): Promise<Pruned> {
  const before = (days: number): string => new Date(now.getTime() - days * DAY_MS).toISOString();
  const scans = await tx.query('DELETE FROM scans WHERE collected_at < $1 RETURNING id', [before(retention.scansDays)]);
  await tx.query('DELETE FROM alarm_counts WHERE observed_at < $1', [before(retention.scansDays)]);
  await tx.query('DELETE FROM alarms WHERE last_seen < $1', [before(retention.scansDays)]);
  const resolvedBefore = before(retention.resolvedDays);
  const findings = await tx.query('DELETE FROM findings WHERE resolved_at < $1 RETURNING fingerprint', [resolvedBefore]);
  await tx.query('DELETE FROM finding_episodes WHERE closed_at < $1', [resolvedBefore]);
  const incidents = await tx.query('DELETE FROM incidents WHERE resolved_at < $1 RETURNING id', [resolvedBefore]);
  await tx.query('DELETE FROM incident_episodes WHERE closed_at < $1', [resolvedBefore]);
  const actions = await tx.query('DELETE FROM actions WHERE at < $1 RETURNING id', [before(retention.actionsDays)]);
  await tx.query('DELETE FROM host_stops WHERE started_at < $1', [before(retention.actionsDays)]);
  return { scans: scans.length, findings: findings.length, incidents: incidents.length, actions: actions.length };
}
