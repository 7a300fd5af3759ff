import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Announcer } from '../act/notify/announce.js';
import { deliverDue, type RetryPolicy } from '../act/notify/deliver.js';
import { pagerDutySink, pagerDutyTrigger } from '../act/notify/pagerduty.js';
import type { Sink } from '../act/notify/sink.js';
import { slackSink } from '../act/notify/slack.js';
import { startLab, type RunningLab } from '../lab/index.js';
import { OutboxStore } from '../store/outbox.js';
import type { Store } from '../store/store.js';
import { openTestStore, testEngines } from '../store/testing.js';

/**
 * The outbox's delivery loop against the lab's chat webhook and PagerDuty, with
 * the failures real sinks have: 5xx, 429 with Retry-After, a rejected event, a
 * revoked hook, and a sender that dies around the send. The witness is what
 * reached the lab, not what faultline says it sent.
 */

const policy: RetryPolicy = { maxAttempts: 4, initialMs: 20, maxMs: 200, leaseMs: 5_000 };
const afterLease = (): Date => new Date(Date.now() + 60_000);

describe('notify outbox delivery to the lab sinks', { timeout: 60_000 }, () => {
  let lab: RunningLab;
  let store: Store;
  let outbox: OutboxStore;
  let sinks: Record<'slack' | 'pagerduty', Sink>;
  const accepted = (sink: 'slack' | 'pagerduty') => lab.notify.sinks.received(sink).filter((r) => r.accepted);
  const trigger = (key: string) => pagerDutyTrigger({ dedupKey: key, summary: `com001 hung (${key})`, source: 'com001', severity: 'critical', at: new Date() });

  before(async () => {
    lab = await startLab({ seed: 'outbox', size: { regions: 1, hypervisors: 2, servers: 4 }, kubernetes: false, bmc: false, sshHosts: false });
    store = await openTestStore(await testEngines().engines[0]!.location());
    outbox = new OutboxStore(store.engine);
    sinks = {
      slack: slackSink({ url: lab.notify.slackWebhookUrl, timeoutMs: 5_000 }),
      pagerduty: pagerDutySink({ routingKey: lab.notify.routingKey, eventsUrl: lab.notify.pagerDutyEventsUrl, timeoutMs: 5_000 }),
    };
  });
  after(async () => {
    await store?.close();
    await lab?.stop();
  });
  beforeEach(() => lab.notify.sinks.clear());

  it('500 twice, then OK: one message arrives and the row is sent after three attempts', async () => {
    lab.notify.sinks.failNext('slack', 2, 500);
    await outbox.enqueue({ key: 'inc-a/fault/slack', sink: 'slack', payload: { text: 'com001 is down' }, at: new Date() });
    // The store's clock is this test's: retry times are judged against it, not against how busy the machine is.
    const t0 = Date.now();
    let offset = 0;
    const now = (): Date => new Date(t0 + offset);
    const first = await deliverDue(outbox, sinks, { policy, now, keys: ['inc-a/fault/slack'] });
    assert.equal(first[0]?.result, 'retry');
    assert.ok(first[0]?.retryAt && Date.parse(first[0].retryAt) > t0, 'the next attempt waits');
    assert.deepEqual(await deliverDue(outbox, sinks, { policy, now, keys: ['inc-a/fault/slack'] }), [], 'nothing is due before its backoff');
    offset += 1_000;
    assert.equal((await deliverDue(outbox, sinks, { policy, now, keys: ['inc-a/fault/slack'] }))[0]?.result, 'retry');
    offset += 1_000;
    assert.equal((await deliverDue(outbox, sinks, { policy, now, keys: ['inc-a/fault/slack'] }))[0]?.result, 'sent');
    const row = await outbox.get('inc-a/fault/slack');
    assert.equal(row?.state, 'sent');
    assert.equal(row?.attempts, 3);
    assert.deepEqual(lab.notify.sinks.received('slack').map((r) => r.status), [500, 500, 200]);
    assert.deepEqual(accepted('slack').map((r) => (r.body as { text: string }).text), ['com001 is down']);
  });

  it('an event PagerDuty rejects (400) fails at once and is not retried; neither is a revoked hook (404), whose URL stays out of the error', async () => {
    await outbox.enqueue({ key: 'inc-b/fault/pagerduty', sink: 'pagerduty', payload: { event_action: 'trigger', dedup_key: 'inc-b', payload: { summary: 'x', source: 'com002', severity: 'fatal' } }, at: new Date() });
    const [pd] = await deliverDue(outbox, sinks, { policy, keys: ['inc-b/fault/pagerduty'] });
    assert.equal(pd?.result, 'failed');
    assert.match(pd?.detail ?? '', /400.*payload\.severity/);
    const revokedUrl = lab.notify.slackWebhookUrl.replace(/[0-9a-f]{24}$/, 'revokedrevokedrevoked000');
    const revoked = slackSink({ url: revokedUrl, timeoutMs: 5_000 });
    await outbox.enqueue({ key: 'inc-b/fault/slack', sink: 'slack', payload: { text: 'hello' }, at: new Date() });
    const [chat] = await deliverDue(outbox, { slack: revoked }, { policy, keys: ['inc-b/fault/slack'] });
    assert.equal(chat?.result, 'failed');
    assert.match(chat?.detail ?? '', /404/);
    assert.doesNotMatch((await outbox.get('inc-b/fault/slack'))?.lastError ?? '', /revokedrevoked/, 'the secret path is not stored');
    await new Promise((r) => setTimeout(r, 250));
    assert.deepEqual(await deliverDue(outbox, sinks, { policy, keys: ['inc-b/fault/pagerduty', 'inc-b/fault/slack'], now: afterLease }), [], 'failed rows are final');
    assert.equal(lab.notify.sinks.received('pagerduty').length, 1, 'one request reached PagerDuty');
    assert.deepEqual(lab.notify.sinks.alertList(), []);
  });

  it('429 with Retry-After waits at least that long, then the trigger is accepted', async () => {
    lab.notify.sinks.failNext('pagerduty', 1, 429, 1);
    await outbox.enqueue({ key: 'inc-c/fault/pagerduty', sink: 'pagerduty', payload: trigger('inc-c'), at: new Date() });
    const t0 = Date.now();
    const [d] = await deliverDue(outbox, sinks, { policy, keys: ['inc-c/fault/pagerduty'] });
    assert.equal(d?.result, 'retry');
    assert.ok(Date.parse(d?.retryAt ?? '') - t0 >= 190, `Retry-After 1 s, capped at maxMs 200: ${d?.retryAt}`);
    await new Promise((r) => setTimeout(r, 250));
    const [again] = await deliverDue(outbox, sinks, { policy, keys: ['inc-c/fault/pagerduty'] });
    assert.equal(again?.result, 'sent');
    assert.deepEqual(lab.notify.sinks.alertList().map((a) => [a.dedupKey, a.status, a.triggers]), [['inc-c', 'triggered', 1]]);
    const body = accepted('pagerduty')[0]?.body as { routing_key: string };
    assert.equal(body.routing_key, '<routing-key>', 'the lab saw a routing key (it keeps it masked)');
  });

  it('gives up after maxAttempts and marks the row failed', async () => {
    lab.notify.sinks.failNext('slack', 10, 503);
    await outbox.enqueue({ key: 'inc-d/fault/slack', sink: 'slack', payload: { text: 'never' }, at: new Date() });
    for (let i = 0; i < 100 && (await outbox.get('inc-d/fault/slack'))?.state === 'pending'; i++) {
      await deliverDue(outbox, sinks, { policy, keys: ['inc-d/fault/slack'] });
      await new Promise((r) => setTimeout(r, 20));
    }
    const row = await outbox.get('inc-d/fault/slack');
    assert.equal(row?.state, 'failed');
    assert.equal(row?.attempts, policy.maxAttempts);
    assert.match(row?.lastError ?? '', /gave up after 4 attempt/);
    assert.equal(lab.notify.sinks.received('slack').length, policy.maxAttempts);
  });

  it('a sender that dies after the claim, before sending: after its lease the event is sent, exactly once', async () => {
    for (const sink of ['slack', 'pagerduty'] as const) {
      const key = `inc-e/fault/${sink}`;
      await outbox.enqueue({ key, sink, payload: sink === 'slack' ? { text: 'claimed then crashed' } : trigger('inc-e'), at: new Date() });
      const [claimed] = await outbox.claim(new Date(), { leaseMs: policy.leaseMs, limit: 1, keys: [key] });
      assert.ok(claimed, 'the doomed sender holds the row');
      assert.deepEqual(await deliverDue(outbox, sinks, { policy, keys: [key] }), [], 'held while its lease runs');
      const [d] = await deliverDue(outbox, sinks, { policy, keys: [key], now: afterLease });
      assert.equal(d?.result, 'sent', JSON.stringify(d));
      assert.deepEqual(await deliverDue(outbox, sinks, { policy, keys: [key], now: () => new Date(Date.now() + 600_000) }), []);
    }
    assert.equal(lab.notify.sinks.received('slack').length, 1);
    assert.equal(lab.notify.sinks.received('pagerduty').length, 1);
  });

  it('a sender that dies with the request on the wire: PagerDuty gets it again (one alert), the chat notice is not posted twice', async () => {
    for (const sink of ['slack', 'pagerduty'] as const) {
      const key = `inc-f/fault/${sink}`;
      const payload = sink === 'slack' ? { text: 'on the wire' } : trigger('inc-f');
      await outbox.enqueue({ key, sink, payload, at: new Date() });
      const [claimed] = await outbox.claim(new Date(), { leaseMs: policy.leaseMs, limit: 1, keys: [key] });
      assert.ok(claimed && (await outbox.markSending(key, claimed.token, new Date())));
      assert.equal((await sinks[sink].send(payload)).kind, 'sent');
      // ...and the process dies before it records that.
      const [d] = await deliverDue(outbox, sinks, { policy, keys: [key], now: afterLease });
      assert.equal(d?.result, sink === 'pagerduty' ? 'sent' : 'failed', JSON.stringify(d));
      if (sink === 'slack') assert.match(d?.detail ?? '', /may have been posted/);
    }
    assert.equal(accepted('slack').length, 1, 'the chat channel shows it once');
    assert.equal(accepted('pagerduty').length, 2, 'PagerDuty got the event twice...');
    assert.deepEqual(lab.notify.sinks.alertList().map((a) => [a.dedupKey, a.triggers]), [['inc-f', 2]], '...and folded it into one alert');
  });

  it('a notice handed over to a person when the wait ends is never sent by faultline afterwards', async () => {
    lab.notify.sinks.failNext('slack', 5, 503);
    const announcer = new Announcer(outbox, sinks, { policy: { ...policy, initialMs: 2_000, maxMs: 2_000 }, waitMs: 200 });
    const [out] = await announcer.announce({ event: 'run-h/fault-notice', chat: 'com004 is down' }, { handOver: true });
    assert.equal(out?.state, 'failed');
    assert.match(out?.detail ?? '', /not delivered within 0.2 s .*503.*handed to a person/);
    assert.deepEqual(await deliverDue(outbox, sinks, { policy, now: () => new Date(Date.now() + 3_600_000), keys: ['run-h/fault-notice/slack'] }), []);
    assert.deepEqual(lab.notify.sinks.received('slack').map((r) => r.status), [503], 'one attempt, then nothing');
  });

  it('announcing one event twice sends one chat message and one trigger; a resolve closes the alert', async () => {
    const announcer = new Announcer(outbox, sinks, { policy, waitMs: 5_000 });
    const first = await announcer.announce({ event: 'inc-g/fault', chat: 'com003 is down', pagerduty: trigger('inc-g') });
    assert.deepEqual(first.map((o) => [o.sink, o.state, o.earlier]), [['slack', 'sent', false], ['pagerduty', 'sent', false]]);
    const second = await announcer.announce({ event: 'inc-g/fault', chat: 'com003 is down', pagerduty: trigger('inc-g') });
    assert.deepEqual(second.map((o) => [o.sink, o.state, o.earlier]), [['slack', 'sent', true], ['pagerduty', 'sent', true]]);
    lab.notify.sinks.failNext('pagerduty', 1, 502);
    await announcer.announce({ event: 'inc-g/recovery', pagerduty: { event_action: 'resolve', dedup_key: 'inc-g' } });
    assert.equal(accepted('slack').length, 1);
    assert.deepEqual(lab.notify.sinks.alertList().map((a) => [a.dedupKey, a.status, a.triggers]), [['inc-g', 'resolved', 1]]);
  });
});
