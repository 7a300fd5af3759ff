import assert from 'node:assert/strict';
import type { ActionEffect, Condition, NoticeKind } from './define.js';
import { executeRun, type HoldDelays } from './engine.js';
import type { BusinessHours } from './business-hours.js';
import type { Approval, AuditEntry, CheckResult, Clock, EffectResult, Effects, ItemRef, RunContext, RunLedger, RunRecord, RunStatus, StepRecord } from './ports.js';
import { runbookById } from './runbooks/index.js';

/**
 * Test doubles for the runbook tests: a ledger in memory that can die after
 * the n-th write (as kill -9 would: the write lands, nothing after it runs), and a
 * small world of one hypervisor with a BMC and its servers, which logs every effect
 * it carries out so a test can count stops, starts and power changes.
 */

export class Crash extends Error {}

export class MemoryLedger implements RunLedger {
  runs = new Map<string, RunRecord>();
  records: StepRecord[] = [];
  approvals: (Approval & { runId: string })[] = [];
  audits: AuditEntry[] = [];
  halt: { by: string; why: string } | undefined;
  writes = 0;
  crashAfter = Infinity;
  private wrote(): void {
    this.writes++;
    if (this.writes >= this.crashAfter) throw new Crash(`crash after write ${this.writes}`);
  }
  async run(id: string): Promise<RunRecord> {
    return this.runs.get(id) as RunRecord;
  }
  async steps(id: string): Promise<StepRecord[]> {
    return this.records.filter((r) => r.runId === id);
  }
  async begin(r: StepRecord): Promise<void> {
    assert.ok(!this.records.some((x) => x.key === r.key), `key ${r.key} begun twice`);
    this.records.push(r);
    this.wrote();
  }
  async finish(key: string, res: Parameters<RunLedger['finish']>[1]): Promise<void> {
    const i = this.records.findIndex((r) => r.key === key);
    this.records[i] = { ...(this.records[i] as StepRecord), ...res };
    this.wrote();
  }
  async advance(id: string, cursor: number, status: RunStatus, reason: string | null, at: string): Promise<void> {
    this.runs.set(id, { ...(this.runs.get(id) as RunRecord), cursor, status, reason, updatedAt: at });
    this.wrote();
  }
  async approval(id: string, gate: Approval['gate']): Promise<Approval | undefined> {
    return this.approvals.find((a) => a.runId === id && a.gate === gate);
  }
  async halted(): Promise<{ by: string; why: string } | undefined> {
    return this.halt;
  }
  async audit(e: AuditEntry): Promise<void> {
    this.audits.push(e);
  }
  approve(runId: string, gate: Approval['gate'], at = '2026-12-07T10:00:00Z'): void {
    if (!this.approvals.some((a) => a.runId === runId && a.gate === gate)) this.approvals.push({ runId, gate, by: 'tester', at, note: null });
  }
  create(runbook: string, context: RunContext, createdAt: string): string {
    const id = `run-${this.runs.size + 1}`;
    this.runs.set(id, { id, runbook, context, status: 'running', cursor: 0, createdAt, updatedAt: createdAt, createdBy: 'test', reason: null });
    return id;
  }
}

export type WorldEvent = { readonly what: string; readonly item: string };

/** One hypervisor (BMC power On/Off) and its servers (ACTIVE/SHUTOFF); every change it makes is in `log`. */
export class PartWorld implements Effects {
  power: 'On' | 'Off' = 'On';
  servers = new Map<string, 'ACTIVE' | 'SHUTOFF'>();
  log: WorldEvent[] = [];
  notices: { kind: NoticeKind; text: string }[] = [];
  escalations: string[] = [];
  ticketCount = 0;
  partWork = 1;
  /** Die inside the next perform of this effect, after the world carried it out (the answer is lost). */
  crashInside: ActionEffect | undefined;
  /** Servers that never answer ping or ssh, whatever their state. */
  silent = new Set<string>();
  /** The BMC takes the reset but the power never moves (a reset that times out). */
  stuckPower = false;
  constructor(ids: readonly string[]) {
    for (const id of ids) this.servers.set(id, 'ACTIVE');
  }
  count(what: string, item?: string): number {
    return this.log.filter((e) => e.what === what && (item === undefined || e.item === item)).length;
  }
  async baseline(effect: ActionEffect, item: ItemRef): Promise<string | null> {
    return String(this.log.filter((e) => e.item === item.id && e.what === effect).length);
  }
  async sentSince(effect: ActionEffect, item: ItemRef, baseline: string | null): Promise<boolean> {
    return this.log.filter((e) => e.item === item.id && e.what === effect).length > Number(baseline ?? 0);
  }
  async perform(effect: ActionEffect, item: ItemRef, o: { alreadySent: boolean }): Promise<EffectResult> {
    const apply = (): void => {
      this.log.push({ what: effect, item: item.id });
      if (effect === 'server.stop') this.servers.set(item.id, 'SHUTOFF');
      else if (effect === 'server.start' || effect === 'server.restart') {
        assert.equal(this.power, 'On', `${effect} ${item.id} with the hypervisor powered off`);
        this.servers.set(item.id, 'ACTIVE');
      } else if (effect === 'hypervisor.power-off' && !this.stuckPower) {
        assert.ok([...this.servers.values()].every((s) => s === 'SHUTOFF'), 'power off with servers still running');
        this.power = 'Off';
      } else if (effect === 'hypervisor.power-on' && !this.stuckPower) this.power = 'On';
    };
    const goal = effect === 'hypervisor.power-off' ? 'Off' : effect === 'hypervisor.power-on' ? 'On' : undefined;
    if (!o.alreadySent && !(goal && this.power === goal)) {
      apply();
      if (this.crashInside === effect) {
        this.crashInside = undefined;
        throw new Crash(`crash after ${effect} was carried out`);
      }
    }
    if (goal && this.power !== goal) return { ok: false, detail: `PowerState still ${this.power}`, requestIds: [] };
    return { ok: true, detail: `${effect} done`, requestIds: [`task-${this.log.length}`] };
  }
  async check(condition: Condition, items: readonly ItemRef[]): Promise<CheckResult> {
    const fail = (why: string): CheckResult => ({ ok: false, detail: why, failing: items.map((i) => i.id) });
    switch (condition) {
      case 'hypervisor.up':
        return this.power === 'On' ? { ok: true, detail: 'up', failing: [] } : fail('power Off');
      case 'server.settled':
        return { ok: true, detail: 'settled', failing: [] };
      case 'server.reachable': {
        const failing = items.filter((i) => this.servers.get(i.id) !== 'ACTIVE' || this.power !== 'On' || this.silent.has(i.id)).map((i) => i.id);
        return { ok: failing.length === 0, detail: `${failing.length} failing`, failing };
      }
      case 'hypervisor.ticket-count-reached':
        return this.ticketCount >= 10 ? { ok: true, detail: `count ${this.ticketCount}`, failing: [] } : fail(`count ${this.ticketCount}`);
      case 'hypervisor.part-work-repeated':
        return this.partWork >= 3 ? { ok: true, detail: `${this.partWork} jobs`, failing: [] } : fail(`${this.partWork} jobs`);
      default:
        return fail(`no check for ${condition}`);
    }
  }
  async notice(kind: NoticeKind, _run: RunRecord, text: string): Promise<{ posted: boolean; detail: string }> {
    this.notices.push({ kind, text });
    this.log.push({ what: `notice.${kind}`, item: '-' });
    return { posted: true, detail: 'posted' };
  }
  async escalate(_run: RunRecord, text: string): Promise<{ paged: boolean; detail: string }> {
    this.escalations.push(text);
    return { paged: true, detail: 'paged' };
  }
  async storm(): Promise<{ storm: boolean; detail: string }> {
    return { storm: false, detail: 'no storm' };
  }
}

export const hypervisorContext = (servers: RunContext['servers'], spare?: string): RunContext => ({
  target: { kind: 'hypervisor', id: 'hv1', name: 'krane-pg1-com001' },
  hypervisor: { id: 'hv1', name: 'krane-pg1-com001', host: 'krane-pg1-com001' },
  servers,
  ...(spare ? { spare } : {}),
});

export const quietServers = (ids: readonly string[]): RunContext['servers'] => ids.map((id) => ({ id, name: `name-${id}`, db: false, serving: true }));

/** A clock the test moves. */
export class TestClock implements Clock {
  constructor(public at: Date) {}
  now(): Date {
    return new Date(this.at);
  }
  async sleep(): Promise<void> {}
  advance(ms: number): void {
    this.at = new Date(this.at.getTime() + ms);
  }
}

/** Always open: every day, the whole day. */
export const ALWAYS_OPEN: BusinessHours = { timeZone: 'UTC', days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' };

export interface DriveOptions {
  readonly clock: Clock;
  readonly businessHours?: BusinessHours;
  readonly holds?: HoldDelays;
}

export async function drive(ledger: MemoryLedger, world: PartWorld, runId: string, o: DriveOptions): Promise<RunRecord> {
  const runbook = runbookById((await ledger.run(runId)).runbook);
  assert.ok(runbook);
  return executeRun({
    runbook,
    runId,
    ledger,
    effects: world,
    clock: o.clock,
    actor: 'test',
    confirm: async () => true,
    businessHours: o.businessHours ?? ALWAYS_OPEN,
    ...(o.holds ? { holds: o.holds } : {}),
  });
}
