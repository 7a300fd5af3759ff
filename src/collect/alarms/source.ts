import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { CollectorError, errorMessage } from '../../core/errors.js';

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
    let response: Response;
    try {
      response = await fetch(source, { headers: { accept: 'application/json', ...options.headers }, signal: options.signal });
    } catch (err) {
      if (options.signal.aborted) throw new CollectorError(`alarm feed ${shown}: request aborted (${abortReason(options.signal, err)})`, { cause: err });
      const cause = (err as { cause?: unknown }).cause;
      throw new CollectorError(`alarm feed ${shown}: request failed: ${errorMessage(err)}${cause ? ` (${errorMessage(cause)})` : ''}`, { cause: err });
    }
    let body: string;
    try {
      // The body stream is tied to the same signal, so a server that sends headers and then stalls is cut off too.
      body = await response.text();
    } catch (err) {
      if (options.signal.aborted) throw new CollectorError(`alarm feed ${shown}: reading the answer aborted (${abortReason(options.signal, err)})`, { cause: err });
      throw new CollectorError(`alarm feed ${shown}: reading the answer failed: ${errorMessage(err)}`, { cause: err });
    }
    if (!response.ok) throw new AlarmFeedHttpError(shown, response.status, response.statusText, body);
    return body;
  }
  const path = source.startsWith('file:') ? fileURLToPath(source) : source;
  try {
    return await readFile(path, { encoding: 'utf8', signal: options.signal });
  } catch (err) {
    if (options.signal.aborted) throw new CollectorError(`alarm feed ${shown}: reading aborted (${abortReason(options.signal, err)})`, { cause: err });
    throw new CollectorError(`cannot read alarm feed ${shown}: ${errorMessage(err)}`, { cause: err });
  }
}
