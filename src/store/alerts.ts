import type { SqlEngine, SqlRunner } from './engine.js';

/**
 * Alerts from Alertmanager's webhook. An alert is its fingerprint and the time
 * it started firing: a repeat notification rewrites the same row, a resolved one
 * closes it, and the same fingerprint firing again later is a new row.
 */
export interface ReceivedAlert {
  readonly fingerprint: string;
  readonly status: 'firing' | 'resolved';
  readonly startsAt: string;
  /** Alertmanager sends 0001-01-01T00:00:00Z for "not ended"; that is null here. */
  readonly endsAt: string | null;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly generatorURL: string | null;
  readonly receiver: string;
  readonly groupKey: string;
}

export interface StoredAlert extends ReceivedAlert {
  readonly firstReceived: string;
  readonly lastReceived: string;
  readonly timesReceived: number;
  readonly resolvedAt: string | null;
}

/** In one statement the same row may be touched once: a batch keeps each alert's last word, counting the repeats. */
function collapse(alerts: readonly ReceivedAlert[]): { alert: ReceivedAlert; times: number }[] {
  const byKey = new Map<string, { alert: ReceivedAlert; times: number }>();
  for (const a of alerts) {
    const key = `${a.fingerprint}\u0000${Date.parse(a.startsAt)}`;
    const seen = byKey.get(key);
    byKey.set(key, { alert: a, times: (seen?.times ?? 0) + 1 });
  }
  return [...byKey.values()];
}

export async function recordAlerts(tx: SqlRunner, alerts: readonly ReceivedAlert[], at: Date): Promise<number> {
  const rows = collapse(alerts);
  if (rows.length === 0) return 0;
  const col = <T>(f: (a: ReceivedAlert) => T): T[] => rows.map((r) => f(r.alert));
  await tx.query(
    `INSERT INTO alerts (fingerprint, starts_at, status, ends_at, alertname, labels, annotations, generator_url, receiver, group_key,
                         first_received, last_received, times_received, resolved_at)
     SELECT c.fp, c.starts, c.status, c.ends, c.labels::jsonb ->> 'alertname', c.labels::jsonb, c.annotations::jsonb, c.gen, c.receiver, c.gk,
            $11::timestamptz, $11::timestamptz, c.times, CASE WHEN c.status = 'resolved' THEN $11::timestamptz END
       FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::int[])
         AS c(fp, starts, status, ends, labels, annotations, gen, receiver, gk, times)
     ON CONFLICT (fingerprint, starts_at) DO UPDATE SET
       status = excluded.status, ends_at = excluded.ends_at, alertname = excluded.alertname, labels = excluded.labels,
       annotations = excluded.annotations, generator_url = excluded.generator_url, receiver = excluded.receiver, group_key = excluded.group_key,
       last_received = excluded.last_received, times_received = alerts.times_received + excluded.times_received,
       -- The first resolved notice is when it was over; later repeats of it do not move that.
       resolved_at = CASE WHEN excluded.status = 'resolved' THEN coalesce(alerts.resolved_at, excluded.resolved_at) END`,
    [
      col((a) => a.fingerprint),
      col((a) => a.startsAt),
      col((a) => a.status),
      col((a) => a.endsAt),
      col((a) => JSON.stringify(a.labels)),
      col((a) => JSON.stringify(a.annotations)),
      col((a) => a.generatorURL),
      col((a) => a.receiver),
      col((a) => a.groupKey),
      rows.map((r) => r.times),
      at.toISOString(),
    ],
  );
  return rows.length;
}

/**
 * Writes alerts as they arrive, several requests per transaction: while one
 * write is in flight the next requests' alerts gather, and go in together once
 * it commits. Each caller's promise settles only after its own alerts are
 * committed, so the webhook answers 200 for nothing it could still lose.
 */
export class AlertWriter {
  private pending: { alerts: readonly ReceivedAlert[]; done: (err?: unknown) => void }[] = [];
  private writing = false;

  constructor(
    private readonly engine: SqlEngine,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  write(alerts: readonly ReceivedAlert[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ alerts, done: (err) => (err === undefined ? resolve() : reject(err)) });
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.pending.length > 0) {
        // One turn of the event loop first: requests already in the socket buffers are parsed and join this batch,
        // instead of each waiting for a transaction of its own (an embedded store's writes block the loop).
        await new Promise((r) => setImmediate(r));
        const batch = this.pending;
        this.pending = [];
        try {
          await this.engine.transaction((tx) => recordAlerts(tx, batch.flatMap((b) => b.alerts), this.clock()));
          for (const b of batch) b.done();
        } catch (err) {
          for (const b of batch) b.done(err ?? new Error('alert write failed'));
        }
      }
    } finally {
      this.writing = false;
    }
  }
}

interface AlertRow {
  fingerprint: string;
  starts_at: Date | string;
  status: 'firing' | 'resolved';
  ends_at: Date | string | null;
  labels: Record<string, string> | string;
  annotations: Record<string, string> | string;
  generator_url: string | null;
  receiver: string;
  group_key: string;
  first_received: Date | string;
  last_received: Date | string;
  times_received: number;
  resolved_at: Date | string | null;
}

const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());
const obj = (v: Record<string, string> | string): Record<string, string> => (typeof v === 'string' ? (JSON.parse(v) as Record<string, string>) : v);

export interface AlertQuery {
  readonly status?: 'firing' | 'resolved';
  readonly alertname?: string;
  readonly limit: number;
}

export async function listAlerts(db: SqlRunner, q: AlertQuery): Promise<StoredAlert[]> {
  const rows = await db.query<AlertRow>(
    `SELECT * FROM alerts WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR alertname = $2)
      ORDER BY last_received DESC, fingerprint LIMIT $3`,
    [q.status ?? null, q.alertname ?? null, q.limit],
  );
  return rows.map((r) => ({
    fingerprint: r.fingerprint,
    status: r.status,
    startsAt: iso(r.starts_at) as string,
    endsAt: iso(r.ends_at),
    labels: obj(r.labels),
    annotations: obj(r.annotations),
    generatorURL: r.generator_url,
    receiver: r.receiver,
    groupKey: r.group_key,
    firstReceived: iso(r.first_received) as string,
    lastReceived: iso(r.last_received) as string,
    timesReceived: Number(r.times_received),
    resolvedAt: iso(r.resolved_at),
  }));
}
