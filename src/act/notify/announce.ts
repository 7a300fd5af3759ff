import { deliverNow, type DeliveryQueue, type Delivered, type RetryPolicy, type SettledEvent } from './deliver.js';
import type { PagerDutyEvent } from './pagerduty.js';
import type { Sink, SinkName } from './sink.js';

/**
 * One event told to people: written to the outbox once per configured sink
 * (key `<event>/<sink>`), then delivered now, waiting out retries up to a
 * bound. Announcing the same event again finds its rows and sends nothing
 * that already went out, which is what lets a resumed run or a repeated
 * command call this without fear of a second message.
 */

export interface OutboxQueue extends DeliveryQueue {
  enqueue(e: { readonly key: string; readonly sink: string; readonly payload: unknown; readonly at: Date }): Promise<{ readonly created: boolean }>;
}

export interface Announcement {
  /** What this is, e.g. `inc-1a2b3c/fault` or `run-20261204-abc123/page`. */
  readonly event: string;
  /** Chat text, as the sink shows it. */
  readonly chat?: string;
  readonly pagerduty?: PagerDutyEvent;
}

export interface SinkOutcome {
  readonly sink: SinkName;
  readonly key: string;
  /** False when the row was already in the outbox (an earlier try of the same event). */
  readonly created: boolean;
  /** Sent or failed by an earlier call: nothing was sent this time. */
  readonly earlier: boolean;
  readonly state: SettledEvent['state'];
  readonly attempts: number;
  readonly detail: string;
}

export interface AnnounceOptions {
  readonly policy: RetryPolicy;
  /** How long to wait for delivery, retries included, before reporting an event as not out (it stays pending). */
  readonly waitMs: number;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly onAttempt?: (d: Delivered) => void;
}

export class Announcer {
  constructor(
    private readonly queue: OutboxQueue,
    readonly sinks: Readonly<Partial<Record<SinkName, Sink>>>,
    private readonly o: AnnounceOptions,
  ) {}

  has(sink: SinkName): boolean {
    return this.sinks[sink] !== undefined;
  }

  /**
   * Outcomes for the sinks that are configured and have something to send; none
   * when neither is. With `handOver`, an event still pending when the wait ends is
   * marked failed instead of kept: the caller is about to ask a person to send it
   * by hand, and a later delivery would then be a second copy.
   */
  async announce(a: Announcement, options: { readonly handOver?: boolean } = {}): Promise<SinkOutcome[]> {
    const now = this.o.now ?? (() => new Date());
    const wanted: { sink: SinkName; payload: unknown }[] = [];
    if (a.chat !== undefined && this.sinks.slack) wanted.push({ sink: 'slack', payload: { text: a.chat } });
    if (a.pagerduty !== undefined && this.sinks.pagerduty) wanted.push({ sink: 'pagerduty', payload: a.pagerduty });
    if (wanted.length === 0) return [];
    const created = new Map<string, boolean>();
    for (const w of wanted) {
      const key = `${a.event}/${w.sink}`;
      created.set(key, (await this.queue.enqueue({ key, sink: w.sink, payload: w.payload, at: now() })).created);
    }
    const settled = await deliverNow(this.queue, this.sinks, [...created.keys()], {
      policy: this.o.policy,
      deadlineMs: this.o.waitMs,
      ...(this.o.now ? { now: this.o.now } : {}),
      ...(this.o.sleep ? { sleep: this.o.sleep } : {}),
      ...(this.o.onAttempt ? { onAttempt: this.o.onAttempt } : {}),
    });
    if (options.handOver) {
      const waiting = settled.filter((x) => x.state === 'pending').map((x) => x.key);
      const given = waiting.length ? await this.queue.claim(now(), { leaseMs: this.o.policy.leaseMs, limit: waiting.length, keys: waiting, early: true }) : [];
      for (const g of given) {
        const error = `not delivered within ${this.o.waitMs / 1000} s (${g.lastError ?? 'no answer'}); handed to a person, so faultline will not send it`;
        if (await this.queue.settle(g.key, g.token, now(), { state: 'failed', error, status: null })) {
          const i = settled.findIndex((x) => x.key === g.key);
          settled[i] = { ...settled[i]!, state: 'failed', detail: error };
        }
      }
    }
    return settled.map((s, i) => ({ sink: wanted[i]!.sink, key: s.key, created: created.get(s.key) ?? false, earlier: !s.triedNow && (s.state === 'sent' || s.state === 'failed'), state: s.state, attempts: s.attempts, detail: s.detail }));
  }
}

/** One line for the audit and the terminal: per sink, what became of it. */
export function describeOutcomes(outcomes: readonly SinkOutcome[]): string {
  return outcomes
    .map((o) => {
      const what = o.state === 'sent' ? (o.earlier ? 'already sent earlier, not sent again' : 'sent') : o.state === 'failed' ? 'failed' : 'not delivered yet (kept in the outbox)';
      return `${o.sink}: ${what}${o.attempts > 1 ? ` after ${o.attempts} attempts` : ''}${o.state === 'sent' ? '' : `: ${o.detail}`}`;
    })
    .join('; ');
}
