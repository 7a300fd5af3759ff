import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OutboxStore } from './outbox.js';
import type { Store } from './store.js';
import { openTestStore, testEngines } from './testing.js';

const T0 = new Date('2026-12-04T03:00:00Z');
const later = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);
const lease = { leaseMs: 30_000, limit: 10 };

const { engines, setup, teardown } = testEngines();

describe('the notify outbox in the store', { timeout: 60_000 }, () => {
  before(setup);
  after(teardown);
  for (const engine of engines) {
    describe(engine.name, () => {
      let store: Store;
      let outbox: OutboxStore;
      before(async () => {
        store = await openTestStore(await engine.location());
        outbox = new OutboxStore(store.engine);
      });
      after(() => store.close());

      it('enqueuing one event key twice keeps one row and the first payload', async () => {
        const first = await outbox.enqueue({ key: 'inc-1/fault/slack', sink: 'slack', payload: { text: 'first' }, at: T0 });
        const again = await outbox.enqueue({ key: 'inc-1/fault/slack', sink: 'slack', payload: { text: 'second' }, at: later(5) });
        assert.equal(first.created, true);
        assert.equal(again.created, false);
        assert.deepEqual(again.event.payload, { text: 'first' });
        assert.equal(again.event.state, 'pending');
        assert.equal((await outbox.list()).filter((e) => e.key === 'inc-1/fault/slack').length, 1);
        await assert.rejects(outbox.enqueue({ key: ' ', sink: 'slack', payload: {}, at: T0 }), /needs a key/);
      });

      it('a claimed row is not claimed again until its lease runs out, and a lost claim cannot send or settle', async () => {
        await outbox.enqueue({ key: 'inc-2/fault/pagerduty', sink: 'pagerduty', payload: { event_action: 'trigger' }, at: T0 });
        const [mine] = await outbox.claim(later(1), { ...lease, keys: ['inc-2/fault/pagerduty'] });
        assert.ok(mine);
        assert.equal(mine.state, 'claimed');
        assert.equal(mine.uncertain, false);
        assert.deepEqual(await outbox.claim(later(2), { ...lease, keys: ['inc-2/fault/pagerduty'] }), [], 'held while the lease runs');
        // The first sender stalls past its lease; a second takes the row over.
        const [theirs] = await outbox.claim(later(40), { ...lease, keys: ['inc-2/fault/pagerduty'] });
        assert.ok(theirs);
        assert.equal(theirs.uncertain, false, 'it was claimed, never on the wire');
        assert.equal(await outbox.markSending(mine.key, mine.token, later(41)), false, 'the stale sender must not send');
        assert.equal(await outbox.settle(mine.key, mine.token, later(41), { state: 'sent', status: 202 }), false);
        assert.equal(await outbox.markSending(theirs.key, theirs.token, later(41)), true);
        assert.equal(await outbox.settle(theirs.key, theirs.token, later(42), { state: 'sent', status: 202 }), true);
        const row = await outbox.get('inc-2/fault/pagerduty');
        assert.equal(row?.state, 'sent');
        assert.equal(row?.attempts, 1);
        assert.equal(row?.sentAt, later(42).toISOString());
        assert.deepEqual(await outbox.claim(later(500), { ...lease, keys: ['inc-2/fault/pagerduty'] }), [], 'a sent row is never claimed again');
      });

      it('a retry waits for its time; a row that died on the wire comes back marked uncertain; failed is final', async () => {
        await outbox.enqueue({ key: 'run-1/page/pagerduty', sink: 'pagerduty', payload: {}, at: T0 });
        const [a] = await outbox.claim(T0, { ...lease, keys: ['run-1/page/pagerduty'] });
        assert.ok(a && (await outbox.markSending(a.key, a.token, T0)));
        await outbox.settle(a.key, a.token, later(1), { state: 'pending', retryAt: later(10), error: 'HTTP 500', status: 500 });
        assert.deepEqual(await outbox.claim(later(9), { ...lease, keys: [a.key] }), [], 'not before its next attempt');
        const [early] = await outbox.claim(later(9), { ...lease, keys: [a.key], early: true });
        assert.ok(early, 'taken early to be given up');
        await outbox.settle(early.key, early.token, later(9), { state: 'pending', retryAt: later(10), error: 'HTTP 500', status: 500 });
        const [b] = await outbox.claim(later(10), { ...lease, keys: [a.key] });
        assert.ok(b);
        assert.equal(b.attempts, 1);
        assert.equal(b.lastError, 'HTTP 500');
        assert.ok(await outbox.markSending(b.key, b.token, later(10)));
        // The sender dies here, with the request on the wire.
        const [c] = await outbox.claim(later(41), { ...lease, keys: [a.key] });
        assert.ok(c);
        assert.equal(c.uncertain, true);
        await outbox.settle(c.key, c.token, later(41), { state: 'failed', error: 'x'.repeat(2000), status: null });
        const row = await outbox.get(a.key);
        assert.equal(row?.state, 'failed');
        assert.equal(row?.lastStatus, 500, 'the last status a sink gave is kept');
        assert.equal(row?.lastError?.length, 500, 'a long error is cut');
        assert.deepEqual(await outbox.claim(later(1000), { ...lease, keys: [a.key] }), []);
        assert.deepEqual((await outbox.list({ states: ['failed'] })).map((e) => e.key), [a.key]);
      });

      it('finds the events under a key prefix, and only those', async () => {
        await outbox.enqueue({ key: 'inc-9/e1/fault/slack', sink: 'slack', payload: {}, at: T0 });
        await outbox.enqueue({ key: 'inc-9/e1/fault/pagerduty', sink: 'pagerduty', payload: {}, at: T0 });
        await outbox.enqueue({ key: 'inc-90/e1/fault/slack', sink: 'slack', payload: {}, at: T0 });
        assert.deepEqual(await outbox.keysUnder('inc-9/'), [
          { key: 'inc-9/e1/fault/pagerduty', state: 'pending' },
          { key: 'inc-9/e1/fault/slack', state: 'pending' },
        ]);
        assert.deepEqual(await outbox.keysUnder('inc-%/'), [], 'the prefix is text, not a pattern');
      });

      it('claims the due rows oldest first, up to the limit', async () => {
        for (const n of [3, 1, 2]) await outbox.enqueue({ key: `batch/${n}/slack`, sink: 'slack', payload: { n }, at: later(100 + n) });
        const got = await outbox.claim(later(200), { leaseMs: 30_000, limit: 2, keys: ['batch/1/slack', 'batch/2/slack', 'batch/3/slack'] });
        assert.deepEqual(got.map((e) => e.key), ['batch/1/slack', 'batch/2/slack']);
      });
    });
  }
});
