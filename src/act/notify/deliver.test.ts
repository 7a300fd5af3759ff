import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffMs } from './deliver.js';
import { pagerDutyFollowUp, pagerDutyTrigger } from './pagerduty.js';
import { classifyStatus } from './sink.js';

describe('notify delivery rules', () => {
  const policy = { initialMs: 1_000, maxMs: 30_000 };

  it('the backoff doubles per failure up to the cap, and jitter takes off at most half', () => {
    const low = [1, 2, 3, 4, 5, 6, 7].map((n) => backoffMs(n, policy, () => 0));
    const high = [1, 2, 3, 4, 5, 6, 7].map((n) => backoffMs(n, policy, () => 1));
    assert.deepEqual(high, [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    assert.deepEqual(low, [500, 1_000, 2_000, 4_000, 8_000, 15_000, 15_000]);
    const mid = backoffMs(3, policy, () => 0.5);
    assert.equal(mid, 3_000);
  });

  it('408, 429 and 5xx are worth another try; other 4xx are not', () => {
    assert.deepEqual([408, 429, 500, 502, 503].map(classifyStatus), ['retry', 'retry', 'retry', 'retry', 'retry']);
    assert.deepEqual([400, 401, 403, 404, 410, 413].map(classifyStatus), ['permanent', 'permanent', 'permanent', 'permanent', 'permanent', 'permanent']);
  });

  it('a PagerDuty trigger fits the Events API limits; a dedup key it would refuse is refused here', () => {
    const t = pagerDutyTrigger({ dedupKey: 'inc-1', summary: `  hung\n${'x'.repeat(2000)}`, source: 'com001', severity: 'critical', at: new Date('2026-12-04T03:00:00Z') });
    assert.equal(t.event_action, 'trigger');
    assert.equal(t.payload?.summary.length, 1024);
    assert.ok(t.payload?.summary.startsWith('hung x'), 'whitespace folded');
    assert.equal(t.payload?.timestamp, '2026-12-04T03:00:00.000Z');
    assert.deepEqual(pagerDutyFollowUp('resolve', 'inc-1'), { event_action: 'resolve', dedup_key: 'inc-1' });
    assert.throws(() => pagerDutyFollowUp('resolve', 'k'.repeat(256)), /1 to 255/);
  });
});
