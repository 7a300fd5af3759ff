import type { Redactor } from '../../core/redact.js';
import { classifyStatus, type SendOutcome, type Sink } from './sink.js';
import { NotifyError, postToWebhook } from './webhook.js';

/** What the outbox keeps for a chat notice: the text only; the webhook URL (a secret) comes from faultline.yaml at send time. */
export interface SlackPayload {
  readonly text: string;
}

export function isSlackPayload(p: unknown): p is SlackPayload {
  return typeof p === 'object' && p !== null && typeof (p as { text?: unknown }).text === 'string';
}

/**
 * A Slack-compatible incoming webhook as an outbox sink. Not idempotent: a
 * channel shows a message posted twice twice, so a send whose outcome is
 * unknown is not repeated (see deliver.ts).
 */
export function slackSink(options: { readonly url: string; readonly timeoutMs: number; readonly redactor?: Redactor }): Sink {
  return {
    name: 'slack',
    idempotent: false,
    async send(payload): Promise<SendOutcome> {
      if (!isSlackPayload(payload)) return { kind: 'permanent', status: null, error: 'the outbox row holds no chat text (not written by this faultline?)' };
      try {
        const res = await postToWebhook(payload.text, { url: options.url, timeoutMs: options.timeoutMs, ...(options.redactor ? { redactor: options.redactor } : {}) });
        return { kind: 'sent', status: res.status, detail: `HTTP ${res.status}` };
      } catch (err) {
        if (!(err instanceof NotifyError)) throw err;
        if (err.uncertain) return { kind: 'uncertain', status: null, error: err.message };
        // No status: the URL is unusable (permanent) or the connection failed before anything was sent (retry).
        if (err.status === undefined) return /not a valid URL|must be an http/.test(err.message) ? { kind: 'permanent', status: null, error: err.message } : { kind: 'retry', status: null, error: err.message };
        const kind = err.status >= 300 && err.status < 400 ? 'permanent' : classifyStatus(err.status);
        return kind === 'retry'
          ? { kind, status: err.status, error: err.message, ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}) }
          : { kind, status: err.status, error: err.message };
      }
    },
  };
}
