import { randomBytes } from 'node:crypto';
import type { SqlEngine, SqlRunner } from './engine.js';
import { StoreError } from './errors.js';

/**
 * The outbox: every notice and page is a row here before it is sent, so a
 * crash, a restart or a sink that is down for an hour loses nothing, and the
 * unique event key keeps one event from becoming two rows. Sending is done by
 * the delivery loop (act/notify/deliver.ts); this file only keeps the states
 * consistent. A sender claims a row with a lease in one transaction, marks it
 * `sending` just before it goes on the wire, and settles it afterwards, each
 * write conditional on its claim token, so two senders never both own a row and
 * a sender whose lease ran out cannot overwrite the next one's result.
 */

export type OutboxState = 'pending' | 'claimed' | 'sending' | 'sent' | 'failed';

export interface OutboxEvent {
  readonly key: string;
  readonly sink: string;
  readonly payload: unknown;
  readonly state: OutboxState;
  readonly attempts: number;
  readonly nextAttemptAt: string;
  readonly leaseUntil: string | null;
  readonly lastError: string | null;
  readonly lastStatus: number | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly sentAt: string | null;
}

/** A row this sender now owns until `leaseUntil`. */
export interface ClaimedEvent extends OutboxEvent {
  readonly token: string;
  /**
   * The row was `sending` when its last owner's lease ran out: that owner may
   * have delivered it before it died. Whether to send it again is the sink's rule.
   */
  readonly uncertain: boolean;
}

export type Settlement =
  | { readonly state: 'sent'; readonly status: number | null }
  | { readonly state: 'pending'; readonly retryAt: Date; readonly error: string; readonly status: number | null }
  | { readonly state: 'failed'; readonly error: string; readonly status: number | null };

export interface NewOutboxEvent {
  readonly key: string;
  readonly sink: string;
  readonly payload: unknown;
  readonly at: Date;
}

interface OutboxRow {
  key: string;
  sink: string;
  payload: unknown;
  state: OutboxState;
  attempts: number;
  next_attempt_at: Date | string;
  lease_until: Date | string | null;
  claim_token: string | null;
  last_error: string | null;
  last_status: number | null;
  created_at: Date | string;
  updated_at: Date | string;
  sent_at: Date | string | null;
}

const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());

function eventOf(r: OutboxRow): OutboxEvent {
  return {
    key: r.key,
    sink: r.sink,
    payload: typeof r.payload === 'string' ? (JSON.parse(r.payload) as unknown) : r.payload,
    state: r.state,
    attempts: Number(r.attempts),
    nextAttemptAt: iso(r.next_attempt_at) as string,
    leaseUntil: iso(r.lease_until),
    lastError: r.last_error,
    lastStatus: r.last_status === null ? null : Number(r.last_status),
    createdAt: iso(r.created_at) as string,
    updatedAt: iso(r.updated_at) as string,
    sentAt: iso(r.sent_at),
  };
}

/** Longest stored error text: enough for a sink's reason, never a whole HTML error page. */
const ERROR_CHARS = 500;

export class OutboxStore {
  constructor(private readonly engine: SqlEngine) {}

  /** Adds the event unless its key is already there; `created` says which happened. */
  async enqueue(e: NewOutboxEvent): Promise<{ readonly event: OutboxEvent; readonly created: boolean }> {
    if (e.key.trim() === '') throw new StoreError('an outbox event needs a key (<incident-or-run>/<kind>/<sink>)');
    const at = e.at.toISOString();
    return this.engine.transaction(async (tx) => {
      const inserted = await tx.query(
        `INSERT INTO notify_outbox (key, sink, payload, state, attempts, next_attempt_at, created_at, updated_at)
         VALUES ($1, $2, $3, 'pending', 0, $4, $4, $4) ON CONFLICT (key) DO NOTHING RETURNING key`,
        [e.key, e.sink, JSON.stringify(e.payload), at],
      );
      return { event: await this.eventIn(tx, e.key), created: inserted.length > 0 };
    });
  }

  private async eventIn(tx: SqlRunner, key: string): Promise<OutboxEvent> {
    const [row] = await tx.query<OutboxRow>('SELECT * FROM notify_outbox WHERE key = $1', [key]);
    if (!row) throw new StoreError(`no outbox event ${key}`);
    return eventOf(row);
  }

  async get(key: string): Promise<OutboxEvent | undefined> {
    const [row] = await this.engine.query<OutboxRow>('SELECT * FROM notify_outbox WHERE key = $1', [key]);
    return row ? eventOf(row) : undefined;
  }

  /** Keys and states of the events whose key starts with `prefix` (e.g. every notice of one incident). */
  async keysUnder(prefix: string): Promise<{ key: string; state: OutboxState }[]> {
    return this.engine.query<{ key: string; state: OutboxState }>('SELECT key, state FROM notify_outbox WHERE left(key, length($1)) = $1 ORDER BY key', [prefix]);
  }

  async list(options: { readonly states?: readonly OutboxState[]; readonly limit?: number } = {}): Promise<OutboxEvent[]> {
    const states = options.states ?? ['pending', 'claimed', 'sending', 'sent', 'failed'];
    const rows = await this.engine.query<OutboxRow>('SELECT * FROM notify_outbox WHERE state = ANY($1) ORDER BY created_at, key LIMIT $2', [states, options.limit ?? 100]);
    return rows.map(eventOf);
  }

  /**
   * Takes up to `limit` rows that are due (pending and past their next attempt,
   * or held by a sender whose lease ran out), in one transaction; `keys`
   * narrows it to those events; `early` takes pending rows before their next
   * attempt too (to give them up, not to send them). Locked rows are skipped, so two senders on one
   * PostgreSQL split the work instead of waiting for each other.
   */
  async claim(now: Date, options: { readonly leaseMs: number; readonly limit: number; readonly keys?: readonly string[]; readonly early?: boolean }): Promise<ClaimedEvent[]> {
    const at = now.toISOString();
    const until = new Date(now.getTime() + options.leaseMs).toISOString();
    return this.engine.transaction(async (tx) => {
      const due = await tx.query<{ key: string; state: OutboxState }>(
        `SELECT key, state FROM notify_outbox
         WHERE ((state = 'pending' AND (next_attempt_at <= $1 OR $4::boolean)) OR (state IN ('claimed', 'sending') AND lease_until <= $1))
           AND ($3::text[] IS NULL OR key = ANY($3::text[]))
         ORDER BY next_attempt_at, key LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [at, options.limit, options.keys ? [...options.keys] : null, options.early === true],
      );
      const out: ClaimedEvent[] = [];
      for (const d of due) {
        const token = randomBytes(9).toString('base64url');
        const [row] = await tx.query<OutboxRow>(`UPDATE notify_outbox SET state = 'claimed', claim_token = $2, lease_until = $3, updated_at = $4 WHERE key = $1 RETURNING *`, [d.key, token, until, at]);
        if (row) out.push({ ...eventOf(row), token, uncertain: d.state === 'sending' });
      }
      return out;
    });
  }

  /**
   * Records that the request is about to leave, counting the attempt. False when
   * the claim was lost (the lease ran out and another sender took the row): then
   * this sender must not send.
   */
  async markSending(key: string, token: string, now: Date): Promise<boolean> {
    const rows = await this.engine.query(`UPDATE notify_outbox SET state = 'sending', attempts = attempts + 1, updated_at = $3 WHERE key = $1 AND claim_token = $2 AND state = 'claimed' RETURNING key`, [key, token, now.toISOString()]);
    return rows.length > 0;
  }

  /** Ends this sender's claim with the outcome; false when the claim was no longer its own. */
  async settle(key: string, token: string, now: Date, outcome: Settlement): Promise<boolean> {
    const at = now.toISOString();
    const error = outcome.state === 'sent' ? null : outcome.error.slice(0, ERROR_CHARS);
    const next = outcome.state === 'pending' ? outcome.retryAt.toISOString() : null;
    const rows = await this.engine.query(
      `UPDATE notify_outbox SET state = $3, last_error = COALESCE($4, last_error), last_status = COALESCE($5, last_status),
         next_attempt_at = COALESCE($6, next_attempt_at), sent_at = CASE WHEN $3 = 'sent' THEN $7::timestamptz ELSE sent_at END,
         lease_until = NULL, claim_token = NULL, updated_at = $7
       WHERE key = $1 AND claim_token = $2 AND state IN ('claimed', 'sending') RETURNING key`,
      [key, token, outcome.state, error, outcome.status, next, at],
    );
    return rows.length > 0;
  }
}
