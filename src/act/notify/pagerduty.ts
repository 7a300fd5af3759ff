import { errorMessage } from '../../core/errors.js';
import { Redactor } from '../../core/redact.js';
import { classifyStatus, type SendOutcome, type Sink } from './sink.js';
import { retryAfterMs } from './webhook.js';

/**
 * PagerDuty Events API v2 (`POST /v2/enqueue`). A trigger opens an alert for
 * its dedup_key (faultline uses the incident id, or the run id for a run's
 * page), or adds to the open one; acknowledge and resolve act on the open alert
 * of that key. That folding is what makes a repeated send harmless, so this
 * sink is idempotent and a send cut short by a crash is simply sent again.
 */

export type PagerDutyAction = 'trigger' | 'acknowledge' | 'resolve';
export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

/** What the outbox keeps: the event without its routing_key (a secret, added from faultline.yaml when sent). */
export interface PagerDutyEvent {
  readonly event_action: PagerDutyAction;
  readonly dedup_key: string;
  readonly payload?: {
    readonly summary: string;
    readonly source: string;
    readonly severity: PagerDutySeverity;
    readonly timestamp?: string;
    readonly component?: string;
    readonly class?: string;
    readonly custom_details?: Readonly<Record<string, unknown>>;
  };
  readonly client?: string;
}

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';
// The Events API's own limits: a longer summary or key is a 400, which would fail the page for good.
const SUMMARY_MAX = 1024;
const DEDUP_MAX = 255;

const cut = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** A trigger event; the summary is cut to what PagerDuty takes and the dedup key refused when too long. */
export function pagerDutyTrigger(e: { dedupKey: string; summary: string; source: string; severity: PagerDutySeverity; at: Date; component?: string; eventClass?: string; details?: Record<string, unknown> }): PagerDutyEvent {
  checkDedupKey(e.dedupKey);
  return {
    event_action: 'trigger',
    dedup_key: e.dedupKey,
    client: 'faultline',
    payload: {
      summary: cut(e.summary.replace(/\s+/g, ' ').trim() || 'faultline event', SUMMARY_MAX),
      source: cut(e.source || 'faultline', 255),
      severity: e.severity,
      timestamp: e.at.toISOString(),
      ...(e.component ? { component: e.component } : {}),
      ...(e.eventClass ? { class: e.eventClass } : {}),
      ...(e.details ? { custom_details: e.details } : {}),
    },
  };
}

/** An acknowledge or resolve of the alert opened under `dedupKey`. */
export function pagerDutyFollowUp(action: 'acknowledge' | 'resolve', dedupKey: string): PagerDutyEvent {
  checkDedupKey(dedupKey);
  return { event_action: action, dedup_key: dedupKey };
}

function checkDedupKey(key: string): void {
  if (key.length === 0 || key.length > DEDUP_MAX) throw new RangeError(`a PagerDuty dedup_key has 1 to ${DEDUP_MAX} characters, not ${key.length}`);
}

function isPagerDutyEvent(p: unknown): p is PagerDutyEvent {
  if (typeof p !== 'object' || p === null) return false;
  const e = p as Partial<PagerDutyEvent>;
  return (e.event_action === 'trigger' || e.event_action === 'acknowledge' || e.event_action === 'resolve') && typeof e.dedup_key === 'string';
}

export interface PagerDutyOptions {
  /** The integration key of an Events API v2 integration: whoever has it can page the service. */
  readonly routingKey: string;
  readonly eventsUrl: string;
  readonly timeoutMs: number;
  readonly redactor?: Redactor;
}

const BODY_QUOTE = 300;

export function pagerDutySink(options: PagerDutyOptions): Sink {
  const own = new Redactor();
  own.add(options.routingKey);
  const scrub = (text: string): string => own.redact(options.redactor ? options.redactor.redact(text) : text);
  let where = 'PagerDuty';
  try {
    where = `PagerDuty at ${new URL(options.eventsUrl).host}`;
  } catch {
    // Reported on the first send.
  }
  return {
    name: 'pagerduty',
    idempotent: true,
    async send(payload): Promise<SendOutcome> {
      if (!isPagerDutyEvent(payload)) return { kind: 'permanent', status: null, error: 'the outbox row holds no PagerDuty event (not written by this faultline?)' };
      let target: URL;
      try {
        target = new URL(options.eventsUrl);
        if (target.protocol !== 'https:' && target.protocol !== 'http:') throw new Error(target.protocol);
      } catch {
        return { kind: 'permanent', status: null, error: 'notify.pagerduty.eventsUrl is not an http(s) URL' };
      }
      let response: Response;
      try {
        response = await fetch(target, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ...payload, routing_key: options.routingKey }),
          redirect: 'manual',
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (err) {
        if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
          return { kind: 'uncertain', status: null, error: `${where} did not answer within ${options.timeoutMs / 1000} s` };
        }
        const cause = err instanceof Error && err.cause !== undefined ? `: ${errorMessage(err.cause)}` : '';
        return { kind: 'retry', status: null, error: scrub(`cannot reach ${where}: ${errorMessage(err)}${cause}`) };
      }
      const text = (await response.text().catch(() => '')).trim();
      if (response.status === 202 || (response.status >= 200 && response.status < 300)) {
        return { kind: 'sent', status: response.status, detail: `HTTP ${response.status}, dedup_key ${payload.dedup_key}` };
      }
      const reason = explain(text);
      const error = scrub(`${where} answered ${response.status} ${response.statusText}${reason ? `: ${reason}` : ''}`);
      if (response.status >= 300 && response.status < 400) return { kind: 'permanent', status: response.status, error: `${error}; it redirects, which is not followed: set notify.pagerduty.eventsUrl to the final URL` };
      if (classifyStatus(response.status) === 'permanent') {
        const hint = response.status === 400 ? '; PagerDuty rejected the event and will not take it on a retry' : response.status === 401 || response.status === 403 || response.status === 404 ? '; check notify.pagerduty.routingKey and eventsUrl' : '';
        return { kind: 'permanent', status: response.status, error: `${error}${hint}` };
      }
      const wait = retryAfterMs(response.headers.get('retry-after'));
      return { kind: 'retry', status: response.status, error, ...(wait !== undefined ? { retryAfterMs: wait } : {}) };
    },
  };
}

/** PagerDuty answers errors as `{status, message, errors: [...]}`; anything else is quoted, briefly. */
function explain(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown; errors?: unknown };
    const errors = Array.isArray(parsed.errors) ? parsed.errors.filter((e): e is string => typeof e === 'string') : [];
    const message = typeof parsed.message === 'string' ? parsed.message : '';
    return [message, ...errors].filter(Boolean).join('; ').slice(0, BODY_QUOTE);
  } catch {
    return body.slice(0, BODY_QUOTE);
  }
}
