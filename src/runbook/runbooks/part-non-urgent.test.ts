import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BusinessHours } from '../business-hours.js';
import { drive, hypervisorContext, MemoryLedger, PartWorld, quietServers, TestClock } from '../testing.js';

/** part-non-urgent (§4.6): daytime only, announce before any stop, the work at a gate, the completion notice at the end. */

const HOURS: BusinessHours = { timeZone: 'UTC', days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' };
const SERVERS = ['s1', 's2'];

describe('runbook part-non-urgent', () => {
  it('at night: waits for business hours, posts nothing, touches nothing; in the morning: announce, stop, work, start, completion notice', async () => {
    const ledger = new MemoryLedger();
    const world = new PartWorld(SERVERS);
    // Monday 02:00 UTC.
    const clock = new TestClock(new Date('2026-12-07T02:00:00Z'));
    const runId = ledger.create('part-non-urgent', hypervisorContext(quietServers(SERVERS)), clock.now().toISOString());
    const night = await drive(ledger, world, runId, { clock, businessHours: HOURS });
    assert.equal(night.status, 'waiting');
    assert.match(night.reason ?? '', /hold business-hours: .*they open at 2026-12-07T09:00:00\.000Z/);
    assert.equal(world.log.length, 0, 'no notice at night, nothing stopped');

    clock.at = new Date('2026-12-07T09:30:00Z');
    const atWork = await drive(ledger, world, runId, { clock, businessHours: HOURS });
    assert.match(atWork.reason ?? '', /gate part-swapped/);
    assert.deepEqual(world.log.map((e) => e.what), ['notice.announce', 'server.stop', 'server.stop']);

    ledger.approve(runId, 'part-swapped');
    const done = await drive(ledger, world, runId, { clock, businessHours: HOURS });
    assert.equal(done.status, 'done', done.reason ?? '');
    assert.deepEqual(world.log.slice(3).map((e) => e.what), ['server.start', 'server.start', 'notice.completion']);
    assert.deepEqual(world.notices.map((n) => n.kind), ['announce', 'completion']);
  });

  it('a server that stays silent after the work is restarted, then escalated; no completion notice', async () => {
    const ledger = new MemoryLedger();
    const world = new PartWorld(SERVERS);
    const clock = new TestClock(new Date('2026-12-07T10:00:00Z'));
    const runId = ledger.create('part-non-urgent', hypervisorContext(quietServers(SERVERS)), clock.now().toISOString());
    ledger.approve(runId, 'part-swapped');
    // Something the work broke: no server answers again.
    world.silent = new Set(SERVERS);
    const r = await drive(ledger, world, runId, { clock, businessHours: HOURS });
    assert.equal(r.status, 'escalated');
    assert.equal(world.count('server.restart'), 2, 'each straggler restarted once');
    assert.ok(!world.notices.some((n) => n.kind === 'completion'));
  });
});
