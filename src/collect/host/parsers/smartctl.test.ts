import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collapseBlanks, fixture, truncate } from '../test-support.js';
import { isSmr, parseSmartctl, parseSmartctlJson, parseSmartctlScan, parseSmartctlText } from './smartctl.js';

describe('smartctl text', () => {
  it('reads the captured NVMe with 2,787 error log entries and SMART PASSED (seed 002)', () => {
    const { value, warnings } = parseSmartctlText(fixture('seed-002-smartctl-nvme-samsung.txt'), 'nvme0n1');
    assert.deepEqual(warnings, []);
    assert.equal(value.protocol, 'NVMe');
    assert.equal(value.smartPassed, true);
    assert.equal(value.nvmeErrorLogEntries, 2787);
    assert.equal(value.mediaErrors, 0);
    assert.equal(value.temperatureC, 51);
    assert.equal(value.powerOnHours, 5410);
    assert.equal(value.model, 'SAMSUNG MZVLB512HBJQ-000');
    assert.equal(value.serial, 'S50HNF0MC03089');
    assert.equal(value.smr, false);
  });

  it('reads the same capture as pasted with collapsed blanks', () => {
    const { value } = parseSmartctlText(collapseBlanks(fixture('seed-002-smartctl-nvme-samsung.txt')));
    assert.equal(value.nvmeErrorLogEntries, 2787);
    assert.equal(value.smartPassed, true);
  });

  it('reads the healthy Micron NVMe (seed 002)', () => {
    const { value } = parseSmartctlText(fixture('seed-002-smartctl-nvme-micron.txt'));
    assert.equal(value.nvmeErrorLogEntries, 0);
    assert.equal(value.temperatureC, 37);
  });

  it('reads the captured WD Blue SMR disk attributes (seed 002)', () => {
    const { value, warnings } = parseSmartctlText(fixture('seed-002-smartctl-ata-wd-smr.txt'), 'sda');
    assert.deepEqual(warnings, []);
    assert.equal(value.protocol, 'ATA');
    assert.equal(value.modelFamily, 'Western Digital Blue Mobile (SMR)');
    assert.equal(value.smr, true);
    assert.equal(value.smartPassed, true);
    assert.deepEqual([value.reallocatedSectors, value.pendingSectors, value.uncorrectableSectors, value.crcErrors], [0, 0, 0, 0]);
    assert.equal(value.temperatureC, 38);
    assert.equal(value.powerOnHours, 6991);
    assert.equal(value.rotational, true);
  });

  it('reads a failing disk: FAILED!, reallocated, pending, uncorrectable, CRC', () => {
    const { value } = parseSmartctlText(fixture('smartctl-ata-failing.txt'));
    assert.equal(value.smartPassed, false);
    assert.equal(value.reallocatedSectors, 61288);
    assert.equal(value.pendingSectors, 1304);
    assert.equal(value.uncorrectableSectors, 1304);
    assert.equal(value.crcErrors, 17);
    assert.equal(value.temperatureC, 34);
    assert.equal(value.smr, false);
  });

  it('warns when the output has no verdict (permission denied, truncated)', () => {
    const denied = parseSmartctlText('smartctl 7.2 2020-12-30 r5155\nSmartctl open device: /dev/sda failed: Permission denied\n', 'sda');
    assert.equal(denied.value.smartPassed, null);
    assert.match(denied.warnings[0] ?? '', /^smartctl sda: no overall SMART result \(.*Permission denied\)$/);
    const cut = parseSmartctlText(truncate(fixture('seed-002-smartctl-ata-wd-smr.txt'), 0.2));
    assert.equal(cut.value.smr, true);
    assert.ok(cut.warnings.length > 0);
  });
});

describe('smartctl -j', () => {
  it('reads NVMe JSON: smart_status.passed and nvme_smart_health_information_log.num_err_log_entries', () => {
    const { value, warnings } = parseSmartctlJson(fixture('smartctl-nvme-samsung.json'));
    assert.deepEqual(warnings, []);
    assert.deepEqual(
      { protocol: value.protocol, passed: value.smartPassed, entries: value.nvmeErrorLogEntries, temp: value.temperatureC, device: value.device },
      { protocol: 'NVMe', passed: true, entries: 2787, temp: 51, device: '/dev/nvme0n1' },
    );
  });

  it('reads ATA JSON attributes from raw values, and SMR from the model family', () => {
    const { value } = parseSmartctl(fixture('smartctl-ata-seagate-smr.json'), 'sdb');
    assert.equal(value.protocol, 'ATA');
    assert.equal(value.modelFamily, 'Seagate BarraCuda 3.5 (SMR)');
    assert.equal(value.smr, true);
    assert.deepEqual([value.reallocatedSectors, value.pendingSectors, value.uncorrectableSectors, value.crcErrors], [8, 16, 16, 3]);
    // raw.value of attribute 194 packs min/max; the temperature object is used instead.
    assert.equal(value.temperatureC, 41);
    assert.equal(value.rotational, true);
  });

  it('salvages the key fields from cut-off JSON', () => {
    const { value, warnings } = parseSmartctlJson(truncate(fixture('smartctl-nvme-samsung.json'), 0.9));
    assert.equal(value.smartPassed, true);
    assert.equal(value.nvmeErrorLogEntries, 2787);
    assert.match(warnings[0] ?? '', /not a JSON object/);
  });

  it('passes smartctl messages on as warnings', () => {
    const { value, warnings } = parseSmartctlJson(
      JSON.stringify({ smartctl: { exit_status: 2, messages: [{ string: 'Smartctl open device: /dev/sdz failed: No such device', severity: 'error' }] }, device: { name: '/dev/sdz', protocol: 'ATA' } }),
    );
    assert.equal(value.smartPassed, null);
    assert.ok(warnings.some((w) => w.includes('No such device')));
  });

  it('reads the device scan', () => {
    assert.deepEqual(
      parseSmartctlScan(fixture('smartctl-scan.json')).value.map((d) => d.name),
      ['/dev/sda', '/dev/nvme0'],
    );
    assert.deepEqual(parseSmartctlScan('/dev/sda -d sat # /dev/sda [SAT], ATA device\n/dev/nvme0 -d nvme # /dev/nvme0, NVMe device\n').value.map((d) => d.type), ['sat', 'nvme']);
  });

  it('knows drive-managed SMR models the database does not label', () => {
    assert.equal(isSmr('WDC WD40EFAX-68JH4N0', 'Western Digital Red'), true);
    assert.equal(isSmr('ST8000DM004-2CX188', undefined), true);
    assert.equal(isSmr('ST4000NM0035-1V4107', 'Seagate Enterprise Capacity 3.5 HDD'), false);
    assert.equal(isSmr(undefined, undefined), undefined);
  });
});
