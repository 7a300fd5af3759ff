import { fleet, type FleetBuilder } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './nvme-error-log.js';

const PM = 'openstack-host';

type Holds = ('vm-images' | 'swap' | 'container-root' | 'os' | 'other')[];

/** Seed 002's drive: SAMSUNG MZVLB512HBJQ-000, SMART PASSED. */
function host(entries: number | undefined, fields: { smartPassed?: boolean | null; holds?: Holds; zone?: 'prod' | 'dev' } = {}): FleetBuilder {
  return fleet()
    .region('r1', fields.zone ?? 'prod')
    .hypervisor(PM, { region: 'r1' })
    .server('compute', { on: PM, region: 'r1' })
    .disk(PM, {
      device: '/dev/nvme0n1',
      protocol: 'NVMe',
      model: 'SAMSUNG MZVLB512HBJQ-000',
      serial: 'S50HNF0MC03089',
      smartPassed: fields.smartPassed === undefined ? true : fields.smartPassed,
      ...(entries === undefined ? {} : { nvmeErrorLogEntries: entries }),
      temperatureC: 51,
      holds: fields.holds ?? ['vm-images', 'os'],
    });
}

testDetector(detector, {
  valid: [
    { name: 'a healthy drive with an empty error log passes (seed 002: the replacement read 0)', snapshot: host(0).build() },
    { name: 'an ATA drive without an NVMe error log is not judged', snapshot: host(undefined).build() },
    { name: 'entries up to maxEntries pass', snapshot: host(12).build(), options: { maxEntries: 12 } },
    { name: 'a drive SMART calls FAILED is left to smart-failing', snapshot: host(40, { smartPassed: false }).build() },
  ],
  invalid: [
    {
      name: 'seed 002: 2,787 entries with SMART PASSED on the VM image drive is high, a controller/firmware fault',
      snapshot: host(2787).build(),
      findings: [
        {
          messageId: 'errorsWhileHealthy',
          resource: '/dev/nvme0n1 on openstack-host',
          severity: 'high',
          message: '/dev/nvme0n1 on openstack-host (SAMSUNG MZVLB512HBJQ-000) has 2,787 NVMe error log entries although SMART says PASSED: the controller or firmware is faulty.',
          evidence: { error_log_entries: 2787, smart_overall: 'PASSED', serial: 'S50HNF0MC03089', holds: 'vm-images, os' },
        },
      ],
    },
    {
      name: 'one entry over maxEntries counts; a drive holding only the OS gets coldSeverity',
      snapshot: host(13, { holds: ['os'] }).build(),
      options: { maxEntries: 12, coldSeverity: 'low' },
      findings: [{ messageId: 'errorsWhileHealthy', severity: 'low', evidence: { error_log_entries: 13 } }],
    },
    {
      name: 'SMART verdict not read: reported without the controller diagnosis',
      snapshot: host(5, { smartPassed: null }).build(),
      findings: [{ messageId: 'errorsHealthUnknown', message: /has 5 NVMe error log entries; its SMART verdict was not read\.$/, evidence: { smart_overall: null } }],
    },
    {
      name: 'a dev-zone host uses devSeverity',
      snapshot: host(2787, { zone: 'dev' }).build(),
      options: { devSeverity: 'low' },
      findings: [{ messageId: 'errorsWhileHealthy', severity: 'low', evidence: { zone: 'dev' } }],
    },
  ],
});
