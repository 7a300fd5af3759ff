import { randomBytes } from 'node:crypto';
import type { LabResponse } from '../openstack/http.js';

/**
 * The lab's chat and paging: a Slack-like incoming webhook and a PagerDuty-like
 * Events API v2, served by the lab under `/notify`. Each checks what arrives
 * the way the real service does (Slack: a JSON body with text, the secret hook
 * path; PagerDuty: routing key, event action, the trigger's summary, source and
 * severity, dedup_key length), keeps every request and its answer, folds
 * PagerDuty events into alerts by dedup_key as PagerDuty does, and can be told
 * to fail its next requests so tests see retries.
 */

export type LabSinkName = 'slack' | 'pagerduty';

export interface LabNotifyRequest {
  readonly at: string;
  readonly sink: LabSinkName;
  readonly path: string;
  /** The parsed body (the raw text when it was not JSON); a routing key in it is replaced by `<routing-key>`. */
  readonly body: unknown;
  readonly status: number;
  /** Whether the sink took it (Slack 200, PagerDuty 202). */
  readonly accepted: boolean;
}

export interface LabAlert {
  readonly dedupKey: string;
  status: 'triggered' | 'acknowledged' | 'resolved';
  summary: string;
  severity: string;
  source: string;
  /** Trigger events folded into this alert (1 unless it was triggered again while open). */
  triggers: number;
  readonly openedAt: string;
  updatedAt: string;
}

interface Injected {
  count: number;
  readonly status: number;
  readonly retryAfterSeconds: number | undefined;
}

const ACTIONS = new Set(['trigger', 'acknowledge', 'resolve']);
const SEVERITIES = new Set(['critical', 'error', 'warning', 'info']);

export class LabNotifySinks {
  /** The secret part of the webhook path, as Slack's `/services/T…/B…/<secret>`. */
  readonly slackPath: string;
  readonly routingKey: string;
  private readonly requests: LabNotifyRequest[] = [];
  private readonly alerts = new Map<string, LabAlert>();
  private readonly injected: Record<LabSinkName, Injected[]> = { slack: [], pagerduty: [] };

  constructor(private readonly now: () => number = Date.now) {
    this.slackPath = `/services/TLAB0001/BLAB0001/${randomBytes(12).toString('hex')}`;
    // A real integration key is 32 characters.
    this.routingKey = randomBytes(16).toString('hex');
  }

  slackUrl(origin: string): string {
    return `${origin}/notify/slack${this.slackPath}`;
  }

  pagerDutyUrl(origin: string): string {
    return `${origin}/notify/pagerduty/v2/enqueue`;
  }

  /** The next `count` requests to `sink` are answered with `status` (e.g. 500, 429) and not kept as delivered. */
  failNext(sink: LabSinkName, count: number, status: number, retryAfterSeconds?: number): void {
    if (!Number.isInteger(count) || count < 1) throw new RangeError('count must be a positive integer');
    if (!Number.isInteger(status) || status < 400 || status > 599) throw new RangeError('status must be an HTTP error status (400-599)');
    this.injected[sink].push({ count, status, retryAfterSeconds });
  }

  received(sink?: LabSinkName): LabNotifyRequest[] {
    return this.requests.filter((r) => sink === undefined || r.sink === sink);
  }

  alertList(): LabAlert[] {
    return [...this.alerts.values()].map((a) => ({ ...a }));
  }

  clear(): void {
    this.requests.length = 0;
    this.alerts.clear();
    this.injected.slack.length = 0;
    this.injected.pagerduty.length = 0;
  }

  /** A request under `/notify` (path without that prefix), with its raw body. */
  handle(method: string, path: string, contentType: string | undefined, raw: string): LabResponse {
    if (path.startsWith('/slack/')) return this.slack(method, path.slice('/slack'.length), contentType, raw);
    if (path === '/pagerduty/v2/enqueue') return this.pagerDuty(method, contentType, raw);
    return { status: 404, text: 'not found\n' };
  }

  private keep(sink: LabSinkName, path: string, body: unknown, res: LabResponse): LabResponse {
    this.requests.push({ at: new Date(this.now()).toISOString(), sink, path, body, status: res.status, accepted: res.status === 200 || res.status === 202 });
    return res;
  }

  private injectedFailure(sink: LabSinkName): LabResponse | undefined {
    const next = this.injected[sink][0];
    if (!next) return undefined;
    if (--next.count <= 0) this.injected[sink].shift();
    const headers: Record<string, string> = next.retryAfterSeconds !== undefined ? { 'Retry-After': String(next.retryAfterSeconds) } : {};
    if (sink === 'slack') return { status: next.status, headers: { 'Content-Type': 'text/plain', ...headers }, text: next.status === 429 ? 'rate_limited' : 'internal_error' };
    return { status: next.status, headers, body: next.status === 429 ? { status: 'throttle event', message: 'Requests for this service are arriving too quickly.' } : { status: 'error', message: 'Internal server error' } };
  }

  private slack(method: string, hookPath: string, contentType: string | undefined, raw: string): LabResponse {
    const body = parseOr(raw);
    if (method !== 'POST') return this.keep('slack', hookPath, body, { status: 405, text: 'invalid_method' });
    // Slack answers an unknown or revoked hook with 404 no_service; the path is the credential.
    if (hookPath !== this.slackPath) return this.keep('slack', '<unknown hook>', body, { status: 404, text: 'no_service' });
    const failed = this.injectedFailure('slack');
    if (failed) return this.keep('slack', hookPath, body, failed);
    if (!contentType?.toLowerCase().startsWith('application/json') || typeof body !== 'object' || body === null) return this.keep('slack', hookPath, body, { status: 400, text: 'invalid_payload' });
    const text = (body as { text?: unknown }).text;
    if (typeof text !== 'string' || text.trim() === '') return this.keep('slack', hookPath, body, { status: 400, text: 'no_text' });
    return this.keep('slack', hookPath, body, { status: 200, headers: { 'Content-Type': 'text/html' }, text: 'ok' });
  }

  private pagerDuty(method: string, contentType: string | undefined, raw: string): LabResponse {
    const parsed = parseOr(raw);
    const shown = typeof parsed === 'object' && parsed !== null && 'routing_key' in parsed ? { ...parsed, routing_key: '<routing-key>' } : parsed;
    const path = '/v2/enqueue';
    if (method !== 'POST') return this.keep('pagerduty', path, shown, { status: 405, body: { status: 'invalid method', message: 'Use POST' } });
    const failed = this.injectedFailure('pagerduty');
    if (failed) return this.keep('pagerduty', path, shown, failed);
    const invalid = (errors: string[]): LabResponse => this.keep('pagerduty', path, shown, { status: 400, body: { status: 'invalid event', message: 'Event object is invalid', errors } });
    if (!contentType?.toLowerCase().startsWith('application/json') || typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return invalid(['Event object must be a JSON object']);
    const e = parsed as Record<string, unknown>;
    const errors: string[] = [];
    if (e['routing_key'] !== this.routingKey) errors.push(typeof e['routing_key'] === 'string' && e['routing_key'].length === 32 ? 'Invalid routing key' : "'routing_key' must be a 32 character string");
    const action = e['event_action'];
    if (typeof action !== 'string' || !ACTIONS.has(action)) errors.push("'event_action' must be one of trigger, acknowledge, resolve");
    const dedup = e['dedup_key'];
    if (dedup !== undefined && (typeof dedup !== 'string' || dedup.length === 0 || dedup.length > 255)) errors.push("'dedup_key' must be a string of at most 255 characters");
    if (action !== 'trigger' && action !== undefined && dedup === undefined) errors.push(`'dedup_key' is required for ${String(action)} events`);
    const payload = e['payload'] as Record<string, unknown> | undefined;
    if (action === 'trigger') {
      if (typeof payload !== 'object' || payload === null) errors.push("'payload' is required for trigger events");
      else {
        if (typeof payload['summary'] !== 'string' || payload['summary'].length === 0) errors.push("'payload.summary' is missing or blank");
        else if (payload['summary'].length > 1024) errors.push("'payload.summary' must be at most 1024 characters");
        if (typeof payload['source'] !== 'string' || payload['source'].length === 0) errors.push("'payload.source' is missing or blank");
        if (typeof payload['severity'] !== 'string' || !SEVERITIES.has(payload['severity'])) errors.push("'payload.severity' must be one of critical, error, warning, info");
      }
    }
    if (errors.length > 0) return invalid(errors);
    const key = typeof dedup === 'string' ? dedup : randomBytes(16).toString('hex');
    this.fold(action as 'trigger' | 'acknowledge' | 'resolve', key, payload);
    return this.keep('pagerduty', path, shown, { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: key } });
  }

  /** As PagerDuty: a trigger opens an alert or adds to the open one; acknowledge and resolve act on the open one, else are dropped. */
  private fold(action: 'trigger' | 'acknowledge' | 'resolve', key: string, payload: Record<string, unknown> | undefined): void {
    const at = new Date(this.now()).toISOString();
    const open = this.alerts.get(key);
    const isOpen = open !== undefined && open.status !== 'resolved';
    if (action === 'trigger') {
      if (isOpen) {
        open.triggers++;
        open.updatedAt = at;
        return;
      }
      // A trigger after a resolve opens a new alert under the same key; the lab keeps the latest.
      this.alerts.set(key, { dedupKey: key, status: 'triggered', summary: String(payload?.['summary']), severity: String(payload?.['severity']), source: String(payload?.['source']), triggers: 1, openedAt: at, updatedAt: at });
      return;
    }
    if (!isOpen) return;
    open.status = action === 'acknowledge' ? 'acknowledged' : 'resolved';
    open.updatedAt = at;
  }
}

function parseOr(raw: string): unknown {
  try {
    return raw.trim() === '' ? undefined : (JSON.parse(raw) as unknown);
  } catch {
    return raw.slice(0, 2000);
  }
}
