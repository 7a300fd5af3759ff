import { DEFAULT_BUSINESS_HOURS, isOpen, nextOpening, type BusinessHours } from './business-hours.js';
import { announces, HARDWARE_GATES, isDisruptive, isHostEffect, stepIndex, touchesHost, touchesServers, type ActionStep, type HoldStep, type Jump, type Runbook, type RunbookStep, type StepScope, type WaitForStep } from './define.js';
import type { Clock, EffectResult, Effects, ItemRef, RunLedger, RunRecord, RunStatus, StepRecord } from './ports.js';
import { FINAL_STATUSES } from './ports.js';

/**
 * Runs a runbook durably. Every try of every step is written before it acts and
 * after it ends, so a process killed at any moment leaves a ledger that says
 * what is done, what is not, and what is uncertain (`started` without an end).
 * An uncertain action is never sent again blindly: Nova (or the BMC) is asked
 * whether it arrived after the baseline recorded with it, and only if it did not
 * is it sent. Gates (the fault notice, the DBA, the kill switch, the storm check)
 * are the engine's, not the runbook's, so no runbook can forget one.
 */

export type ProgressEvent = { readonly stepId: string | null; readonly message: string };

export interface ExecuteOptions {
  readonly runbook: Runbook;
  readonly runId: string;
  readonly ledger: RunLedger;
  readonly effects: Effects;
  readonly clock: Clock;
  readonly actor: string;
  /** Asked before each disruptive step; false stops the run (waiting, resumable). */
  readonly confirm: (step: RunbookStep, items: readonly ItemRef[]) => Promise<boolean>;
  readonly onProgress?: (event: ProgressEvent) => void;
  /** When a dev zone's escalation may go out (a daytime mention, §4.2); DEFAULT_BUSINESS_HOURS when absent. */
  readonly businessHours?: BusinessHours;
  /** Caps every retry policy's interval; absent: the runbook's own. */
  readonly maxRetryIntervalMs?: number;
  /** The hold steps' delays (runbooks.advanceNoticeHours, runbooks.monitorHours); DEFAULT_HOLDS when absent. */
  readonly holds?: HoldDelays;
}

export interface HoldDelays {
  /** A planned swap starts no earlier than this after its announcement (§4.7). */
  readonly advanceNoticeMs: number;
  /** A part under the ticket count is watched this long before it is closed without action (§4.7). */
  readonly monitorMs: number;
}

export const DEFAULT_HOLDS: HoldDelays = { advanceNoticeMs: 4 * 3_600_000, monitorMs: 24 * 3_600_000 };

type StepOutcome = { readonly kind: 'ok' } | { readonly kind: 'failed'; readonly why: string } | { readonly kind: 'stop'; readonly status: RunStatus; readonly why: string };

const OK: StepOutcome = { kind: 'ok' };

export async function executeRun(o: ExecuteOptions): Promise<RunRecord> {
  const { runbook, ledger } = o;
  let run = await ledger.run(o.runId);
  if (FINAL_STATUSES.has(run.status)) return run;
  const progress = (stepId: string | null, message: string): void => o.onProgress?.({ stepId, message });
  let stormChecked = false;
  let cursor = run.cursor;
  await ledger.advance(run.id, cursor, 'running', null, o.clock.now().toISOString());
  while (cursor < runbook.steps.length) {
    run = await ledger.run(o.runId);
    // Another process (faultline abort) may have ended the run between two steps.
    if (run.status === 'aborted') return run;
    const step = runbook.steps[cursor] as RunbookStep;
    if (isDisruptive(step)) {
      const halt = await ledger.halted();
      if (halt) return stop(o, cursor, 'halted', `the kill switch is on (set by ${halt.by}: ${halt.why}); nothing disruptive runs until it is released`);
      if (!stormChecked) {
        const storm = await o.effects.storm(run);
        stormChecked = true;
        if (storm.storm) {
          // Nothing disruptive happens either way, so a dev zone's storm is said now, as a mention, rather than held for the morning.
          const paged = await o.effects.escalate(run, `Storm: ${storm.detail}. faultline did nothing disruptive; a person must look at the whole fleet.`, escalationKind(run));
          await audit(o, null, 'storm short-circuit', storm.detail, paged.detail, []);
          return stop(o, cursor, 'storm', `${storm.detail}; ${paged.detail}`);
        }
      }
    }
    progress(step.id, step.text);
    const outcome = await runStep(o, run, step);
    if (outcome.kind === 'stop') return stop(o, cursor, outcome.status, outcome.why);
    if (step.kind === 'escalate') return stop(o, runbook.steps.length, 'escalated', outcome.kind === 'failed' ? outcome.why : step.text);
    const jump: Jump = outcome.kind === 'ok' ? (step.next?.ok ?? { goto: runbook.steps[cursor + 1]?.id ?? '' }) : (step.next?.failed ?? 'fail');
    if (jump === 'fail') return stop(o, cursor, 'failed', outcome.kind === 'failed' ? outcome.why : 'failed');
    if (jump === 'finish' || (typeof jump === 'object' && jump.goto === '')) {
      cursor = runbook.steps.length;
      break;
    }
    const escalation = runbook.steps.findIndex((s) => s.kind === 'escalate');
    cursor = jump === 'escalate' ? escalation : stepIndex(runbook, jump.goto);
    if (outcome.kind === 'failed') progress(step.id, `failed: ${outcome.why}`);
    await ledger.advance(run.id, cursor, 'running', outcome.kind === 'failed' ? outcome.why : null, o.clock.now().toISOString());
  }
  return stop(o, runbook.steps.length, 'done', 'every step done');
}

async function stop(o: ExecuteOptions, cursor: number, status: RunStatus, why: string): Promise<RunRecord> {
  await o.ledger.advance(o.runId, cursor, status, why, o.clock.now().toISOString());
  o.onProgress?.({ stepId: null, message: `${status}: ${why}` });
  return o.ledger.run(o.runId);
}

function audit(o: ExecuteOptions, stepId: string | null, what: string, why: string, result: string, requestIds: readonly string[]): Promise<void> {
  return o.ledger.audit({ runId: o.runId, at: o.clock.now().toISOString(), actor: o.actor, stepId, what, why, result, requestIds });
}

/** The items a step acts on, from the run's context and earlier checks. */
export function itemsOf(run: RunRecord, scope: StepScope, records: readonly StepRecord[]): ItemRef[] {
  const ctx = run.context;
  const server = (id: string): ItemRef => ({ kind: 'server', id, name: ctx.servers.find((s) => s.id === id)?.name ?? id });
  if (scope === 'server') return [{ kind: 'server', id: ctx.target.id, name: ctx.target.name }];
  if (scope === 'hypervisor') {
    const hv = ctx.hypervisor ?? (ctx.target.kind === 'hypervisor' ? { id: ctx.target.id, name: ctx.target.name } : undefined);
    return hv ? [{ kind: 'hypervisor', id: hv.id, name: hv.name }] : [];
  }
  if (scope === 'each-server') return ctx.servers.map((s) => server(s.id));
  // The last finished try of that check names the servers still failing.
  const last = [...records].reverse().find((r) => r.stepId === scope.stragglersOf && r.status !== 'started');
  return (last?.failing ?? []).map(server);
}

const keyOf = (runId: string, stepId: string, item: string, attempt: number): string => `${runId}/${stepId}/${item}/${attempt}`;

/** The try after every one the ledger holds for a step, finished or not: an idempotency key is begun once. */
const nextAttempt = (records: readonly StepRecord[], stepId: string): number => records.filter((r) => r.stepId === stepId).reduce((n, r) => Math.max(n, r.attempt), 0) + 1;

/** DB servers among the items that still served when the run began: the DBA must acknowledge first (§4.1). */
function servingDbs(run: RunRecord, step: RunbookStep, items: readonly ItemRef[]): string[] {
  const touched = new Set(items.filter((i) => i.kind === 'server').map((i) => i.id));
  const wholeHost = step.kind === 'approval' || touchesHost(step) || items.some((i) => i.kind === 'hypervisor');
  return run.context.servers.filter((s) => s.db && s.serving === true && (wholeHost || touched.has(s.id))).map((s) => s.name);
}

async function runStep(o: ExecuteOptions, run: RunRecord, step: RunbookStep): Promise<StepOutcome> {
  switch (step.kind) {
    case 'approval':
      return approvalStep(o, run, step);
    case 'notice':
      return noticeStep(o, run, step);
    case 'escalate': {
      const records = await o.ledger.steps(run.id);
      if (records.some((r) => r.stepId === step.id && r.status === 'ok')) return OK;
      const held = devZoneHold(o, run);
      if (held) {
        await audit(o, step.id, 'escalate (dev zone)', step.text, held, []);
        return { kind: 'stop', status: 'waiting', why: held };
      }
      // A page whose outcome is unknown is sent again, as a new try: two pages cost less than none.
      const attempt = nextAttempt(records, step.id);
      const key = keyOf(run.id, step.id, '-', attempt);
      await begin(o, key, step.id, '-', attempt, null);
      const paged = await o.effects.escalate(run, step.text, escalationKind(run));
      await o.ledger.finish(key, { status: 'ok', finishedAt: o.clock.now().toISOString(), detail: paged.detail, requestIds: [], failing: [] });
      await audit(o, step.id, 'escalate', step.text, paged.detail, []);
      return OK;
    }
    case 'action':
      return actionStep(o, run, step);
    case 'waitFor':
      return waitForStep(o, run, step);
    case 'hold':
      return holdStep(o, run, step);
  }
}

/**
 * A time gate. Nothing is slept here: a hold that is not over stops the run as waiting with
 * the time it ends, and the deadline is worked out again from the ledger on every resume, so
 * a crash neither shortens nor restarts it.
 */
async function holdStep(o: ExecuteOptions, run: RunRecord, step: HoldStep): Promise<StepOutcome> {
  const now = o.clock.now();
  if (step.until === 'business-hours') {
    const hours = o.businessHours ?? DEFAULT_BUSINESS_HOURS;
    if (isOpen(now, hours)) return OK;
    const opens = nextOpening(now, hours);
    const when = opens ? `they open at ${opens.toISOString()}` : 'no business days are configured, so a person must decide when';
    const why = `hold ${step.id}: ${step.text} Outside business hours (${hours.start}–${hours.end} ${hours.timeZone}, days ${hours.days.join(',')}); ${when}. Then: faultline resume ${run.id}`;
    await audit(o, step.id, `hold ${step.id}`, step.text, 'waiting for business hours', []);
    return { kind: 'stop', status: 'waiting', why };
  }
  const { after, delay } = step.until;
  const from = await holdStart(o, run, after);
  if (from === null) return { kind: 'failed', why: `hold ${step.id} counts from step ${after}, which has not finished in this run` };
  const holds = o.holds ?? DEFAULT_HOLDS;
  const ms = delay === 'advance-notice' ? holds.advanceNoticeMs : holds.monitorMs;
  const until = new Date(from + ms);
  if (now.getTime() >= until.getTime()) return OK;
  await audit(o, step.id, `hold ${step.id}`, step.text, `waiting until ${until.toISOString()}`, []);
  return { kind: 'stop', status: 'waiting', why: `hold ${step.id}: ${step.text} Not before ${until.toISOString()}; then: faultline resume ${run.id}` };
}

/** When a hold's clock started: the run's creation, or when the named step finished (a notice posted by hand: its approval). */
async function holdStart(o: ExecuteOptions, run: RunRecord, after: string): Promise<number | null> {
  if (after === 'run-start') return Date.parse(run.createdAt);
  const records = await o.ledger.steps(run.id);
  const done = records.filter((r) => r.stepId === after && r.status === 'ok' && r.finishedAt !== null).map((r) => Date.parse(r.finishedAt as string));
  if (done.length > 0) return Math.min(...done);
  const step = o.runbook.steps.find((s) => s.id === after);
  if (step?.kind === 'notice' && announces(step.notice)) {
    const byHand = await o.ledger.approval(run.id, 'fault-notice');
    if (byHand) return Date.parse(byHand.at);
  }
  return null;
}

/** A prod zone pages the platform on-call; a dev zone only mentions it in chat (§4.2). */
const escalationKind = (run: RunRecord): 'page' | 'mention' => (run.context.zone === 'dev' ? 'mention' : 'page');

/** Why a dev zone's escalation must wait, or null when it may go out now. */
function devZoneHold(o: ExecuteOptions, run: RunRecord): string | null {
  if (run.context.zone !== 'dev') return null;
  const hours = o.businessHours ?? DEFAULT_BUSINESS_HOURS;
  const now = o.clock.now();
  if (isOpen(now, hours)) return null;
  const opens = nextOpening(now, hours);
  const when = opens ? `they open at ${opens.toISOString()}` : 'no business days are configured, so a person must pass it on';
  return `dev zone: the escalation is a daytime chat mention, not a night page, and waits for business hours (${hours.start}–${hours.end} ${hours.timeZone}, days ${hours.days.join(',')}); ${when}. Then: faultline resume ${run.id}`;
}

async function begin(o: ExecuteOptions, key: string, stepId: string, item: string, attempt: number, baseline: string | null): Promise<void> {
  await o.ledger.begin({ key, runId: o.runId, stepId, item, attempt, status: 'started', startedAt: o.clock.now().toISOString(), finishedAt: null, baseline, detail: '', requestIds: [], failing: [] });
}

async function approvalStep(o: ExecuteOptions, run: RunRecord, step: Extract<RunbookStep, { kind: 'approval' }>): Promise<StepOutcome> {
  if (step.when === 'db-serving') {
    const dbs = servingDbs(run, step, []);
    if (dbs.length === 0) return OK;
  }
  const given = await o.ledger.approval(run.id, step.gate);
  if (given) return OK;
  // Hands-on work at the box: the wait says which spare the pool offers, so the person at the rack need not look it up.
  const spare = HARDWARE_GATES.includes(step.gate) ? ` Spare: ${run.context.spare ?? `none named; see faultline spare ${run.context.hypervisor?.name ?? run.context.target.name}`}.` : '';
  await audit(o, step.id, `gate ${step.gate}`, `${step.text}${spare}`, 'waiting for approval', []);
  return { kind: 'stop', status: 'waiting', why: `gate ${step.gate}: ${step.text}${spare} Record it with: faultline approve ${run.id} ${step.gate} --by <name>` };
}

async function noticeStep(o: ExecuteOptions, run: RunRecord, step: Extract<RunbookStep, { kind: 'notice' }>): Promise<StepOutcome> {
  const records = await o.ledger.steps(run.id);
  if (records.some((r) => r.stepId === step.id && r.status === 'ok')) return OK;
  const required = announces(step.notice);
  const gate = required ? 'fault-notice' : 'operator';
  if (required && (await o.ledger.approval(run.id, 'fault-notice'))) return OK;
  // A notice whose post is uncertain (the process died while posting) or failed is posted again, as a new try:
  // a repeated notice is noise, a missing one lets a host be touched unannounced.
  const attempt = nextAttempt(records, step.id);
  const key = keyOf(run.id, step.id, '-', attempt);
  await begin(o, key, step.id, '-', attempt, null);
  const posted = await o.effects.notice(step.notice, run, step.text);
  if (!posted.posted) {
    await o.ledger.finish(key, { status: 'failed', finishedAt: o.clock.now().toISOString(), detail: posted.detail, requestIds: [], failing: [] });
    if (!required) return OK;
    return { kind: 'stop', status: 'waiting', why: `${posted.detail}: post the ${step.notice} notice by hand (${step.text}), then: faultline approve ${run.id} ${gate} --by <name>` };
  }
  await o.ledger.finish(key, { status: 'ok', finishedAt: o.clock.now().toISOString(), detail: posted.detail, requestIds: [], failing: [] });
  await audit(o, step.id, `${step.notice} notice`, step.text, posted.detail, []);
  return OK;
}

/** The fault notice of this run is out: posted by faultline, or posted by hand and approved. */
async function noticeIsOut(o: ExecuteOptions, run: RunRecord, records: readonly StepRecord[]): Promise<boolean> {
  if (await o.ledger.approval(run.id, 'fault-notice')) return true;
  const faultSteps = new Set(o.runbook.steps.filter((s) => s.kind === 'notice' && announces(s.notice)).map((s) => s.id));
  return records.some((r) => faultSteps.has(r.stepId) && r.status === 'ok');
}

async function actionStep(o: ExecuteOptions, run: RunRecord, step: ActionStep): Promise<StepOutcome> {
  let records = await o.ledger.steps(run.id);
  const items = itemsOf(run, step.on, records);
  if (touchesHost(step) && !(await noticeIsOut(o, run, records))) {
    return { kind: 'stop', status: 'waiting', why: `step ${step.id} acts on the hypervisor and the fault notice is not out yet` };
  }
  const dbs = touchesServers(step) ? servingDbs(run, step, items) : [];
  if (dbs.length > 0 && !(await o.ledger.approval(run.id, 'db-servers'))) {
    await audit(o, step.id, 'gate db-servers', `DB server(s) still serving: ${dbs.join(', ')}`, 'waiting for approval', []);
    return { kind: 'stop', status: 'waiting', why: `gate db-servers: DB server(s) ${dbs.join(', ')} still serve; the DBA must acknowledge first: faultline approve ${run.id} db-servers --by <name>` };
  }
  const pending = items.filter((item) => !records.some((r) => r.stepId === step.id && r.item === item.id && r.status === 'ok'));
  if (pending.length > 0 && !(await o.confirm(step, pending))) {
    return { kind: 'stop', status: 'waiting', why: `not confirmed: ${step.text} Resume with: faultline resume ${run.id}` };
  }
  const tries = step.retry?.tries ?? 1;
  const failures: string[] = [];
  // One item after the other: the runbooks' "one by one" is the safe default for disruptive work.
  for (const item of pending) {
    records = await o.ledger.steps(run.id);
    const mine = records.filter((r) => r.stepId === step.id && r.item === item.id);
    let attempt = mine.reduce((n, r) => Math.max(n, r.attempt), 0);
    const open = mine.find((r) => r.status === 'started');
    let ok = false;
    let lastDetail = '';
    if (open) {
      // The process died while this try was under way: did it reach Nova?
      const sent = await o.effects.sentSince(step.effect, item, open.baseline);
      const how = isHostEffect(step.effect)
        ? sent
          ? 'the host already shows it done; not sending it again'
          : 'the host does not show it done; sending it'
        : sent
          ? 'it reached Nova; waiting for it'
          : 'it never reached Nova; sending it';
      o.onProgress?.({ stepId: step.id, message: `${item.name}: resuming an unfinished ${step.effect} (${how})` });
      const result = await o.effects.perform(step.effect, item, { alreadySent: sent });
      await settle(o, step, item, open.key, result, sent ? 'resumed (already sent)' : 'resumed (sent now)');
      ok = result.ok;
      lastDetail = result.detail;
    }
    while (!ok && attempt < tries) {
      if (attempt > 0) await o.clock.sleep(retryInterval(o, step));
      attempt++;
      const key = keyOf(run.id, step.id, item.id, attempt);
      const baseline = await o.effects.baseline(step.effect, item);
      await begin(o, key, step.id, item.id, attempt, baseline);
      const result = await o.effects.perform(step.effect, item, { alreadySent: false });
      await settle(o, step, item, key, result, `try ${attempt}/${tries}`);
      ok = result.ok;
      lastDetail = result.detail;
    }
    if (!ok) failures.push(`${item.name}: ${lastDetail}`);
  }
  return failures.length === 0 ? OK : { kind: 'failed', why: failures.join('; ') };
}

/** The runbook's pause between tries, capped by the caller (a lab's "one minute apart" need not take minutes). */
function retryInterval(o: ExecuteOptions, step: ActionStep | WaitForStep): number {
  const declared = step.retry?.intervalMs ?? 0;
  return o.maxRetryIntervalMs === undefined ? declared : Math.min(declared, o.maxRetryIntervalMs);
}

async function settle(o: ExecuteOptions, step: ActionStep, item: ItemRef, key: string, result: EffectResult, how: string): Promise<void> {
  // Each command sent to the host is its own line in the audit (who ran what on which host, what it answered),
  // written before the step counts as finished so a crash in between loses no command from the record.
  for (const c of result.commands ?? []) {
    await audit(o, step.id, `ssh ${c.host}: ${c.command}`, step.text, `${c.exitCode === null ? 'did not finish' : `exit ${c.exitCode}`}${c.output ? `: ${c.output}` : ''}`, []);
  }
  await o.ledger.finish(key, { status: result.ok ? 'ok' : 'failed', finishedAt: o.clock.now().toISOString(), detail: result.detail, requestIds: result.requestIds, failing: result.ok ? [] : [item.id] });
  await audit(o, step.id, `${step.effect} ${item.name} (${item.id})`, step.text, `${result.ok ? 'ok' : 'failed'} (${how}): ${result.detail}`, result.requestIds);
  o.onProgress?.({ stepId: step.id, message: `${result.ok ? 'ok  ' : 'FAIL'} ${item.name}: ${result.detail}` });
}

async function waitForStep(o: ExecuteOptions, run: RunRecord, step: WaitForStep): Promise<StepOutcome> {
  const records = await o.ledger.steps(run.id);
  const items = itemsOf(run, step.on, records);
  if (items.length === 0) return OK;
  const done = records.find((r) => r.stepId === step.id && r.status === 'ok');
  if (done) return OK;
  const tries = step.retry?.tries ?? 1;
  let attempt = records.filter((r) => r.stepId === step.id).reduce((n, r) => Math.max(n, r.attempt), 0);
  // Checks change nothing, so an unfinished one is simply checked again; only finished tries count.
  let failed = records.filter((r) => r.stepId === step.id && r.status === 'failed').length;
  let last = '';
  while (failed < tries) {
    if (attempt > 0) await o.clock.sleep(retryInterval(o, step));
    attempt++;
    const key = keyOf(run.id, step.id, '-', attempt);
    await begin(o, key, step.id, '-', attempt, null);
    const result = await o.effects.check(step.condition, items, step.timeoutMs);
    await o.ledger.finish(key, { status: result.ok ? 'ok' : 'failed', finishedAt: o.clock.now().toISOString(), detail: result.detail, requestIds: [], failing: result.failing });
    o.onProgress?.({ stepId: step.id, message: `${result.ok ? 'ok  ' : 'not yet'} ${step.condition}: ${result.detail} (try ${failed + 1}/${tries})` });
    if (result.ok) return OK;
    failed++;
    last = result.detail;
  }
  return { kind: 'failed', why: last };
}
