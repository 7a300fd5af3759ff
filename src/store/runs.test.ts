import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunContext } from '../runbook/ports.js';
import { RunConflictError, RunStore } from './runs.js';
import type { Store } from './store.js';
import { openTestStore, testEngines } from './testing.js';

const T0 = new Date('2026-12-04T00:00:00Z');
const later = (minutes: number): Date => new Date(T0.getTime() + minutes * 60_000);
const host = (servers: string[]): RunContext => ({
  target: { kind: 'hypervisor', id: 'hv-1', name: 'com001' },
  hypervisor: { id: 'hv-1', name: 'com001', host: 'com001' },
  servers: servers.map((id) => ({ id, name: `n-${id}`, db: id === 'db', serving: true })),
});
const server = (id: string): RunContext => ({ target: { kind: 'server', id, name: `n-${id}` }, servers: [{ id, name: `n-${id}`, db: false, serving: false }] });
const base = { createdBy: 'night-shift', leaseTtlMs: 15 * 60_000, dedupWindowMs: 30 * 60_000 };

const { engines, setup, teardown } = testEngines();

describe('runbook ledger in the store', { timeout: 60_000 }, () => {
  before(setup);
  after(teardown);
  for (const engine of engines) {
    describe(engine.name, () => {
      let store: Store;
      let runs: RunStore;
      before(async () => {
        store = await openTestStore(await engine.location());
        runs = new RunStore(store.engine);
      });
      after(() => store.close());

      it('keeps a run, its step tries in order, approvals and the audit', async () => {
        const run = await runs.create({ ...base, runbook: 'pm-hang', context: host(['a', 'db']), at: T0 });
        assert.equal(run.status, 'running');
        assert.deepEqual(run.context, host(['a', 'db']));
        await runs.begin({ key: `${run.id}/stop/a/1`, runId: run.id, stepId: 'stop', item: 'a', attempt: 1, status: 'started', startedAt: T0.toISOString(), finishedAt: null, baseline: 'req-9', detail: '', requestIds: [], failing: [] });
        await runs.begin({ key: `${run.id}/show/-/1`, runId: run.id, stepId: 'show', item: '-', attempt: 1, status: 'started', startedAt: T0.toISOString(), finishedAt: null, baseline: null, detail: '', requestIds: [], failing: [] });
        await runs.finish(`${run.id}/show/-/1`, { status: 'failed', finishedAt: later(1).toISOString(), detail: '1 failing', requestIds: [], failing: ['a'] });
        await assert.rejects(
          runs.begin({ key: `${run.id}/stop/a/1`, runId: run.id, stepId: 'stop', item: 'a', attempt: 1, status: 'started', startedAt: T0.toISOString(), finishedAt: null, baseline: null, detail: '', requestIds: [], failing: [] }),
          'an idempotency key is begun once',
        );
        const steps = await runs.steps(run.id);
        assert.deepEqual(steps.map((s) => [s.stepId, s.status, s.baseline]), [['stop', 'started', 'req-9'], ['show', 'failed', null]]);
        assert.deepEqual(steps[1]?.failing, ['a']);
        await runs.approve(run.id, 'db-servers', 'dba-kim', later(2), 'replica promoted');
        assert.equal((await runs.approval(run.id, 'db-servers'))?.by, 'dba-kim');
        assert.equal(await runs.approval(run.id, 'fault-notice'), undefined);
        await runs.audit({ runId: run.id, at: later(3).toISOString(), actor: 'alice', stepId: 'stop', what: 'server.stop n-a', why: 'Stop it', result: 'ok', requestIds: ['req-10'] });
        const audit = await runs.auditOf(run.id);
        assert.deepEqual(audit.map((a) => a.what), ['approve db-servers', 'server.stop n-a']);
        assert.deepEqual(audit[1]?.requestIds, ['req-10']);
        await runs.advance(run.id, 3, 'done', 'every step done', later(4).toISOString());
        assert.equal((await runs.run(run.id)).cursor, 3);
      });

      it('one active run per server and hypervisor: a second is refused until the first ends or its lease runs out', async () => {
        const first = await runs.create({ ...base, runbook: 'vm-hang', context: server('s1'), at: T0 });
        await assert.rejects(runs.create({ ...base, runbook: 'host-stopped-server', context: server('s1'), at: later(1) }), RunConflictError);
        // A crashed run (still 'running') lets go after its TTL; a waiting one holds on.
        const second = await runs.create({ ...base, runbook: 'host-stopped-server', context: server('s1'), at: later(16) });
        await runs.advance(second.id, 0, 'waiting', 'gate', later(16).toISOString());
        await assert.rejects(runs.create({ ...base, runbook: 'kernel-panic-pm-fine', context: server('s1'), at: later(60) }), /held by run/);
        await assert.rejects(runs.reacquire(first.id, later(61)), /held by run/);
        await runs.abort(second.id, 'lead', 'wrong target', later(62));
        await runs.reacquire(first.id, later(63));
      });

      it('the same runbook on the same target inside the dedup window is refused, naming the earlier run', async () => {
        const done = await runs.create({ ...base, runbook: 'vm-hang', context: server('s2'), at: T0 });
        await runs.advance(done.id, 8, 'done', 'ok', later(5).toISOString());
        await assert.rejects(runs.create({ ...base, runbook: 'vm-hang', context: server('s2'), at: later(10) }), new RegExp(done.id));
        await runs.create({ ...base, runbook: 'vm-hang', context: server('s2'), at: later(31) });
      });

      it('abort ends a run and a step finishing afterwards does not revive it; the kill switch is one row', async () => {
        const run = await runs.create({ ...base, runbook: 'vm-hang', context: server('s3'), at: T0 });
        await runs.abort(run.id, 'lead', 'storm outside', later(1));
        await runs.advance(run.id, 2, 'running', null, later(2).toISOString());
        assert.equal((await runs.run(run.id)).status, 'aborted');
        await assert.rejects(runs.abort(run.id, 'lead', 'again', later(3)), /already ended/);
        assert.equal(await runs.halted(), undefined);
        await runs.setHalt(true, 'lead', 'DC maintenance', later(4));
        assert.deepEqual(await runs.halted(), { by: 'lead', why: 'DC maintenance' });
        await runs.setHalt(false, 'lead', '', later(5));
        assert.equal(await runs.halted(), undefined);
      });
    });
  }
});
