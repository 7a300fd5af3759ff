import { CollectorError, errorMessage } from '../core/errors.js';

/** What an HTTP answer said, read in full; the status is left for the caller to judge. */
export interface TextAnswer {
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly body: string;
}

export interface FetchTextOptions {
  /** Leads every error: who was asked, as it may be shown (no credentials). */
  readonly where: string;
  /** Says that no answer came at all (`request failed`, `unreachable`): each caller keeps its own wording. */
  readonly failed: string;
}

/**
 * One request and its whole body, under the signal of `init`: the body stream is tied
 * to the same signal, so a server that sends headers and then stalls is cut off too.
 * Every failure is a CollectorError that says whether it was the deadline (the
 * signal's reason) or the network, and at which stage.
 */
export async function fetchText(url: string | URL, init: RequestInit & { signal: AbortSignal }, options: FetchTextOptions): Promise<TextAnswer> {
  const { signal } = init;
  const { where } = options;
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (err) {
    if (signal.aborted) throw new CollectorError(`${where}: request aborted (${errorMessage(signal.reason ?? err)})`, { cause: err });
    const cause = (err as { cause?: unknown }).cause;
    throw new CollectorError(`${where}: ${options.failed}: ${errorMessage(err)}${cause ? ` (${errorMessage(cause)})` : ''}`, { cause: err });
  }
  try {
    const body = await response.text();
    return { status: response.status, statusText: response.statusText, ok: response.ok, body };
  } catch (err) {
    if (signal.aborted) throw new CollectorError(`${where}: reading the answer aborted (${errorMessage(signal.reason ?? err)})`, { cause: err });
    throw new CollectorError(`${where}: reading the answer failed: ${errorMessage(err)}`, { cause: err });
  }
}
