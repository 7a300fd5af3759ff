import type { z } from 'zod';
import type { DataKey } from '../../core/data-keys.js';
import { CollectorError, errorMessage } from '../../core/errors.js';
import { mapBounded } from '../../core/bounded.js';
import { StringPool } from '../../core/string-pool.js';
import type { InstanceAction, Region, Server } from '../../snapshot/schema.js';
import type { CollectContext, Collector, CollectorResult } from '../types.js';
import { catalogRegions } from './catalog.js';
import type { OpenStackClient } from './client.js';
import { OpenStackHttpError } from './http.js';
import {
  normaliseComputeService,
  normaliseHypervisor,
  normaliseInstanceAction,
  normaliseNetworkAgent,
} from './normalise.js';
import {
  agentsPageSchema,
  hypervisorsPageSchema,
  instanceActionDetailSchema,
  instanceActionsPageSchema,
  rawComputeServiceSchema,
  rawHypervisorSchema,
  rawNetworkAgentSchema,
  servicesListSchema,
} from './nova-schemas.js';
import { eachValid, pages, readPages, type ReadPage } from './paging.js';
import { readServersPage } from './server-pages.js';

export interface InstanceActionOptions {
  /** Requests in flight at once (default 16). */
  readonly concurrency?: number;
  /** Servers updated within this window get their actions fetched, besides SHUTOFF and ERROR ones (default 24 h). */
  readonly recentMs?: number;
  /** At most this many servers are looked at; the rest are reported in a warning (default 2,000). */
  readonly maxServers?: number;
  /** Actions older than this are left out (default 90 days). */
  readonly historyDays?: number;
  /** Events are fetched for this many of each server's newest actions (default 5). */
  readonly eventsPerServer?: number;
}

export interface OpenStackCollectorOptions {
  /** Told apart in collector ids when several clouds or regions are collected: `openstack-servers:pg1`. */
  readonly name?: string;
  /** Servers per page (Nova's default maximum is 1000). */
  readonly pageSize?: number;
  /** prod or dev per region name; regions not listed get `defaultZone`. */
  readonly regionZones?: Readonly<Record<string, 'prod' | 'dev'>>;
  /** Unknown regions are treated as prod, the careful choice: DB rules apply there. */
  readonly defaultZone?: 'prod' | 'dev';
  readonly regionCenters?: Readonly<Record<string, string>>;
  readonly instanceActions?: InstanceActionOptions;
  /** Per-collector deadlines, by collector kind. */
  readonly timeoutsMs?: Partial<Record<OpenStackCollectorKind, number>>;
}

export type OpenStackCollectorKind = 'regions' | 'servers' | 'hypervisors' | 'compute-services' | 'network-agents' | 'instance-actions';

/**
 * Listing 100,000 servers takes Nova minutes (100 pages of 1000 at a few seconds
 * each), and the instance actions of a few thousand servers as long; a run's
 * general deadline (2 minutes by default) would cut both off on a large fleet.
 */
const LONG_RUNNING_MS: Partial<Record<OpenStackCollectorKind, number>> = { servers: 900_000, 'instance-actions': 900_000 };

/** Warnings beyond this many are summarised, so one bad page of 1000 cannot flood the report. */
const MAX_WARNINGS = 20;

class Warnings {
  readonly #list: string[] = [];
  #dropped = 0;
  add(message: string): void {
    if (this.#list.length < MAX_WARNINGS) this.#list.push(message);
    else this.#dropped++;
  }
  get count(): number {
    return this.#list.length + this.#dropped;
  }
  result(): string[] {
    return this.#dropped > 0 ? [...this.#list, `… and ${this.#dropped} more warnings`] : [...this.#list];
  }
}

const fmt = (n: number): string => n.toLocaleString('en-US');

function outcome(data: CollectorResult['data'], warnings: Warnings): CollectorResult {
  const list = warnings.result();
  return list.length > 0 ? { data, status: 'partial', warnings: list } : { data };
}

interface ServerList {
  readonly servers: Server[];
  readonly warnings: Warnings;
  readonly pages: number;
}

/**
 * The OpenStack collectors, one per snapshot section, sharing one client (one
 * token, one negotiated microversion). Separate collectors rather than one: a
 * section whose API failed is then marked failed on its own, and detectors that
 * need only the others still run with full trust. The instance-actions
 * collector `needs` the servers of its own connection: the runner starts it
 * once that server list is in and hands it over, so the fleet is listed once
 * per run and one region's actions do not wait for another region's list.
 */
export function createOpenStackCollectors(client: OpenStackClient, options: OpenStackCollectorOptions = {}): Collector[] {
  const idOf = (kind: OpenStackCollectorKind): string => `openstack-${kind}${options.name ? `:${options.name}` : ''}`;
  const timeout = (kind: OpenStackCollectorKind): { timeoutMs?: number } => {
    const t = options.timeoutsMs?.[kind] ?? LONG_RUNNING_MS[kind];
    return t === undefined ? {} : { timeoutMs: t };
  };
  const pageSize = options.pageSize ?? 1000;
  const regionOf = async (serviceType: string, signal: AbortSignal): Promise<string | undefined> => (await client.endpoint(serviceType, signal)).region;

  const make = (
    kind: OpenStackCollectorKind,
    description: string,
    produces: DataKey[],
    collect: (ctx: CollectContext) => Promise<CollectorResult>,
    needs?: { keys: DataKey[]; from: OpenStackCollectorKind[] },
  ): Collector => ({
    id: idOf(kind),
    description,
    produces,
    ...(needs ? { needs: needs.keys, needsFrom: needs.from.map(idOf) } : {}),
    ...timeout(kind),
    collect,
  });

  return [
    make('regions', 'The region this cloud connection collects, from the Keystone service catalog.', ['regions'], async (ctx) => {
      // The region of the compute endpoint in use, so that one connection per region does not
      // list every region once per connection; the whole catalog when it has no single compute region.
      const catalog = await client.catalog(ctx.signal);
      // With the token in hand, this can only fail on choosing the endpoint.
      const compute = await client.endpoint('compute', ctx.signal).catch(() => undefined);
      const names = compute?.region !== undefined ? [compute.region] : catalogRegions(catalog);
      const regions: Region[] = names.map((name) => {
        const region: Region = { name, zone: options.regionZones?.[name] ?? options.defaultZone ?? 'prod' };
        const center = options.regionCenters?.[name];
        if (center) region.center = center;
        return region;
      });
      return { data: { regions } };
    }),

    make('servers', 'Every Nova server of every project (servers/detail, all_tenants).', ['servers'], async (ctx) => {
      const list = await fetchServers(client, ctx, pageSize, regionOf);
      return outcome({ servers: list.servers }, list.warnings);
    }),

    make('hypervisors', 'Nova hypervisors with state and status (os-hypervisors/detail).', ['hypervisors'], async (ctx) => {
      const region = await regionOf('compute', ctx.signal);
      const paged = await client.supports('2.33', ctx.signal);
      const warnings = new Warnings();
      const hypervisors: ReturnType<typeof normaliseHypervisor>[] = [];
      let seen = 0;
      for await (const page of pages(client, {
        serviceType: 'compute',
        path: 'os-hypervisors/detail',
        query: paged ? { limit: pageSize } : {},
        frame: hypervisorsPageSchema,
        itemsKey: 'hypervisors',
        linksKey: 'hypervisors_links',
        signal: ctx.signal,
      })) {
        eachValid(page.items, rawHypervisorSchema, page.what, 'hypervisors', seen, warnings, (h) => hypervisors.push(normaliseHypervisor(h, region)));
        seen += page.items.length;
        ctx.progress(`hypervisors: ${fmt(hypervisors.length)}`);
      }
      return outcome({ hypervisors }, warnings);
    }),

    make('compute-services', 'Nova services and whether each is up and enabled (os-services).', ['computeServices'], async (ctx) => {
      const region = await regionOf('compute', ctx.signal);
      const answer = await client.request('compute', 'os-services', servicesListSchema, { signal: ctx.signal });
      const warnings = new Warnings();
      const computeServices: ReturnType<typeof normaliseComputeService>[] = [];
      eachValid(answer.services, rawComputeServiceSchema, 'compute GET os-services', 'services', 0, warnings, (s) => computeServices.push(normaliseComputeService(s, region)));
      return outcome({ computeServices }, warnings);
    }),

    make('network-agents', 'Neutron agents and whether each is alive (v2.0/agents).', ['networkAgents'], async (ctx) => {
      const endpoint = await client.endpoint('network', ctx.signal);
      // The catalog URL of Neutron is usually the bare root, sometimes already ending in /v2.0.
      const path = /\/v2\.0\/?$/.test(endpoint.url) ? 'agents' : 'v2.0/agents';
      const warnings = new Warnings();
      const networkAgents: ReturnType<typeof normaliseNetworkAgent>[] = [];
      let seen = 0;
      for await (const page of pages(client, { serviceType: 'network', path, query: {}, frame: agentsPageSchema, itemsKey: 'agents', linksKey: 'agents_links', signal: ctx.signal })) {
        eachValid(page.items, rawNetworkAgentSchema, page.what, 'agents', seen, warnings, (a) => networkAgents.push(normaliseNetworkAgent(a, endpoint.region)));
        seen += page.items.length;
      }
      return outcome({ networkAgents }, warnings);
    }),

    make(
      'instance-actions',
      'Nova instance actions and their events for servers that are SHUTOFF, in ERROR or changed recently.',
      ['instanceActions'],
      async (ctx) => {
        const region = await regionOf('compute', ctx.signal);
        // Run on its own (no runner, no servers collector), it lists the servers itself.
        const servers = ctx.input.servers ?? (await fetchServers(client, ctx, pageSize, regionOf)).servers;
        // Other clouds' servers may be in the input too; their ids mean nothing to this Nova.
        const mine = servers.filter((s) => region === undefined || s.region === undefined || s.region === region);
        return collectInstanceActions(client, ctx, mine, options.instanceActions ?? {});
      },
      // This connection's server list only: the actions of one region start as soon as its servers are in.
      { keys: ['servers'], from: ['servers'] },
    ),
  ];
}

async function fetchServers(
  client: OpenStackClient,
  ctx: CollectContext,
  pageSize: number,
  regionOf: (serviceType: string, signal: AbortSignal) => Promise<string | undefined>,
): Promise<ServerList> {
  const region = await regionOf('compute', ctx.signal);
  const servers: Server[] = [];
  const warnings = new Warnings();
  let seen = 0;
  let pageCount = 0;
  // One copy of each project, user, host, flavor and image name for the whole walk.
  const pool = new StringPool();
  // The walk asks for the next page as soon as a page is read (decoded, parsed, checked, normalised).
  const read = async (query: URLSearchParams): Promise<ReadPage<Server[]>> => {
    const answer = await client.requestBody('compute', 'servers/detail', { query, signal: ctx.signal });
    const out = readServersPage({ body: answer.body, what: answer.what, offset: seen, region, pool });
    if (!out.ok) throw out.notJson ? answer.notJson() : new CollectorError(client.redact(out.message));
    seen += out.count;
    for (const w of out.warnings) warnings.add(w);
    return { content: out.servers, count: out.count, next: out.next === undefined ? undefined : new URLSearchParams(out.next), what: answer.what };
  };
  for await (const page of readPages({ query: { all_tenants: 1, limit: pageSize } }, read)) {
    for (const s of page.content) servers.push(s);
    pageCount = page.number;
    ctx.progress(`servers: ${fmt(servers.length)}${page.number > 1 ? ` (page ${page.number})` : ''}`);
  }
  ctx.log.debug('openstack servers listed', { servers: servers.length, skipped: warnings.count });
  return { servers, warnings, pages: pageCount };
}

const NEEDS_HISTORY = new Set(['SHUTOFF', 'ERROR']);

/**
 * The servers worth an instance-action lookup, most telling first: ERROR, then
 * SHUTOFF, then the most recently changed. Looking at every server of a large
 * fleet would be one request per server for nothing.
 */
type ServerFacts = Pick<Server, 'id' | 'status' | 'updatedAt'>;

export function serversNeedingActions<S extends ServerFacts>(servers: readonly S[], nowMs: number, recentMs: number): S[] {
  const rank = (s: S): number => (s.status === 'ERROR' ? 0 : s.status === 'SHUTOFF' ? 1 : 2);
  const updated = (s: S): number => (s.updatedAt ? Date.parse(s.updatedAt) : Number.NaN);
  const picked = servers.filter((s) => NEEDS_HISTORY.has(s.status.toUpperCase()) || nowMs - updated(s) <= recentMs);
  return picked.sort((a, b) => rank(a) - rank(b) || (updated(b) || 0) - (updated(a) || 0));
}

async function collectInstanceActions(client: OpenStackClient, ctx: CollectContext, servers: readonly ServerFacts[], options: InstanceActionOptions): Promise<CollectorResult> {
  const nowMs = ctx.now().getTime();
  const historyDays = options.historyDays ?? 90;
  const cutoffMs = nowMs - historyDays * 86_400_000;
  const eventsPerServer = options.eventsPerServer ?? 5;
  const maxServers = options.maxServers ?? 2000;
  const warnings = new Warnings();
  const candidates = serversNeedingActions(servers, nowMs, options.recentMs ?? 86_400_000);
  const chosen = candidates.slice(0, maxServers);
  if (candidates.length > chosen.length) {
    warnings.add(`instance actions fetched for ${fmt(chosen.length)} of ${fmt(candidates.length)} servers that need them (limit instanceActions.maxServers)`);
  }
  // 2.58 added paging and a time filter to the action list; older APIs return the whole history.
  const paged = await client.supports('2.58', ctx.signal);
  const since = new Date(cutoffMs).toISOString();
  const perServer: InstanceAction[][] = new Array<InstanceAction[]>(chosen.length);
  let done = 0;
  let failed = 0;
  let firstFailure: unknown;
  await mapBounded(chosen, options.concurrency ?? 16, async (server, index) => {
    try {
      const id = encodeURIComponent(server.id);
      const actions: InstanceAction[] = [];
      for await (const page of pages(client, {
        serviceType: 'compute',
        path: `servers/${id}/os-instance-actions`,
        query: paged ? { 'changes-since': since } : {},
        frame: instanceActionsPageSchema,
        itemsKey: 'instanceActions',
        linksKey: 'links',
        signal: ctx.signal,
      })) {
        for (const raw of page.items as z.output<typeof instanceActionsPageSchema>['instanceActions']) {
          const action = normaliseInstanceAction(server.id, raw);
          if (Date.parse(action.startTime) >= cutoffMs || (action.updatedAt && Date.parse(action.updatedAt) >= cutoffMs)) actions.push(action);
        }
      }
      actions.sort((a, b) => Date.parse(b.startTime) - Date.parse(a.startTime));
      for (let i = 0; i < Math.min(eventsPerServer, actions.length); i++) {
        const action = actions[i] as InstanceAction;
        try {
          const detail = await client.request('compute', `servers/${id}/os-instance-actions/${encodeURIComponent(action.requestId)}`, instanceActionDetailSchema, { signal: ctx.signal });
          actions[i] = normaliseInstanceAction(server.id, detail.instanceAction);
        } catch (err) {
          if (ctx.signal.aborted) throw err;
          warnings.add(`server ${server.id}: events of ${action.action} ${action.requestId} not read: ${errorMessage(err)}`);
        }
      }
      perServer[index] = actions;
    } catch (err) {
      // Deleted between the listing and now: nothing to report about it.
      if (err instanceof OpenStackHttpError && err.status === 404) return;
      if (ctx.signal.aborted) throw err;
      failed++;
      firstFailure ??= err;
      warnings.add(`server ${server.id}: instance actions not read: ${errorMessage(err)}`);
    } finally {
      done++;
      if (done % 50 === 0 || done === chosen.length) ctx.progress(`instance actions: ${fmt(done)}/${fmt(chosen.length)} servers`);
    }
  }, ctx.signal);
  if (chosen.length > 0 && failed === chosen.length) {
    throw new CollectorError(`instance actions could not be read for any of ${fmt(chosen.length)} servers: ${errorMessage(firstFailure)}`, { cause: firstFailure });
  }
  const instanceActions = perServer.flatMap((a) => a ?? []);
  return outcome({ instanceActions }, warnings);
}
