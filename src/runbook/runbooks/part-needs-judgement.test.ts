import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BusinessHours } from '../business-hours.js';
import { Crash, drive, hypervisorContext, MemoryLedger, PartWorld, quietServers, TestClock } from '../testing.js';

/**
 * part-needs-judgement (§4.7): the third job in a month replaces the box; a count of 10
 * or more is announced in business hours and started no earlier than the advance notice
 * later; under 10 is watched, counted again and closed without action.
 */

const HOURS: BusinessHours = { timeZone: 'UTC', days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' };
const SERVERS = ['s1', 's2'];
const HOUR = 3_600_000;
const start = (): TestClock => new TestClock(new Date('2026-12-07T10:00:00Z'));

describe('runbook part-needs-judgement', () => {
  it('count ≥ 10: announce, then hold 4 h from the announcement (the same deadline after a crash), then stop and swap', async () => {
    const ledger = new MemoryLedger();
    const world = new PartWorld(SERVERS);
    world.ticketCount = 12;
    const clock = start();
    const runId = ledger.create('part-needs-judgement', hypervisorContext(quietServers(SERVERS)), clock.now().toISOString());
    const held = await drive(ledger, world, runId, { clock, businessHours: HOURS });
    assert.equal(held.status, 'waiting');
    assert.match(held.reason ?? '', /hold advance-notice: .*Not before 2026-12-07T14:00:00\.000Z/);
    assert.deepEqual(world.log.map((e) => e.what), ['notice.announce'], 'announced, nothing stopped');

    // Killed while waiting, resumed an hour later: the deadline is still the announcement's plus 4 h.
    clock.advance(HOUR);
    ledger.crashAfter = ledger.writes + 2;
    await assert.rejects(drive(ledger, world, runId, { clock, businessHours: HOURS }), Crash);
    ledger.crashAfter = Infinity;
    const still = await drive(ledger, world, runId, { clock, businessHours: HOURS });
    assert.match(still.reason ?? '', /Not before 2026-12-07T14:00:00\.000Z/);
    assert.equal(world.count('server.stop'), 0);
    assert.equal(world.count('notice.announce'), 1, 'announced once');

    clock.at = new Date('2026-12-07T14:00:00Z');
    const work = await drive(ledger, world, runId, { clock, businessHours: HOURS });
    assert.match(work.reason ?? '', /gate part-swapped/);
    assert.equal(world.count('server.stop'), 2);
  });

  it('the advance notice is configurable, and the work waits for business hours again when it ends at night', async () => {
    const ledger = new MemoryLedger();
    const world = new PartWorld(SERVERS);
    world.ticketCount = 10;
    const clock = new TestClock(new Date('2026-12-07T17:00:00Z'));
    const runId = ledger.create('part-needs-judgement', hypervisorContext(quietServers(SERVERS)), clock.now().toISOString());
    const holds = { advanceNoticeMs: 2 * HOUR, monitorMs: 24 * HOUR };
    const held = await drive(ledger, world, runId, { clock, businessHours: HOURS, holds });
    assert.match(held.reason ?? '', /Not before 2026-12-07T19:00:00\.000Z/);
    clock.at = new Date('2026-12-07T19:30:00Z');
    const night = await drive(ledger, world, runId, { clock, businessHours: HOURS, holds });
    assert.match(night.reason ?? '', /hold work-hours: .*they open at 2026-12-08T09:00:00\.000Z/);
    assert.equal(world.count('server.stop'), 0);
  });

  it('count < 10: watch 24 h from the run start, count again, close without action when still under', async () => {
    const ledger = new MemoryLedger();
    const world = new PartWorld(SERVERS);
    world.ticketCount = 4;
    const clock = start();
    const runId = ledger.create('part-needs-judgement', hypervisorContext(quietServers(SERVERS)), clock.now().toISOString());
    const watching = await drive(ledger, world, runId, { clock, businessHours: HOURS });
    assert.match(watching.reason ?? '', /hold monitor: .*Not before 2026-12-08T10:00:00\.000Z/);
    clock.advance(24 * HOUR);
    const closed = await drive(ledger, world, runId, { clock, businessHours: HOURS });
    assert.equal(closed.status, 'done', closed.reason ?? '');
    assert.equal(world.log.length, 0, 'nothing announced, nothing stopped');
  });

  it('count < 10 that reaches 10 during the watch becomes planned work', async () => {
    const ledger = new MemoryLedger();
    const world = new PartWorld(SERVERS);
    world.ticketCount = 4;
    const clock = start();
    const runId = ledger.create('part-needs-judgement', hypervisorContext(quietServers(SERVERS)), clock.now().toISOString());
    await drive(ledger, world, runId, { clock, businessHours: HOURS });
    world.ticketCount = 11;
    clock.advance(24 * HOUR);
    const r = await drive(ledger, world, runId, { clock, businessHours: HOURS });
    assert.match(r.reason ?? '', /hold advance-notice/);
    assert.deepEqual(world.log.map((e) => e.what), ['notice.announce']);
  });

  it('the third part job on the box within a month: escalate "replace the box", nothing else', async () => {
    const ledger = new MemoryLedger();
    const world = new PartWorld(SERVERS);
    world.ticketCount = 30;
    world.partWork = 3;
    const runId = ledger.create('part-needs-judgement', hypervisorContext(quietServers(SERVERS)), '2026-12-07T10:00:00Z');
    const r = await drive(ledger, world, runId, { clock: start(), businessHours: HOURS });
    assert.equal(r.status, 'escalated');
    assert.match(world.escalations[0] ?? '', /replace the whole box/);
    assert.equal(world.log.length, 0);
  });
});
