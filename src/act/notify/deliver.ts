import { errorMessage } from '../../core/errors.js';
import type { SendOutcome, Sink } from './sink.js';

/**
 * The delivery loop of the outbox: takes the rows that are due, sends each
 * through its sink and records the outcome, retrying with exponential backoff
 * and jitter up to a limit.
 *
 * How often one event can arrive, by sink, and why:
 * - A row is claimed (state and lease in one transaction) before anything is
 *   sent, and marked `sending` in its own write just before the request
 *   leaves. A process that dies between the claim and that mark sent nothing:
 *   once the lease runs out another sender takes the row and sends it, once.
 * - A process that dies after the mark, or a request that times out, leaves it
 *   unknown whether the far end got it. What happens then is the sink's rule:
 *   - PagerDuty (idempotent): at least once. The row is sent again; PagerDuty
 *     folds a repeated event into the alert of its dedup_key, so the on-call is
 *     paged once.
 *   - Chat webhooks (not idempotent): at most once. The row is not sent again;
 *     it is marked failed and says the notice may have been posted. A runbook's
 *     fault notice then counts as not out, so the run waits for a person to look
 *     at the channel and approve the gate: never a host touched unannounced,
 *     never the same notice twice.
 * - A 4xx that cannot succeed (bad payload, revoked webhook, wrong key) fails
 *   at once; 408, 429 (after its Retry-After) and 5xx are retried.
 */

/** The outbox as this loop needs it (implemented by store/outbox.ts). */
export interface DeliveryQueue {
  claim(now: Date, options: { readonly leaseMs: number; readonly limit: number; readonly keys?: readonly string[]; readonly early?: boolean }): Promise<readonly QueuedEvent[]>;
  markSending(key: string, token: string, now: Date): Promise<boolean>;
  settle(key: string, token: string, now: Date, outcome: DeliverySettlement): Promise<boolean>;
  get(key: string): Promise<QueuedState | undefined>;
}

export interface QueuedEvent {
  readonly key: string;
  readonly lastError: string | null;
  readonly sink: string;
  readonly payload: unknown;
  readonly attempts: number;
  readonly token: string;
  readonly uncertain: boolean;
}

export interface QueuedState {
  readonly key: string;
  readonly state: 'pending' | 'claimed' | 'sending' | 'sent' | 'failed';
  readonly attempts: number;
  readonly nextAttemptAt: string;
  readonly leaseUntil: string | null;
  readonly lastError: string | null;
}

export type DeliverySettlement =
  | { readonly state: 'sent'; readonly status: number | null }
  | { readonly state: 'pending'; readonly retryAt: Date; readonly error: string; readonly status: number | null }
  | { readonly state: 'failed'; readonly error: string; readonly status: number | null };

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** The wait after the first failure; it doubles after each further one. */
  readonly initialMs: number;
  readonly maxMs: number;
  /** How long a claim holds a row; a sender that died lets go after this. */
  readonly leaseMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, initialMs: 2_000, maxMs: 300_000, leaseMs: 60_000 };

/**
 * The wait before attempt `failed + 1`: the doubling delay, capped, of which a
 * random half is taken off ("equal jitter"), so senders that failed together
 * do not all come back in the same second and never come back sooner than half
 * the delay.
 */
export function backoffMs(failed: number, policy: Pick<RetryPolicy, 'initialMs' | 'maxMs'>, random: () => number = Math.random): number {
  const full = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, failed - 1));
  return Math.round(full / 2 + random() * (full / 2));
}

export interface Delivered {
  readonly key: string;
  readonly sink: string;
  readonly result: 'sent' | 'retry' | 'failed' | 'lost-claim';
  readonly attempts: number;
  readonly detail: string;
  readonly retryAt?: string;
}

export interface DeliverOptions {
  readonly policy: RetryPolicy;
  readonly now?: () => Date;
  readonly random?: () => number;
  /** Only these events (e.g. the notice a run step just enqueued). */
  readonly keys?: readonly string[];
  readonly limit?: number;
}

/** One pass over the due rows; returns what became of each. */
export async function deliverDue(queue: DeliveryQueue, sinks: Readonly<Record<string, Sink | undefined>>, o: DeliverOptions): Promise<Delivered[]> {
  const now = o.now ?? (() => new Date());
  const claimed = await queue.claim(now(), { leaseMs: o.policy.leaseMs, limit: o.limit ?? 50, ...(o.keys ? { keys: o.keys } : {}) });
  const out: Delivered[] = [];
  for (const event of claimed) out.push(await deliverOne(queue, sinks[event.sink], event, o, now));
  return out;
}

async function deliverOne(queue: DeliveryQueue, sink: Sink | undefined, event: QueuedEvent, o: DeliverOptions, now: () => Date): Promise<Delivered> {
  const report = (result: Delivered['result'], attempts: number, detail: string, retryAt?: Date): Delivered => ({ key: event.key, sink: event.sink, result, attempts, detail, ...(retryAt ? { retryAt: retryAt.toISOString() } : {}) });
  const fail = async (error: string, status: number | null, attempts: number): Promise<Delivered> => {
    const mine = await queue.settle(event.key, event.token, now(), { state: 'failed', error, status });
    return report(mine ? 'failed' : 'lost-claim', attempts, error);
  };
  if (!sink) return fail(`no ${event.sink} sink is configured any more (notify: in faultline.yaml), so this event cannot be sent`, null, event.attempts);
  if (event.uncertain && !sink.idempotent) {
    return fail('the sender stopped while the request was on the wire, so it may have been posted; not sent again (a chat notice goes out at most once): check the channel', null, event.attempts);
  }
  if (event.attempts >= o.policy.maxAttempts) return fail(`gave up after ${event.attempts} attempt(s)`, null, event.attempts);
  if (!(await queue.markSending(event.key, event.token, now()))) return report('lost-claim', event.attempts, 'another sender took the row over (its lease had run out)');
  const attempts = event.attempts + 1;
  let outcome: SendOutcome;
  try {
    outcome = await sink.send(event.payload);
  } catch (err) {
    outcome = { kind: 'retry', status: null, error: errorMessage(err) };
  }
  if (outcome.kind === 'sent') {
    const mine = await queue.settle(event.key, event.token, now(), { state: 'sent', status: outcome.status });
    return report(mine ? 'sent' : 'lost-claim', attempts, outcome.detail);
  }
  if (outcome.kind === 'permanent') return fail(outcome.error, outcome.status, attempts);
  if (outcome.kind === 'uncertain' && !sink.idempotent) return fail(`${outcome.error}; it may have been posted, so it is not sent again: check the channel`, null, attempts);
  if (attempts >= o.policy.maxAttempts) return fail(`gave up after ${attempts} attempt(s): ${outcome.error}`, outcome.status, attempts);
  const wait = Math.max(backoffMs(attempts, o.policy, o.random), Math.min(o.policy.maxMs, outcome.kind === 'retry' ? (outcome.retryAfterMs ?? 0) : 0));
  const retryAt = new Date(now().getTime() + wait);
  const mine = await queue.settle(event.key, event.token, now(), { state: 'pending', retryAt, error: outcome.error, status: outcome.status });
  return report(mine ? 'retry' : 'lost-claim', attempts, outcome.error, retryAt);
}

export interface SettledEvent {
  readonly key: string;
  readonly state: QueuedState['state'];
  readonly attempts: number;
  readonly detail: string;
  /** Whether this call tried it (else it was already final, or held by another sender). */
  readonly triedNow: boolean;
}

/**
 * Delivers the given events now, waiting out their backoff, until each is sent
 * or failed or `deadlineMs` has passed (then it stays in the outbox, pending,
 * for the next delivery). How a run step or `faultline notice --send` knows
 * whether its notice is out before it goes on.
 */
export async function deliverNow(
  queue: DeliveryQueue,
  sinks: Readonly<Record<string, Sink | undefined>>,
  keys: readonly string[],
  o: DeliverOptions & { readonly deadlineMs: number; readonly sleep?: (ms: number) => Promise<void>; readonly onAttempt?: (d: Delivered) => void },
): Promise<SettledEvent[]> {
  const now = o.now ?? (() => new Date());
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const end = now().getTime() + o.deadlineMs;
  const details = new Map<string, string>();
  for (;;) {
    for (const d of await deliverDue(queue, sinks, { ...o, keys })) {
      details.set(d.key, d.detail);
      o.onAttempt?.(d);
    }
    const states = await Promise.all(keys.map(async (k) => (await queue.get(k)) ?? { key: k, state: 'failed' as const, attempts: 0, nextAttemptAt: now().toISOString(), leaseUntil: null, lastError: 'not in the outbox' }));
    const open = states.filter((s) => s.state !== 'sent' && s.state !== 'failed');
    const left = end - now().getTime();
    if (open.length === 0 || left <= 0) {
      return states.map((s) => ({ key: s.key, state: s.state, attempts: s.attempts, detail: details.get(s.key) ?? s.lastError ?? s.state, triedNow: details.has(s.key) }));
    }
    // The next moment one of them may be taken: its retry time, or the end of another sender's lease.
    const next = Math.min(...open.map((s) => Date.parse(s.state === 'pending' ? s.nextAttemptAt : (s.leaseUntil ?? s.nextAttemptAt))));
    await sleep(Math.max(10, Math.min(left, next - now().getTime())));
  }
}
