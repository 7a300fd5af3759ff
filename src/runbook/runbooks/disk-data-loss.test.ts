import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineRunbook, RunbookDefinitionError } from '../define.js';
import { drive, hypervisorContext, MemoryLedger, PartWorld, quietServers, TestClock } from '../testing.js';
import { DATA_LOSS_NOTICE } from './disk-data-loss.js';

/** disk-data-loss (§4.9): the fixed data-loss notice first, the swap and reinstall gates, the owners told, never a recovery notice. */

describe('runbook disk-data-loss', () => {
  it('posts the fixed data-loss notice, waits for the disk swap (naming the spare) and the reinstall, then tells the owners', async () => {
    const ledger = new MemoryLedger();
    const world = new PartWorld(['s1', 's2']);
    const clock = new TestClock(new Date('2026-12-07T03:00:00Z'));
    const runId = ledger.create('disk-data-loss', hypervisorContext(quietServers(['s1', 's2']), 'krane-pg-forfault-r630-m16g2133-nvme1920-002 (priority 2)'), clock.now().toISOString());
    const swap = await drive(ledger, world, runId, { clock });
    assert.match(swap.reason ?? '', /gate disk-swapped: .*Spare: krane-pg-forfault-r630-m16g2133-nvme1920-002/);
    assert.equal(world.notices.length, 1);
    const text = world.notices[0]?.text ?? '';
    assert.equal(world.notices[0]?.kind, 'data-loss');
    for (const words of [/all data on it is lost/, /cannot be recovered/, /deleted within 2 days/, /workers .* must be re-added/]) assert.match(text, words);
    assert.equal(text, DATA_LOSS_NOTICE);

    ledger.approve(runId, 'disk-swapped');
    const reinstall = await drive(ledger, world, runId, { clock });
    assert.match(reinstall.reason ?? '', /gate os-reinstalled: Reinstall the OS from the prescribed template/);
    ledger.approve(runId, 'os-reinstalled');
    const done = await drive(ledger, world, runId, { clock });
    assert.equal(done.status, 'done', done.reason ?? '');
    assert.deepEqual(world.notices.map((n) => n.kind), ['data-loss', 'owners']);
    assert.ok(!world.notices.some((n) => n.kind === 'recovery'), 'never a recovery notice');
    assert.deepEqual(world.log.filter((e) => !e.what.startsWith('notice.')), [], 'no server or power action');
  });

  it('a data-loss runbook that would post a recovery notice is refused where it is defined', () => {
    assert.throws(
      () =>
        defineRunbook({
          id: 'bad-loss',
          title: 'x',
          section: '§4.9',
          target: 'hypervisor',
          description: 'x',
          steps: [
            { kind: 'notice', id: 'loss', notice: 'data-loss', text: DATA_LOSS_NOTICE },
            { kind: 'notice', id: 'recovered', notice: 'recovery', text: 'recovered' },
          ],
        }),
      RunbookDefinitionError,
    );
  });
});
