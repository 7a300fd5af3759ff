import { performance } from 'node:perf_hooks';
import { correlate } from '../correlate/correlate.js';
import type { Incident } from '../correlate/types.js';
import { errorMessage } from '../core/errors.js';
import type { DetectorResult, Finding } from '../core/findings.js';
import type { AnyDetector } from '../detect/define.js';
import type { RunOptions } from '../detect/engine.js';
import { parseSnapshot } from '../snapshot/io.js';
import { SNAPSHOT_SCHEMA_VERSION, type CollectionOutcome, type Region, type Snapshot } from '../snapshot/schema.js';
import { judgedDetectors } from '../store/record.js';
import { detectWithStore } from '../store/scan.js';
import type { Store } from '../store/store.js';
import type { AutoStarter, AutoStartEvent } from './auto-start.js';
import type { JudgementScope } from '../detect/scoped.js';
import type { Server } from '../snapshot/schema.js';
import { Judgement } from './judgement.js';
import { Placement } from './placement.js';
import type { FeedRound, ServerFeed, StopCause } from './server-feed.js';
import { REGIONLESS, type RegionScope } from './region-scope.js';

/**
 * The watch loop: a round every interval (or at once when a trigger asks), each
 * round reading what changed in Nova, judging the held fleet with the scan's
 * detectors, recording the result in the store like a scan, and reporting what
 * is new and what was resolved since the round before. Auto-runs, when opted
 * in, act on the findings of the round.
 */

export interface FindingRef {
  readonly detectorId: string;
  readonly severity: string;
  readonly fingerprint: string;
  readonly resource: { readonly kind: string; readonly id: string; readonly name?: string };
  readonly message: string;
}

export interface IncidentRef {
  readonly id: string;
  readonly title: string;
  readonly severity: string;
  readonly case: string;
  readonly root: string;
}

export type WatchEvent =
  | {
      readonly type: 'round';
      readonly round: number;
      readonly full: boolean;
      readonly changed: number;
      readonly removed: number;
      readonly servers: number;
      readonly novaRequests: number;
      readonly durationMs: number;
      readonly recorded: number | null;
      readonly trigger: string | null;
      /**
       * How the round judged: `whole` (every detector over the whole fleet: the first round, the
       * periodic resync, after a failed or partial round), `changes` (only what its changes touch),
       * null when it did not judge.
       */
      readonly judged: 'whole' | 'changes' | null;
      /** Servers judged again: the whole fleet, or the changed ones and the others on their hypervisors. */
      readonly judgedServers: number;
      /** Where the round's time went: reading Nova, judging, correlating, and the store (recording, history). */
      readonly timingsMs: { readonly read: number; readonly judge: number; readonly correlate: number; readonly store: number };
    }
  | { readonly type: 'server.shutoff'; readonly server: { readonly id: string; readonly name: string; readonly host: string | null }; readonly cause: StopCause; readonly requestId: string | null; readonly userId: string | null }
  | { readonly type: 'finding.new' | 'finding.resolved' | 'finding.open'; readonly finding: FindingRef }
  | { readonly type: 'incident.new' | 'incident.resolved' | 'incident.open'; readonly incident: IncidentRef }
  | { readonly type: 'trigger'; readonly source: string; readonly detail: string; readonly target: string | null }
  | { readonly type: 'warning'; readonly message: string }
  | AutoStartEvent;

export interface Trigger {
  readonly source: string;
  readonly detail: string;
  /** A server or hypervisor name, id or address the trigger names. */
  readonly target: string | null;
}

/** Asked once per round for new triggers (e.g. Alertmanager alerts); a trigger wakes the loop at once. */
export interface TriggerSource {
  poll(signal: AbortSignal): Promise<readonly Trigger[]>;
}

export interface WatchOptions {
  readonly feeds: readonly ServerFeed[];
  readonly detectors: readonly AnyDetector[];
  readonly run: Omit<RunOptions, 'now'>;
  readonly store: Store;
  readonly lookbackDays: number;
  readonly version: string;
  readonly intervalMs: number;
  readonly zones: Readonly<Record<string, 'prod' | 'dev'>>;
  readonly emit: (event: WatchEvent) => void;
  readonly autoStart?: AutoStarter;
  readonly triggers?: TriggerSource;
  /** Every this many recorded rounds the store's retention is applied. */
  readonly pruneEvery?: number;
  readonly prune?: () => Promise<void>;
  /** Stop after this many rounds (tests, benchmarks); unlimited when absent. */
  readonly maxRounds?: number;
  readonly now?: () => Date;
  /**
   * Several processes on one store: only the feeds of the regions this one holds are
   * read, recorded (scoped to those regions) and acted on. Absent: every feed.
   */
  readonly scope?: RegionScope;
}

const regionOf = (feed: ServerFeed): string => feed.region ?? REGIONLESS;

const findingRef = (f: Finding): FindingRef => ({
  detectorId: f.detectorId,
  severity: f.severity,
  fingerprint: f.fingerprint,
  resource: { kind: f.resource.kind, id: f.resource.id, ...(f.resource.name !== undefined ? { name: f.resource.name } : {}) },
  message: f.message,
});

const incidentRef = (i: Incident): IncidentRef => ({ id: i.id, title: i.title, severity: i.severity, case: i.case, root: i.root.resource.name ?? i.root.resource.id });

const HOST_STOPPED_DETECTOR = 'server-unrequested-shutoff';

export class Watch {
  readonly #o: WatchOptions;
  readonly #now: () => Date;
  #round = 0;
  #recorded = 0;
  #findings: Map<string, Finding> | undefined;
  #incidents: Map<string, Incident> | undefined;
  #wake: (() => void) | undefined;
  /** Triggers that arrived since the last round began; the next round looks at every target they name. */
  #pendingTriggers: Trigger[] = [];
  readonly #judgement = new Judgement();
  #placement = new Placement();
  /** The feeds the previous round read, when a scope decides; a feed new here is a region just taken over. */
  #lastFeeds: ReadonlySet<ServerFeed> = new Set();
  /** The last judgement read complete inputs: a round can build on it. */
  #clean = false;

  constructor(options: WatchOptions) {
    this.#o = options;
    this.#now = options.now ?? (() => new Date());
    options.feeds.forEach((f, i) => f.staggerResync(i, options.feeds.length));
  }

  /** Runs rounds until `signal` aborts (or maxRounds); waits for auto-runs in progress before it returns. */
  async run(signal: AbortSignal): Promise<void> {
    // With a scope, unfinished runs are resumed region by region as the leases come (round()).
    if (!this.#o.scope) await this.#o.autoStart?.resumeUnfinished();
    const pollTriggers = this.#o.triggers ? this.#watchTriggers(signal) : Promise.resolve();
    try {
      while (!signal.aborted) {
        const started = performance.now();
        const triggers = this.#pendingTriggers;
        this.#pendingTriggers = [];
        try {
          await this.round(signal, triggers);
        } catch (err) {
          if (signal.aborted) break;
          // A failed round (Nova down, the store busy) is reported and the next one lists the fleet whole.
          this.#o.emit({ type: 'warning', message: `round ${this.#round} failed: ${errorMessage(err)}` });
          for (const f of this.#o.feeds) f.resyncNext();
        }
        if (this.#o.maxRounds !== undefined && this.#round >= this.#o.maxRounds) break;
        await this.#sleep(Math.max(0, this.#o.intervalMs - (performance.now() - started)), signal);
      }
    } finally {
      this.#wake?.();
      await pollTriggers.catch(() => undefined);
      await this.#o.autoStart?.settle();
    }
  }

  async round(signal: AbortSignal, triggers: readonly Trigger[] = []): Promise<void> {
    const t0 = performance.now();
    this.#round++;
    const now = this.#now();
    const outcomes: CollectionOutcome[] = [];
    let changed = 0;
    let removed = 0;
    let requests = 0;
    let full = false;
    const startedAt = new Date().toISOString();
    const regionScope = this.#o.scope;
    const feeds = regionScope ? this.#heldFeeds(regionScope.held()) : this.#o.feeds;
    const hostStopped: { feed: ServerFeed; server: Server }[] = [];
    // Regions are read at once: a round lasts as long as its slowest region, not as all of them together.
    const perFeed = await Promise.all(
      feeds.map(async (feed) => {
        const s0 = performance.now();
        const label = `watch-servers${feed.region ? `:${feed.region}` : ''}`;
        try {
          const r = await feed.round(now, signal, triggers.flatMap((t) => (t.target === null ? [] : [t.target])));
          const produces = ['servers', 'instanceActions', ...(feed.hypervisors ? ['hypervisors' as const] : [])] as CollectionOutcome['produces'];
          const outcome: CollectionOutcome = { collector: label, status: r.warnings.length ? 'partial' : 'ok', produces, startedAt, durationMs: Math.round(performance.now() - s0), warnings: [...r.warnings] };
          // A stop the instance actions pin on the host is answered as soon as its region has been read: the
          // start waits neither for the other regions nor for the judgement. The detector's findings catch the
          // rest (servers already SHUTOFF when the watch started, stops whose actions came late).
          // With a scope, the region's lease is confirmed first (below): a region lost meanwhile is not acted on.
          this.#reportShutoffs(feed, r, label);
          const stopped = r.shutoff.filter((x) => x.cause === 'host').map((x) => ({ feed, server: x.server }));
          if (this.#o.autoStart && !regionScope) await this.#startHostStopped(stopped);
          else hostStopped.push(...stopped);
          return { feed, r, outcome };
        } catch (err) {
          if (signal.aborted) throw err;
          feed.resyncNext();
          this.#o.emit({ type: 'warning', message: `${label}: ${errorMessage(err)}` });
          const outcome: CollectionOutcome = { collector: label, status: 'failed', produces: ['servers', 'instanceActions'], startedAt, durationMs: Math.round(performance.now() - s0), error: errorMessage(err), warnings: [] };
          return { feed, r: undefined, outcome };
        }
      }),
    );
    const readMs = performance.now() - t0;
    let judgeMs = 0;
    let correlateMs = 0;
    let storeMs = 0;
    for (const { r } of perFeed) {
      if (!r) continue;
      full ||= r.full;
      changed += r.changed.length;
      removed += r.removed.length;
      requests += r.requests;
    }
    let judgedFeeds = feeds;
    if (regionScope) {
      // Asked again after the Nova round trips: a region lost meanwhile is neither recorded nor acted on here.
      const still = await regionScope.confirm(feeds.map(regionOf), now);
      judgedFeeds = feeds.filter((f) => still.has(regionOf(f)));
      for (const f of feeds) if (!still.has(regionOf(f))) f.resyncNext();
      const taken = judgedFeeds.filter((f) => !this.#lastFeeds.has(f));
      const changedHands = taken.length > 0 || [...this.#lastFeeds].some((f) => !judgedFeeds.includes(f));
      this.#lastFeeds = new Set(judgedFeeds);
      if (changedHands) {
        // The previous round's findings covered other regions: the next report starts afresh (open, not new or resolved),
        // and the judgement with it (what it held was about other regions).
        this.#findings = undefined;
        this.#incidents = undefined;
        this.#clean = false;
        this.#judgement.reset();
        this.#placement = new Placement();
      }
      // Runs a process that held these regions before left unfinished; before the round's own starts, so none is begun twice.
      if (taken.length && this.#o.autoStart) {
        const regions = new Set(taken.map(regionOf));
        await this.#o.autoStart.resumeUnfinished((r) => regions.has(r ?? REGIONLESS));
      }
      if (judgedFeeds.length === 0) {
        this.#o.emit({ type: 'round', round: this.#round, full, changed, removed, servers: 0, novaRequests: requests, durationMs: Math.round(performance.now() - t0), recorded: null, trigger: null, judged: null, judgedServers: 0, timingsMs: { read: Math.round(performance.now() - t0), judge: 0, correlate: 0, store: 0 } });
        return;
      }
      if (this.#o.autoStart) await this.#startHostStopped(hostStopped.filter((h) => judgedFeeds.includes(h.feed)));
    }
    const kept = perFeed.filter((p) => judgedFeeds.includes(p.feed));
    const rounds: (FeedRound | undefined)[] = kept.map((p) => p.r);
    for (const p of kept) outcomes.push(p.outcome);
    const keptChanged = rounds.reduce((n, r) => n + (r?.changed.length ?? 0), 0);
    const keptRemoved = rounds.reduce((n, r) => n + (r?.removed.length ?? 0), 0);
    const clean = outcomes.every((o) => o.status === 'ok');
    // The periodic resync of the first region is the fleet-wide judgement (it also takes up what only time changes).
    const whole = !this.#clean || !clean || this.#findings === undefined || rounds[0]?.full === true;
    let recorded: number | null = null;
    let judged: 'whole' | 'changes' | null = null;
    let judgedServers = 0;
    // Quiet rounds are neither judged nor recorded: nothing the detectors read has moved. Another region's
    // full listing is looked at (its hypervisors may have changed) and is quiet when it found nothing new.
    const look = whole || rounds.some((r) => r?.full === true) || keptChanged > 0 || keptRemoved > 0 || triggers.length > 0;
    const snapshot = look ? this.#snapshot(now, outcomes, judgedFeeds) : undefined;
    const serverById = (id: string): Server | undefined => {
      for (const f of judgedFeeds) {
        const s = f.server(id);
        if (s) return s;
      }
      return undefined;
    };
    const touched = snapshot
      ? this.#placement.update({
          snapshot,
          changed: rounds.flatMap((r) => r?.changed ?? []),
          removed: rounds.flatMap((r) => r?.removed ?? []),
          // A task's age is judged against the clock: servers in one are judged again every judged round.
          alsoJudge: snapshot.servers.filter((x) => x.taskState !== null && x.taskState !== undefined && x.taskState !== ''),
          serverById,
        })
      : undefined;
    const quiet = !whole && keptChanged === 0 && keptRemoved === 0 && triggers.length === 0 && (touched?.hypervisorIds.size ?? 0) === 0;
    if (snapshot && touched && !quiet) {
      const judgementScope: JudgementScope | undefined = whole ? undefined : touched;
      judged = whole ? 'whole' : 'changes';
      judgedServers = whole ? snapshot.servers.length : touched.servers.length;
      let incidents: readonly Incident[] = [];
      try {
        const s0 = performance.now();
        const stored = await detectWithStore(this.#o.store, {
          snapshot,
          detectors: this.#o.detectors,
          run: { ...this.#o.run, now },
          commit: true,
          lookbackDays: this.#o.lookbackDays,
          source: 'collected',
          version: this.#o.version,
          // Only the regions read this round: the others' findings are another process's to resolve.
          ...(regionScope && judgedFeeds.every((f) => f.region !== undefined) ? { regions: judgedFeeds.map((f) => f.region as string) } : {}),
          judge: (s, detectors, run) => {
            const j0 = performance.now();
            const results = this.#judgement.judge(s, detectors, run, judgementScope);
            judgeMs += performance.now() - j0;
            return results;
          },
          correlate: (judgedSnapshot, results) => {
            const c0 = performance.now();
            const findings = results.flatMap((r) => r.findings);
            incidents = correlate(this.#placement.correlationView(judgedSnapshot, findings, serverById), findings).incidents;
            correlateMs += performance.now() - c0;
            return incidents;
          },
        });
        storeMs = performance.now() - s0 - judgeMs - correlateMs;
        this.#clean = clean;
        recorded = stored.recorded.scanId;
        this.#recorded++;
        this.#report(stored.results, incidents);
        if (this.#o.prune && this.#recorded % (this.#o.pruneEvery ?? 360) === 0) await this.#o.prune();
        if (this.#o.autoStart) await this.#autoStart(stored.results, judgedFeeds, judgementScope);
      } catch (err) {
        // What was judged but not recorded is not built on: the next round judges the whole fleet again.
        this.#clean = false;
        this.#judgement.reset();
        throw err;
      }
    }
    this.#o.emit({
      type: 'round',
      round: this.#round,
      full,
      changed,
      removed,
      servers: judgedFeeds.reduce((n, f) => n + f.size, 0),
      novaRequests: requests,
      durationMs: Math.round(performance.now() - t0),
      recorded,
      trigger: triggers.length ? triggers.map((t) => `${t.source}: ${t.detail}`).join('; ') : null,
      judged,
      judgedServers,
      timingsMs: { read: Math.round(readMs), judge: Math.round(judgeMs), correlate: Math.round(correlateMs), store: Math.round(storeMs) },
    });
  }

  #reportShutoffs(feed: ServerFeed, r: FeedRound, label: string): void {
    for (const w of r.warnings) this.#o.emit({ type: 'warning', message: `${label}: ${w}` });
    for (const x of r.shutoff) {
      this.#o.emit({ type: 'server.shutoff', server: { id: x.server.id, name: x.server.name, host: x.server.host ?? null }, cause: x.cause, requestId: x.stop?.requestId ?? null, userId: x.stop?.userId ?? null });
    }
  }

  /** The feeds of the held regions; the others are listed whole when their region comes back. */
  #heldFeeds(held: ReadonlySet<string>): readonly ServerFeed[] {
    const out: ServerFeed[] = [];
    for (const f of this.#o.feeds) {
      if (held.has(regionOf(f))) out.push(f);
      else f.resyncNext();
    }
    return out;
  }

  #snapshot(now: Date, outcomes: CollectionOutcome[], feeds: readonly ServerFeed[]): Snapshot {
    const regions: Region[] = [];
    for (const f of feeds) if (f.region !== undefined) regions.push({ name: f.region, zone: this.#o.zones[f.region] ?? 'prod' });
    const envelope = parseSnapshot(
      {
        schemaVersion: SNAPSHOT_SCHEMA_VERSION,
        collectedAt: now.toISOString(),
        producer: { tool: 'faultline watch', version: this.#o.version },
        collection: [...outcomes, ...(regions.length ? [{ collector: 'watch-regions', status: 'ok' as const, produces: ['regions' as const], startedAt: now.toISOString(), durationMs: 0, warnings: [] }] : [])],
      },
      'watch round',
    );
    return {
      ...envelope,
      regions,
      servers: feeds.flatMap((f) => f.servers),
      instanceActions: feeds.flatMap((f) => f.instanceActions),
      hypervisors: feeds.flatMap((f) => f.hypervisors ?? []),
    };
  }

  #report(results: readonly DetectorResult[], incidents: readonly Incident[]): void {
    const first = this.#findings === undefined;
    const current = new Map<string, Finding>();
    for (const r of results) for (const f of r.findings) current.set(f.fingerprint, f);
    const judged = new Set(judgedDetectors(results));
    const previous = this.#findings ?? new Map<string, Finding>();
    for (const [fp, f] of current) if (!previous.has(fp)) this.#o.emit({ type: first ? 'finding.open' : 'finding.new', finding: findingRef(f) });
    for (const [fp, f] of previous) {
      if (current.has(fp)) continue;
      // A detector that could not judge this round says nothing about its findings: they stay open.
      if (judged.has(f.detectorId)) this.#o.emit({ type: 'finding.resolved', finding: findingRef(f) });
      else current.set(fp, f);
    }
    this.#findings = current;
    const nowIncidents = new Map(incidents.map((i) => [i.id, i]));
    const before = this.#incidents ?? new Map<string, Incident>();
    for (const [id, i] of nowIncidents) if (!before.has(id)) this.#o.emit({ type: first ? 'incident.open' : 'incident.new', incident: incidentRef(i) });
    for (const [id, i] of before) {
      if (nowIncidents.has(id)) continue;
      if (i.root && judged.has(i.root.detectorId)) this.#o.emit({ type: 'incident.resolved', incident: incidentRef(i) });
      else nowIncidents.set(id, i);
    }
    this.#incidents = nowIncidents;
  }

  /** `scope`: a round that judged only some servers takes up only their findings; the rest were taken up when they were judged. */
  async #autoStart(results: readonly DetectorResult[], feeds: readonly ServerFeed[], scope: JudgementScope | undefined): Promise<void> {
    const stopped = results.find((r) => r.detectorId === HOST_STOPPED_DETECTOR)?.findings ?? [];
    const picked: { feed: ServerFeed; server: Server }[] = [];
    for (const f of stopped) {
      if (f.resource.kind !== 'server') continue;
      if (scope && !scope.serverIds.has(f.resource.id)) continue;
      const feed = feeds.find((x) => x.server(f.resource.id));
      const server = feed?.server(f.resource.id);
      if (feed && server) picked.push({ feed, server });
    }
    await this.#startHostStopped(picked);
  }

  async #startHostStopped(list: readonly { feed: ServerFeed; server: Server }[]): Promise<void> {
    const starter = this.#o.autoStart;
    if (!starter) return;
    for (const { feed, server } of list) {
      if (server.status.toUpperCase() !== 'SHUTOFF') continue;
      // A lease lost during the round stops the starts of that region at once.
      if (this.#o.scope && !this.#o.scope.held().has(regionOf(feed))) continue;
      try {
        await starter.consider(server, feed.actionsOf(server.id));
      } catch (err) {
        this.#o.emit({ type: 'autorun.failed', server: { id: server.id, name: server.name, host: server.host ?? null, region: server.region ?? null }, runId: null, error: errorMessage(err) });
      }
    }
  }

  async #watchTriggers(signal: AbortSignal): Promise<void> {
    const source = this.#o.triggers;
    if (!source) return;
    while (!signal.aborted) {
      try {
        for (const t of await source.poll(signal)) {
          this.#o.emit({ type: 'trigger', source: t.source, detail: t.detail, target: t.target });
          this.#pendingTriggers.push(t);
          this.#wake?.();
        }
      } catch (err) {
        if (signal.aborted) return;
        this.#o.emit({ type: 'warning', message: `trigger source: ${errorMessage(err)}` });
      }
      await this.#sleep(Math.min(this.#o.intervalMs, 2000), signal, false);
    }
  }

  /** Sleeps until the time is up, the watch is stopped, or (when `wakeable`) a trigger arrives. */
  #sleep(ms: number, signal: AbortSignal, wakeable = true): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        if (wakeable && this.#wake === done) this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      if (wakeable) {
        if (this.#pendingTriggers.length > 0) return done();
        this.#wake = done;
      }
    });
  }
}
