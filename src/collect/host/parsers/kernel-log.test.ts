import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collapseBlanks, fixture, truncate } from '../test-support.js';
import { parseConsoleOutput } from './console.js';
import { mergeKernelEvents, parseKernelLog } from './kernel-log.js';

const NOW = new Date('2025-11-25T15:00:00Z');

describe('kernel log (dmesg -T, dmesg, journalctl -k)', () => {
  it('reads the captured qemu oops as one event with Comm and Tainted (seed 000)', () => {
    const { value, warnings } = parseKernelLog(fixture('seed-000-dmesg-oops-qemu.txt'), { source: 'dmesg' });
    assert.deepEqual(warnings, []);
    assert.equal(value.length, 1);
    const [oops] = value;
    assert.equal(oops?.kind, 'oops');
    assert.equal(oops?.process, 'qemu-system-x86');
    assert.equal(oops?.pid, 18119);
    assert.equal(oops?.time, '2018-08-29T09:51:19.000Z');
    assert.equal(oops?.detail?.tainted, 'G D');
    assert.equal(oops?.detail?.kernel, '4.8.0-41-generic');
    assert.equal(oops?.detail?.oops, '0010 [#2] SMP');
    assert.match(oops?.line ?? '', /BUG: unable to handle kernel paging request/);
  });

  it('applies the host UTC offset to dmesg -T times', () => {
    const { value } = parseKernelLog(fixture('seed-000-dmesg-oops-qemu.txt'), { offsetMinutes: 9 * 60 });
    assert.equal(value[0]?.time, '2018-08-29T00:51:19.000Z');
  });

  it('reads the captured hung nova-compute task, prompt prefix and all (seed 002)', () => {
    const { value } = parseKernelLog(fixture('seed-002-dmesg-hung-task.txt'), { bootTime: '2025-07-21T01:00:00.000Z' });
    assert.deepEqual(
      value.map((e) => [e.kind, e.process, e.pid, e.detail?.seconds]),
      [
        ['hung-task', 'nova-compute', 1069, 122],
        ['hung-task', 'nova-compute', 1069, 245],
      ],
    );
    // Plain dmesg stamps are seconds since boot.
    assert.equal(value[0]?.time, '2025-07-21T04:24:49.196Z');
  });

  it('finds OOM kills, I/O errors, hung tasks, MCE, soft lockups and panics in one dmesg -T', () => {
    const { value, warnings } = parseKernelLog(fixture('dmesg-T-mixed.txt'), { source: 'dmesg' });
    assert.deepEqual(warnings, []);
    const kinds = value.map((e) => e.kind);
    assert.deepEqual(kinds, ['oom-kill', 'io-error', 'io-error', 'io-error', 'hung-task', 'mce', 'mce', 'bug', 'panic']);
    const oom = value[0];
    assert.equal(oom?.process, 'qemu-system-x86');
    assert.equal(oom?.pid, 402211);
    assert.equal(oom?.detail?.anonRssKiB, 33554432);
    assert.equal(oom?.detail?.instanceName, 'instance-0000abcd');
    assert.equal(oom?.detail?.memcg, '/machine.slice/machine-qemu-12-instance-0000abcd.scope');
    assert.deepEqual(value.slice(1, 4).map((e) => e.detail?.device), ['sdb', 'sdb1', 'nvme0']);
    assert.equal(value[6]?.detail?.corrected, true);
    const lockup = value[7];
    assert.equal(lockup?.process, 'qemu-system-x86');
    assert.equal(lockup?.pid, 77120);
    assert.equal(lockup?.detail?.tainted, 'G OEL');
    const panic = value[8];
    assert.equal(panic?.detail?.reason, 'Fatal exception in interrupt');
    assert.equal(panic?.process, 'swapper/3');
    assert.equal(panic?.detail?.tainted, 'G D OE');
  });

  it('merges the BUG and Kill lines of old kernels into one OOM event', () => {
    const { value } = parseKernelLog(fixture('dmesg-oom-old.txt'));
    assert.equal(value.length, 1);
    assert.equal(value[0]?.process, 'qemu-kvm');
    assert.equal(value[0]?.pid, 27411);
  });

  it('reads journalctl -k -o short-iso with its own offsets, and BLOCK_IO_ERROR from libvirtd', () => {
    const { value } = parseKernelLog(fixture('journal-kernel.txt'), { source: 'journal' });
    assert.deepEqual(value.map((e) => [e.kind, e.time, e.detail?.device]), [
      ['oom-kill', '2025-11-25T02:10:11.000Z', undefined],
      ['io-error', '2025-11-25T04:33:20.000Z', 'sdb'],
      ['io-error', '2025-11-25T04:40:02.000Z', 'sdb1'],
      ['io-error', '2025-11-25T05:02:55.000Z', 'dm-0'],
    ]);
    const blockIo = parseKernelLog(fixture('journal-libvirt-blockio.txt')).value;
    assert.equal(blockIo.length, 2);
    assert.ok(blockIo.every((e) => e.kind === 'io-error' && e.detail?.qemu === true));
    assert.equal(blockIo[0]?.detail?.device, 'drive-virtio-disk0');
  });

  it('reads classic journal lines (no year) with the year inferred from now', () => {
    const { value } = parseKernelLog(fixture('journal-short.txt'), { now: NOW });
    assert.deepEqual(value.map((e) => [e.kind, e.process, e.pid, e.time]), [
      ['oom-kill', 'qemu-kvm', 9911, '2025-11-25T02:10:11.000Z'],
      ['hung-task', 'jbd2/dm-0-8', 522, '2025-11-25T05:01:44.000Z'],
    ]);
  });

  it('merges the same event read from dmesg and the journal', () => {
    const dmesg = parseKernelLog(fixture('dmesg-T-mixed.txt'), { source: 'dmesg', offsetMinutes: 0 }).value;
    const journal = parseKernelLog(fixture('journal-kernel.txt'), { source: 'journal' }).value;
    const merged = mergeKernelEvents(dmesg, journal);
    assert.equal(merged.filter((e) => e.kind === 'oom-kill').length, 1);
    assert.equal(merged.filter((e) => e.kind === 'io-error').length, 5);
  });

  it('caps floods per kind and says how many were left out', () => {
    const flood = Array.from({ length: 500 }, (_, i) => `[  ${100 + i}.000000] blk_update_request: I/O error, dev sdc, sector ${i} op 0x0:(READ)`).join('\n');
    const { value, warnings } = parseKernelLog(flood, { maxPerKind: 20 });
    assert.equal(value.length, 20);
    assert.deepEqual(warnings, ['kernel log: 480 more io-error line(s) not listed (limit 20)']);
  });

  it('keeps what it can from truncated and whitespace-collapsed captures', () => {
    const cut = parseKernelLog(truncate(fixture('seed-000-dmesg-oops-qemu.txt'), 0.4));
    assert.equal(cut.value[0]?.kind, 'oops');
    const pasted = parseKernelLog(collapseBlanks(fixture('seed-000-dmesg-oops-qemu.txt')));
    assert.equal(pasted.value[0]?.process, 'qemu-system-x86');
    assert.equal(pasted.value[0]?.detail?.tainted, 'G D');
    assert.deepEqual(parseKernelLog('-- No entries --\n'), { value: [], warnings: [] });
    const garbage = parseKernelLog('\u0000\u0001 not a kernel log at all\n<<<>>>');
    assert.deepEqual(garbage.value, []);
    assert.equal(garbage.warnings.length, 1);
  });
});

describe('guest console output', () => {
  it('classifies the captured async #PF panic (seed 002)', () => {
    const { value, warnings } = parseConsoleOutput(fixture('seed-002-console-async-pf.txt'));
    assert.deepEqual(warnings, []);
    assert.equal(value.length, 1);
    assert.equal(value[0]?.kind, 'async-pf-panic');
    assert.equal(value[0]?.process, 'dnf');
    assert.equal(value[0]?.pid, 3053);
    assert.equal(value[0]?.detail?.uptimeSeconds, 3121.583458);
  });

  it('classifies the captured root mount panic once, not again at its end marker (seed 002)', () => {
    const { value } = parseConsoleOutput(fixture('seed-002-console-root-mount.txt'));
    assert.deepEqual(value.map((e) => [e.kind, e.process, e.detail?.reason]), [['root-mount-panic', 'swapper/0', 'VFS: Unable to mount root fs on unknown-block(0,0)']]);
  });

  it('reports other panics as panic', () => {
    const { value } = parseConsoleOutput('[  12.5] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100\n');
    assert.equal(value[0]?.kind, 'panic');
  });
});
