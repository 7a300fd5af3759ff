import { fleet, type FleetBuilder } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './io-errors.js';

const PM = 'krane-pg1-com0908';
const BLK = '[Wed Dec 31 20:11:02 2025] blk_update_request: I/O error, dev nvme0n1, sector 8419216 op 0x1:(WRITE) flags 0x800 phys_seg 1 prio class 0';
const BUF = '[Wed Dec 31 20:11:02 2025] Buffer I/O error on dev nvme0n1p3, logical block 1052402, lost async page write';
const QEMU = 'Dec 31 20:11:03 krane-pg1-com0908 libvirtd[1640]: internal error: qemu unexpectedly closed the monitor: BLOCK_IO_ERROR device drive-virtio-disk0 operation write action stop';

interface KernelEventIn {
  kind: string;
  line: string;
  time?: string;
  detail?: Record<string, string | number | boolean>;
}

function ioError(line: string, time = '2025-12-31T20:11:02Z'): KernelEventIn {
  return { kind: 'io-error', time, line };
}

function host(events: KernelEventIn[], zone: 'prod' | 'dev' = 'prod'): FleetBuilder {
  return fleet()
    .region('pg1', zone)
    .hypervisor(PM, { region: 'pg1' })
    .server('dkosv3-worker-1', { on: PM, region: 'pg1' })
    .disk(PM, { device: '/dev/nvme0n1', model: 'SAMSUNG MZVLB512HBJQ-000', holds: ['vm-images', 'os'] })
    .hostFacts(PM, { kernelEvents: events });
}

testDetector(detector, {
  valid: [
    { name: 'a host without I/O errors passes', snapshot: host([]).build() },
    { name: 'I/O errors older than withinHours are history', snapshot: host([ioError(BLK, '2025-12-30T23:00:00Z')]).build() },
    { name: 'fewer errors than minErrors pass', snapshot: host([ioError(BLK), ioError(BUF)]).build(), options: { minErrors: 3 } },
    {
      name: 'other kernel events do not count as I/O errors',
      snapshot: host([{ kind: 'hung-task', time: '2025-12-31T20:11:02Z', line: 'INFO: task nova-compute:1069 blocked for more than 122 seconds.' }]).build(),
    },
  ],
  invalid: [
    {
      name: 'errors on nvme0n1 and its partition: one high finding naming the device and what the disk holds',
      snapshot: host([ioError(BLK), ioError(BUF)]).build(),
      findings: [
        {
          messageId: 'ioErrors',
          resource: PM,
          severity: 'high',
          message: `2 block I/O error(s) on ${PM} within 24 h, on nvme0n1, nvme0n1p3.`,
          evidence: { log_line: BUF, io_errors: 2, devices: 'nvme0n1, nvme0n1p3', disk_holds: 'nvme0n1: vm-images, os; nvme0n1p3: vm-images, os' },
        },
      ],
    },
    {
      name: 'exactly minErrors counts; a BLOCK_IO_ERROR from libvirt names a guest drive, not a host disk',
      snapshot: host([ioError(BLK), ioError(QEMU, '2025-12-31T20:11:03Z')]).build(),
      options: { minErrors: 2 },
      findings: [{ messageId: 'ioErrors', evidence: { log_line: QEMU, devices: 'nvme0n1, drive-virtio-disk0' } }],
    },
    {
      name: 'an NVMe controller timeout (device from the collector) is traced to the namespace disk and what it holds',
      snapshot: host([{ kind: 'io-error', time: '2025-12-31T20:15:02Z', line: '[Wed Dec 31 20:15:02 2025] nvme nvme0: I/O 217 QID 6 timeout, aborting', detail: { device: 'nvme0', timeout: true } }]).build(),
      findings: [{ messageId: 'ioErrors', evidence: { devices: 'nvme0', disk_holds: 'nvme0: vm-images, os' } }],
    },
    {
      name: 'an error line without a device still counts',
      snapshot: host([ioError('end_request: I/O error')]).build(),
      findings: [{ messageId: 'ioErrors', message: /on an unnamed device\.$/, evidence: { devices: null } }],
    },
    {
      name: 'a dev-zone host uses devSeverity; withinHours is honoured at its edge',
      snapshot: host([ioError(BLK, '2025-12-31T00:00:00Z')], 'dev').build(),
      options: { devSeverity: 'low', withinHours: 24 },
      findings: [{ messageId: 'ioErrors', severity: 'low', evidence: { zone: 'dev' } }],
    },
  ],
});
