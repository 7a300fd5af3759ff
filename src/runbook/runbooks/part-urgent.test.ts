import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Crash, drive, hypervisorContext, MemoryLedger, PartWorld, quietServers, TestClock } from '../testing.js';
import type { RunRecord } from '../ports.js';

/**
 * part-urgent (§4.8) on the engine, against a world that refuses the unsafe orders
 * (power off with servers running, a start with the power off): the order of the
 * steps, the swap gate naming the spare, the DBA gate, and kill -9 at every write.
 */

const SERVERS = ['s1', 's2', 's3'];
const SPARE = 'krane-pg-forfault-r630-m16g2133-nvme1920-001 (priority 1: model, memory and disk match)';
const clock = (): TestClock => new TestClock(new Date('2026-12-07T10:00:00Z'));

/** Runs, approving the swap whenever the run waits for it; resumes after each crash. */
async function toTheEnd(ledger: MemoryLedger, world: PartWorld, runId: string, crashAfter = Infinity): Promise<RunRecord> {
  ledger.crashAfter = crashAfter;
  for (let round = 0; round < 20; round++) {
    try {
      const r = await drive(ledger, world, runId, { clock: clock() });
      if (r.status !== 'waiting') return r;
      assert.match(r.reason ?? '', /gate part-swapped/, `waits only at the swap gate: ${r.reason}`);
      ledger.approve(runId, 'part-swapped');
    } catch (err) {
      if (!(err instanceof Crash)) throw err;
      ledger.crashAfter = Infinity;
    }
  }
  assert.fail('never finished');
}

describe('runbook part-urgent', () => {
  it('notice, stop every server, power off, wait at the swap gate naming the spare; approved: power on, start every server, done', async () => {
    const ledger = new MemoryLedger();
    const world = new PartWorld(SERVERS);
    const runId = ledger.create('part-urgent', hypervisorContext(quietServers(SERVERS), SPARE), '2026-12-07T10:00:00Z');

    const waiting = await drive(ledger, world, runId, { clock: clock() });
    assert.equal(waiting.status, 'waiting');
    assert.match(waiting.reason ?? '', /gate part-swapped: .*re-check the virtualization settings.* Spare: krane-pg-forfault-r630-m16g2133-nvme1920-001 \(priority 1/);
    assert.match(waiting.reason ?? '', /faultline approve run-1 part-swapped --by <name>/);
    assert.deepEqual(world.log.map((e) => e.what), ['notice.fault', 'server.stop', 'server.stop', 'server.stop', 'hypervisor.power-off']);
    assert.equal(world.power, 'Off');

    const again = await drive(ledger, world, runId, { clock: clock() });
    assert.equal(again.status, 'waiting', 'no approval, no power on');
    assert.equal(world.count('hypervisor.power-on'), 0);

    ledger.approve(runId, 'part-swapped');
    const done = await drive(ledger, world, runId, { clock: clock() });
    assert.equal(done.status, 'done', done.reason ?? '');
    assert.deepEqual(world.log.slice(5).map((e) => e.what), ['hypervisor.power-on', 'server.start', 'server.start', 'server.start']);
    assert.ok(ledger.audits.some((a) => a.what.startsWith('hypervisor.power-off krane-pg1-com001') && a.requestIds.length === 1), 'the power off is audited with its BMC task');
    assert.deepEqual(world.notices.map((n) => n.kind), ['fault'], 'no recovery notice without a person: the owners hear from the escalation or the ticket');
  });

  it('a DB server that still serves: waits for the DBA before any server is stopped', async () => {
    const ledger = new MemoryLedger();
    const world = new PartWorld(SERVERS);
    const servers = [...quietServers(['s1', 's2']), { id: 's3', name: 'orders-db-1', db: true, serving: true }];
    const runId = ledger.create('part-urgent', hypervisorContext(servers), '2026-12-07T10:00:00Z');
    const r = await drive(ledger, world, runId, { clock: clock() });
    assert.equal(r.status, 'waiting');
    assert.match(r.reason ?? '', /gate db-servers/);
    assert.deepEqual(world.log.map((e) => e.what), ['notice.fault'], 'only the notice went out');
    ledger.approve(runId, 'db-servers');
    const next = await drive(ledger, world, runId, { clock: clock() });
    assert.match(next.reason ?? '', /gate part-swapped/);
    assert.match(next.reason ?? '', /Spare: none named; see faultline spare krane-pg1-com001/, 'without a spare choice the gate points at faultline spare');
  });

  it('a hypervisor the part already took down: no server is stopped, nothing is sent to a BMC that reads Off, the swap gate waits', async () => {
    const ledger = new MemoryLedger();
    const world = new PartWorld(SERVERS);
    world.power = 'Off';
    const runId = ledger.create('part-urgent', hypervisorContext(quietServers(SERVERS)), '2026-12-07T10:00:00Z');
    const r = await drive(ledger, world, runId, { clock: clock() });
    assert.match(r.reason ?? '', /gate part-swapped/);
    assert.deepEqual(world.log.map((e) => e.what), ['notice.fault'], 'no stop, no power off sent');
    ledger.approve(runId, 'part-swapped');
    const done = await drive(ledger, world, runId, { clock: clock() });
    assert.equal(done.status, 'done', done.reason ?? '');
    assert.deepEqual(world.log.slice(1).map((e) => e.what), ['hypervisor.power-on', 'server.start', 'server.start', 'server.start']);
  });

  it('a power off that never shows Off escalates; the power on is never tried', async () => {
    const ledger = new MemoryLedger();
    const world = new PartWorld(SERVERS);
    world.stuckPower = true;
    const runId = ledger.create('part-urgent', hypervisorContext(quietServers(SERVERS)), '2026-12-07T10:00:00Z');
    const r = await drive(ledger, world, runId, { clock: clock() });
    assert.equal(r.status, 'escalated');
    assert.equal(world.count('hypervisor.power-off'), 1, 'sent once, not repeated');
    assert.equal(world.count('hypervisor.power-on'), 0);
    assert.equal(world.escalations.length, 1);
  });

  it('killed after any write, or inside the power off and power on, and resumed: one stop, one start per server, one power off, one power on', async () => {
    const clean = new MemoryLedger();
    const cleanWorld = new PartWorld(SERVERS);
    await toTheEnd(clean, cleanWorld, clean.create('part-urgent', hypervisorContext(quietServers(SERVERS)), '2026-12-07T10:00:00Z'));
    const writes = clean.writes;
    assert.ok(writes > 20, `a clean run writes ${writes} times`);
    const cases: { crashAfter: number; inside?: 'hypervisor.power-off' | 'hypervisor.power-on' | 'server.stop' }[] = [
      ...Array.from({ length: writes }, (_, i) => ({ crashAfter: i + 1 })),
      { crashAfter: Infinity, inside: 'hypervisor.power-off' },
      { crashAfter: Infinity, inside: 'hypervisor.power-on' },
      { crashAfter: Infinity, inside: 'server.stop' },
    ];
    for (const c of cases) {
      const ledger = new MemoryLedger();
      const world = new PartWorld(SERVERS);
      world.crashInside = c.inside;
      const runId = ledger.create('part-urgent', hypervisorContext(quietServers(SERVERS)), '2026-12-07T10:00:00Z');
      const r = await toTheEnd(ledger, world, runId, c.crashAfter);
      const where = c.inside ? `inside ${c.inside}` : `after write ${c.crashAfter}`;
      assert.equal(r.status, 'done', `${where}: ${r.reason}`);
      assert.equal(world.count('hypervisor.power-off'), 1, `${where}: one power off`);
      assert.equal(world.count('hypervisor.power-on'), 1, `${where}: one power on`);
      for (const s of SERVERS) {
        assert.equal(world.count('server.stop', s), 1, `${where}: ${s} stopped once`);
        assert.equal(world.count('server.start', s), 1, `${where}: ${s} started once`);
      }
      assert.ok(world.log.findIndex((e) => e.what === 'notice.fault') < world.log.findIndex((e) => e.what === 'server.stop'), `${where}: notice first`);
    }
  });
});
