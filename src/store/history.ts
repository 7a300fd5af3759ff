import type { History } from '../snapshot/schema.js';
import type { SqlRunner } from './engine.js';

export interface HistoryQuery {
  /** The time the scan is judged at; the window ends here. */
  readonly now: Date;
  /** How far back alarms, finding spells and host stops are read. */
  readonly lookbackDays: number;
  /** Detectors whose finding spells the memory rules count (e.g. the part-swap ones). */
  readonly episodeDetectors: readonly string[];
  /** The scan just recorded: its findings that had been resolved before are recurrences. */
  readonly scanId?: number;
  /** How long after a spell closed an operator's action still counts as its fix. */
  readonly actionGraceHours?: number;
}

interface EpisodeRow {
  fingerprint: string;
  detector_id: string;
  message_id: string;
  resource_kind: string;
  resource_id: string;
  resource_name: string | null;
  parent_id: string | null;
  opened_at: string;
  closed_at: string | null;
  alarm_ticket: string | null;
}

interface RecurrenceRow {
  fingerprint: string;
  detector_id: string;
  message_id: string;
  message: string;
  resource_kind: string;
  resource_id: string;
  resource_name: string | null;
  parent_id: string | null;
  parent_name: string | null;
  first_seen: string;
}

/**
 * Reads what the memory rules need, bounded by the window (and, for recurrence,
 * by the findings of this scan), so the size of what is read follows the fleet's
 * trouble, not the store's age.
 */
export async function readHistory(db: SqlRunner, query: HistoryQuery): Promise<History> {
  const since = new Date(query.now.getTime() - query.lookbackDays * 86_400_000).toISOString();
  const [scans] = await db.query<{ n: number; first: string | null }>('SELECT count(*) AS n, min(evaluated_at) AS first FROM scans');
  const alarms = await db.query<{
    ticket_id: string;
    host: string;
    fault_code: string;
    message: string;
    raised_at: string;
    status: string;
    max_count: number;
    first_seen: string;
    last_seen: string;
  }>('SELECT ticket_id, host, fault_code, message, raised_at, status, max_count, first_seen, last_seen FROM alarms WHERE last_seen >= $1 ORDER BY first_seen', [since]);
  const episodes = await db.query<EpisodeRow>(
    `SELECT e.fingerprint, f.detector_id, e.message_id, f.resource_kind, f.resource_id, f.resource_name, f.parent_id, e.opened_at, e.closed_at, e.alarm_ticket
       FROM finding_episodes e JOIN findings f ON f.fingerprint = e.fingerprint
      WHERE f.detector_id = ANY($1::text[]) AND (e.closed_at IS NULL OR e.closed_at >= $2 OR e.opened_at >= $2)
      ORDER BY e.opened_at`,
    [query.episodeDetectors, since],
  );
  const stops = await db.query<{ request_id: string; server_id: string; server_name: string | null; host: string | null; started_at: string }>(
    'SELECT request_id, server_id, server_name, host, started_at FROM host_stops WHERE started_at >= $1 ORDER BY started_at',
    [since],
  );
  const recurrences = query.scanId === undefined ? [] : await readRecurrences(db, query.scanId, (query.actionGraceHours ?? 24) * 3_600_000);
  return {
    since,
    scans: Number(scans?.n ?? 0),
    firstScanAt: scans?.first ?? null,
    alarmTickets: alarms.map((a) => ({
      ticketId: a.ticket_id,
      host: a.host,
      faultCode: a.fault_code,
      message: a.message,
      raisedAt: a.raised_at,
      status: a.status === 'closed' ? 'closed' : 'open',
      maxCount: a.max_count,
      firstSeen: a.first_seen,
      lastSeen: a.last_seen,
    })),
    findingEpisodes: episodes.map((e) => ({
      fingerprint: e.fingerprint,
      detectorId: e.detector_id,
      messageId: e.message_id,
      resourceKind: e.resource_kind,
      resourceId: e.resource_id,
      resourceName: e.resource_name,
      parentId: e.parent_id,
      openedAt: e.opened_at,
      closedAt: e.closed_at,
      alarmTicket: e.alarm_ticket,
    })),
    hostStops: stops.map((s) => ({ requestId: s.request_id, serverId: s.server_id, serverName: s.server_name, host: s.host, startedAt: s.started_at })),
    recurrences,
  };
}

async function readRecurrences(db: SqlRunner, scanId: number, graceMs: number): Promise<History['recurrences']> {
  const back = await db.query<RecurrenceRow>(
    // Back in this scan: written by it, open, with a spell that this scan opened and earlier ones.
    `SELECT f.fingerprint, f.detector_id, f.message_id, f.message, f.resource_kind, f.resource_id, f.resource_name, f.parent_id, f.parent_name, f.first_seen
       FROM findings f JOIN scans s ON s.id = $1
      WHERE f.last_scan_id = $1 AND f.resolved_at IS NULL AND f.episodes > 1
        AND EXISTS (SELECT 1 FROM finding_episodes e WHERE e.fingerprint = f.fingerprint AND e.opened_at = s.evaluated_at)
      ORDER BY f.fingerprint`,
    [scanId],
  );
  if (back.length === 0) return [];
  const fps = back.map((r) => r.fingerprint);
  const spells = await db.query<{ fingerprint: string; opened_at: string; closed_at: string }>(
    'SELECT fingerprint, opened_at, closed_at FROM finding_episodes WHERE fingerprint = ANY($1::text[]) AND closed_at IS NOT NULL ORDER BY opened_at',
    [fps],
  );
  const byFingerprint = new Map<string, { openedAt: string; closedAt: string }[]>();
  for (const s of spells) {
    const list = byFingerprint.get(s.fingerprint) ?? [];
    list.push({ openedAt: s.opened_at, closedAt: s.closed_at });
    byFingerprint.set(s.fingerprint, list);
  }
  // Actions on the resource itself, or on anything on it (a hypervisor's servers), in one query for all of them.
  const keys = [...new Set(back.flatMap((r) => [r.resource_id, r.resource_name].filter((k): k is string => k !== null && k !== '')))];
  const actions = await db.query<{
    at: string;
    actor: string;
    action: string;
    target_id: string;
    target_name: string | null;
    host: string | null;
    result: string;
    request_id: string | null;
    detail: string;
  }>(
    `SELECT at, actor, action, target_id, target_name, host, result, request_id, detail FROM actions
      WHERE target_id = ANY($1::text[]) OR target_name = ANY($1::text[]) OR host = ANY($1::text[]) ORDER BY at`,
    [keys],
  );
  return back.map((r) => {
    const previous = byFingerprint.get(r.fingerprint) ?? [];
    const names = new Set([r.resource_id, r.resource_name].filter(Boolean));
    const during = (at: number): boolean => previous.some((p) => at >= Date.parse(p.openedAt) && at <= Date.parse(p.closedAt) + graceMs);
    return {
      fingerprint: r.fingerprint,
      detectorId: r.detector_id,
      messageId: r.message_id,
      message: r.message,
      resource: { kind: r.resource_kind, id: r.resource_id, name: r.resource_name, parentId: r.parent_id, parentName: r.parent_name },
      firstSeen: r.first_seen,
      previous,
      actions: actions
        .filter((a) => (names.has(a.target_id) || names.has(a.target_name ?? '') || names.has(a.host ?? '')) && during(Date.parse(a.at)))
        .map((a) => ({ at: a.at, actor: a.actor, action: a.action, target: a.target_name ?? a.target_id, result: a.result, requestId: a.request_id, detail: a.detail })),
    };
  });
}
