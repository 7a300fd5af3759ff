import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { defineRunbook, RunbookDefinitionError, type ActionEffect } from './define.js';
import { executeRun } from './engine.js';
import type { BusinessHours } from './business-hours.js';
import type { Clock, Effects, ItemRef, RunContext, RunRecord } from './ports.js';
import { RUNBOOKS, runbookById } from './runbooks/index.js';
import { Crash, MemoryLedger } from './testing.js';

/**
 * The engine against a ledger kept in memory and a small Nova model. `crashAfter`
 * makes the ledger die after that many writes, as kill -9 would: the write lands,
 * nothing after it runs. A new engine on the same ledger then resumes.
 */
/** Servers with a power state and an action log, like Nova's instance actions; `hung` ones stay silent after start. */
class MiniNova implements Effects {
  state = new Map<string, 'ACTIVE' | 'SHUTOFF'>();
  log: { id: string; action: string; n: number }[] = [];
  hung = new Set<string>();
  stormy = false;
  notices: string[] = [];
  pages: string[] = [];
  noticeConfigured = true;
  /** Crash inside perform, after Nova accepted the request (the answer is lost). */
  crashInsideSend = false;
  constructor(ids: string[]) {
    for (const id of ids) this.state.set(id, 'ACTIVE');
  }
  async baseline(_e: ActionEffect, item: ItemRef): Promise<string | null> {
    const mine = this.log.filter((l) => l.id === item.id);
    return mine.length ? String(mine[mine.length - 1]?.n) : null;
  }
  async sentSince(effect: ActionEffect, item: ItemRef, baseline: string | null): Promise<boolean> {
    const action = effect.split('.')[1];
    return this.log.some((l) => l.id === item.id && l.action === action && l.n > Number(baseline ?? -1));
  }
  async perform(effect: ActionEffect, item: ItemRef, o: { alreadySent: boolean }): Promise<{ ok: boolean; detail: string; requestIds: string[] }> {
    const action = effect.split('.')[1] as string;
    const want = action === 'stop' ? 'SHUTOFF' : 'ACTIVE';
    if (!o.alreadySent && !(action !== 'restart' && this.state.get(item.id) === want)) {
      this.log.push({ id: item.id, action, n: this.log.length });
      // A host reboot leaves every server SHUTOFF, as Nova's power sync does.
      if (action === 'power-cycle') for (const id of this.state.keys()) this.state.set(id, 'SHUTOFF');
      else this.state.set(item.id, want);
      if (this.crashInsideSend) {
        this.crashInsideSend = false;
        throw new Crash('crash after Nova accepted');
      }
    }
    return { ok: true, detail: `${action} done`, requestIds: [`req-${this.log.length}`] };
  }
  async check(condition: string, items: readonly ItemRef[]): Promise<{ ok: boolean; detail: string; failing: string[] }> {
    if (condition === 'hypervisor.up' || condition === 'server.settled') return { ok: true, detail: 'up', failing: [] };
    const failing = items.filter((i) => (condition === 'server.no-ping' ? this.state.get(i.id) !== 'SHUTOFF' : this.state.get(i.id) !== 'ACTIVE' || this.hung.has(i.id))).map((i) => i.id);
    return { ok: failing.length === 0, detail: failing.length ? `${failing.length} failing` : 'all pass', failing };
  }
  async notice(kind: string): Promise<{ posted: boolean; detail: string }> {
    if (!this.noticeConfigured) return { posted: false, detail: 'no notices.webhook configured' };
    this.notices.push(kind);
    return { posted: true, detail: 'posted' };
  }
  mentions: string[] = [];
  async escalate(_r: RunRecord, text: string, kind: 'page' | 'mention'): Promise<{ paged: boolean; detail: string }> {
    (kind === 'page' ? this.pages : this.mentions).push(text);
    return { paged: kind === 'page', detail: kind === 'page' ? 'paged' : 'mentioned' };
  }
  async storm(): Promise<{ storm: boolean; detail: string }> {
    return { storm: this.stormy, detail: this.stormy ? '40% of hypervisors down' : 'no storm' };
  }
  count(id: string, action: string): number {
    return this.log.filter((l) => l.id === id && l.action === action).length;
  }
}

const clock: Clock = { now: () => new Date('2026-12-04T00:00:00Z'), sleep: async () => undefined };

function newRun(ledger: MemoryLedger, runbook: string, context: RunContext): string {
  const id = `run-${ledger.runs.size + 1}`;
  ledger.runs.set(id, { id, runbook, context, status: 'running', cursor: 0, createdAt: '2026-12-04T00:00:00Z', updatedAt: '2026-12-04T00:00:00Z', createdBy: 'test', reason: null });
  return id;
}

const serverCtx = (id: string, db = false, serving: boolean | null = false): RunContext => ({ target: { kind: 'server', id, name: `name-${id}` }, servers: [{ id, name: `name-${id}`, db, serving }] });
const hostCtx = (servers: RunContext['servers']): RunContext => ({ target: { kind: 'hypervisor', id: 'hv1', name: 'com001' }, hypervisor: { id: 'hv1', name: 'com001', host: 'com001' }, servers });

async function execute(ledger: MemoryLedger, nova: MiniNova, runId: string, confirm = true): Promise<RunRecord> {
  const runbook = runbookById((await ledger.run(runId)).runbook);
  assert.ok(runbook);
  return executeRun({ runbook, runId, ledger, effects: nova, clock, actor: 'test', confirm: async () => confirm });
}

/** Runs until done, crashing after `crashAfter` writes first; resumes after each crash. */
async function runWithCrash(ledger: MemoryLedger, nova: MiniNova, runId: string, crashAfter: number): Promise<RunRecord> {
  ledger.crashAfter = crashAfter;
  for (let round = 0; round < 10; round++) {
    try {
      return await execute(ledger, nova, runId);
    } catch (err) {
      if (!(err instanceof Crash)) throw err;
      ledger.crashAfter = Infinity;
    }
  }
  assert.fail('never finished');
}

describe('runbook engine', () => {
  it('VM hang: stop, confirm no ping, start, ssh check; done on the fast path', async () => {
    const ledger = new MemoryLedger();
    const nova = new MiniNova(['s1']);
    const run = await execute(ledger, nova, newRun(ledger, 'vm-hang', serverCtx('s1')));
    assert.equal(run.status, 'done', run.reason ?? '');
    assert.deepEqual(nova.log.map((l) => l.action), ['stop', 'start']);
    assert.ok(ledger.audits.some((a) => a.what.startsWith('server.stop name-s1') && a.requestIds.length === 1));
  });

  it('VM hang: a guest that stays silent is restarted, then escalated', async () => {
    const ledger = new MemoryLedger();
    const nova = new MiniNova(['s1']);
    nova.hung.add('s1');
    const run = await execute(ledger, nova, newRun(ledger, 'vm-hang', serverCtx('s1')));
    assert.equal(run.status, 'escalated');
    assert.deepEqual(nova.log.map((l) => l.action), ['stop', 'start', 'restart']);
    assert.equal(nova.pages.length, 1);
  });

  it('a crash after any write of VM hang, then resume: exactly one stop and one start', async () => {
    const clean = new MemoryLedger();
    await execute(clean, new MiniNova(['s1']), newRun(clean, 'vm-hang', serverCtx('s1')));
    assert.ok(clean.writes > 8, `a VM hang run writes often (${clean.writes})`);
    for (let n = 1; n <= clean.writes; n++) {
      const ledger = new MemoryLedger();
      const nova = new MiniNova(['s1']);
      const run = await runWithCrash(ledger, nova, newRun(ledger, 'vm-hang', serverCtx('s1')), n);
      assert.equal(run.status, 'done', `crash after write ${n}: ${run.reason}`);
      assert.equal(nova.count('s1', 'stop'), 1, `crash after write ${n}: stops`);
      assert.equal(nova.count('s1', 'start'), 1, `crash after write ${n}: starts`);
    }
  });

  it('a crash after any write of PM hang, the notice and the escalation included, then resume: one power cycle, one start per server', async () => {
    // b stays silent, so the run goes through the notice, the power cycle, the starts, the straggler's restart and the page.
    let crashes = 0;
    for (let n = 1; n < 60; n++) {
      const ledger = new MemoryLedger();
      const nova = new MiniNova(['a', 'b']);
      nova.hung.add('b');
      const runId = newRun(ledger, 'pm-hang', hostCtx(['a', 'b'].map((id) => ({ id, name: id, db: false, serving: false }))));
      ledger.crashAfter = n;
      let crashed = false;
      let run: RunRecord | undefined;
      for (let round = 0; round < 10 && !run; round++) {
        try {
          run = await execute(ledger, nova, runId);
        } catch (err) {
          if (!(err instanceof Crash)) throw err;
          crashed = true;
          ledger.crashAfter = Infinity;
        }
      }
      assert.ok(run, `crash after write ${n}: the run ends`);
      assert.equal(run.status, 'escalated', `crash after write ${n}: ${run.reason}`);
      assert.equal(nova.count('hv1', 'power-cycle'), 1, `crash after write ${n}: one power cycle`);
      assert.equal(nova.count('a', 'start'), 1, `crash after write ${n}: a started once`);
      assert.equal(nova.count('b', 'start'), 1, `crash after write ${n}: b started once`);
      assert.equal(nova.count('b', 'restart'), 1, `crash after write ${n}: the straggler restarted once`);
      // Posted again only when the process died between beginning a post and recording it: noise, never a silence.
      assert.ok(nova.notices.length >= 1 && nova.notices.length <= 2, `crash after write ${n}: notices ${nova.notices.length}`);
      assert.ok(nova.pages.length >= 1 && nova.pages.length <= 2, `crash after write ${n}: pages ${nova.pages.length}`);
      if (!crashed) break;
      crashes++;
    }
    assert.ok(crashes > 10, 'the crash points cover the run');
  });

  it('a crash after Nova accepted a restart (answer lost): the resumed run sees it and does not reboot again', async () => {
    const ledger = new MemoryLedger();
    const nova = new MiniNova(['s1']);
    nova.hung.add('s1');
    const runId = newRun(ledger, 'vm-hang', serverCtx('s1'));
    const original = nova.perform.bind(nova);
    nova.perform = async (effect, item, o) => {
      if (effect === 'server.restart' && !o.alreadySent) nova.crashInsideSend = true;
      return original(effect, item, o);
    };
    await assert.rejects(execute(ledger, nova, runId), Crash);
    assert.ok(ledger.records.some((r) => r.stepId === 'restart' && r.status === 'started'), 'the restart is left uncertain');
    const run = await execute(ledger, nova, runId);
    assert.equal(run.status, 'escalated');
    assert.equal(nova.count('s1', 'restart'), 1);
    assert.ok(ledger.audits.some((a) => a.stepId === 'restart' && a.result.includes('already sent')));
  });

  it('a DB server that still answers waits for the DBA; approve, resume, done', async () => {
    const ledger = new MemoryLedger();
    const nova = new MiniNova(['db1']);
    const runId = newRun(ledger, 'vm-hang', serverCtx('db1', true, true));
    let run = await execute(ledger, nova, runId);
    assert.equal(run.status, 'waiting');
    assert.match(run.reason ?? '', /faultline approve run-1 db-servers/);
    assert.equal(nova.log.length, 0, 'nothing touched before the approval');
    ledger.approvals.push({ runId, gate: 'db-servers', by: 'dba-kim', at: '2026-12-04T00:01:00Z', note: null });
    run = await execute(ledger, nova, runId);
    assert.equal(run.status, 'done');
    assert.deepEqual(nova.log.map((l) => l.action), ['stop', 'start']);
  });

  it('an impacted DB server (it does not answer) proceeds without waiting', async () => {
    const ledger = new MemoryLedger();
    const run = await execute(ledger, new MiniNova(['db1']), newRun(ledger, 'vm-hang', serverCtx('db1', true, false)));
    assert.equal(run.status, 'done');
  });

  it('PM hang: no power action before the fault notice is out; posted by hand and approved, it goes on', async () => {
    const ledger = new MemoryLedger();
    const nova = new MiniNova(['a', 'b', 'c']);
    nova.noticeConfigured = false;
    const runId = newRun(ledger, 'pm-hang', hostCtx(['a', 'b', 'c'].map((id) => ({ id, name: id, db: false, serving: false }))));
    let run = await execute(ledger, nova, runId);
    assert.equal(run.status, 'waiting');
    assert.match(run.reason ?? '', /fault-notice/);
    assert.equal(nova.log.length, 0);
    ledger.approvals.push({ runId, gate: 'fault-notice', by: 'night-shift', at: '2026-12-04T00:01:00Z', note: 'posted in #ops' });
    run = await execute(ledger, nova, runId);
    assert.equal(run.status, 'done', run.reason ?? '');
    assert.deepEqual(nova.log.map((l) => `${l.action} ${l.id}`), ['power-cycle hv1', 'start a', 'start b', 'start c']);
  });

  it('PM hang: stragglers are restarted one by one, and escalated when they stay bad', async () => {
    const ledger = new MemoryLedger();
    const nova = new MiniNova(['a', 'b']);
    nova.hung.add('b');
    const run = await execute(ledger, nova, newRun(ledger, 'pm-hang', hostCtx(['a', 'b'].map((id) => ({ id, name: id, db: false, serving: false })))));
    assert.equal(run.status, 'escalated');
    assert.deepEqual(nova.notices, ['fault']);
    assert.equal(nova.count('b', 'restart'), 1);
    assert.equal(nova.count('a', 'restart'), 0, 'only the straggler is restarted');
  });

  it('the kill switch stops before any disruptive step; a storm pages once and does nothing disruptive', async () => {
    const ledger = new MemoryLedger();
    const nova = new MiniNova(['s1']);
    ledger.halt = { by: 'lead', why: 'maintenance' };
    const halted = await execute(ledger, nova, newRun(ledger, 'vm-hang', serverCtx('s1')));
    assert.equal(halted.status, 'halted');
    ledger.halt = undefined;
    nova.stormy = true;
    const storm = await execute(ledger, nova, newRun(ledger, 'vm-hang', serverCtx('s1')));
    assert.equal(storm.status, 'storm');
    assert.equal(nova.log.length, 0);
    assert.equal(nova.pages.length, 1);
  });

  it('declined confirmation leaves the run waiting and unchanged', async () => {
    const ledger = new MemoryLedger();
    const nova = new MiniNova(['s1']);
    const run = await execute(ledger, nova, newRun(ledger, 'vm-hang', serverCtx('s1')), false);
    assert.equal(run.status, 'waiting');
    assert.equal(nova.log.length, 0);
  });
});

describe('runbook engine: dev zones escalate in the daytime, as a mention', () => {
  const HOURS: BusinessHours = { timeZone: 'Asia/Seoul', days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' };
  const devCtx = (id: string): RunContext => ({ ...serverCtx(id), region: 'hn1dev', zone: 'dev' });
  const at = (iso: string): Clock => ({ now: () => new Date(iso), sleep: async () => undefined });
  const runAt = async (ledger: MemoryLedger, nova: MiniNova, runId: string, clockAt: Clock): Promise<RunRecord> =>
    executeRun({ runbook: runbookById('vm-hang')!, runId, ledger, effects: nova, clock: clockAt, actor: 'test', confirm: async () => true, businessHours: HOURS });

  it('at 03:00 on a Friday in Seoul the escalation waits for 09:00, nothing is paged; resumed at 10:00 it mentions once', async () => {
    const ledger = new MemoryLedger();
    const nova = new MiniNova(['s1']);
    nova.hung.add('s1');
    const runId = newRun(ledger, 'vm-hang', devCtx('s1'));
    const night = await runAt(ledger, nova, runId, at('2026-12-03T18:00:00Z'));
    assert.equal(night.status, 'waiting');
    assert.match(night.reason ?? '', /dev zone: .*business hours .*open at 2026-12-04T00:00:00\.000Z.*faultline resume run-1/);
    assert.deepEqual([nova.pages, nova.mentions], [[], []]);
    assert.deepEqual(nova.log.map((l) => l.action), ['stop', 'start', 'restart'], 'the steps before the escalation still ran at night');
    const still = await runAt(ledger, nova, runId, at('2026-12-03T23:59:00Z'));
    assert.equal(still.status, 'waiting', 'resumed before the hours open it waits again');
    const day = await runAt(ledger, nova, runId, at('2026-12-04T01:00:00Z'));
    assert.equal(day.status, 'escalated');
    assert.deepEqual(nova.pages, []);
    assert.equal(nova.mentions.length, 1);
    assert.deepEqual(nova.log.map((l) => l.action), ['stop', 'start', 'restart'], 'resuming repeated no action');
    assert.ok(ledger.audits.some((a) => a.what === 'escalate (dev zone)' && /waits for business hours/.test(a.result)));
  });

  it('a prod zone pages at once, at night too', async () => {
    const ledger = new MemoryLedger();
    const nova = new MiniNova(['s1']);
    nova.hung.add('s1');
    const run = await runAt(ledger, nova, newRun(ledger, 'vm-hang', { ...serverCtx('s1'), zone: 'prod' }), at('2026-12-03T18:00:00Z'));
    assert.equal(run.status, 'escalated');
    assert.deepEqual([nova.pages.length, nova.mentions.length], [1, 0]);
  });

  it("a dev zone's storm is said at once, as a mention, and nothing disruptive runs", async () => {
    const ledger = new MemoryLedger();
    const nova = new MiniNova(['s1']);
    nova.stormy = true;
    const run = await runAt(ledger, nova, newRun(ledger, 'vm-hang', devCtx('s1')), at('2026-12-03T18:00:00Z'));
    assert.equal(run.status, 'storm');
    assert.deepEqual([nova.pages.length, nova.mentions.length, nova.log.length], [0, 1, 0]);
  });
});

describe('runbook definitions', () => {
  it('every file under runbooks/ is in the registry, with its doc, and ids equal file names', () => {
    const dir = new URL('./runbooks/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.js') && !f.endsWith('.test.js') && f !== 'index.js').map((f) => f.replace(/\.js$/, ''));
    assert.deepEqual([...files].sort(), RUNBOOKS.map((r) => r.id).sort());
    for (const r of RUNBOOKS) assert.ok(existsSync(`src/runbook/runbooks/${r.id}.md`), `${r.id} has its doc`);
  });

  it('rejects a host action before a fault notice, a jump back, an unknown jump, and a duplicate step id', () => {
    const base = { id: 'x', title: 'x', section: '§0', description: 'x', target: 'hypervisor' as const };
    assert.throws(() => defineRunbook({ ...base, steps: [{ kind: 'action', id: 'p', effect: 'hypervisor.power-cycle', on: 'hypervisor', text: 'p' }] }), RunbookDefinitionError);
    assert.throws(
      () =>
        defineRunbook({
          ...base,
          steps: [
            { kind: 'notice', id: 'n', notice: 'fault', text: 'n' },
            { kind: 'waitFor', id: 'w', condition: 'hypervisor.up', on: 'hypervisor', timeoutMs: 1, text: 'w', next: { failed: { goto: 'n' } } },
          ],
        }),
      /jumps back/,
    );
    assert.throws(() => defineRunbook({ ...base, steps: [{ kind: 'escalate', id: 'e', text: 'e', next: { ok: { goto: 'nowhere' } } }] }), /unknown step/);
    assert.throws(() => defineRunbook({ ...base, steps: [{ kind: 'escalate', id: 'e', text: 'e' }, { kind: 'escalate', id: 'e', text: 'e' }] }), /used twice/);
  });

  it('host shell steps run on the hypervisor only, and need no fault notice since they stop no server', () => {
    const base = { id: 'x', title: 'x', section: '§0', description: 'x', target: 'hypervisor' as const };
    assert.doesNotThrow(() => defineRunbook({ ...base, steps: [{ kind: 'action', id: 'r', effect: 'host.restart-runtime', on: 'hypervisor', text: 'r' }] }));
    assert.throws(() => defineRunbook({ ...base, steps: [{ kind: 'action', id: 'r', effect: 'host.swapoff', on: 'each-server', text: 'r' }] }), /runs on the hypervisor/);
    assert.throws(() => defineRunbook({ ...base, steps: [{ kind: 'waitFor', id: 'w', condition: 'host.agents-up', on: 'each-server', timeoutMs: 0, text: 'w' }] }), /checked on the hypervisor/);
    const agents = runbookById('compute-agents-down');
    assert.ok(agents);
    assert.ok(agents.steps.every((s) => s.kind !== 'notice'), 'no fault notice in §4.10');
  });
});
