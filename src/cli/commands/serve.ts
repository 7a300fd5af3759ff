import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { runDeliveryLoop } from '../../act/notify/delivery-loop.js';
import { ConfigError, UsageError, errorMessage } from '../../core/errors.js';
import { Redactor } from '../../core/redact.js';
import { singleLine } from '../../report/text.js';
import { OutboxStore } from '../../store/outbox.js';
import { RegionLeases } from '../../store/region-leases.js';
import { LeasedRegions, REGIONLESS, WholeFleet, type LeaseEvent, type RegionScope } from '../../watch/region-scope.js';
import { correlate } from '../../correlate/correlate.js';
import type { Incident } from '../../correlate/types.js';
import { resolveOptions, selectDetectors } from '../../detect/engine.js';
import { detectors } from '../../detect/rules/index.js';
import { buildServer } from '../../server/app.js';
import { resolveTokens } from '../../server/auth.js';
import type { LatestScan } from '../../server/latest.js';
import { ServerMetrics } from '../../server/metrics.js';
import { detectWithStore } from '../../store/scan.js';
import type { Store } from '../../store/store.js';
import { loadCliConfig, type CliConfig } from '../config.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { configuredSinks, retryPolicy } from '../notify.js';
import { openstackSession, positiveNumber } from '../openstack.js';
import { openCliStore, retentionOf, storeLocation } from '../store-location.js';
import { VERSION } from '../version.js';
import { resume } from './run.js';
import { obtainSnapshot } from './snapshot.js';
import { buildWatch, textLine } from './watch.js';

export interface ServeFlags {
  config?: string;
  listen?: string;
  store?: string;
  scanInterval?: string;
  /** --no-scan sets it false. */
  scan?: boolean;
  from?: string;
  timeout?: string;
  verbose?: boolean;
}

export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new UsageError(`--listen: "${text}" is not host:port (e.g. 127.0.0.1:8080, [::1]:8080; port 0 = any free port)`);
  return { host: (m[1] ?? m[2]) as string, port };
}

/**
 * `faultline serve`: the API over the store, the watch loop on the regions this
 * process holds, the periodic full scan (the region-less work: Kubernetes, the
 * alarm feed) when it holds that, and the outbox's delivery. The store stays
 * open for the life of the process (an embedded one is locked to it). On
 * PostgreSQL several of these split the regions by the store's region leases;
 * the API answers for the whole fleet from the store in every one of them.
 */
export async function serve(ctx: CliContext, flags: ServeFlags, until: Promise<unknown>): Promise<number> {
  const loaded = await loadCliConfig(ctx, flags.config);
  const { config, file } = loaded;
  const { host, port } = parseListen(flags.listen ?? config.server?.listen ?? '127.0.0.1:8080');
  const intervalMs = positiveNumber('--scan-interval', flags.scanInterval, config.server?.scanIntervalSeconds ?? 300) * 1000;
  const tokens = await resolveTokens(config.server, { ...(file ? { configFile: file } : {}), cwd: ctx.cwd, env: ctx.env, secret: (t) => ctx.term.redactor?.add(t) });
  if (tokens.length === 0) {
    throw new ConfigError({
      ...(file ? { file } : {}),
      key: 'server.tokens',
      problem: 'no API token is configured, so every call would be refused',
      fix: 'add e.g. server: {tokens: [{name: dashboard, role: read, tokenFile: read.token}]} with the token in that file (openssl rand -hex 32)',
    });
  }
  const scanning = flags.scan !== false;
  const selected = scanning ? selectDetectors(detectors, { only: [], skip: [], settings: config.detectors ?? {} }) : [];
  for (const d of selected) resolveOptions(d, config.detectors?.[d.id]?.options, file);
  // The watch loop needs Nova; a saved snapshot (--from) or a configuration without a cloud gets the full scan only.
  const session = scanning && !flags.from && loaded.cloud && !loaded.cloudError ? await openstackSession(ctx, flags) : undefined;

  const location = storeLocation(ctx, config.store, flags.store !== undefined ? { path: flags.store } : {}, true);
  if (!location) throw new UsageError('faultline serve needs a store: add a store section to faultline.yaml or pass --store <dir>');
  const store = await openCliStore(ctx, loaded, location, 'faultline serve');
  // A PostgreSQL store gets a second connection for the scans, so a long scan transaction never holds up the API (or the lease renewals).
  let scanStore: Store = store;
  try {
    if (location.kind === 'server' && scanning) scanStore = await openCliStore(ctx, loaded, location, 'faultline serve (scans)');
  } catch (err) {
    await store.close();
    throw err;
  }
  const log = (m: string): void => ctx.term.err(`faultline serve: ${m}`);
  const regions = (session?.clients ?? []).flatMap((c) => (c.region !== undefined ? [c.region] : []));
  const leased =
    location.kind === 'server'
      ? new LeasedRegions({
          leases: new RegionLeases(store.engine, `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`, (config.server?.leaseTtlSeconds ?? 30) * 1000),
          regions,
          renewEveryMs: ((config.server?.leaseTtlSeconds ?? 30) * 1000) / 3,
          emit: (e) => log(leaseLine(e)),
        })
      : undefined;
  const scope: RegionScope = leased ?? new WholeFleet(regions);
  const metrics = new ServerMetrics(store.engine);
  let latest: LatestScan | undefined;
  const server = buildServer({
    engine: store.engine,
    tokens,
    latest: () => latest,
    metrics,
    log,
    version: VERSION,
    resumeRun: resumeApproved(ctx, flags, store),
    ...(leased ? { instance: leased.instanceId } : {}),
  });
  const work = new AbortController();
  const leasing = new AbortController();
  const loops: Promise<void>[] = [];
  try {
    // The first renewal before any work, so this process starts on what it holds instead of on nothing.
    if (leased) await leased.renew();
    const address = await server.app.listen({ host, port });
    ctx.term.out(
      `faultline serve: listening on ${address} (API ${address}/api/v1, metrics ${address}/metrics); store ${store.where}; ` +
        `${session ? `watching ${regions.length || 1} region(s) every ${config.watch.intervalSeconds} s` : 'no watch loop'}; ` +
        `${scanning ? `full scan every ${intervalMs / 1000} s` : 'not scanning'}; ` +
        `${leased ? `instance ${leased.instanceId}, region leases of ${config.server?.leaseTtlSeconds ?? 30} s` : 'holding every region (embedded store)'}\n`,
    );
    if (leased) loops.push(leased.run(leasing.signal));
    if (scanning) {
      loops.push(
        fullScans(intervalMs, scope, work.signal, async () => {
          try {
            const done = await scanOnce(ctx, loaded, scanStore, selected, flags, async () => (await scope.confirm([REGIONLESS], new Date())).has(REGIONLESS));
            if (!done) return;
            latest = done;
            metrics.scanDone(latest.snapshot.collection);
            server.events.emit('scan');
          } catch (err) {
            metrics.scanFailed();
            log(`scan failed: ${errorMessage(err)}; next try in ${intervalMs / 1000} s`);
          }
        }),
      );
    }
    if (session) {
      const { watcher } = buildWatch(ctx, session, scanStore, {
        flags: {},
        program: 'faultline serve',
        intervalMs: config.watch.intervalSeconds * 1000,
        resyncEvery: config.watch.resyncEvery,
        leaseTtlMs: 15 * 60_000,
        selected,
        scope,
        emit: (e) => {
          const line = textLine(new Date().toISOString(), e);
          if (line !== undefined) log(line);
          if (e.type === 'round' && e.recorded !== null) server.events.emit('scan');
        },
      });
      loops.push(watcher.run(work.signal));
    }
    const sinks = configuredSinks(config, ctx.term.redactor ?? new Redactor());
    loops.push(
      runDeliveryLoop(
        {
          queue: new OutboxStore(store.engine),
          sinks,
          policy: retryPolicy(config),
          intervalMs: (config.server?.outboxIntervalSeconds ?? 5) * 1000,
          onDelivered: (d) => log(`outbox ${d.key}: ${d.result}${d.retryAt ? ` (next attempt ${d.retryAt})` : ''}: ${singleLine(d.detail)}`),
          onError: (m) => log(`outbox delivery failed: ${m}`),
        },
        work.signal,
      ),
    );
    const signal = await until;
    log(`${String(signal)}: stopping (after the round, scan, runs and deliveries in progress)`);
    work.abort();
    return EXIT.ok;
  } finally {
    work.abort();
    // The leases are given back only once the work under them has stopped.
    await Promise.allSettled(loops.slice(leased ? 1 : 0));
    leasing.abort();
    await Promise.allSettled(loops);
    await server.app.close();
    if (scanStore !== store) await scanStore.close();
    await store.close();
  }
}

function leaseLine(e: LeaseEvent): string {
  switch (e.type) {
    case 'lease.taken':
      return `lease.taken ${e.regions.join(', ')}: holding ${e.held.join(', ')} (${e.instances} instance(s) alive)`;
    case 'lease.released':
      return `lease.released ${e.regions.join(', ')} to leave the other instances a share: holding ${e.held.join(', ') || 'nothing'} (${e.instances} instance(s) alive)`;
    case 'lease.lost':
      return `lease.lost ${e.regions.join(', ')}: ${e.reason}; work on it stopped`;
    case 'lease.failed':
      return `lease.failed ${singleLine(e.error)}`;
  }
}

/** The full scan every interval while this process holds the region-less lease; a glance at the lease every few seconds otherwise. */
async function fullScans(intervalMs: number, scope: RegionScope, signal: AbortSignal, once: () => Promise<void>): Promise<void> {
  while (!signal.aborted) {
    const mine = scope.held().has(REGIONLESS);
    if (mine) await once();
    if (signal.aborted) break;
    await new Promise<void>((res) => {
      const t = setTimeout(done, mine ? intervalMs : Math.min(intervalMs, 2000));
      function done(): void {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        res();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

/**
 * How the server continues a run approved through its API: faultline resume's
 * own code on the server's open store. The approval by an operate token is the
 * operator's consent to the run's next steps, as --yes is on the command line;
 * with no terminal there is nobody else to ask.
 */
function resumeApproved(ctx: CliContext, flags: ServeFlags, store: Store): (runId: string) => Promise<void> {
  return async (runId) => {
    ctx.term.err(`faultline serve: resuming run ${runId} after its approval through the API`);
    const code = await resume(ctx, runId, { ...(flags.config ? { config: flags.config } : {}), yes: true }, process.stdin, store);
    ctx.term.err(`faultline serve: run ${runId} resumed (exit ${code})`);
  };
}

/** One full scan, recorded unless `stillMine` says the region-less lease was lost while it collected (then undefined). */
async function scanOnce(ctx: CliContext, loaded: CliConfig, store: Store, selected: ReturnType<typeof selectDetectors>, flags: ServeFlags, stillMine: () => Promise<boolean>): Promise<LatestScan | undefined> {
  const { config, file } = loaded;
  const collected = await obtainSnapshot(ctx, loaded, { ...(flags.from ? { from: flags.from } : {}), ...(flags.timeout ? { timeout: flags.timeout } : {}), verbose: flags.verbose ?? false });
  const evaluatedAt = new Date(collected.snapshot.collectedAt);
  if (!(await stillMine())) {
    ctx.term.err('faultline serve: the region-less lease moved to another instance during the scan; not recorded');
    return undefined;
  }
  let incidents: readonly Incident[] = [];
  const stored = await detectWithStore(store, {
    snapshot: collected.snapshot,
    detectors: selected,
    run: { now: evaluatedAt, settings: config.detectors ?? {}, suppressions: config.suppressions ?? [], ...(file ? { configFile: file } : {}) },
    commit: true,
    lookbackDays: config.store?.lookbackDays ?? 62,
    source: flags.from ? 'snapshot' : 'collected',
    version: VERSION,
    correlate: (judged, results) => (incidents = correlate(judged, results.flatMap((r) => r.findings)).incidents),
  });
  await store.prune(new Date(), retentionOf(config.store));
  const r = stored.recorded;
  ctx.term.err(
    `faultline serve: scan ${r.scanId} recorded: ${stored.results.reduce((n, x) => n + x.findings.length, 0)} finding(s), ${incidents.length} open incident(s)` +
      (r.incidents ? ` (${r.incidents.newIncidents} new, ${r.incidents.resolvedIncidents} resolved)` : ''),
  );
  return { scanId: r.scanId, evaluatedAt, snapshot: stored.snapshot, results: stored.results, incidents };
}
