import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collapseBlanks, fixture, truncate } from '../test-support.js';
import { mergeHugepages, parseHugepageSysfs, parseMeminfoHugepages } from './hugepages.js';

describe('huge pages', () => {
  it('reads the default-size pool from /proc/meminfo of a hypervisor booted with 1 GiB pages', () => {
    assert.deepEqual(parseMeminfoHugepages(fixture('proc-meminfo-hugepages-1g.txt')), {
      value: { defaultPageSizeKb: 1_048_576, pools: [{ pageSizeKb: 1_048_576, total: 192, free: 40 }] },
      warnings: [],
    });
  });

  it('reads a host with none reserved (2 MiB default, RHEL 9 meminfo with newer fields)', () => {
    assert.deepEqual(parseMeminfoHugepages(fixture('proc-meminfo-no-hugepages.txt')).value, { defaultPageSizeKb: 2048, pools: [{ pageSizeKb: 2048, total: 0, free: 0 }] });
  });

  it('reads every page size from sysfs, in size order', () => {
    assert.deepEqual(parseHugepageSysfs(fixture('hugepages-sysfs.txt')), {
      value: [
        { pageSizeKb: 2048, total: 0, free: 0 },
        { pageSizeKb: 1_048_576, total: 192, free: 40 },
      ],
      warnings: [],
    });
  });

  it('lets sysfs complete meminfo: a 1 GiB pool beside a 2 MiB default', () => {
    const sysfs = parseHugepageSysfs('/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages:64\n/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages:0\n').value;
    const merged = mergeHugepages(parseMeminfoHugepages(fixture('proc-meminfo-no-hugepages.txt')).value, sysfs);
    assert.deepEqual(merged, { defaultPageSizeKb: 2048, pools: [{ pageSizeKb: 2048, total: 0 }, { pageSizeKb: 1_048_576, total: 64 }] });
    assert.equal(mergeHugepages(undefined, []), undefined);
  });

  it('keeps what it can from truncated, pasted and garbled captures', () => {
    // Cut before the HugePages_ lines: nothing is guessed.
    const cut = parseMeminfoHugepages(truncate(fixture('proc-meminfo-hugepages-1g.txt'), 0.5));
    assert.deepEqual(cut.value, { pools: [] });
    assert.deepEqual(cut.warnings, ['meminfo: no Hugepagesize line']);
    // Cut between Total and Hugepagesize: the size is missing, so no pool.
    const text = fixture('proc-meminfo-hugepages-1g.txt');
    assert.deepEqual(parseMeminfoHugepages(text.slice(0, text.indexOf('Hugepagesize'))).value, { pools: [] });
    assert.deepEqual(parseMeminfoHugepages(collapseBlanks(text)).value.pools, [{ pageSizeKb: 1_048_576, total: 192, free: 40 }]);
    const garbled = parseMeminfoHugepages('HugePages_Total: 1?2\nHugepagesize:    2048 kB\n\u0000\u0001');
    assert.deepEqual(garbled.value, { defaultPageSizeKb: 2048, pools: [] });
    assert.deepEqual(garbled.warnings, ['meminfo: no HugePages_Total line']);
    const sysfs = parseHugepageSysfs('/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages:16\n/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hug');
    assert.deepEqual(sysfs.value, [{ pageSizeKb: 2048, total: 16 }]);
    assert.deepEqual(sysfs.warnings, ['hugepages sysfs: 1 line(s) not of the form <path>/hugepages-<size>kB/<file>:<count>']);
    assert.deepEqual(parseMeminfoHugepages('').warnings, ['meminfo: no "Name: value" lines']);
  });
});
