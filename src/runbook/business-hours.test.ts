import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isOpen, minutesOf, nextOpening, type BusinessHours } from './business-hours.js';

const SEOUL: BusinessHours = { timeZone: 'Asia/Seoul', days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' };
const NEW_YORK: BusinessHours = { ...SEOUL, timeZone: 'America/New_York' };
const at = (iso: string): Date => new Date(iso);

describe('business hours', () => {
  const cases: { name: string; hours: BusinessHours; at: string; open: boolean; next: string | null }[] = [
    { name: 'Friday 10:00 in Seoul is open', hours: SEOUL, at: '2026-12-04T01:00:00Z', open: true, next: '2026-12-04T01:00:00.000Z' },
    { name: 'Friday 03:00 in Seoul opens at 09:00 the same day', hours: SEOUL, at: '2026-12-03T18:00:00Z', open: false, next: '2026-12-04T00:00:00.000Z' },
    { name: 'the end is exclusive: 18:00 Friday waits for Monday 09:00', hours: SEOUL, at: '2026-12-04T09:00:00Z', open: false, next: '2026-12-07T00:00:00.000Z' },
    { name: '17:59 is still open', hours: SEOUL, at: '2026-12-04T08:59:00Z', open: true, next: '2026-12-04T08:59:00.000Z' },
    { name: 'Saturday noon waits for Monday', hours: SEOUL, at: '2026-12-05T03:00:00Z', open: false, next: '2026-12-07T00:00:00.000Z' },
    { name: 'a time between minutes rounds up to the next whole minute', hours: SEOUL, at: '2026-12-06T23:59:30Z', open: false, next: '2026-12-07T00:00:00.000Z' },
    // 2026-03-08 is the US spring-forward Sunday: Monday 09:00 is 13:00 UTC, the Friday before it 14:00 UTC.
    { name: 'across a daylight-saving change the opening follows the wall clock', hours: NEW_YORK, at: '2026-03-07T12:00:00Z', open: false, next: '2026-03-09T13:00:00.000Z' },
    { name: 'before the change, 09:00 in New York was 14:00 UTC', hours: NEW_YORK, at: '2026-03-06T13:59:00Z', open: false, next: '2026-03-06T14:00:00.000Z' },
    { name: 'no days: never opens', hours: { ...SEOUL, days: [] }, at: '2026-12-04T01:00:00Z', open: false, next: null },
    { name: 'weekend-only hours', hours: { ...SEOUL, days: [6, 7] }, at: '2026-12-04T01:00:00Z', open: false, next: '2026-12-05T00:00:00.000Z' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(isOpen(at(c.at), c.hours), c.open);
      assert.equal(nextOpening(at(c.at), c.hours)?.toISOString() ?? null, c.next);
    });
  }

  it('refuses a time that is not HH:MM', () => {
    assert.equal(minutesOf('09:30'), 570);
    for (const bad of ['9:30', '24:01', '25:00', '09:60', 'noon']) assert.throws(() => minutesOf(bad), /not a time of day/);
  });

  it('takes 24:00 as the end of the day: hours 00:00-24:00 every day are never closed', () => {
    const always = { timeZone: 'Asia/Seoul', days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' };
    for (const iso of ['2026-12-04T14:59:30Z', '2026-12-04T15:00:00Z', '2026-12-06T03:00:00Z']) assert.ok(isOpen(new Date(iso), always), iso);
    assert.equal(minutesOf('24:00'), 1440);
  });
});
