import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { deadline } from '../../core/deadline.js';
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

/** The part of a header list the client reads; `Headers` has it too. */
export interface HeaderReader {
  get(name: string): string | null;
}

/** One HTTP exchange as the retry logic sees it: status, headers and the whole body. */
export interface RawAnswer {
  readonly status: number;
  readonly statusText: string;
  readonly headers: HeaderReader;
  /** Decompressed, not yet decoded: a large page can be decoded and parsed by its reader. */
  readonly body: Buffer;
}

/** One attempt ran out of time (headers and body together). */
export class AttemptTimeout extends Error {}

/**
 * Sends one request and reads the whole answer, following redirects, within
 * `timeoutMs`; rejects with AttemptTimeout when time runs out, and with the
 * signal's reason when the caller aborts.
 */
export type Exchange = (request: HttpRequest, timeoutMs: number, signal: AbortSignal | undefined) => Promise<RawAnswer>;

/** The pieces of the environment the transport needs; tests replace the clock and the dice. */
export interface Transport {
  readonly exchange: Exchange;
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

export interface HttpAnswer extends RawAnswer {
  /** The body as UTF-8 text, decoded when first read. */
  readonly text: string;
  /** How many attempts it took; more than one means retries happened. */
  readonly attempts: number;
}

function answerOf(raw: RawAnswer, attempts: number): HttpAnswer {
  let text: string | undefined;
  return {
    status: raw.status,
    statusText: raw.statusText,
    headers: raw.headers,
    body: raw.body,
    attempts,
    get text(): string {
      return (text ??= raw.body.toString('utf8'));
    },
  };
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
export function requestIdOf(headers: HeaderReader): string | undefined {
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
    let retryAfterMs: number | undefined;
    try {
      // The body is read within the same deadline, so a server that sends headers and then stalls is cut off too.
      const answer = await transport.exchange(request, policy.timeoutMs, signal);
      if (!isRetryableStatus(answer.status) || attempt >= policy.retries) return answerOf(answer, attempt + 1);
      lastProblem = `HTTP ${answer.status}`;
      retryAfterMs = parseRetryAfter(answer.headers.get('retry-after'), Date.now());
    } catch (err) {
      if (signal?.aborted) {
        throw new CollectorError(`${request.what}: cancelled (${transport.redact(errorMessage(signal.reason ?? err))})`, { cause: err });
      }
      lastProblem = err instanceof AttemptTimeout ? `no answer within ${policy.timeoutMs} ms` : networkProblem(err);
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

/** An exchange through a fetch function (tests inject one to break the network on purpose). */
export function fetchExchange(fetchFn: typeof fetch): Exchange {
  return async (request, timeoutMs, signal) => {
    // core/deadline, not AbortSignal.any + timeout: that composite can lose its timer to GC on Node 20.
    const limit = deadline(signal, timeoutMs);
    try {
      const response = await fetchFn(request.url, {
        method: request.method,
        headers: request.headers,
        ...(request.body !== undefined ? { body: request.body } : {}),
        signal: limit.signal,
        redirect: 'follow',
      });
      const body = Buffer.from(await response.arrayBuffer());
      return { status: response.status, statusText: response.statusText, headers: response.headers, body };
    } catch (err) {
      if (limit.signal.aborted && !signal?.aborted) throw new AttemptTimeout(`no answer within ${timeoutMs} ms`, { cause: err });
      throw err;
    } finally {
      limit.clear();
    }
  };
}

/**
 * Connections are kept open between requests: a collection makes thousands of
 * requests to the same few endpoints, and a new TCP (and TLS) handshake for
 * each would cost more than most of the requests themselves.
 */
const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 20;

/** Headers as node:http gives them (lower-case names), read like `Headers`. */
export class NodeHeaders implements HeaderReader {
  readonly raw: IncomingHttpHeaders;
  constructor(raw: IncomingHttpHeaders) {
    this.raw = raw;
  }
  get(name: string): string | null {
    const v = this.raw[name.toLowerCase()];
    return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
  }
}

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const brotli = promisify(zlib.brotliDecompress);

/** The body decompressed as Content-Encoding says (off the main thread, in zlib's pool). */
async function decoded(body: Buffer, encoding: string | undefined): Promise<Buffer> {
  const e = encoding?.trim().toLowerCase();
  if (!e || e === 'identity' || body.length === 0) return body;
  if (e === 'gzip' || e === 'x-gzip') return gunzip(body);
  if (e === 'deflate') return inflate(body);
  if (e === 'br') return brotli(body);
  throw new Error(`unsupported content encoding "${encoding}"`);
}

/**
 * An exchange over node:http(s) with keep-alive agents: the default. It costs a
 * fraction of what fetch costs per request, which matters at tens of thousands
 * of requests per collection. Behaves like fetch where the client relies on it:
 * follows redirects (a 303, or a 301/302 to a POST, continues as a GET without
 * the body), asks for and undoes gzip/deflate compression, and bounds headers
 * and body together by one deadline.
 */
export const nodeExchange: Exchange = async (request, timeoutMs, signal) => {
  if (signal?.aborted) throw signal.reason;
  let current: http.ClientRequest | undefined;
  let stopped: unknown;
  const stop = (reason: unknown): void => {
    stopped ??= reason;
    current?.destroy(reason instanceof Error ? reason : new Error(errorMessage(reason)));
  };
  const timer = setTimeout(() => stop(new AttemptTimeout(`no answer within ${timeoutMs} ms`)), timeoutMs);
  const onAbort = (): void => stop(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    let url = new URL(request.url);
    let method: string = request.method;
    let body = request.body;
    const headers: Record<string, string> = { 'accept-encoding': 'gzip, deflate', ...request.headers };
    for (let hop = 0; ; hop++) {
      const answer = await new Promise<{ res: IncomingMessage; body: Buffer }>((resolve, reject) => {
        const agent = agents[url.protocol as keyof typeof agents];
        if (!agent) return reject(new Error(`unsupported URL scheme ${url.protocol}`));
        const lib = url.protocol === 'https:' ? https : http;
        const req = lib.request(url, { method, headers: body !== undefined ? { ...headers, 'content-length': String(Buffer.byteLength(body)) } : headers, agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            if (!res.complete) return reject(new Error('the connection closed before the answer was complete'));
            decoded(Buffer.concat(chunks), res.headers['content-encoding']).then((body) => resolve({ res, body }), reject);
          });
          res.on('close', () => {
            if (!res.complete) reject(new Error('the connection closed before the answer was complete'));
          });
        });
        req.on('error', reject);
        current = req;
        if (stopped !== undefined) req.destroy(new Error(errorMessage(stopped)));
        req.end(body);
      }).catch((err: unknown) => {
        // Whatever the socket said after a timeout or an abort, the reason is the timeout or the abort.
        throw stopped ?? err;
      });
      const { res, body: received } = answer;
      const location = res.headers.location;
      const status = res.statusCode ?? 0;
      if (REDIRECTS.has(status) && location && hop < MAX_REDIRECTS) {
        url = new URL(location, url);
        if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
          if (method !== 'HEAD') method = 'GET';
          body = undefined;
          delete headers['content-type'];
        }
        continue;
      }
      return { status, statusText: res.statusMessage ?? '', headers: new NodeHeaders(res.headers), body: received };
    }
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
};

/**
 * node:http names socket errors by code (`connect ECONNREFUSED 10.0.0.5:8774`);
 * fetch wraps them as `TypeError: fetch failed` with the useful part in `cause`.
 */
function networkProblem(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  const detail = cause?.code ?? cause?.message;
  return `request failed: ${errorMessage(err)}${detail ? ` (${detail})` : ''}`;
}
