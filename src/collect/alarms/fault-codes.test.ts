import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FAULT_CODES, faultCodeKey, normaliseFaultCode } from './fault-codes.js';

describe('fault code normalisation', () => {
  it('knows every code the hardware-alarm rules match', () => {
    const codes = FAULT_CODES.map((e) => e.code);
    for (const code of ['PING_FAIL', 'SYS_KERNEL_PANIC', 'HW-MC-ERROR', 'MEM_SBE', 'MEM_UE', 'DISK_FAILURE_PREDICTED', 'DISK_SMART_ERROR', 'DISK_FAILED', 'FAN', 'PSU', 'PSU_REDUNDANCY_LOST', 'CPU', 'NIC', 'MAINBOARD']) {
      assert.ok(codes.includes(code), `missing ${code}`);
    }
  });

  it('maps every canonical code and alias to its canonical code', () => {
    for (const entry of FAULT_CODES) {
      for (const spelling of [entry.code, ...entry.aliases]) {
        assert.deepEqual(normaliseFaultCode(spelling), { code: entry.code, known: true }, spelling);
      }
    }
  });

  it('ignores case, spaces, dashes and underscores, so ticket and Prometheus spellings meet', () => {
    assert.equal(normaliseFaultCode('hw_mc-error').code, 'HW-MC-ERROR');
    assert.equal(normaliseFaultCode('MachineCheckException').code, 'HW-MC-ERROR');
    assert.equal(normaliseFaultCode('Memory Single Bit Error').code, 'MEM_SBE');
    assert.equal(normaliseFaultCode('MemorySingleBitError').code, 'MEM_SBE');
    assert.equal(normaliseFaultCode('DISK Failure Predicted').code, 'DISK_FAILURE_PREDICTED');
    assert.equal(normaliseFaultCode(' smartctl ').code, 'DISK_SMART_ERROR');
    assert.equal(normaliseFaultCode('PowerSupplyRedundancyLost').code, 'PSU_REDUNDANCY_LOST');
    assert.equal(faultCodeKey('Fan-Failure'), 'FANFAILURE');
  });

  it('keeps single-bit and uncorrectable memory errors apart', () => {
    assert.equal(normaliseFaultCode('CORRECTABLE_ECC').code, 'MEM_SBE');
    assert.equal(normaliseFaultCode('UNCORRECTABLE_ECC').code, 'MEM_UE');
    assert.equal(normaliseFaultCode('memory').code, 'MEM_UE');
  });

  it('keeps an unknown code upper-cased as given and says it is unknown', () => {
    assert.deepEqual(normaliseFaultCode(' raid_battery_low '), { code: 'RAID_BATTERY_LOW', known: false });
    assert.deepEqual(normaliseFaultCode('NodeFilesystemAlmostOutOfSpace'), { code: 'NODEFILESYSTEMALMOSTOUTOFSPACE', known: false });
  });
});
