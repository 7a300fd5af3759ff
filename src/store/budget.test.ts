import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ActionBudgets } from './budget.js';
import type { Store } from './store.js';
import { openTestStore, testEngines } from './testing.js';

const T0 = new Date('2026-12-04T00:00:00Z');
const at = (minutes: number): Date => new Date(T0.getTime() + minutes * 60_000);
const limit = { actions: 2, windowMs: 60 * 60_000 };
const web = { id: 'srv-1', name: 'web-01' };

const { engines, setup, teardown } = testEngines();

describe('per-target action budgets in the store', { timeout: 60_000 }, () => {
  before(setup);
  after(teardown);
  for (const engine of engines) {
    describe(engine.name, () => {
      let store: Store;
      before(async () => {
        store = await openTestStore(await engine.location());
      });
      after(() => store.close());

      it('allows N actions in the window, then escalates exactly once, then stays exhausted', async () => {
        const budgets = new ActionBudgets(store.engine);
        assert.equal((await budgets.decide('restart', web, limit, at(0), 'x')).kind, 'act');
        await budgets.spend('restart', web, 'run-a', at(0), 'started');
        assert.equal((await budgets.decide('restart', web, limit, at(5), 'x')).kind, 'act');
        await budgets.spend('restart', web, 'run-b', at(5), 'started');
        // The same run recorded again (a resumed watch) does not spend twice.
        await budgets.spend('restart', web, 'run-b', at(6), 'started');
        const third = await budgets.decide('restart', web, limit, at(10), 'budget spent; look at com001');
        assert.equal(third.kind, 'escalate');
        assert.deepEqual(third.spent.map((s) => s.runId), ['run-a', 'run-b']);
        const fourth = await budgets.decide('restart', web, limit, at(11), 'again');
        assert.equal(fourth.kind, 'exhausted');
        assert.equal(fourth.kind === 'exhausted' ? fourth.escalatedAt : '', at(10).toISOString());
        // Another target and another budget are counted apart.
        assert.equal((await budgets.decide('restart', { id: 'srv-2', name: 'web-02' }, limit, at(11), 'x')).kind, 'act');
        assert.equal((await budgets.decide('other', web, limit, at(11), 'x')).kind, 'act');
      });

      it('a budget reopened by the window sliding past the old actions, spent again, escalates again', async () => {
        const budgets = new ActionBudgets(store.engine);
        // run-a (minute 0) has left the window at minute 61; one slot is free.
        assert.equal((await budgets.decide('restart', web, limit, at(61), 'x')).kind, 'act');
        await budgets.spend('restart', web, 'run-c', at(61), 'started');
        assert.equal((await budgets.decide('restart', web, limit, at(62), 'spent again')).kind, 'escalate');
      });

      it('survives closing and opening the store: a restarted faultline sees the same budget', async () => {
        const location = await engine.location();
        const first = await openTestStore(location);
        await new ActionBudgets(first.engine).spend('restart', web, 'run-x', at(0), 'started');
        await new ActionBudgets(first.engine).spend('restart', web, 'run-y', at(1), 'started');
        await first.close();
        const second = await openTestStore(location);
        try {
          assert.equal((await new ActionBudgets(second.engine).decide('restart', web, limit, at(2), 'x')).kind, 'escalate');
        } finally {
          await second.close();
        }
      });
    });
  }
});
