import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fleet } from '../snapshot/builders.js';
import { indexOf } from '../snapshot/fleet-index.js';
import { hostImpact, openHardwareFaults, partOf, serversAffected, serversVerifiedFine } from './alarm-classes.js';
import { runDetectors } from './engine.js';
import diskDataLoss from './rules/disk-data-loss.js';
import partNeedsJudgement from './rules/part-needs-judgement.js';
import partNonUrgent from './rules/part-non-urgent.js';
import partUrgent from './rules/part-urgent.js';

const T = '2025-08-11T00:00:00Z';

describe('hardware alarm classes', () => {
  it('sorts canonical fault codes into the runbook classes, ignoring case and punctuation', () => {
    const cls = (faultCode: string, message = ''): string | undefined => partOf({ faultCode, message })?.cls;
    assert.deepEqual(
      ['FAN', 'PSU_REDUNDANCY_LOST', 'DISK_FAILURE_PREDICTED', 'MEM_SBE', 'hw_mc_error', 'DISK_SMART_ERROR', 'CPU', 'MEM_UE', 'NIC', 'PSU', 'MAINBOARD', 'DISK_FAILED', 'DISK_DATA_LOSS'].map((c) => cls(c)),
      ['non-urgent', 'non-urgent', 'non-urgent', 'needs-judgement', 'needs-judgement', 'needs-judgement', 'urgent', 'urgent', 'urgent', 'urgent', 'urgent', 'disk-data-loss', 'disk-data-loss'],
    );
    assert.equal(cls('PSU', 'Power supply redundancy is lost'), 'non-urgent');
    assert.equal(cls('PING_FAIL'), undefined);
    assert.equal(cls('SYS_KERNEL_PANIC'), undefined);
    assert.equal(cls('RAID_BATTERY_LOW'), undefined);
  });

  it('hands every open hardware fault to exactly one of the four detectors', () => {
    const codes = ['FAN', 'PSU_REDUNDANCY_LOST', 'DISK_FAILURE_PREDICTED', 'MEM_SBE', 'HW-MC-ERROR', 'DISK_SMART_ERROR', 'CPU', 'MEM_UE', 'NIC', 'PSU', 'MAINBOARD', 'DISK_FAILED', 'DISK_DATA_LOSS'];
    const b = fleet().at(T).region('pg1', 'prod');
    // Each code twice: once where every server answers, once where one does not.
    for (const [i, code] of codes.entries()) {
      for (const down of [false, true]) {
        const hv = `krane-pg1-com${100 + i}${down ? 'd' : 'u'}`;
        b.hypervisor(hv, { region: 'pg1' }).server(`${hv}-vm`, { on: hv }).reach(`${hv}-vm`, !down).alarm(hv, code, { count: 12 });
      }
    }
    const results = runDetectors(b.build({ collected: ['inventory'] }), [partNonUrgent, partNeedsJudgement, partUrgent, diskDataLoss], { now: new Date(T) });
    const owners = new Map<string, string[]>();
    for (const r of results) for (const f of r.findings) owners.set(f.resource.name ?? '', [...(owners.get(f.resource.name ?? '') ?? []), r.detectorId]);
    assert.equal(owners.size, codes.length * 2);
    for (const [host, detectors] of owners) assert.equal(detectors.length, 1, `${host}: ${detectors.join(', ')}`);
    assert.deepEqual(owners.get('krane-pg1-com102u'), ['part-non-urgent'], 'predicted disk, servers fine');
    assert.deepEqual(owners.get('krane-pg1-com102d'), ['disk-data-loss'], 'predicted disk, a server down');
    assert.deepEqual(owners.get('krane-pg1-com105d'), ['disk-data-loss'], 'SMART errors, a server down');
    assert.deepEqual(owners.get('krane-pg1-com106d'), ['part-urgent'], 'a CPU fault stays urgent whatever answers');
  });

  it('folds open tickets by short host name and part, and leaves closed ones out', () => {
    const snapshot = fleet()
      .at(T)
      .alarm('krane-pg1-com908.dakao.io', 'MEM_SBE', { ticketId: 'b', count: 3, raisedAt: '2025-08-10T05:00:00Z' })
      .alarm('KRANE-PG1-COM908', 'mem_sbe', { ticketId: 'a', count: 4, raisedAt: '2025-08-10T01:00:00Z' })
      .alarm('krane-pg1-com908', 'MEM_SBE', { ticketId: 'c', count: 50, status: 'closed' })
      .alarm('krane-pg1-com908', 'PING_FAIL')
      .build();
    const faults = openHardwareFaults(snapshot);
    assert.equal(faults.length, 1);
    assert.deepEqual([faults[0]?.ticketIds, faults[0]?.count, faults[0]?.raisedAt, faults[0]?.host], [['a', 'b'], 7, '2025-08-10T01:00:00Z', 'KRANE-PG1-COM908']);
  });

  it('finds the servers of a host the snapshot has no hypervisor record for', () => {
    const snapshot = fleet().at(T).server('web-1', { on: 'krane-pg1-com300' }).reach('web-1', false).alarm('krane-pg1-com300.dakao.io', 'FAN').build();
    const fault = openHardwareFaults(snapshot)[0];
    assert.ok(fault);
    const impact = hostImpact(indexOf(snapshot), fault);
    assert.equal(impact.hypervisor, undefined);
    assert.deepEqual(impact.servers.map((s) => s.name), ['web-1']);
    assert.equal(serversAffected(impact), true);
  });

  it('does not call servers fine when nobody probed them', () => {
    const snapshot = fleet().at(T).hypervisor('krane-pg1-com301').server('web-1', { on: 'krane-pg1-com301' }).alarm('krane-pg1-com301', 'FAN').build();
    const fault = openHardwareFaults(snapshot)[0];
    assert.ok(fault);
    const impact = hostImpact(indexOf(snapshot), fault);
    assert.equal(serversAffected(impact), false);
    assert.equal(serversVerifiedFine(impact), false);
  });
});
