import { CollectorError, errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';

/** How one HTTP exchange is bounded and retried. */
export interface RetryPolicy {
  /** Per attempt, headers and body together. */
  readonly timeoutMs: number;
  /** Extra attempts after the first, for 429/502/503/504 and network errors only. */
  readonly retries: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** A Retry-After longer than this is cut down to it, so one answer cannot park a run for an hour. */
  readonly retryAfterMaxMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  timeoutMs: 60_000,
  retries: 4,
  backoffBaseMs: 500,
  backoffMaxMs: 15_000,
  retryAfterMaxMs: 60_000,
};

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUS.has(status);
}

/** The pieces of the environment the transport needs; tests replace the clock and the dice. */
export interface Transport {
  readonly fetch: typeof fetch;
  readonly policy: RetryPolicy;
  readonly log: Logger;
  /** Uniform in [0, 1). */
  readonly random: () => number;
  readonly sleep: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
  /** Strips registered secrets from any text that leaves the client. */
  readonly redact: (text: string) => string;
}

export interface HttpRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** "compute GET /servers/detail" – how errors name this request. */
  readonly what: string;
}

export interface HttpAnswer {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
  readonly text: string;
  /** How many attempts it took; more than one means retries happened. */
  readonly attempts: number;
}

/** The source answered with an HTTP status outside 2xx (after any retries). */
export class OpenStackHttpError extends CollectorError {
  readonly status: number;
  readonly requestId: string | undefined;
  constructor(message: string, status: number, requestId: string | undefined) {
    super(message);
    this.status = status;
    this.requestId = requestId;
  }
}

/** Resolves after `ms`, or rejects as soon as `signal` aborts. */
export function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Reads Retry-After: either delay-seconds or an HTTP date. Returns milliseconds,
 * or undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/**
 * Exponential backoff with jitter: the ceiling doubles per attempt and the delay
 * is drawn from its upper half, so a fleet of clients that failed together does
 * not retry together, yet no retry comes back immediately.
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Keeps an error body short, on one line and free of secrets. */
export function bodyExcerpt(text: string, redact: (t: string) => string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const short = flat.length > max ? `${flat.slice(0, max)}…` : flat;
  return redact(short);
}

/** Nova and Neutron name a request `x-openstack-request-id` (older: `x-compute-request-id`); operators grep logs for it. */
export function requestIdOf(headers: Headers): string | undefined {
  return headers.get('x-openstack-request-id') ?? headers.get('x-compute-request-id') ?? undefined;
}

/**
 * Sends one request with a per-attempt timeout combined with the caller's signal,
 * retrying 429/502/503/504, network errors and attempt timeouts with backoff
 * (honouring Retry-After). Any other status is returned to the caller as is,
 * because 4xx answers do not get better by asking again. The caller's own abort
 * is never retried.
 */
export async function send(transport: Transport, request: HttpRequest, signal: AbortSignal | undefined): Promise<HttpAnswer> {
  const { policy } = transport;
  let lastProblem = '';
  for (let attempt = 0; ; attempt++) {
    const attemptSignal = signal ? AbortSignal.any([signal, AbortSignal.timeout(policy.timeoutMs)]) : AbortSignal.timeout(policy.timeoutMs);
    let retryAfterMs: number | undefined;
    try {
      const response = await transport.fetch(request.url, {
        method: request.method,
        headers: request.headers,
        ...(request.body !== undefined ? { body: request.body } : {}),
        signal: attemptSignal,
        redirect: 'follow',
      });
      // The body is read under the same signal, so a server that sends headers and then stalls is cut off too.
      const text = await response.text();
      if (!isRetryableStatus(response.status) || attempt >= policy.retries) {
        return { status: response.status, statusText: response.statusText, headers: response.headers, text, attempts: attempt + 1 };
      }
      lastProblem = `HTTP ${response.status}`;
      retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), Date.now());
    } catch (err) {
      if (signal?.aborted) {
        throw new CollectorError(`${request.what}: cancelled (${transport.redact(errorMessage(signal.reason ?? err))})`, { cause: err });
      }
      const timedOut = attemptSignal.aborted;
      lastProblem = timedOut ? `no answer within ${policy.timeoutMs} ms` : networkProblem(err);
      if (attempt >= policy.retries) {
        const tries = attempt + 1;
        throw new CollectorError(
          transport.redact(`${request.what}: ${lastProblem}${tries > 1 ? ` (gave up after ${tries} attempts)` : ''}`),
          { cause: err },
        );
      }
    }
    const delay = retryAfterMs !== undefined ? Math.min(retryAfterMs, policy.retryAfterMaxMs) : backoffDelay(attempt, policy, transport.random);
    transport.log.debug('openstack request will be retried', { request: request.what, problem: lastProblem, attempt: attempt + 1, delayMs: delay });
    try {
      await transport.sleep(delay, signal);
    } catch (err) {
      throw new CollectorError(`${request.what}: cancelled while waiting to retry after ${lastProblem} (${transport.redact(errorMessage(signal?.reason ?? err))})`, { cause: err });
    }
  }
}

/** fetch wraps socket errors as `TypeError: fetch failed` with the useful part in `cause`. */
function networkProblem(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  const detail = cause?.code ?? cause?.message;
  return `request failed: ${errorMessage(err)}${detail ? ` (${detail})` : ''}`;
}
