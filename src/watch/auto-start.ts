import { isDbServer } from '../act/openstack/power.js';
import type { BusinessHours } from '../runbook/business-hours.js';
import { executeRun } from '../runbook/engine.js';
import type { Clock, Effects, RunContext, RunRecord } from '../runbook/ports.js';
import { runbookById } from '../runbook/runbooks/index.js';
import type { Runbook } from '../runbook/define.js';
import type { ActionBudgets, BudgetLimit, SpentAction } from '../store/budget.js';
import { RunConflictError, type RunStore } from '../store/runs.js';
import type { InstanceAction, Server } from '../snapshot/schema.js';

/**
 * Starting servers their host stopped, on the watch's own initiative: through
 * the host-stopped-server runbook and the durable engine (leases, the ledger,
 * the kill switch and the storm check are the engine's), and within a
 * per-server budget kept in the store. Once a server has used its starts
 * within the window it is left SHUTOFF and escalated once, with a pointer to
 * its hypervisor: a server that keeps dying is a host problem, and starting it
 * in a loop (what the cron script did) only hides it.
 */

export const AUTO_START_RUNBOOK = 'host-stopped-server';

export type AutoStartEvent =
  | { readonly type: 'autorun.started'; readonly runId: string; readonly server: ServerRef; readonly spent: number; readonly limit: number; readonly resumed: boolean }
  | { readonly type: 'autorun.finished'; readonly runId: string; readonly server: ServerRef; readonly status: RunRecord['status']; readonly reason: string | null }
  | { readonly type: 'autorun.refused'; readonly server: ServerRef; readonly reason: string }
  | { readonly type: 'autorun.escalated'; readonly server: ServerRef; readonly text: string; readonly delivery: string }
  | { readonly type: 'autorun.failed'; readonly server: ServerRef; readonly runId: string | null; readonly error: string };

export interface ServerRef {
  readonly id: string;
  readonly name: string;
  readonly host: string | null;
  readonly region: string | null;
}

export interface AutoStartOptions {
  readonly runs: RunStore;
  readonly budgets: ActionBudgets;
  readonly limit: BudgetLimit;
  /** Host stops older than this are reported, not answered with a start. */
  readonly maxStopAgeMs: number;
  /** The Nova effects for the server's region. */
  readonly effectsFor: (region: string | undefined) => Effects | undefined;
  /**
   * Sends the escalation (a page in a prod zone, a chat mention in a dev zone); returns what
   * became of it for the log. `stop` is the request id of the host's stop being answered: the
   * escalation's key, so sending it again after a crash is the same message, not a second.
   */
  readonly escalate: (text: string, zone: 'prod' | 'dev', about: { readonly server: ServerRef; readonly stop: string }) => Promise<string>;
  readonly actor: string;
  readonly clock: Clock;
  readonly businessHours?: BusinessHours;
  readonly zoneOf: (region: string | undefined) => 'prod' | 'dev' | undefined;
  readonly leaseTtlMs: number;
  readonly emit: (event: AutoStartEvent) => void;
}

const refOf = (s: Server): ServerRef => ({ id: s.id, name: s.name, host: s.host ?? null, region: s.region ?? null });

export function escalationText(server: Server, spent: readonly SpentAction[], limit: BudgetLimit, stops: readonly InstanceAction[]): string {
  const host = server.host ?? server.hypervisorHostname ?? 'its hypervisor';
  const minutes = Math.round(limit.windowMs / 60_000);
  const hostStops = stops.filter((a) => a.action === 'stop' && a.userId === null && a.projectId === null).slice(0, 5);
  return (
    `Server ${server.name} (${server.id}) was stopped by its host ${host} again after ${spent.length} start(s) by faultline watch within ${minutes} min ` +
    `(${spent.map((s) => `${s.runId ?? '?'} at ${s.at}`).join(', ')}); it is left SHUTOFF and will not be started again until the window has passed. ` +
    `The cause is on the hypervisor ${host}: run \`faultline check-host ${host}\` (dmesg for OOM kills and qemu oopses, the NVMe error log and SMART, ` +
    `qcow2 refcount errors in /var/log/libvirt/qemu/${server.instanceName ?? '<instance>'}.log, hung nova-compute tasks, swap) and \`faultline triage ${server.name}\`. ` +
    (hostStops.length ? `Stops by the host on record: ${hostStops.map((a) => `${a.startTime} (${a.requestId})`).join(', ')}.` : '')
  ).trim();
}

export class AutoStarter {
  readonly #o: AutoStartOptions;
  readonly #runbook: Runbook;
  readonly #inFlight = new Map<string, Promise<void>>();
  /** Stops already said to be too old, so each is logged once per process. */
  readonly #tooOld = new Set<string>();
  /** The last refusal said per server: a run waiting at a gate refuses every round, and once is enough to say. */
  readonly #refused = new Map<string, string>();

  constructor(options: AutoStartOptions) {
    this.#o = options;
    const runbook = runbookById(AUTO_START_RUNBOOK);
    if (!runbook) throw new Error(`the ${AUTO_START_RUNBOOK} runbook is missing from the registry`);
    this.#runbook = runbook;
  }

  /** Servers with a run of the watch's in progress. */
  get busy(): ReadonlySet<string> {
    return new Set(this.#inFlight.keys());
  }

  /**
   * Picks up the watch's own runs that a crash or Ctrl-C left unfinished: the
   * engine resumes them without repeating a start that already reached Nova.
   * `inRegion` narrows it to the regions this process holds (several processes
   * on one store must not drive one run twice).
   */
  async resumeUnfinished(inRegion?: (region: string | undefined) => boolean): Promise<void> {
    const open = (await this.#o.runs.list(500)).filter((r) => r.runbook === AUTO_START_RUNBOOK && r.createdBy === this.#o.actor && (r.status === 'running' || r.status === 'halted'));
    for (const record of open) {
      if (this.#inFlight.has(record.context.servers[0]?.id ?? '')) continue;
      if (inRegion && !inRegion(record.context.region)) continue;
      const serverCtx = record.context.servers[0];
      if (!serverCtx) continue;
      const ref: ServerRef = { id: serverCtx.id, name: serverCtx.name, host: null, region: record.context.region ?? null };
      try {
        await this.#o.runs.reacquire(record.id, this.#o.clock.now());
        // A crash between creating the run and writing its budget entry must still count the start.
        await this.#o.budgets.spend(AUTO_START_RUNBOOK, { id: ref.id, name: ref.name }, record.id, new Date(record.createdAt), `resumed ${record.id}`);
      } catch (err) {
        this.#o.emit({ type: 'autorun.failed', server: ref, runId: record.id, error: message(err) });
        continue;
      }
      const spent = await this.#o.budgets.spent(AUTO_START_RUNBOOK, ref.id, this.#o.limit.windowMs, this.#o.clock.now());
      this.#o.emit({ type: 'autorun.started', runId: record.id, server: ref, spent: spent.length, limit: this.#o.limit.actions, resumed: true });
      this.#drive(ref, record.id, record.context.region);
    }
  }

  /** A server its host stopped, as this round sees it: start it, or escalate when its budget is spent. */
  async consider(server: Server, actions: readonly InstanceAction[]): Promise<void> {
    if (this.#inFlight.has(server.id)) return;
    const ref = refOf(server);
    const now = this.#o.clock.now();
    const spentNow = await this.#o.budgets.spent(AUTO_START_RUNBOOK, server.id, this.#o.limit.windowMs, now);
    // A round that read the server before a finished run's start landed still sees this stop: it was answered already.
    const stop = actions.find((a) => a.action === 'stop');
    const answers = `after stop ${stop?.requestId ?? 'unknown'}`;
    if (stop && spentNow.some((s) => s.detail === answers)) return;
    const stoppedAt = stop ? Date.parse(stop.startTime) : Number.NaN;
    if (Number.isNaN(stoppedAt) || now.getTime() - stoppedAt > this.#o.maxStopAgeMs) {
      const key = `${server.id}/${stop?.requestId ?? '-'}`;
      if (!this.#tooOld.has(key)) {
        this.#tooOld.add(key);
        const why = stop ? `its host stopped it at ${stop.startTime}, longer ago than watch.autoRun.host-stopped-server.maxStopAgeMinutes` : 'no stop on record';
        this.#o.emit({ type: 'autorun.refused', server: ref, reason: `${why}: reported, not started` });
      }
      return;
    }
    const text = escalationText(server, spentNow, this.#o.limit, actions);
    const decision = await this.#o.budgets.decide(AUTO_START_RUNBOOK, { id: server.id, name: server.name }, this.#o.limit, now, text);
    if (decision.kind === 'exhausted') return;
    if (decision.kind === 'escalate') {
      let delivery: string;
      try {
        delivery = await this.#o.escalate(text, this.#o.zoneOf(server.region) ?? 'prod', { server: ref, stop: stop?.requestId ?? 'unknown' });
      } catch (err) {
        delivery = `not delivered: ${message(err)}`;
      }
      this.#o.emit({ type: 'autorun.escalated', server: ref, text, delivery });
      return;
    }
    const effects = this.#o.effectsFor(server.region);
    if (!effects) {
      this.#o.emit({ type: 'autorun.refused', server: ref, reason: `no OpenStack connection for region ${server.region ?? '(none)'}` });
      return;
    }
    const zone = this.#o.zoneOf(server.region);
    const context: RunContext = {
      target: { kind: 'server', id: server.id, name: server.name },
      ...(server.region ? { region: server.region } : {}),
      servers: [{ id: server.id, name: server.name, db: isDbServer(server), serving: false }],
      ...(zone ? { zone } : {}),
    };
    let run: RunRecord;
    try {
      // No dedup window: the budget is what limits repeats here, and it is counted per start.
      run = await this.#o.runs.create({ runbook: AUTO_START_RUNBOOK, context, createdBy: this.#o.actor, at: now, leaseTtlMs: this.#o.leaseTtlMs, dedupWindowMs: 0 });
    } catch (err) {
      if (err instanceof RunConflictError) {
        if (this.#refused.get(server.id) !== err.message) this.#o.emit({ type: 'autorun.refused', server: ref, reason: err.message });
        this.#refused.set(server.id, err.message);
        return;
      }
      throw err;
    }
    this.#refused.delete(server.id);
    await this.#o.budgets.spend(AUTO_START_RUNBOOK, { id: server.id, name: server.name }, run.id, now, answers);
    this.#o.emit({ type: 'autorun.started', runId: run.id, server: ref, spent: decision.spent.length + 1, limit: this.#o.limit.actions, resumed: false });
    this.#drive(ref, run.id, server.region);
  }

  /** Waits for the runs in progress; they end on their own (each step has a timeout). */
  async settle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight.values()]);
  }

  #drive(ref: ServerRef, runId: string, region: string | undefined): void {
    const effects = this.#o.effectsFor(region);
    const job = (async () => {
      if (!effects) throw new Error(`no OpenStack connection for region ${region ?? '(none)'}`);
      const final = await executeRun({
        runbook: this.#runbook,
        runId,
        ledger: this.#o.runs,
        effects,
        clock: this.#o.clock,
        actor: this.#o.actor,
        // Consent was given in faultline.yaml (watch.autoRun), for this runbook only.
        confirm: async () => true,
        ...(this.#o.businessHours ? { businessHours: this.#o.businessHours } : {}),
      });
      this.#o.emit({ type: 'autorun.finished', runId, server: ref, status: final.status, reason: final.reason });
    })()
      .catch((err: unknown) => this.#o.emit({ type: 'autorun.failed', server: ref, runId, error: message(err) }))
      .finally(() => this.#inFlight.delete(ref.id));
    this.#inFlight.set(ref.id, job);
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
