import { escalate } from '../../act/notify/escalate.js';
import { cliAnnouncer } from '../notify.js';
import { novaEffects } from '../../act/openstack/runbook-effects.js';
import { redfishPowerDriver } from '../../act/bmc/driver.js';
import { Redactor } from '../../core/redact.js';
import { resolveOptions, selectDetectors } from '../../detect/engine.js';
import { detectors } from '../../detect/rules/index.js';
import { escapeMarkdown } from '../../report/markdown.js';
import { singleLine } from '../../report/text.js';
import type { Effects } from '../../runbook/ports.js';
import { ActionBudgets } from '../../store/budget.js';
import { RunStore } from '../../store/runs.js';
import { UsageError } from '../../core/errors.js';
import { AutoStarter } from '../../watch/auto-start.js';
import { AlertmanagerTriggers } from '../../watch/alertmanager-triggers.js';
import { ServerFeed } from '../../watch/server-feed.js';
import { Watch, type WatchEvent } from '../../watch/watch.js';
import type { RegionScope } from '../../watch/region-scope.js';
import type { Store } from '../../store/store.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { openstackSession, positiveNumber, type OpenStackSession } from '../openstack.js';
import { openCliStore, retentionOf, storeLocation } from '../store-location.js';
import { VERSION } from '../version.js';

export interface WatchFlags {
  config?: string;
  store?: string;
  format?: 'text' | 'json';
  interval?: string;
  resyncEvery?: string;
  rounds?: string;
  actionTimeout?: string;
  waitTimeout?: string;
  leaseMinutes?: string;
  verbose?: boolean;
}

/** One event as a line: `<time> <type> <what>`; every name from an API goes through singleLine. */
export function textLine(at: string, e: WatchEvent): string | undefined {
  const s = (v: string | null | undefined): string => singleLine(v ?? '-');
  switch (e.type) {
    case 'round':
      // A quiet round is not worth a line; one that judged the fleet or answered a trigger is.
      if (e.recorded === null && e.trigger === null) return undefined;
      return `${at} round ${e.round}${e.full ? ' (full listing)' : ''}: ${e.changed} changed, ${e.removed} gone, ${e.servers} servers held, ${e.novaRequests} Nova request(s), ${e.durationMs} ms${e.judged === 'whole' ? ', whole fleet judged' : e.judged === 'changes' ? `, ${e.judgedServers} server(s) judged again` : ''}${e.recorded !== null ? `, recorded as scan ${e.recorded}` : ''}${e.trigger ? `; triggered by ${s(e.trigger)}` : ''}`;
    case 'server.shutoff':
      return `${at} server.shutoff ${s(e.server.name)} (${e.server.id}) on ${s(e.server.host)}: ${e.cause === 'host' ? 'stopped by its host (no user on the stop)' : e.cause === 'user' ? `stopped by user ${s(e.userId)}` : 'no stop on record'}${e.requestId ? ` [${e.requestId}]` : ''}`;
    case 'finding.new':
    case 'finding.open':
    case 'finding.resolved':
      return `${at} ${e.type} ${e.finding.severity} ${e.finding.detectorId} ${e.finding.resource.kind} ${s(e.finding.resource.name ?? e.finding.resource.id)}: ${s(e.finding.message)}`;
    case 'incident.new':
    case 'incident.open':
    case 'incident.resolved':
      return `${at} ${e.type} ${e.incident.severity} ${e.incident.case} ${e.incident.id}: ${s(e.incident.title)}`;
    case 'trigger':
      return `${at} trigger ${e.source}: ${s(e.detail)}${e.target ? ` (target ${s(e.target)})` : ''}`;
    case 'warning':
      return `${at} warning ${s(e.message)}`;
    case 'autorun.started':
      return `${at} autorun.started ${e.runId} host-stopped-server on ${s(e.server.name)} (${e.server.id})${e.resumed ? ' resumed' : ''}: start ${e.spent} of ${e.limit} in the window`;
    case 'autorun.finished':
      return `${at} autorun.finished ${e.runId} on ${s(e.server.name)}: ${e.status}${e.reason ? ` (${s(e.reason)})` : ''}`;
    case 'autorun.refused':
      return `${at} autorun.refused ${s(e.server.name)}: ${s(e.reason)}`;
    case 'autorun.escalated':
      return `${at} autorun.escalated ${s(e.server.name)} (${e.server.id}): ${s(e.text)} [${s(e.delivery)}]`;
    case 'autorun.failed':
      return `${at} autorun.failed ${s(e.server.name)}${e.runId ? ` ${e.runId}` : ''}: ${s(e.error)}`;
  }
}

export async function watch(ctx: CliContext, flags: WatchFlags): Promise<number> {
  const session = await openstackSession(ctx, flags);
  const { loaded } = session;
  const { config, file } = loaded;
  const settings = config.watch;
  const intervalMs = (flags.interval !== undefined ? positiveNumber('--interval', flags.interval, settings.intervalSeconds) : settings.intervalSeconds) * 1000;
  const resyncEvery = flags.resyncEvery !== undefined ? positiveNumber('--resync-every', flags.resyncEvery, settings.resyncEvery, true) : settings.resyncEvery;
  const maxRounds = flags.rounds !== undefined ? positiveNumber('--rounds', flags.rounds, 1, true) : undefined;
  const leaseTtlMs = positiveNumber('--lease-minutes', flags.leaseMinutes, 15) * 60_000;
  const selected = selectDetectors(detectors, { only: [], skip: [], settings: config.detectors ?? {} });
  for (const d of selected) resolveOptions(d, config.detectors?.[d.id]?.options, file);

  const location = storeLocation(ctx, config.store, flags.store !== undefined ? { path: flags.store } : {}, true);
  if (!location) throw new UsageError('faultline watch records what it sees: it needs a store');
  const store = await openCliStore(ctx, loaded, location, 'faultline watch');
  const json = flags.format === 'json';
  const emit = (e: WatchEvent): void => {
    const at = new Date().toISOString();
    if (json) ctx.term.out(`${JSON.stringify({ at, ...e })}\n`);
    else {
      const line = textLine(at, e);
      if (line !== undefined) ctx.term.out(`${line}\n`);
    }
  };
  const { watcher, autoStart, feeds, triggers, auto } = buildWatch(ctx, session, store, {
    flags,
    program: 'faultline watch',
    intervalMs,
    resyncEvery,
    leaseTtlMs,
    selected,
    emit,
    ...(maxRounds !== undefined ? { maxRounds } : {}),
  });

  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stop.signal.aborted) return;
    ctx.term.err(`${signal}: stopping after the round in progress${autoStart?.busy.size ? ` and ${autoStart.busy.size} run(s) in progress` : ''}`);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  ctx.term.err(
    `watching ${feeds.length} region(s) every ${intervalMs / 1000} s (full listing every ${resyncEvery} rounds); ` +
      `recording to the store at ${store.where}; auto-start of host-stopped servers ${auto.enabled ? `on (at most ${auto.flapLimit.restarts} per server in ${auto.flapLimit.windowMinutes} min)` : 'off'}` +
      `${triggers ? '; polling Alertmanager' : ''}`,
  );
  try {
    await watcher.run(stop.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await store.close();
  }
  ctx.term.err('watch stopped');
  return EXIT.ok;
}

export interface BuildWatchOptions {
  readonly flags: Pick<WatchFlags, 'actionTimeout' | 'waitTimeout'>;
  /** The command, as the runs' actor names it. */
  readonly program: string;
  readonly intervalMs: number;
  readonly resyncEvery: number;
  readonly leaseTtlMs: number;
  readonly selected: ReturnType<typeof selectDetectors>;
  readonly emit: (e: WatchEvent) => void;
  readonly maxRounds?: number;
  readonly scope?: RegionScope;
}

/** The watch loop as faultline.yaml configures it (feeds, auto-start, Alertmanager triggers), for `faultline watch` and `faultline serve`. */
export function buildWatch(ctx: CliContext, session: OpenStackSession, store: Store, o: BuildWatchOptions) {
  const { loaded } = session;
  const { config, file } = loaded;
  const settings = config.watch;
  const redactor = ctx.term.redactor ?? new Redactor();
  const announcer = cliAnnouncer(ctx, store, config);
  const actor = `${session.actor} (${o.program})`;
  const effects = new Map<string | undefined, Effects>();
  const effectsFor = (region: string | undefined): Effects | undefined => {
    const at = session.clients.find((c) => c.region === region) ?? (session.clients.length === 1 ? session.clients[0] : undefined);
    if (!at) return undefined;
    let e = effects.get(at.region);
    if (!e) {
      e = novaEffects({
        at,
        actor,
        reachability: session.reachability,
        power: redfishPowerDriver(config.bmc, file, redactor),
        actionTimeoutMs: positiveNumber('--action-timeout', o.flags.actionTimeout, 300) * 1000,
        stormFraction: config.runbooks.stormFraction,
        stormSample: config.runbooks.stormSample,
        // The feed holds the region's servers already: the storm check samples them instead of listing Nova's ACTIVE servers again.
        heldServers: () => feeds.find((f) => f.region === at.region)?.servers ?? [],
        ...(o.flags.waitTimeout !== undefined ? { maxWaitMs: positiveNumber('--wait-timeout', o.flags.waitTimeout, 600) * 1000 } : {}),
        // The runs watch starts post their notices and escalations through the outbox, as `faultline run` does.
        announcer,
      });
      effects.set(at.region, e);
    }
    return e;
  };
  const auto = settings.autoRun['host-stopped-server'];
  const h = config.runbooks.businessHours;
  const autoStart = auto.enabled
    ? new AutoStarter({
        runs: new RunStore(store.engine, o.leaseTtlMs),
        budgets: new ActionBudgets(store.engine),
        limit: { actions: auto.flapLimit.restarts, windowMs: auto.flapLimit.windowMinutes * 60_000 },
        maxStopAgeMs: auto.maxStopAgeMinutes * 60_000,
        effectsFor,
        // As the engine's escalations, through the same outbox: a page (PagerDuty and chat) in a prod
        // zone, a chat mention in a dev zone, keyed by the server and the stop it answers.
        escalate: async (text, zone, about) =>
          (
            await escalate(announcer, {
              kind: zone === 'prod' ? 'page' : 'mention',
              event: `host-stopped-server/${about.server.id}/escalate/${about.stop}`,
              line: `host-stopped-server: ${text}`,
              escape: escapeMarkdown,
              page: {
                dedupKey: `host-stopped-server/${about.server.id}`,
                summary: `host-stopped-server on ${about.server.name} needs a person: ${text}`,
                source: about.server.host ?? about.server.name,
                component: 'host-stopped-server',
                eventClass: 'auto-start escalation',
                details: { server: about.server.id, stop: about.stop, ...(about.server.region ? { region: about.server.region } : {}) },
              },
              byHand: '',
            })
          ).detail,
        actor,
        clock: { now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
        businessHours: { timeZone: h.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone, days: h.days, start: h.start, end: h.end },
        zoneOf: (region) => (region ? config.zones[region] : undefined),
        leaseTtlMs: o.leaseTtlMs,
        emit: o.emit,
      })
    : undefined;
  const feeds = session.clients.map((c) => new ServerFeed({ client: c.client, region: c.region, resyncEvery: o.resyncEvery }));
  const am = settings.alertmanager;
  const triggers = am ? new AlertmanagerTriggers({ url: am.url, timeoutMs: am.timeoutSeconds * 1000, headers: am.headers ?? {}, redactor }) : undefined;
  const watcher = new Watch({
    feeds,
    detectors: o.selected,
    run: { settings: config.detectors ?? {}, suppressions: config.suppressions ?? [], ...(file ? { configFile: file } : {}) },
    store,
    lookbackDays: config.store?.lookbackDays ?? 62,
    version: VERSION,
    intervalMs: o.intervalMs,
    zones: config.zones,
    emit: o.emit,
    ...(autoStart ? { autoStart } : {}),
    ...(triggers ? { triggers } : {}),
    prune: async () => {
      await store.prune(new Date(), retentionOf(config.store));
    },
    ...(o.maxRounds !== undefined ? { maxRounds: o.maxRounds } : {}),
    ...(o.scope ? { scope: o.scope } : {}),
  });
  return { watcher, autoStart, feeds, triggers, auto };

}
