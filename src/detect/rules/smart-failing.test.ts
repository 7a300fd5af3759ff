import { fleet, type FleetBuilder } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './smart-failing.js';

const PM = 'krane-pg1-com0908';

interface Counters {
  smartPassed?: boolean | null;
  reallocatedSectors?: number;
  pendingSectors?: number;
  uncorrectableSectors?: number;
  crcErrors?: number;
}

/** A SATA drive holding the VM images, with seed 002's clean attribute table unless told otherwise. */
function host(counters: Counters = {}, zone: 'prod' | 'dev' = 'prod'): FleetBuilder {
  return fleet()
    .region('pg1', zone)
    .hypervisor(PM, { region: 'pg1' })
    .disk(PM, {
      device: '/dev/sda',
      protocol: 'ATA',
      model: 'INTEL SSDSC2KB960G8',
      serial: 'PHYF912300AB960CGN',
      smartPassed: true,
      reallocatedSectors: 0,
      pendingSectors: 0,
      uncorrectableSectors: 0,
      crcErrors: 0,
      holds: ['vm-images'],
      ...counters,
    });
}

testDetector(detector, {
  valid: [
    { name: 'SMART PASSED with every counter at 0 passes', snapshot: host().build() },
    { name: 'counters at their configured limits pass', snapshot: host({ reallocatedSectors: 8, crcErrors: 3 }).build(), options: { maxReallocatedSectors: 8, maxCrcErrors: 3 } },
    { name: 'a drive whose verdict and counters were not read is not judged', snapshot: fleet().disk(PM, { device: '/dev/sdb', protocol: 'SCSI', smartPassed: null }).build() },
  ],
  invalid: [
    {
      name: 'SMART FAILED is high in prod and lists the counters over their limits',
      snapshot: host({ smartPassed: false, reallocatedSectors: 1184, pendingSectors: 16 }).build(),
      findings: [
        {
          messageId: 'smartFailed',
          resource: '/dev/sda on krane-pg1-com0908',
          severity: 'high',
          message: 'SMART overall health of /dev/sda on krane-pg1-com0908 (INTEL SSDSC2KB960G8) is FAILED, with 1,184 reallocated sectors, 16 pending sectors.',
          evidence: { smart_overall: 'FAILED', reallocated_sectors: 1184, pending_sectors: 16, holds: 'vm-images' },
        },
      ],
    },
    {
      name: 'SMART FAILED alone, in a dev zone, uses devSeverity',
      snapshot: host({ smartPassed: false }, 'dev').build(),
      options: { devSeverity: 'low' },
      findings: [{ messageId: 'smartFailed', severity: 'low', message: /is FAILED\.$/ }],
    },
    {
      name: 'one sector over the limit while SMART passes is sectorSeverity, naming every counter over',
      snapshot: host({ reallocatedSectors: 9, uncorrectableSectors: 2, crcErrors: 1 }).build(),
      options: { maxReallocatedSectors: 8 },
      findings: [
        {
          messageId: 'sectorsFailing',
          severity: 'medium',
          message: '/dev/sda on krane-pg1-com0908 (INTEL SSDSC2KB960G8) passes SMART but reports 9 reallocated sectors, 2 uncorrectable sectors, 1 interface CRC errors.',
        },
      ],
    },
    {
      name: 'NVMe media and data integrity errors count like bad sectors',
      snapshot: fleet().region('pg1').hypervisor(PM, { region: 'pg1' }).disk(PM, { device: '/dev/nvme1n1', protocol: 'NVMe', model: 'SAMSUNG MZQL23T8HCLS-00A07', smartPassed: true, mediaErrors: 3, nvmeErrorLogEntries: 0, holds: ['vm-images'] }).build(),
      findings: [{ messageId: 'sectorsFailing', severity: 'medium', message: /passes SMART but reports 3 NVMe media and data integrity errors\.$/, evidence: { media_errors: 3 } }],
    },
    {
      name: 'CRC errors alone point at the link, with linkSeverity',
      snapshot: host({ crcErrors: 57 }).build(),
      findings: [{ messageId: 'linkErrors', severity: 'low', message: /reports 57 interface CRC errors: check the cable/, evidence: { crc_errors: 57 } }],
    },
  ],
});
