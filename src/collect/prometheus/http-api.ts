import { CollectorError, errorMessage } from '../../core/errors.js';
import { fetchText } from '../http-text.js';

/** One sample of an instant vector: its labels and its value at the evaluation time. */
export interface VectorSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface QueryOptions {
  readonly signal: AbortSignal;
  /** Extra headers (Authorization, a tenant header for Thanos/Mimir); never logged. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Prometheus answered with an HTTP status outside 2xx (its error JSON, when present, is in the message). */
export class PrometheusHttpError extends CollectorError {
  readonly status: number;
  constructor(where: string, status: number, detail: string) {
    super(`Prometheus ${where} answered HTTP ${status}${detail ? `: ${detail}` : ''}`);
    this.status = status;
  }
}

/** The base URL as it may appear in errors: credentials and the query string stay out. */
export function displayUrl(base: string): string {
  try {
    const u = new URL(base);
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/$/, '')}`;
  } catch {
    return '(invalid URL)';
  }
}

function queryEndpoint(base: string): URL {
  const u = new URL(base);
  // A base with a path prefix (a Thanos/Mimir route such as /prometheus) keeps it.
  u.pathname = `${u.pathname.replace(/\/$/, '')}/api/v1/query`;
  u.username = '';
  u.password = '';
  return u;
}

function basicAuth(base: string): Record<string, string> {
  const u = new URL(base);
  if (!u.username) return {};
  const pair = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
  return { authorization: `Basic ${Buffer.from(pair).toString('base64')}` };
}

/** The `error` of Prometheus' JSON envelope, or a short excerpt of a body that is not one (a proxy's HTML page). */
function errorDetail(body: string): string {
  try {
    const doc = JSON.parse(body) as { errorType?: unknown; error?: unknown };
    if (typeof doc.error === 'string') return `${typeof doc.errorType === 'string' ? `${doc.errorType}: ` : ''}${doc.error}`;
  } catch {
    // Not JSON: fall through to the excerpt.
  }
  return body.trim().replace(/\s+/g, ' ').slice(0, 200);
}

function sampleValue(raw: unknown, where: string): number {
  if (!Array.isArray(raw) || raw.length !== 2 || typeof raw[1] !== 'string') throw new CollectorError(`${where}: a sample is not [time, "value"]`);
  // Prometheus writes values as strings so that NaN and ±Inf survive JSON.
  const v = raw[1] === 'NaN' ? Number.NaN : raw[1] === '+Inf' ? Infinity : raw[1] === '-Inf' ? -Infinity : Number(raw[1]);
  if (Number.isNaN(v) && raw[1] !== 'NaN') throw new CollectorError(`${where}: sample value ${JSON.stringify(raw[1]).slice(0, 40)} is not a number`);
  return v;
}

/** Reads the `/api/v1/query` envelope; anything but a successful instant vector is an error naming what was wrong. */
export function parseVectorAnswer(body: string, where: string): VectorSample[] {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (err) {
    throw new CollectorError(`${where}: the answer is not JSON (${errorMessage(err)})`);
  }
  const env = doc as { status?: unknown; data?: { resultType?: unknown; result?: unknown }; error?: unknown };
  if (env === null || typeof env !== 'object') throw new CollectorError(`${where}: the answer is not a Prometheus API object`);
  if (env.status !== 'success') throw new CollectorError(`${where}: status ${JSON.stringify(env.status)}${typeof env.error === 'string' ? `: ${env.error}` : ''}`);
  if (!env.data || env.data.resultType !== 'vector' || !Array.isArray(env.data.result)) {
    throw new CollectorError(`${where}: expected an instant vector, got resultType ${JSON.stringify(env.data?.resultType)}`);
  }
  return env.data.result.map((r: unknown) => {
    const row = r as { metric?: unknown; value?: unknown };
    if (!row || typeof row.metric !== 'object' || row.metric === null) throw new CollectorError(`${where}: a result has no metric labels`);
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(row.metric as Record<string, unknown>)) if (typeof v === 'string') labels[k] = v;
    return { labels, value: sampleValue(row.value, where) };
  });
}

/**
 * One instant query at `time`, sent as a POST form (long PromQL does not hit URL
 * limits, and proxies log the query less often than a GET's URL).
 */
export async function instantQuery(base: string, query: string, time: Date, options: QueryOptions): Promise<VectorSample[]> {
  const shown = displayUrl(base);
  const where = `Prometheus ${shown}`;
  const form = new URLSearchParams({ query, time: (time.getTime() / 1000).toFixed(3) });
  const answer = await fetchText(
    queryEndpoint(base),
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...basicAuth(base), ...options.headers },
      body: form,
      signal: options.signal,
    },
    { where, failed: 'unreachable' },
  );
  if (!answer.ok) throw new PrometheusHttpError(shown, answer.status, errorDetail(answer.body));
  return parseVectorAnswer(answer.body, where);
}
