/**
 * Where a notice or a page goes out. A sink sends one payload from the outbox
 * and says how it went in terms the delivery loop can act on: delivered, worth
 * another try, never going to work, or unknown (the request may have arrived).
 */

export type SinkName = 'slack' | 'pagerduty';

export type SendOutcome =
  | { readonly kind: 'sent'; readonly status: number; readonly detail: string }
  /** A 5xx, a 429, a refused connection: the same request may work later. */
  | { readonly kind: 'retry'; readonly status: number | null; readonly error: string; readonly retryAfterMs?: number }
  /** A 4xx other than 408/429, a bad URL, a payload the sink rejects: sending it again cannot help. */
  | { readonly kind: 'permanent'; readonly status: number | null; readonly error: string }
  /** Timed out after the request left: it may or may not have arrived. */
  | { readonly kind: 'uncertain'; readonly status: null; readonly error: string };

export interface Sink {
  readonly name: SinkName;
  /**
   * Whether the same payload arriving twice is harmless at the far end (PagerDuty
   * folds a repeated event into the alert of its dedup_key; a chat channel shows
   * the message twice). Decides what happens to a row whose send was cut short.
   */
  readonly idempotent: boolean;
  send(payload: unknown): Promise<SendOutcome>;
}

/** How an HTTP status is handled by every sink: 408 and 429 are "later", other 4xx "never", 5xx "later". */
export function classifyStatus(status: number): 'retry' | 'permanent' {
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'permanent';
}
