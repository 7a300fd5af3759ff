import { FaultlineError, errorMessage } from '../../core/errors.js';
import { Redactor } from '../../core/redact.js';

/** Posting a notice failed; the message never contains the webhook's URL. */
export class NotifyError extends FaultlineError {
  readonly status: number | undefined;
  /** The request may have arrived (it timed out after being sent): sending it again could post it twice. */
  readonly uncertain: boolean;
  /** The sink's Retry-After, when it gave one. */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, status?: number, more: { uncertain?: boolean; retryAfterMs?: number } = {}) {
    super(message);
    this.status = status;
    this.uncertain = more.uncertain ?? false;
    this.retryAfterMs = more.retryAfterMs;
  }
}

/** Retry-After in seconds (the form chat and paging services use); an HTTP date or garbage gives undefined. */
export function retryAfterMs(header: string | null): number | undefined {
  if (header === null || !/^\d+(\.\d+)?$/.test(header.trim())) return undefined;
  return Math.round(Number(header.trim()) * 1000);
}

export interface WebhookOptions {
  /** The incoming-webhook URL. Its path is the credential (Slack's `/services/T…/B…/…`). */
  readonly url: string;
  readonly timeoutMs: number;
  /** Also scrubbed from errors, on top of the URL itself (e.g. the CLI's redactor). */
  readonly redactor?: Redactor;
}

export interface WebhookResult {
  readonly status: number;
}

/** How much of an error answer is quoted back: enough to read Slack's `invalid_payload`. */
const BODY_QUOTE = 200;

/**
 * Posts one chat message to a Slack-compatible incoming webhook (Slack,
 * Mattermost, Rocket.Chat take `{"text": …}`). One attempt only: a notice that
 * went out twice confuses the people it tells more than an error the operator
 * sees and re-sends, and a failing webhook must not be hammered. Redirects are
 * refused, since following one would send the message (and the path) elsewhere.
 */
export async function postToWebhook(text: string, options: WebhookOptions): Promise<WebhookResult> {
  const scrub = urlScrubber(options.url, options.redactor);
  let target: URL;
  try {
    target = new URL(options.url);
  } catch {
    throw new NotifyError('the notices webhook is not a valid URL (notices.webhook in faultline.yaml)');
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:') {
    throw new NotifyError(`the notices webhook must be an http(s) URL, not ${target.protocol} (notices.webhook in faultline.yaml)`);
  }
  const where = `the notices webhook at ${target.host}`;
  let response: Response;
  try {
    response = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ text }),
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (err) {
    if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
      throw new NotifyError(`${where} did not answer within ${options.timeoutMs / 1000} s; the notice may or may not have been posted, check the channel before sending again`, undefined, { uncertain: true });
    }
    const cause = err instanceof Error && err.cause !== undefined ? `: ${errorMessage(err.cause)}` : '';
    throw new NotifyError(scrub(`cannot reach ${where}: ${errorMessage(err)}${cause}`));
  }
  if (response.status >= 200 && response.status < 300) {
    await response.body?.cancel();
    return { status: response.status };
  }
  const body = (await response.text().catch(() => '')).trim().slice(0, BODY_QUOTE);
  const retry = response.headers.get('retry-after');
  const hint =
    response.status >= 300 && response.status < 400
      ? '; it redirects, which is not followed: use the final URL'
      : response.status === 429
        ? `; rate limited${retry ? `, retry after ${retry} s` : ''}`
        : response.status === 404 || response.status === 403
          ? '; the webhook may have been revoked: check notices.webhook in faultline.yaml'
          : '';
  const wait = retryAfterMs(retry);
  throw new NotifyError(scrub(`${where} answered ${response.status} ${response.statusText}${body ? `: ${body}` : ''}${hint}`), response.status, wait !== undefined ? { retryAfterMs: wait } : {});
}

/** Removes the URL, and its path on its own, from a message (a server may echo either). */
export function urlScrubber(url: string, extra: Redactor | undefined): (text: string) => string {
  const own = new Redactor();
  own.add(url);
  try {
    const u = new URL(url);
    if (u.pathname.length > 1) own.add(`${u.pathname}${u.search}`);
    if (u.search) own.add(u.search);
    own.add(u.href);
  } catch {
    // Not a URL: the whole string is still registered.
  }
  return (text) => own.redact(extra ? extra.redact(text) : text);
}
