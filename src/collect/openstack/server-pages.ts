import { isAscii } from 'node:buffer';
import { errorMessage } from '../../core/errors.js';
import type { StringPool } from '../../core/string-pool.js';
import { formatIssues } from '../../snapshot/issues.js';
import type { Server } from '../../snapshot/schema.js';
import { normaliseServer } from './normalise.js';
import { isRawServer, rawServerSchema, serversPageSchema } from './nova-schemas.js';
import { eachValid, nextQuery } from './paging.js';

/**
 * Reading a page of `/servers/detail`: decode, parse, check, normalise. On a
 * large fleet this is most of a collection's CPU time (a page of 1,000 servers
 * is 2 MB of JSON). It runs on the main thread: a worker thread would have to
 * hand the servers back as text or a structured clone, and reading that again
 * costs more than half of what the worker saved (measured: 30 % more CPU per
 * collection, and slower on two cores). It is its own path rather than
 * `pages` + `requestJson`: that path, measured side by side on the large lab,
 * cost about 1 s more CPU per 100,000 servers, most likely because each page's
 * text and raw JSON stay alive on the answer while the next page is fetched;
 * here they are dropped as soon as the page is read, before the walk moves on.
 */

export interface ServersPageInput {
  readonly body: Uint8Array;
  /** How errors and warnings name the request. */
  readonly what: string;
  /** Servers on earlier pages, so warnings give each server's index in the whole list. */
  readonly offset: number;
  readonly region: string | undefined;
  /** Shared by the pages of one walk: see StringPool. */
  readonly pool?: StringPool;
}

export type ServersPageOutput =
  | { readonly ok: true; readonly servers: Server[]; readonly warnings: string[]; readonly count: number; readonly next: string | undefined }
  /** The body is not JSON; the client words that error (with an excerpt of the body). */
  | { readonly ok: false; readonly notJson: true }
  | { readonly ok: false; readonly notJson?: undefined; readonly message: string };

/** One page, start to end; never throws. */
export function readServersPage(input: ServersPageInput): ServersPageOutput {
  try {
    const bytes = Buffer.from(input.body.buffer, input.body.byteOffset, input.body.byteLength);
    // Nova's JSON is ASCII (it escapes the rest), and copying ASCII as latin1 skips UTF-8 decoding.
    const text = bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
    let json: unknown;
    if (text.trim() === '') json = {};
    else {
      try {
        json = JSON.parse(text);
      } catch {
        return { ok: false, notJson: true };
      }
    }
    const frame = serversPageSchema.safeParse(json);
    if (!frame.success) return { ok: false, message: `${input.what}: unexpected answer: ${formatIssues(frame.error.issues, 5).join('; ')}` };
    const servers: Server[] = [];
    const warnings: string[] = [];
    const items = frame.data.servers;
    eachValid(items, rawServerSchema, input.what, 'servers', input.offset, { add: (m) => warnings.push(m) }, (s) => servers.push(normaliseServer(s, input.region, input.pool)), isRawServer);
    return { ok: true, servers, warnings, count: items.length, next: nextQuery(frame.data.servers_links)?.toString() };
  } catch (err) {
    return { ok: false, message: `${input.what}: reading the page failed: ${errorMessage(err)}` };
  }
}
