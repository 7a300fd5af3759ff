import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage } from '../../core/errors.js';
import { HOST_CONDITIONS, isHostEffect, type ActionEffect, type Condition, type NoticeKind } from '../../runbook/define.js';
import type { HostEffects } from '../host/host-effects.js';
import type { CheckResult, EffectResult, Effects, ItemRef, RunRecord } from '../../runbook/ports.js';
import type { Server } from '../../snapshot/schema.js';
import { pingAll } from '../../collect/probe/fping.js';
import { getServer, listHypervisors, listInstanceActions, listServers, type RegionClient } from './nova.js';
import { runPower, type PowerVerb } from './power.js';
import { checkReachability, isReachable, probeAddress, type ReachabilityOptions } from './reachability.js';
import { describeOutcomes, type Announcement, type SinkOutcome } from '../notify/announce.js';
import { escalate as sendEscalation } from '../notify/escalate.js';
import type { SinkName } from '../notify/sink.js';

/**
 * The runbook engine's effects against a real cloud: Nova for server actions and
 * for the truth about an unfinished one (its instance actions), the scan's probes
 * for ping and SSH, a power driver for the hypervisor, and the outbox for
 * notices (chat) and pages (PagerDuty, plus a chat line).
 */

/** The outbox as a run uses it (act/notify/announce.ts). */
export interface RunAnnouncer {
  has(sink: SinkName): boolean;
  announce(a: Announcement, options?: { readonly handOver?: boolean }): Promise<SinkOutcome[]>;
}

/** Out-of-band power for one hypervisor (Redfish in production; anything that can reset the host in a lab). */
export interface PowerDriver {
  state(host: string): Promise<'On' | 'Off' | 'Unknown'>;
  /**
   * What the BMC says about the last reset: its LastResetTime (null when it does not
   * keep one) and whether the power is moving right now. How a resumed run tells a
   * power cycle it sent before a crash from one it never sent.
   */
  resetEvidence(host: string): Promise<{ lastResetTime: string | null; moving: boolean }>;
  /** How long a reset may take to show on the BMC (LastResetTime or the power state). */
  readonly settleMs: number;
  /** Returns the driver's task id when it names one. */
  reset(host: string, type: 'ForceRestart' | 'GracefulRestart' | 'On' | 'ForceOff'): Promise<string | undefined>;
}

export interface NovaEffectsOptions {
  readonly at: RegionClient;
  readonly actor: string;
  readonly reachability: ReachabilityOptions;
  readonly actionTimeoutMs: number;
  readonly power?: PowerDriver;
  /** Sends notices and pages through the outbox; undefined when nothing to send them to is configured. */
  readonly announcer?: RunAnnouncer;
  /** Makes text safe for the chat's markdown (names from Nova may hold `*`, backticks, mentions). */
  readonly escapeChat?: (text: string) => string;
  /** More than this fraction of the region's hypervisors down, or of its other ACTIVE servers not answering ping, is a storm. */
  readonly stormFraction: number;
  /** How many of the region's other ACTIVE servers the storm check pings (a random sample; default 200). */
  readonly stormSample?: number;
  /**
   * The region's servers as the caller already holds them (faultline watch: its change feed keeps
   * them current), for the storm check to sample from instead of listing every ACTIVE server of the
   * region again before each start. Absent: listed from Nova.
   */
  readonly heldServers?: () => readonly Server[];
  /** Caps every check's wait (a runbook's own timeouts are for real guests; a lab boots in a second). */
  readonly maxWaitMs?: number;
  readonly pollMs?: number;
  /** The hypervisors' own shells (SSH) for the host.* effects and checks; absent when faultline.yaml has no hosts section. */
  readonly host?: HostEffects;
  /** What the store remembers of a hypervisor's part faults, for the §4.7 decisions; absent without a store. */
  readonly partHistory?: PartHistory;
}

/** The store's memory of part faults, as the part-needs-judgement decisions read it. */
export interface PartHistory {
  /** The hypervisor's needs-judgement part tickets, each at its highest count, summed over the window. */
  ticketCount(hypervisor: ItemRef): Promise<{ readonly count: number; readonly tickets: number; readonly scans: number }>;
  /** Runs of the part runbooks on the hypervisor within the window, this one included. */
  partWork(hypervisor: ItemRef): Promise<number>;
}

/** §4.7: a ticket count of 10 or more is planned work; the third part job on one box in a month replaces the box. */
export const TICKET_COUNT_LIMIT = 10;
export const PART_WORK_LIMIT = 3;

const NO_HISTORY = 'no store to count part tickets and part work in (set store in faultline.yaml)';

const NOVA_ACTION: Partial<Record<ActionEffect, string>> = { 'server.stop': 'stop', 'server.start': 'start', 'server.restart': 'reboot', 'hypervisor.power-cycle': 'power-cycle' };

const NO_HOSTS = 'no SSH access to the hypervisors: set hosts (username, privateKey, knownHosts) in faultline.yaml';

export function novaEffects(o: NovaEffectsOptions): Effects {
  const server = (id: string): Promise<Server> => getServer(o.at.client, id);
  const poll = o.pollMs ?? 500;
  const chat = o.escapeChat ?? ((text: string) => text);

  async function until(timeoutMs: number, test: () => Promise<CheckResult>): Promise<CheckResult> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const r = await test();
      if (r.ok || Date.now() >= end) return r;
      await sleep(Math.min(poll, Math.max(0, end - Date.now())));
    }
  }

  async function probe(items: readonly ItemRef[], pass: (ping: boolean | null, reachable: boolean) => boolean, what: string): Promise<CheckResult> {
    const servers = await Promise.all(items.map((i) => server(i.id)));
    const reach = await checkReachability(servers, o.reachability);
    const failing = servers.filter((s) => {
      const r = reach.get(s.id);
      return !r || !pass(r.ping, isReachable(r));
    });
    const words = servers.map((s) => `${s.name}: ping ${reach.get(s.id)?.ping ?? '-'}, ssh ${reach.get(s.id)?.ssh ?? '-'}`).join('; ');
    return { ok: failing.length === 0, failing: failing.map((s) => s.id), detail: failing.length ? `${failing.length} of ${servers.length} not ${what} (${words})` : `${what} (${words})` };
  }

  /**
   * Whether a power cycle begun before a crash reached the BMC. The power state alone
   * cannot say: a hung hypervisor is On too. A LastResetTime newer than the one read
   * before the reset, or power on the move, says it did; the reset gets the BMC's settle
   * time to show. A BMC that keeps no LastResetTime leaves the hypervisor as the witness:
   * On with nova-compute up is a cycle that happened (a hung one has nova-compute down).
   */
  async function powerCycleSent(power: PowerDriver, item: ItemRef, baseline: string | null): Promise<boolean> {
    let before: { lastResetTime: string | null; at: number } | null = null;
    try {
      before = baseline === null ? null : (JSON.parse(baseline) as { lastResetTime: string | null; at: number });
    } catch {
      before = null;
    }
    const end = (before?.at ?? Date.now()) + power.settleMs;
    for (;;) {
      const e = await power.resetEvidence(item.name);
      if (e.moving) return true;
      if (e.lastResetTime !== null && e.lastResetTime !== (before?.lastResetTime ?? null)) return true;
      if (Date.now() >= end) break;
      await sleep(Math.min(poll, Math.max(0, end - Date.now())));
    }
    if (before && before.lastResetTime !== null) return false;
    const hv = (await listHypervisors(o.at.client)).find((h) => h.id === item.id);
    return (await power.state(item.name)) === 'On' && hv?.state === 'up';
  }

  /**
   * Whether a power-off or -on begun before a crash reached the BMC: the power already at the
   * goal or moving, or a LastResetTime newer than the one read before. Judged by observing, so
   * an uncertain reset is never sent a second time on a guess.
   */
  async function powerSent(power: PowerDriver, item: ItemRef, goal: 'On' | 'Off', baseline: string | null): Promise<boolean> {
    let before: string | null = null;
    try {
      before = baseline === null ? null : ((JSON.parse(baseline) as { lastResetTime: string | null }).lastResetTime ?? null);
    } catch {
      before = null;
    }
    if ((await power.state(item.name)) === goal) return true;
    const e = await power.resetEvidence(item.name);
    return e.moving || (e.lastResetTime !== null && e.lastResetTime !== before);
  }

  /**
   * Powers the hypervisor to `goal` and waits until the BMC reads it. The reset is sent at most
   * once per try: a BMC that took it and is slow, or one whose answer was lost, is watched, not
   * asked again; a goal not reached in time fails the step and a person looks.
   */
  async function setPowerOnce(power: PowerDriver, item: ItemRef, goal: 'On' | 'Off', alreadySent: boolean): Promise<EffectResult> {
    const resetType = goal === 'Off' ? 'ForceOff' : 'On';
    const requestIds: string[] = [];
    let how: string;
    try {
      const now = await power.state(item.name);
      if (now === goal) return { ok: true, detail: `PowerState already ${goal}; nothing sent`, requestIds };
      const moving = (await power.resetEvidence(item.name)).moving;
      if (alreadySent || moving) how = alreadySent ? `${resetType} reached the BMC before the restart of faultline` : `the power was already moving; ${resetType} not sent`;
      else {
        const task = await power.reset(item.name, resetType);
        if (task) requestIds.push(task);
        how = `${resetType} sent${task ? ` (task ${task})` : ''}`;
      }
    } catch (err) {
      return { ok: false, detail: `${resetType} failed: ${errorMessage(err)}`, requestIds };
    }
    const end = Date.now() + o.actionTimeoutMs;
    let last = 'Unknown';
    for (;;) {
      try {
        last = await power.state(item.name);
      } catch (err) {
        // A BMC busy with the reset may drop a read: the deadline decides, not one failed GET.
        last = `unreadable (${errorMessage(err)})`;
      }
      if (last === goal) return { ok: true, detail: `${how}; PowerState ${goal}`, requestIds };
      if (Date.now() >= end) return { ok: false, detail: `${how}; PowerState still ${last} after ${Math.round(o.actionTimeoutMs / 1000)} s: not sent again, a person must look at the BMC`, requestIds };
      await sleep(Math.min(poll, Math.max(0, end - Date.now())));
    }
  }

  /**
   * The other half of the storm check: hypervisors can all be up while a network
   * fault leaves most guests unreachable, and then restarting one of them is just as
   * wrong. Pings a random sample of the region's ACTIVE servers, leaving out the run's
   * own (they are the fault) and those on hypervisors already counted down; a sample
   * of 200 puts the estimate within about 7 points of the true fraction.
   */
  async function serverStorm(run: RunRecord, downHosts: ReadonlySet<string>): Promise<{ pinged: number; silent: number; fraction: number } | null> {
    const mine = new Set(run.context.servers.map((s) => s.id));
    const runHost = run.context.hypervisor?.host.split('.')[0]?.toLowerCase();
    const active = o.heldServers ? o.heldServers().filter((s) => s.status.toUpperCase() === 'ACTIVE') : await listServers(o.at.client, { status: 'ACTIVE' });
    const candidates = active.filter((s) => {
      const host = (s.host ?? '').split('.')[0]!.toLowerCase();
      return !mine.has(s.id) && host !== runHost && !downHosts.has(host) && probeAddress(s) !== undefined;
    });
    const sample = shuffled(candidates).slice(0, o.stormSample ?? 200);
    if (sample.length === 0) return null;
    const addresses = sample.map((s) => probeAddress(s) as string);
    const { results } = await pingAll(addresses, o.reachability.ping);
    const silent = addresses.filter((a) => results.get(a)?.ok !== true).length;
    return { pinged: sample.length, silent, fraction: silent / sample.length };
  }

  return {
    async baseline(effect, item) {
      if (isHostEffect(effect)) return o.host ? o.host.baseline(effect, item) : null;
      if (item.kind !== 'server') {
        if (!o.power) return null;
        const evidence = await o.power.resetEvidence(item.name);
        return JSON.stringify({ lastResetTime: evidence.lastResetTime, at: Date.now() });
      }
      const actions = await listInstanceActions(o.at.client, item.id, 0);
      return actions[0]?.requestId ?? null;
    },

    async sentSince(effect, item, baseline) {
      if (isHostEffect(effect)) return o.host ? o.host.sentSince(effect, item, baseline) : false;
      if ((effect === 'hypervisor.power-off' || effect === 'hypervisor.power-on') && o.power) return powerSent(o.power, item, effect === 'hypervisor.power-off' ? 'Off' : 'On', baseline);
      if (item.kind !== 'server') return o.power ? powerCycleSent(o.power, item, baseline) : false;
      const actions = await listInstanceActions(o.at.client, item.id, 0);
      const cut = baseline === null ? actions.length : actions.findIndex((a) => a.requestId === baseline);
      const newer = actions.slice(0, cut < 0 ? actions.length : cut);
      return newer.some((a) => a.action === NOVA_ACTION[effect] && a.userId !== null);
    },

    async perform(effect, item, { alreadySent }): Promise<EffectResult> {
      if (isHostEffect(effect)) return o.host ? o.host.perform(effect, item, { alreadySent }) : { ok: false, detail: NO_HOSTS, requestIds: [] };
      if (effect === 'hypervisor.power-off' || effect === 'hypervisor.power-on') {
        if (!o.power) return { ok: false, detail: 'no power driver configured for out-of-band power', requestIds: [] };
        return setPowerOnce(o.power, item, effect === 'hypervisor.power-off' ? 'Off' : 'On', alreadySent);
      }
      if (effect === 'hypervisor.power-cycle') {
        if (!o.power) return { ok: false, detail: 'no power driver configured for out-of-band power', requestIds: [] };
        if (alreadySent) return { ok: true, detail: 'the power cycle reached the BMC before the restart of faultline', requestIds: [] };
        try {
          const task = await o.power.reset(item.name, 'ForceRestart');
          return { ok: true, detail: `ForceRestart accepted${task ? ` (task ${task})` : ''}`, requestIds: task ? [task] : [] };
        } catch (err) {
          return { ok: false, detail: `power cycle failed: ${errorMessage(err)}`, requestIds: [] };
        }
      }
      // A restart that already reached Nova is waited for, not sent again: starting an ACTIVE server is a no-op.
      const verb: PowerVerb = effect === 'server.stop' ? 'stop' : effect === 'server.start' || alreadySent ? 'start' : 'restart';
      const [outcome] = await runPower(verb, [{ at: o.at, server: await server(item.id) }], {
        actor: o.actor,
        concurrency: 1,
        timeoutMs: o.actionTimeoutMs,
        verifyTimeoutMs: o.actionTimeoutMs,
        pollMs: poll,
      });
      if (!outcome) return { ok: false, detail: 'no outcome', requestIds: [] };
      const requestIds = outcome.records.flatMap((r) => (r.requestId ? [r.requestId] : []));
      return { ok: outcome.ok, detail: outcome.summary, requestIds };
    },

    async check(condition: Condition, items, declaredMs): Promise<CheckResult> {
      if (HOST_CONDITIONS.includes(condition)) return o.host ? o.host.check(condition, items, declaredMs) : { ok: false, failing: items.map((i) => i.id), detail: NO_HOSTS };
      const timeoutMs = Math.min(declaredMs, o.maxWaitMs ?? declaredMs);
      switch (condition) {
        case 'server.no-ping':
          return until(timeoutMs, () => probe(items, (ping) => ping === false, 'answering no ping'));
        case 'server.reachable':
          return until(timeoutMs, () => probe(items, (_p, ok) => ok, 'reachable'));
        case 'server.settled':
          return until(timeoutMs, async () => {
            const servers = await Promise.all(items.map((i) => server(i.id)));
            const busy = servers.filter((s) => s.taskState || !['ACTIVE', 'SHUTOFF'].includes(s.status));
            return { ok: busy.length === 0, failing: busy.map((s) => s.id), detail: servers.map((s) => `${s.name} ${s.status}`).join(', ') };
          });
        case 'hypervisor.up':
          return until(timeoutMs, async () => {
            const hvs = await listHypervisors(o.at.client);
            const failing: string[] = [];
            const words: string[] = [];
            for (const i of items) {
              const hv = hvs.find((h) => h.id === i.id);
              const power = o.power ? await o.power.state(i.name) : 'Unknown';
              words.push(`${i.name}: power ${power}, nova-compute ${hv?.state ?? 'unknown'}`);
              if (hv?.state !== 'up' || power === 'Off') failing.push(i.id);
            }
            return { ok: failing.length === 0, failing, detail: words.join('; ') };
          });
        case 'hypervisor.ticket-count-reached': {
          if (!o.partHistory) return { ok: false, failing: items.map((i) => i.id), detail: NO_HISTORY };
          const history = o.partHistory;
          const counts = await Promise.all(items.map(async (i) => ({ i, ...(await history.ticketCount(i)) })));
          const under = counts.filter((c) => c.count < TICKET_COUNT_LIMIT);
          // With no scan recorded the store has seen no ticket: say so, or a count of 0 reads as a part that held.
          const said = (c: (typeof counts)[number]): string =>
            `${c.i.name}: ticket count ${c.count} over ${c.tickets} ticket(s) (limit ${TICKET_COUNT_LIMIT})${c.scans === 0 ? '; the store has recorded no scan yet, so it knows no ticket: run faultline scan with a store' : ''}`;
          return { ok: under.length === 0, failing: under.map((c) => c.i.id), detail: counts.map(said).join('; ') };
        }
        case 'hypervisor.part-work-repeated': {
          if (!o.partHistory) return { ok: false, failing: items.map((i) => i.id), detail: NO_HISTORY };
          const history = o.partHistory;
          const counts = await Promise.all(items.map(async (i) => ({ i, n: await history.partWork(i) })));
          const fewer = counts.filter((c) => c.n < PART_WORK_LIMIT);
          return { ok: fewer.length === 0, failing: fewer.map((c) => c.i.id), detail: counts.map((c) => `${c.i.name}: part work ${c.n} time(s) within a month (replace the box at ${PART_WORK_LIMIT})`).join('; ') };
        }
        default:
          return { ok: false, failing: items.map((i) => i.id), detail: `no check for ${condition}` };
      }
    },

    async notice(kind: NoticeKind, run: RunRecord, text: string) {
      if (!o.announcer?.has('slack')) return { posted: false, detail: 'no notices.webhook configured' };
      const where = run.context.hypervisor?.name ?? run.context.target.name;
      // One event per run and kind: a resumed run finds it in the outbox and does not post it again. One not out
      // within the wait is handed over: the run then asks a person to post it, and faultline must not post it too.
      const outcomes = await o.announcer.announce({ event: `${run.id}/${kind}-notice`, chat: chat(`[${kind}] ${run.runbook} on ${where} (${run.id}): ${text}`) }, { handOver: true });
      return { posted: outcomes.some((x) => x.sink === 'slack' && x.state === 'sent'), detail: describeOutcomes(outcomes) };
    },

    async escalate(run: RunRecord, text: string, kind: 'page' | 'mention') {
      const where = run.context.target.name;
      // A prod escalation pages the on-call, keyed by the run so a resend folds into one alert; a dev zone's is a chat mention only.
      return sendEscalation(o.announcer, {
        kind,
        event: `${run.id}/${kind}`,
        line: `${run.runbook} on ${where} (${run.id}): ${text}`,
        escape: chat,
        page: {
          dedupKey: run.id,
          summary: `${run.runbook} on ${where} needs a person: ${text}`,
          source: run.context.hypervisor?.host ?? where,
          component: run.runbook,
          eventClass: 'runbook escalation',
          details: { run: run.id, target: `${run.context.target.kind} ${where}`, ...(run.context.region ? { region: run.context.region } : {}) },
        },
        byHand: ` with run ${run.id}`,
      });
    },

    async storm(run: RunRecord) {
      const hvs = await listHypervisors(o.at.client);
      const down = hvs.filter((h) => h.state === 'down');
      const fraction = hvs.length ? down.length / hvs.length : 0;
      const limit = `storm above ${Math.round(o.stormFraction * 100)} %`;
      const hosts = `${down.length} of ${hvs.length} hypervisors down (${Math.round(fraction * 100)} %, ${limit})`;
      if (fraction > o.stormFraction) return { storm: true, detail: hosts };
      if (o.stormFraction >= 1) return { storm: false, detail: `${hosts}; servers not sampled (the storm check is off at 1)` };
      const servers = await serverStorm(run, new Set(down.map((h) => h.host.split('.')[0]!.toLowerCase())));
      if (!servers) return { storm: false, detail: `${hosts}; no other ACTIVE server to ping` };
      const detail = `${hosts}; ${servers.silent} of ${servers.pinged} other ACTIVE servers sampled do not answer ping (${Math.round(servers.fraction * 100)} %, ${limit})`;
      return { storm: servers.fraction > o.stormFraction, detail };
    },
  };

}

function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
