import type { z } from 'zod';
import { CollectorError } from '../../core/errors.js';
import { formatIssues } from '../../snapshot/issues.js';
import type { OpenStackClient } from './client.js';
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

/** One page as a reader made it: what the caller gets, how many items it had, and the next link's query. */
export interface ReadPage<T> {
  readonly content: T;
  readonly count: number;
  readonly next: URLSearchParams | undefined;
  readonly what: string;
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
  const read = async (query: URLSearchParams): Promise<ReadPage<readonly unknown[]>> => {
    const answer = await client.requestJson(request.serviceType, request.path, { query, signal: request.signal });
    const frame = client.validate(request.frame, answer.json, answer.what) as Record<string, unknown>;
    const items = frame[request.itemsKey] as unknown[];
    return { content: items, count: items.length, next: nextQuery(frame[request.linksKey] as Link[] | undefined), what: answer.what };
  };
  for await (const page of readPages(request, read)) yield { items: page.content, number: page.number, what: page.what };
}

/**
 * The walk of `pages`, with the request and the reading of each answer left to
 * `read` (given the full query of the page to fetch): the server list reads each
 * page from its bytes and drops the raw JSON before the walk goes on, which keeps
 * the heap small on a 100,000-server fleet (see server-pages.ts).
 */
export async function* readPages<T>(
  request: Pick<PageRequest, 'query' | 'maxPages'>,
  read: (query: URLSearchParams) => Promise<ReadPage<T>>,
): AsyncGenerator<{ content: T; number: number; what: string }> {
  const maxPages = request.maxPages ?? 100_000;
  const fetchPage = (query: URLSearchParams | undefined): Promise<ReadPage<T>> => {
    const merged = new URLSearchParams();
    for (const [k, v] of Object.entries(request.query)) if (v !== undefined) merged.set(k, String(v));
    if (query) for (const [k, v] of query) merged.set(k, v);
    return read(merged);
  };
  const seen = new Set<string>();
  let pending: Promise<ReadPage<T>> | undefined = fetchPage(undefined);
  let number = 0;
  try {
    while (pending) {
      const page: ReadPage<T> = await pending;
      pending = undefined;
      number++;
      const next = page.count > 0 ? page.next : undefined;
      if (next) {
        const key = next.toString();
        if (seen.has(key)) throw new CollectorError(`${page.what}: the "next" link repeats an earlier page (${key}); stopping instead of looping`);
        if (number >= maxPages) throw new CollectorError(`${page.what}: more than ${maxPages} pages; stopping`);
        seen.add(key);
        pending = fetchPage(next);
        // Starting the request takes a few turns of the event loop (token, microversion, the
        // socket write); let them happen now, or the caller's synchronous work on this page would
        // hold the next request back until it is done.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      yield { content: page.content, number, what: page.what };
    }
  } finally {
    // The caller stopped early: nobody will await the request in flight, so keep its failure from going unhandled.
    pending?.catch(() => undefined);
  }
}

/**
 * Validates list items one by one: an item that does not fit is skipped with a
 * warning naming its index, id and field, and the rest are kept. `accepts`, when
 * given, is a faster check that says exactly what the schema would say; an item
 * it passes is used as it is, one it refuses goes through the schema for the message.
 */
export function eachValid<S extends z.ZodType>(
  items: readonly unknown[],
  schema: S,
  what: string,
  key: string,
  offset: number,
  warnings: { add(message: string): void },
  use: (item: z.output<S>) => void,
  accepts?: (item: unknown) => item is z.output<S>,
): void {
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (accepts?.(item)) {
      use(item);
      continue;
    }
    const parsed = schema.safeParse(item);
    if (parsed.success) {
      use(parsed.data);
      continue;
    }
    const id = (items[i] as { id?: unknown } | null)?.id;
    warnings.add(`${what}: skipped ${key}[${offset + i}]${typeof id === 'string' || typeof id === 'number' ? ` (id ${id})` : ''}: ${formatIssues(parsed.error.issues, 2).join('; ')}`);
  }
}
