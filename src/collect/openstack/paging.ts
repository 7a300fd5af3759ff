import type { z } from 'zod';
import { CollectorError } from '../../core/errors.js';
import type { JsonAnswer, OpenStackClient } from './client.js';
import type { linkSchema } from './nova-schemas.js';

type Link = z.output<typeof linkSchema>;

export interface PageRequest {
  readonly serviceType: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string | number | undefined>>;
  /** Validates the page's frame: the item list under `itemsKey` and the optional links. */
  readonly frame: z.ZodType;
  readonly itemsKey: string;
  readonly linksKey: string;
  /** A safety stop against a server that keeps sending "next" (default 100,000 pages). */
  readonly maxPages?: number;
  readonly signal?: AbortSignal | undefined;
}

export interface Page {
  readonly items: readonly unknown[];
  /** 1-based. */
  readonly number: number;
  readonly what: string;
}

/**
 * The query of a "next" link. Only the query is taken: behind a proxy, Nova and
 * Neutron often build links with an internal host name or scheme, while the
 * marker and limit in the query are what paging needs.
 */
export function nextQuery(links: readonly Link[] | undefined): URLSearchParams | undefined {
  const next = links?.find((l) => l.rel === 'next');
  if (!next) return undefined;
  try {
    return new URL(next.href, 'http://placeholder.invalid/').searchParams;
  } catch {
    return undefined;
  }
}

/**
 * Walks a marker-paged list. Pages come strictly one after another (each marker
 * is in the previous answer), but a page is handed to the caller only after the
 * request for the next one is on its way, so the caller's parsing and
 * normalising overlaps with the server producing the next page. Stops on a page
 * without a next link, on an empty page (Nova sends a next link after a full
 * last page, and the page after it is empty), and on a next link seen before.
 */
export async function* pages(client: OpenStackClient, request: PageRequest): AsyncGenerator<Page> {
  const maxPages = request.maxPages ?? 100_000;
  const fetchPage = (query: URLSearchParams | undefined): Promise<JsonAnswer> => {
    const merged = new URLSearchParams();
    for (const [k, v] of Object.entries(request.query)) if (v !== undefined) merged.set(k, String(v));
    if (query) for (const [k, v] of query) merged.set(k, v);
    return client.requestJson(request.serviceType, request.path, { query: merged, signal: request.signal });
  };
  const seen = new Set<string>();
  let pending: Promise<JsonAnswer> | undefined = fetchPage(undefined);
  let number = 0;
  try {
    while (pending) {
      const answer: JsonAnswer = await pending;
      pending = undefined;
      number++;
      const frame = client.validate(request.frame, answer.json, answer.what) as Record<string, unknown>;
      const items = frame[request.itemsKey] as unknown[];
      const next = items.length > 0 ? nextQuery(frame[request.linksKey] as Link[] | undefined) : undefined;
      if (next) {
        const key = next.toString();
        if (seen.has(key)) throw new CollectorError(`${answer.what}: the "next" link repeats an earlier page (${key}); stopping instead of looping`);
        if (number >= maxPages) throw new CollectorError(`${answer.what}: more than ${maxPages} pages; stopping`);
        seen.add(key);
        pending = fetchPage(next);
        // Starting the request takes a few turns of the event loop (token, microversion, undici's
        // dispatch); let them happen now, or the caller's synchronous work on this page would
        // hold the next request back until it is done.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      yield { items, number, what: answer.what };
    }
  } finally {
    // The caller stopped early: nobody will await the request in flight, so keep its failure from going unhandled.
    pending?.catch(() => undefined);
  }
}
