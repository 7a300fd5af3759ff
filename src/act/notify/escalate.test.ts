import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Announcement, SinkOutcome } from './announce.js';
import { escalate, type Escalation } from './escalate.js';
import type { SinkName } from './sink.js';

/** An announcer over the sinks given, answering each sink with the state given and keeping what it was asked. */
function announcer(states: Partial<Record<SinkName, SinkOutcome['state']>>) {
  const asked: Announcement[] = [];
  return {
    asked,
    has: (s: SinkName) => states[s] !== undefined,
    announce: async (a: Announcement): Promise<SinkOutcome[]> => {
      asked.push(a);
      const out: SinkOutcome[] = [];
      if (a.chat !== undefined && states.slack) out.push({ sink: 'slack', key: `${a.event}/slack`, created: true, earlier: false, state: states.slack, attempts: 1, detail: states.slack === 'sent' ? '' : 'HTTP 500' });
      if (a.pagerduty !== undefined && states.pagerduty) out.push({ sink: 'pagerduty', key: `${a.event}/pagerduty`, created: true, earlier: false, state: states.pagerduty, attempts: 1, detail: states.pagerduty === 'sent' ? '' : 'HTTP 500' });
      return out;
    },
  };
}

const base = (kind: Escalation['kind']): Escalation => ({
  kind,
  event: 'run-1/' + kind,
  line: 'vm-hang on web-*1* (run-1): still down',
  escape: (t) => t.replace(/\*/g, '\\*'),
  page: { dedupKey: 'run-1', summary: 'vm-hang on web-1 needs a person', source: 'hv-1', component: 'vm-hang', eventClass: 'runbook escalation', details: { run: 'run-1' } },
  byHand: ' with run run-1',
  at: new Date('2026-12-07T01:00:00Z'),
});

describe('escalation through the outbox', () => {
  it('a page opens a critical PagerDuty alert under the dedup key and posts the tagged, escaped chat line', async () => {
    const a = announcer({ slack: 'sent', pagerduty: 'sent' });
    const r = await escalate(a, base('page'));
    assert.equal(r.paged, true);
    assert.equal(r.detail, 'paged: slack: sent; pagerduty: sent');
    assert.equal(a.asked.length, 1);
    assert.equal(a.asked[0]!.event, 'run-1/page');
    assert.equal(a.asked[0]!.chat, '[page] vm-hang on web-\\*1\\* (run-1): still down');
    assert.equal(a.asked[0]!.pagerduty?.dedup_key, 'run-1');
    assert.equal(a.asked[0]!.pagerduty?.payload?.severity, 'critical');
    assert.equal(a.asked[0]!.pagerduty?.payload?.timestamp, '2026-12-07T01:00:00.000Z');
  });

  it('a mention goes to chat only, even with PagerDuty configured, and is never a page', async () => {
    const a = announcer({ slack: 'sent', pagerduty: 'sent' });
    const r = await escalate(a, base('mention'));
    assert.equal(r.paged, false);
    assert.equal(r.detail, 'mentioned in chat: slack: sent');
    assert.equal(a.asked[0]!.pagerduty, undefined);
    assert.match(a.asked[0]!.chat ?? '', /^\[mention, dev zone: no page\] /);
  });

  it('says a page or mention was not delivered when no sink took it', async () => {
    assert.equal((await escalate(announcer({ slack: 'failed', pagerduty: 'failed' }), base('page'))).detail.startsWith('page not delivered: slack: failed'), true);
    const m = await escalate(announcer({ slack: 'pending' }), base('mention'));
    assert.equal(m.paged, false);
    assert.match(m.detail, /^mention not delivered: slack: not delivered yet \(kept in the outbox\)/);
  });

  it('with nothing to send through, asks for it by hand and sends nothing', async () => {
    assert.deepEqual(await escalate(undefined, base('page')), { paged: false, detail: 'no notices.webhook or notify.pagerduty configured: page the platform on-call by hand with run run-1' });
    const none = announcer({});
    assert.deepEqual(await escalate(none, { ...base('mention'), byHand: '' }), { paged: false, detail: 'no notices.webhook configured: tell the platform on-call by hand' });
    // PagerDuty alone does not carry a mention.
    const pdOnly = announcer({ pagerduty: 'sent' });
    assert.equal((await escalate(pdOnly, base('mention'))).detail, 'no notices.webhook configured: tell the platform on-call by hand with run run-1');
    assert.equal(none.asked.length + pdOnly.asked.length, 0);
    // ...but does carry a page without chat.
    assert.equal((await escalate(pdOnly, base('page'))).detail, 'paged: pagerduty: sent');
  });
});
