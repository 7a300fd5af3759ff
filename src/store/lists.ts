import type { AuditEntry } from '../runbook/ports.js';
import { iso, json } from './columns.js';
import type { SqlRunner } from './engine.js';
import { auditEntryOf } from './runs.js';

/**
 * What the HTTP API lists: incidents, findings and the audit log as the store
 * keeps them, filtered in SQL so a large store is never read whole.
 */


export type Openness = 'open' | 'resolved' | 'all';

export interface IncidentQuery {
  readonly status: Openness;
  readonly region?: string;
  /** Incidents rooted at this hypervisor (name or id), plus the ids in `alsoIds`. */
  readonly hypervisor?: string;
  /** Incidents rooted at this cluster (name or id), plus the ids in `alsoIds`. */
  readonly cluster?: string;
  /** Incidents the caller knows touch the hypervisor or cluster (from the latest scan's blast radius). */
  readonly alsoIds?: readonly string[];
  readonly id?: string;
  readonly limit: number;
}

export interface StoredIncident {
  readonly id: string;
  readonly case: string;
  readonly severity: string;
  readonly title: string;
  readonly region: string | null;
  readonly root: { readonly kind: string; readonly id: string; readonly name: string | null; readonly detectorId: string; readonly fingerprint: string };
  readonly findings: readonly string[];
  readonly tickets: readonly string[];
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly resolvedAt: string | null;
  readonly timesSeen: number;
  readonly episodes: number;
}

const openClause = (status: Openness, column: string): string =>
  status === 'open' ? `${column} IS NULL` : status === 'resolved' ? `${column} IS NOT NULL` : 'TRUE';

export async function listIncidents(db: SqlRunner, q: IncidentQuery): Promise<StoredIncident[]> {
  const rootAt = (kind: string, n: number): string => `(root_kind = '${kind}' AND (root_name = $${n} OR root_id = $${n}))`;
  const rows = await db.query<Record<string, unknown>>(
    `SELECT * FROM incidents
      WHERE ${openClause(q.status, 'resolved_at')}
        AND ($1::text IS NULL OR region = $1)
        AND ($2::text IS NULL OR ${rootAt('hypervisor', 2)} OR id = ANY($4::text[]))
        AND ($3::text IS NULL OR ${rootAt('cluster', 3)} OR id = ANY($4::text[]))
        AND ($6::text IS NULL OR id = $6)
      ORDER BY last_seen DESC, id LIMIT $5`,
    [q.region ?? null, q.hypervisor ?? null, q.cluster ?? null, [...(q.alsoIds ?? [])], q.limit, q.id ?? null],
  );
  return rows.map((r) => ({
    id: String(r['id']),
    case: String(r['incident_case']),
    severity: String(r['severity']),
    title: String(r['title']),
    region: (r['region'] as string | null) ?? null,
    root: {
      kind: String(r['root_kind']),
      id: String(r['root_id']),
      name: (r['root_name'] as string | null) ?? null,
      detectorId: String(r['root_detector']),
      fingerprint: String(r['root_fingerprint']),
    },
    findings: json(r['finding_fingerprints'] as string[]),
    tickets: json(r['tickets'] as string[]),
    firstSeen: iso(r['first_seen'] as string) as string,
    lastSeen: iso(r['last_seen'] as string) as string,
    resolvedAt: iso((r['resolved_at'] as string | null) ?? null),
    timesSeen: Number(r['times_seen']),
    episodes: Number(r['episodes']),
  }));
}

export interface FindingQuery {
  readonly status: Openness;
  readonly detector?: string;
  readonly severity?: string;
  readonly region?: string;
  /** The resource or its parent, by id or name. */
  readonly resource?: string;
  readonly limit: number;
}

export interface StoredFinding {
  readonly fingerprint: string;
  readonly detectorId: string;
  readonly messageId: string;
  readonly severity: string;
  readonly message: string;
  readonly resource: { readonly kind: string; readonly id: string; readonly name: string | null; readonly region: string | null };
  readonly parent: { readonly kind: string; readonly id: string; readonly name: string | null } | null;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly resolvedAt: string | null;
  readonly episodes: number;
}

export async function listFindings(db: SqlRunner, q: FindingQuery): Promise<StoredFinding[]> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT * FROM finding_state
      WHERE ${openClause(q.status, 'resolved_at')}
        AND ($1::text IS NULL OR detector_id = $1)
        AND ($2::text IS NULL OR severity = $2)
        AND ($3::text IS NULL OR region = $3)
        AND ($4::text IS NULL OR resource_id = $4 OR resource_name = $4 OR parent_id = $4 OR parent_name = $4)
      ORDER BY last_seen DESC, fingerprint LIMIT $5`,
    [q.detector ?? null, q.severity ?? null, q.region ?? null, q.resource ?? null, q.limit],
  );
  return rows.map((r) => ({
    fingerprint: String(r['fingerprint']),
    detectorId: String(r['detector_id']),
    messageId: String(r['message_id']),
    severity: String(r['severity']),
    message: String(r['message']),
    resource: { kind: String(r['resource_kind']), id: String(r['resource_id']), name: (r['resource_name'] as string | null) ?? null, region: (r['region'] as string | null) ?? null },
    parent: r['parent_kind'] ? { kind: String(r['parent_kind']), id: String(r['parent_id']), name: (r['parent_name'] as string | null) ?? null } : null,
    firstSeen: iso(r['first_seen'] as string) as string,
    lastSeen: iso(r['last_seen'] as string) as string,
    resolvedAt: iso((r['resolved_at'] as string | null) ?? null),
    episodes: Number(r['episodes']),
  }));
}

export interface AuditQuery {
  readonly run?: string;
  readonly actor?: string;
  readonly since?: string;
  readonly limit: number;
}

/** A run's audit entry with the run's runbook and target beside it, for a log of every run. */
export interface AuditRecord extends AuditEntry {
  readonly id: number;
  readonly runbook: string;
  readonly target: string;
}

/** Every run's audit entries, newest first. */
export async function listAudit(db: SqlRunner, q: AuditQuery): Promise<AuditRecord[]> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT a.*, r.runbook, r.target_name FROM runbook_audit a JOIN runbook_runs r ON r.id = a.run_id
      WHERE ($1::text IS NULL OR a.run_id = $1) AND ($2::text IS NULL OR a.actor = $2) AND ($3::timestamptz IS NULL OR a.at >= $3)
      ORDER BY a.id DESC LIMIT $4`,
    [q.run ?? null, q.actor ?? null, q.since ?? null, q.limit],
  );
  return rows.map((r) => ({ id: Number(r['id']), ...auditEntryOf(r), runbook: String(r['runbook']), target: String(r['target_name']) }));
}

/** Counts for /metrics, read at each scrape. */
export interface StoreGauges {
  readonly openIncidents: readonly { severity: string; case: string; n: number }[];
  readonly openFindings: readonly { detector: string; severity: string; n: number }[];
  readonly runs: readonly { status: string; n: number }[];
  readonly alerts: readonly { status: string; n: number }[];
  /** Waiting runs by the gate they wait for (the engine names it in the run's reason, with the approve command). */
  readonly gatesWaiting: readonly { gate: string; n: number }[];
  /** Outbox rows delivered, by sink and the kind of event (fault, recovery, data-loss, page, mention, …). */
  readonly noticesSent: readonly { sink: string; kind: string; n: number }[];
  /** The collectors of the newest scan: how long each took and how it ended. */
  readonly lastScan: { readonly at: string; readonly collectors: readonly { collector: string; status: string; durationMs: number }[] } | null;
}

export async function storeGauges(db: SqlRunner): Promise<StoreGauges> {
  const openIncidents = await db.query<{ severity: string; incident_case: string; n: number }>(
    'SELECT severity, incident_case, count(*) AS n FROM incidents WHERE resolved_at IS NULL GROUP BY severity, incident_case',
  );
  const openFindings = await db.query<{ detector_id: string; severity: string; n: number }>(
    'SELECT detector_id, severity, count(*) AS n FROM findings WHERE resolved_at IS NULL GROUP BY detector_id, severity',
  );
  const runs = await db.query<{ status: string; n: number }>('SELECT status, count(*) AS n FROM runbook_runs GROUP BY status');
  const alerts = await db.query<{ status: string; n: number }>('SELECT status, count(*) AS n FROM alerts GROUP BY status');
  const waiting = await db.query<{ reason: string | null }>(`SELECT reason FROM runbook_runs WHERE status = 'waiting'`);
  const gates = new Map<string, number>();
  for (const w of waiting) {
    const gate = /faultline approve \S+ (db-servers|fault-notice|operator)\b/.exec(w.reason ?? '')?.[1];
    if (gate) gates.set(gate, (gates.get(gate) ?? 0) + 1);
  }
  // An outbox key is <incident-or-run>/…/<kind>/<sink>: the kind is the segment before the sink. Run notices name it
  // <kind>-notice; a fault notice is a fault notice whether an incident's command or a run posted it.
  const sent = await db.query<{ sink: string; kind: string | null; n: number }>(
    `SELECT sink, substring(key from '([^/]+)/[^/]+$') AS kind, count(*) AS n FROM notify_outbox WHERE state = 'sent' GROUP BY 1, 2`,
  );
  const noticesSent = new Map<string, { sink: string; kind: string; n: number }>();
  for (const r of sent) {
    const kind = (r.kind ?? 'unknown').replace(/-notice$/, '');
    const row = noticesSent.get(`${r.sink}\0${kind}`) ?? { sink: r.sink, kind, n: 0 };
    row.n += Number(r.n);
    noticesSent.set(`${r.sink}\0${kind}`, row);
  }
  const [scan] = await db.query<{ evaluated_at: string; collectors: { collector: string; status: string; durationMs: number }[] | string }>(
    'SELECT evaluated_at, collectors FROM scans ORDER BY id DESC LIMIT 1',
  );
  return {
    openIncidents: openIncidents.map((r) => ({ severity: r.severity, case: r.incident_case, n: Number(r.n) })),
    openFindings: openFindings.map((r) => ({ detector: r.detector_id, severity: r.severity, n: Number(r.n) })),
    runs: runs.map((r) => ({ status: r.status, n: Number(r.n) })),
    alerts: alerts.map((r) => ({ status: r.status, n: Number(r.n) })),
    gatesWaiting: [...gates].map(([gate, n]) => ({ gate, n })),
    noticesSent: [...noticesSent.values()],
    lastScan: scan
      ? {
          at: iso(scan.evaluated_at) as string,
          collectors: (typeof scan.collectors === 'string' ? (JSON.parse(scan.collectors) as { collector: string; status: string; durationMs: number }[]) : scan.collectors).map((c) => ({
            collector: c.collector,
            status: c.status,
            durationMs: Number(c.durationMs ?? 0),
          })),
        }
      : null,
  };
}
