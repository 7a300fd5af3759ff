import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collapseBlanks, fixture, truncate } from '../test-support.js';
import { parseDf } from './filesystems.js';
import { parseFree } from './memory.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

describe('free', () => {
  it('reads free -b exactly', () => {
    const { value, warnings } = parseFree(fixture('free-b.txt'));
    assert.deepEqual(warnings, []);
    assert.deepEqual(value, { totalBytes: 16415051776, availableBytes: 1288490188, swapTotalBytes: 8413773824, swapUsedBytes: 1825361920 });
  });

  it('reads the captured free -h, swap on and off (seed 002)', () => {
    const on = parseFree(fixture('seed-002-free-h.txt')).value;
    assert.equal(on?.totalBytes, 15 * GiB);
    assert.equal(on?.availableBytes, Math.round(1.2 * GiB));
    assert.equal(on?.swapUsedBytes, Math.round(1.7 * GiB));
    const off = parseFree(collapseBlanks(fixture('seed-002-free-h-swapoff.txt'))).value;
    assert.equal(off?.swapTotalBytes, 0);
    assert.equal(off?.availableBytes, 396 * MiB);
  });

  it('reads old procps (KiB, no available column) with a warning', () => {
    const { value, warnings } = parseFree(fixture('free-old-procps.txt'), { unit: 'KiB' });
    assert.equal(value?.totalBytes, 264403572 * 1024);
    assert.equal(value?.availableBytes, (5298296 + 196020 + 112047320) * 1024);
    assert.equal(value?.swapUsedBytes, 524288 * 1024);
    assert.match(warnings[0] ?? '', /no "available" column/);
  });

  it('returns nothing, with a warning, when Mem: is missing', () => {
    const { value, warnings } = parseFree(truncate(fixture('free-b.txt'), 0.2));
    assert.equal(value, undefined);
    assert.deepEqual(warnings, ['free: no "Mem:" line']);
  });
});

describe('df', () => {
  it('reads df -P with the block size from the header and skips container and snap mounts', () => {
    const { value, warnings } = parseDf(fixture('df-P.txt'));
    assert.deepEqual(warnings, []);
    assert.deepEqual(value.map((f) => [f.mount, f.usedPercent]), [
      ['/dev', 0],
      ['/run', 1],
      ['/', 100],
      ['/dev/shm', 0],
      ['/boot', 14],
      ['/boot/efi', 1],
      ['/var/lib/nova/instances', 86],
      ['/mnt/backup dir', 86],
    ]);
    assert.equal(value[2]?.sizeBytes, 205314024 * 1024);
    assert.equal(value[2]?.filesystem, '/dev/mapper/ubuntu--vg-ubuntu--lv');
  });

  it('reads the captured df -h (seed 002), 90 % on /', () => {
    const { value } = parseDf(collapseBlanks(fixture('seed-002-df-h.txt')));
    const root = value.find((f) => f.mount === '/');
    assert.equal(root?.usedPercent, 90);
    assert.equal(root?.sizeBytes, 70 * GiB);
    assert.equal(value.length, 7);
  });

  it('joins device names that df (without -P) put on their own line', () => {
    const { value } = parseDf('Filesystem 1K-blocks Used Available Use% Mounted on\n/dev/mapper/very-long-volume-group-name-root\n  1000 900 100 90% /\n');
    assert.deepEqual(value.map((f) => [f.filesystem, f.mount, f.usedBytes]), [['/dev/mapper/very-long-volume-group-name-root', '/', 900 * 1024]]);
  });

  it('keeps the readable lines of a cut capture and warns about the rest', () => {
    const { value, warnings } = parseDf(`${fixture('df-P.txt').slice(0, 260)}\ngarbage line here\ndf: /run/user/1000/doc: Operation not permitted`);
    assert.ok(value.length >= 1);
    assert.ok(warnings.some((w) => w.includes('Operation not permitted')));
    assert.ok(warnings.some((w) => /not understood/.test(w)));
  });
});
