import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canFire, parseCron } from './cron.js';

describe('CronJob schedule parser', () => {
  it('accepts what the CronJob controller accepts', () => {
    for (const s of ['*/5 * * * *', '0 3 * * *', '0 0 1 1 *', '15 2 * * MON-FRI', '0 9-17/2 * * 1,3,5', '0 0 * JAN,jul ?', '30 4 1-7 * 0', '5/15 * * * *', '@daily', '@Hourly', '@every 1h30m', '  0 3 * * *  ']) {
      const r = parseCron(s);
      assert.ok(r.ok, `${s}: ${r.ok ? '' : r.error}`);
    }
  });

  it('expands steps, ranges and names into the minutes and days they fire on', () => {
    const r = parseCron('0/20 9-11 * * sun,SAT');
    assert.ok(r.ok && r.schedule !== 'interval');
    assert.deepEqual([...r.schedule.minutes], [0, 20, 40]);
    assert.deepEqual([...r.schedule.hours], [9, 10, 11]);
    assert.deepEqual([...r.schedule.daysOfWeek], [0, 6]);
    assert.equal(r.schedule.domAny, true);
    assert.equal(r.schedule.dowAny, false);
  });

  it('rejects malformed schedules and says why', () => {
    const cases: [string, RegExp][] = [
      ['', /empty/],
      ['0 3 * *', /expected 5 fields .* got 4/],
      ['0 3 * * * *', /got 6/],
      ['60 * * * *', /minute 60 is out of range 0-59/],
      ['0 24 * * *', /hour 24/],
      ['0 0 0 * *', /day of month 0 is out of range 1-31/],
      ['0 0 * 13 *', /month 13/],
      ['0 0 * * 7', /day of week 7 is out of range 0-6/],
      ['*/0 * * * *', /step "0"/],
      ['0 5-2 * * *', /runs backwards/],
      ['0 3 * * FUNDAY', /"FUNDAY" is not a number or a name/],
      ['0 3,,4 * * *', /empty list element/],
      ['@fortnightly', /unknown descriptor/],
      ['@every', /@every needs one duration/],
      ['@every 5 minutes', /@every needs one duration/],
      ['CRON_TZ=Asia/Seoul 0 3 * * *', /spec\.timeZone/],
      ['0 3 * * 1-', /malformed range/],
    ];
    for (const [s, re] of cases) {
      const r = parseCron(s);
      assert.equal(r.ok, false, `${s} should be rejected`);
      assert.match(r.ok ? '' : r.error, re, s);
    }
  });

  it('knows a schedule that parses but never fires', () => {
    const at = (s: string): boolean => {
      const r = parseCron(s);
      assert.ok(r.ok && r.schedule !== 'interval');
      return canFire(r.schedule);
    };
    assert.equal(at('0 0 30 2 *'), false);
    assert.equal(at('0 0 31 4,6,9,11 *'), false);
    assert.equal(at('0 0 29 2 *'), true, 'leap years have a 29th');
    assert.equal(at('0 0 31 * *'), true);
    assert.equal(at('0 0 30 2 1'), true, 'with both day fields restricted cron fires on either');
  });
});
