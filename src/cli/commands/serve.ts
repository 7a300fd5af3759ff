import { ConfigError, UsageError, errorMessage } from '../../core/errors.js';
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
import { positiveNumber } from '../openstack.js';
import { openCliStore, retentionOf, storeLocation } from '../store-location.js';
import { VERSION } from '../version.js';
import { resume } from './run.js';
import { obtainSnapshot } from './snapshot.js';

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
 * `faultline serve`: the API over the store, and a simple periodic scan that
 * records into it so what the API serves is live. The store stays open for the
 * life of the process (an embedded one is locked to it).
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

  const location = storeLocation(ctx, config.store, flags.store !== undefined ? { path: flags.store } : {}, true);
  if (!location) throw new UsageError('faultline serve needs a store: add a store section to faultline.yaml or pass --store <dir>');
  const store = await openCliStore(ctx, loaded, location, 'faultline serve');
  // A PostgreSQL store gets a second connection for the scans, so a long scan transaction never holds up the API.
  let scanStore: Store = store;
  try {
    if (location.kind === 'server' && scanning) scanStore = await openCliStore(ctx, loaded, location, 'faultline serve (scans)');
  } catch (err) {
    await store.close();
    throw err;
  }
  const metrics = new ServerMetrics(store.engine);
  let latest: LatestScan | undefined;
  const server = buildServer({
    engine: store.engine,
    tokens,
    latest: () => latest,
    metrics,
    log: (m) => ctx.term.err(`faultline serve: ${m}`),
    version: VERSION,
    resumeRun: resumeApproved(ctx, flags, store),
  });
  let loop: Promise<void> = Promise.resolve();
  let stopping = false;
  let wake: () => void = () => undefined;
  try {
    const address = await server.app.listen({ host, port });
    ctx.term.out(`faultline serve: listening on ${address} (API ${address}/api/v1, metrics ${address}/metrics); store ${store.where}; ${scanning ? `scanning every ${intervalMs / 1000} s` : 'not scanning'}\n`);
    if (scanning) {
      loop = (async () => {
        while (!stopping) {
          try {
            latest = await scanOnce(ctx, loaded, scanStore, selected, flags);
            metrics.scanDone(latest.snapshot.collection);
            server.events.emit('scan');
          } catch (err) {
            metrics.scanFailed();
            ctx.term.err(`faultline serve: scan failed: ${errorMessage(err)}; next try in ${intervalMs / 1000} s`);
          }
          if (stopping) break;
          await new Promise<void>((res) => {
            const t = setTimeout(res, intervalMs);
            wake = () => {
              clearTimeout(t);
              res();
            };
          });
        }
      })();
    }
    const signal = await until;
    stopping = true;
    wake();
    ctx.term.err(`faultline serve: ${String(signal)}: stopping${scanning ? ' (after the scan in progress, if any)' : ''}`);
    await loop;
    return EXIT.ok;
  } finally {
    stopping = true;
    wake();
    await loop.catch(() => undefined);
    await server.app.close();
    if (scanStore !== store) await scanStore.close();
    await store.close();
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

async function scanOnce(ctx: CliContext, loaded: CliConfig, store: Store, selected: ReturnType<typeof selectDetectors>, flags: ServeFlags): Promise<LatestScan> {
  const { config, file } = loaded;
  const collected = await obtainSnapshot(ctx, loaded, { ...(flags.from ? { from: flags.from } : {}), ...(flags.timeout ? { timeout: flags.timeout } : {}), verbose: flags.verbose ?? false });
  const evaluatedAt = new Date(collected.snapshot.collectedAt);
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
