import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runDeliveryLoop } from '../act/notify/delivery-loop.js';
import type { SendOutcome, Sink } from '../act/notify/sink.js';
import { OutboxStore } from '../store/outbox.js';
import type { Store } from '../store/store.js';
import { openTestStore, testEngines } from '../store/testing.js';

/**
 * The outbox delivery loop of `faultline serve`, two of them on one PostgreSQL
 * (two instances): every row is sent exactly once though both loops race for
 * them, a sink failure is retried by whichever loop comes next, and a loop
 * stopped in mid-pass finishes the pass, leaving no row claimed.
 */
const { engines, setup, teardown } = testEngines();

describe('outbox delivery loops of two serve instances', { timeout: 30_000 }, () => {
  let store: Store;
  before(async () => {
    await setup();
    store = await openTestStore(await (engines.find((e) => e.name === 'server') ?? engines[0]!).location());
  });
  after(async () => {
    await store?.close();
    await teardown();
  });

  it('two loops on one store send each row once, retry a failure, and stop cleanly', async () => {
    const received: string[] = [];
    const failedOnce = new Set<string>();
    const slack: Sink = {
      name: 'slack',
      idempotent: false,
      async send(payload): Promise<SendOutcome> {
        const text = (payload as { text: string }).text;
        await new Promise((r) => setTimeout(r, 15));
        // Every fifth notice meets a sink that is down the first time.
        if (text.endsWith('0') || text.endsWith('5')) {
          if (!failedOnce.has(text)) {
            failedOnce.add(text);
            return { kind: 'retry', status: 503, error: 'HTTP 503' };
          }
        }
        received.push(text);
        return { kind: 'sent', status: 200, detail: 'ok' };
      },
    };
    const outbox = new OutboxStore(store.engine);
    const texts = Array.from({ length: 30 }, (_, i) => `notice ${i}`);
    for (const text of texts) await outbox.enqueue({ key: `${text}/fault/slack`, sink: 'slack', payload: { text }, at: new Date(Date.now() - 1000) });
    const policy = { maxAttempts: 3, initialMs: 20, maxMs: 40, leaseMs: 10_000 };
    const stop = new AbortController();
    const by = [0, 0];
    const loops = [0, 1].map((n) =>
      runDeliveryLoop(
        {
          // Each loop its own OutboxStore on the one engine, as two processes have.
          queue: new OutboxStore(store.engine),
          sinks: { slack },
          policy,
          intervalMs: 30,
          limit: 4,
          onDelivered: (d) => {
            if (d.result === 'sent') by[n]! += 1;
          },
          onError: (m) => assert.fail(m),
        },
        stop.signal,
      ),
    );
    for (let deadline = Date.now() + 15_000; received.length < texts.length; await new Promise((r) => setTimeout(r, 20))) assert.ok(Date.now() < deadline, `all sent: ${received.length}`);
    stop.abort();
    await Promise.all(loops);
    assert.deepEqual([...received].sort(), [...texts].sort(), 'each notice arrived exactly once');
    assert.ok(failedOnce.size === 6, 'the failing ones were tried twice');
    assert.equal(by[0]! + by[1]!, texts.length);
    assert.ok(by[0]! > 0 && by[1]! > 0, `both loops took part: ${by}`);
    const rows = await outbox.list({ limit: 100 });
    assert.ok(rows.every((r) => r.state === 'sent'), JSON.stringify(rows.map((r) => r.state)));
  });

  it('a loop stopped in mid-pass finishes the pass: no row is left claimed', async () => {
    const outbox = new OutboxStore(store.engine);
    let sending = 0;
    const slow: Sink = {
      name: 'slack',
      idempotent: false,
      async send(): Promise<SendOutcome> {
        sending++;
        await new Promise((r) => setTimeout(r, 50));
        return { kind: 'sent', status: 200, detail: 'ok' };
      },
    };
    for (let i = 0; i < 3; i++) await outbox.enqueue({ key: `late-${i}/fault/slack`, sink: 'slack', payload: { text: `late ${i}` }, at: new Date(Date.now() - 1000) });
    const stop = new AbortController();
    const loop = runDeliveryLoop({ queue: outbox, sinks: { slack: slow }, policy: { maxAttempts: 3, initialMs: 20, maxMs: 40, leaseMs: 10_000 }, intervalMs: 1000, limit: 10 }, stop.signal);
    while (sending === 0) await new Promise((r) => setTimeout(r, 5));
    stop.abort();
    await loop;
    const late = (await outbox.list({ limit: 100 })).filter((r) => r.key.startsWith('late-'));
    assert.deepEqual(
      late.map((r) => r.state),
      ['sent', 'sent', 'sent'],
    );
  });
});
