import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { CollectorError, errorMessage } from '../../core/errors.js';
import { fetchText } from '../http-text.js';

/** The feed answered over HTTP with a status outside 2xx. */
export class AlarmFeedHttpError extends CollectorError {
  readonly status: number;
  constructor(source: string, status: number, statusText: string, body: string) {
    const excerpt = body.trim().replace(/\s+/g, ' ').slice(0, 200);
    super(`alarm feed ${source} answered HTTP ${status}${statusText ? ` ${statusText}` : ''}${excerpt ? `: ${excerpt}` : ''}`);
    this.status = status;
  }
}

export function isHttpSource(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/**
 * A source as it may appear in errors and logs: credentials in the URL and its
 * query string (tokens are often passed there) are left out.
 */
export function displaySource(source: string): string {
  if (!isHttpSource(source)) return source;
  try {
    const url = new URL(source);
    return `${url.protocol}//${url.host}${url.pathname}${url.search ? '?…' : ''}`;
  } catch {
    return source;
  }
}

export interface ReadOptions {
  readonly signal: AbortSignal;
  readonly headers?: Readonly<Record<string, string>>;
}

function abortReason(signal: AbortSignal, err: unknown): string {
  return errorMessage(signal.reason ?? err);
}

/** Reads a feed from a file path, a `file:` URL or an http(s) URL, honouring the signal throughout. */
export async function readFeedText(source: string, options: ReadOptions): Promise<string> {
  const shown = displaySource(source);
  if (isHttpSource(source)) {
    const answer = await fetchText(source, { headers: { accept: 'application/json', ...options.headers }, signal: options.signal }, { where: `alarm feed ${shown}`, failed: 'request failed' });
    if (!answer.ok) throw new AlarmFeedHttpError(shown, answer.status, answer.statusText, answer.body);
    return answer.body;
  }
  const path = source.startsWith('file:') ? fileURLToPath(source) : source;
  try {
    return await readFile(path, { encoding: 'utf8', signal: options.signal });
  } catch (err) {
    if (options.signal.aborted) throw new CollectorError(`alarm feed ${shown}: reading aborted (${abortReason(options.signal, err)})`, { cause: err });
    throw new CollectorError(`cannot read alarm feed ${shown}: ${errorMessage(err)}`, { cause: err });
  }
}
