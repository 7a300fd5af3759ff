import { findServerById, listInstanceActions, listHypervisors } from '../act/openstack/nova.js';
import type { OpenStackClient } from '../collect/openstack/client.js';
import { serversNeedingActions } from '../collect/openstack/collectors.js';
import { OpenStackHttpError } from '../collect/openstack/http.js';
import { readPages, type ReadPage } from '../collect/openstack/paging.js';
import { readServersPage } from '../collect/openstack/server-pages.js';
import { mapBounded } from '../core/bounded.js';
import { CollectorError, errorMessage } from '../core/errors.js';
import { StringPool } from '../core/string-pool.js';
import { isUnrequestedStop } from '../detect/resources.js';
import type { Hypervisor, InstanceAction, Server } from '../snapshot/schema.js';

/**
 * One region's servers as the watch holds them between rounds. A round asks Nova
 * only for what changed (`changes-since` on `servers/detail`) and merges it in;
 * every `resyncEvery` rounds it lists the whole fleet again, which is also how
 * a server deleted without a trace in the change feed leaves the held state.
 * Instance actions are read for the servers that changed into SHUTOFF or ERROR
 * (and for the ones already held with actions, so a start shows up), which is
 * what tells a stop by the host from a stop by a user.
 */

export interface ServerFeedOptions {
  readonly client: OpenStackClient;
  readonly region: string | undefined;
  /** Servers per page. */
  readonly pageSize?: number;
  /** Every this many rounds the whole fleet is listed (default 60: ten minutes at 10 s). */
  readonly resyncEvery?: number;
  /**
   * Nova's `updated` has one-second resolution and a change is written a moment
   * before the request that reads it: asking from a little before the newest
   * `updated` seen keeps a change made in that same second from being missed.
   */
  readonly overlapMs?: number;
  /** Parallel instance-action reads (default 8). */
  readonly concurrency?: number;
  /** On a full listing, servers changed within this window get their actions read too (default 24 h, as the scan does). */
  readonly recentMs?: number;
  /** At most this many servers get their actions read in one round (default 2,000). */
  readonly maxActionServers?: number;
}

export type StopCause = 'host' | 'user' | 'unknown';

/** A server that went SHUTOFF since the round before. */
export interface Shutoff {
  readonly server: Server;
  /** `host` when Nova recorded the stop with no user and no project: the host did it. */
  readonly cause: StopCause;
  readonly stop: InstanceAction | undefined;
}

export interface FeedRound {
  /** The whole fleet was listed this round (the first round, and each resync). */
  readonly full: boolean;
  /** Servers new or changed since the round before. */
  readonly changed: readonly Server[];
  /** Servers no longer in Nova (deleted, or gone from a full listing). */
  readonly removed: readonly Server[];
  readonly shutoff: readonly Shutoff[];
  /** Requests sent to Nova this round. */
  readonly requests: number;
  readonly warnings: readonly string[];
}

const GONE = new Set(['DELETED', 'SOFT_DELETED']);
const NEEDS_ACTIONS = new Set(['SHUTOFF', 'ERROR']);

export class ServerFeed {
  readonly region: string | undefined;
  readonly #client: OpenStackClient;
  readonly #pageSize: number;
  readonly #resyncEvery: number;
  readonly #overlapMs: number;
  readonly #concurrency: number;
  readonly #recentMs: number;
  readonly #maxActionServers: number;
  readonly #servers = new Map<string, Server>();
  readonly #actions = new Map<string, { readonly updatedAt: string | undefined; readonly actions: InstanceAction[] }>();
  #hypervisors: Hypervisor[] | undefined;
  #newestUpdated = Number.NaN;
  #rounds = 0;
  /** Shifts this feed's resyncs against the other regions' (see staggerResync). */
  #resyncOffset = 0;
  #forceFull = true;

  constructor(options: ServerFeedOptions) {
    this.#client = options.client;
    this.region = options.region;
    this.#pageSize = options.pageSize ?? 1000;
    this.#resyncEvery = Math.max(1, options.resyncEvery ?? 60);
    this.#overlapMs = options.overlapMs ?? 2000;
    this.#concurrency = options.concurrency ?? 8;
    this.#recentMs = options.recentMs ?? 86_400_000;
    this.#maxActionServers = options.maxActionServers ?? 2000;
  }

  get servers(): Server[] {
    return [...this.#servers.values()];
  }

  /** How many servers are held. */
  get size(): number {
    return this.#servers.size;
  }

  /** Whether the next round lists the whole region. */
  get resyncDue(): boolean {
    return this.#forceFull || Number.isNaN(this.#newestUpdated) || (this.#rounds + this.#resyncOffset) % this.#resyncEvery === 0;
  }

  /**
   * This feed is `position` of `of` feeds watched together: its full listings fall
   * between the others' instead of in the same round. Listing every region at once
   * makes one long round every resync, and a host stop that lands in it waits for it.
   */
  staggerResync(position: number, of: number): void {
    this.#resyncOffset = of > 1 ? Math.round((position * this.#resyncEvery) / of) % this.#resyncEvery : 0;
  }

  get instanceActions(): InstanceAction[] {
    return [...this.#actions.values()].flatMap((a) => a.actions);
  }

  /** The hypervisors as of the last full round; undefined before one succeeded. */
  get hypervisors(): Hypervisor[] | undefined {
    return this.#hypervisors;
  }

  /** One server's instance actions as last read, newest first. */
  actionsOf(id: string): readonly InstanceAction[] {
    return this.#actions.get(id)?.actions ?? [];
  }

  server(id: string): Server | undefined {
    return this.#servers.get(id);
  }

  /** The next round lists the whole fleet (a trigger asked for a fresh look, or a round failed half-way). */
  resyncNext(): void {
    this.#forceFull = true;
  }

  /** Held servers a trigger's target names: by id, name or address, or every server on a hypervisor it names. */
  matching(target: string): Server[] {
    const t = target.trim().toLowerCase();
    const short = (h: string | null | undefined): string => (h ?? '').toLowerCase().split('.')[0] ?? '';
    return this.servers.filter(
      (s) =>
        s.id.toLowerCase() === t ||
        s.name.toLowerCase() === t ||
        s.addresses.some((a) => a.addr === t) ||
        (s.host ?? '').toLowerCase() === t ||
        (s.hypervisorHostname ?? '').toLowerCase() === t ||
        (short(s.host) !== '' && short(s.host) === short(t)),
    );
  }

  /**
   * `lookAt`: triggers named these targets, so their servers are read one by one
   * (and their actions again) even when the change feed has nothing on them yet.
   */
  async round(now: Date, signal?: AbortSignal, lookAt: readonly string[] = []): Promise<FeedRound> {
    const full = this.resyncDue;
    this.#rounds++;
    const warnings: string[] = [];
    let requests = 0;
    const since = full ? undefined : new Date(this.#newestUpdated - this.#overlapMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const listed = await this.#list(since, warnings, signal);
    requests += listed.pages;
    const before = new Map(this.#servers);
    const changed: Server[] = [];
    const removed: Server[] = [];
    const seen = new Set<string>();
    for (const s of listed.servers) {
      seen.add(s.id);
      if (GONE.has(s.status.toUpperCase())) {
        const old = this.#servers.get(s.id);
        if (old) removed.push(old);
        this.#servers.delete(s.id);
        this.#actions.delete(s.id);
        continue;
      }
      const old = this.#servers.get(s.id);
      if (!old || old.updatedAt !== s.updatedAt || old.status !== s.status || old.taskState !== s.taskState || old.host !== s.host) changed.push(s);
      this.#servers.set(s.id, s);
      const t = s.updatedAt ? Date.parse(s.updatedAt) : Number.NaN;
      if (!Number.isNaN(t) && !(t <= this.#newestUpdated)) this.#newestUpdated = t;
    }
    const forced = new Set<string>();
    if (lookAt.length > 0) {
      const byId = new Map<string, Server>();
      for (const t of lookAt) for (const s of this.matching(t)) byId.set(s.id, s);
      const matched = [...byId.values()].slice(0, this.#maxActionServers);
      // Listed this round already: its record is fresh, its actions are read again below.
      for (const s of matched) forced.add(s.id);
      for (const s of matched.filter((x) => seen.has(x.id))) {
        this.#actions.delete(s.id);
        if (!changed.some((c) => c.id === s.id)) changed.push(s);
      }
      const picked = matched.filter((s) => !seen.has(s.id));
      await mapBounded(
        picked,
        this.#concurrency,
        async (held) => {
          requests++;
          const s = await findServerById(this.#client, held.id, signal);
          if (!s) {
            removed.push(held);
            this.#servers.delete(held.id);
            this.#actions.delete(held.id);
            return;
          }
          // Read again for its actions even when Nova's record did not move.
          this.#actions.delete(s.id);
          changed.push(s);
          this.#servers.set(s.id, s);
        },
        signal,
      );
    }
    if (full) {
      for (const [id, s] of this.#servers) {
        if (seen.has(id)) continue;
        removed.push(s);
        this.#servers.delete(id);
        this.#actions.delete(id);
      }
      try {
        this.#hypervisors = await listHypervisors(this.#client, signal);
        requests++;
      } catch (err) {
        if (signal?.aborted) throw err;
        warnings.push(`hypervisors not listed: ${errorMessage(err)}`);
      }
    }
    requests += await this.#readActions(full, changed, forced, now, warnings, signal);
    const shutoff: Shutoff[] = [];
    for (const s of changed) {
      if (s.status.toUpperCase() !== 'SHUTOFF') continue;
      if (before.get(s.id)?.status.toUpperCase() === 'SHUTOFF') continue;
      const stop = this.#actions.get(s.id)?.actions.find((a) => a.action === 'stop');
      shutoff.push({ server: s, stop, cause: stop === undefined ? 'unknown' : isUnrequestedStop(stop) ? 'host' : 'user' });
    }
    this.#forceFull = false;
    return { full, changed, removed, shutoff, requests, warnings };
  }

  async #list(since: string | undefined, warnings: string[], signal: AbortSignal | undefined): Promise<{ servers: Server[]; pages: number }> {
    const servers: Server[] = [];
    const pool = new StringPool();
    let seen = 0;
    let count = 0;
    const read = async (query: URLSearchParams): Promise<ReadPage<Server[]>> => {
      const answer = await this.#client.requestBody('compute', 'servers/detail', { query, signal });
      count++;
      const out = readServersPage({ body: answer.body, what: answer.what, offset: seen, region: this.region, pool });
      if (!out.ok) throw out.notJson ? answer.notJson() : new CollectorError(this.#client.redact(out.message));
      seen += out.count;
      warnings.push(...out.warnings);
      return { content: out.servers, count: out.count, next: out.next === undefined ? undefined : new URLSearchParams(out.next), what: answer.what };
    };
    const query = { all_tenants: 1, limit: this.#pageSize, ...(since ? { 'changes-since': since } : {}) };
    for await (const page of readPages({ query }, read)) servers.push(...page.content);
    return { servers, pages: count };
  }

  /** Reads the instance actions the round needs; returns the number of requests sent. */
  async #readActions(full: boolean, changed: readonly Server[], forced: ReadonlySet<string>, now: Date, warnings: string[], signal: AbortSignal | undefined): Promise<number> {
    const stale = (s: Server): boolean => this.#actions.get(s.id)?.updatedAt !== s.updatedAt;
    const wanted = full
      ? serversNeedingActions(this.servers, now.getTime(), this.#recentMs).filter(stale)
      : changed.filter((s) => NEEDS_ACTIONS.has(s.status.toUpperCase()) || this.#actions.has(s.id) || forced.has(s.id));
    const chosen = wanted.slice(0, this.#maxActionServers);
    if (wanted.length > chosen.length) warnings.push(`instance actions read for ${chosen.length} of ${wanted.length} servers this round; the rest wait for the next`);
    let requests = 0;
    await mapBounded(
      chosen,
      this.#concurrency,
      async (s) => {
        try {
          // The newest action with its events is what says who stopped it; older ones need no events.
          const actions = await listInstanceActions(this.#client, s.id, 2, signal);
          requests += 1 + Math.min(2, actions.length);
          this.#actions.set(s.id, { updatedAt: s.updatedAt, actions });
        } catch (err) {
          requests++;
          if (signal?.aborted) throw err;
          if (err instanceof OpenStackHttpError && err.status === 404) return;
          warnings.push(`server ${s.id}: instance actions not read: ${errorMessage(err)}`);
        }
      },
      signal,
    );
    return requests;
  }
}
