import { fleet, type FleetBuilder } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './oom-kill.js';

const PM = 'openstack-host';
const GiB = 1024 ** 3;
// The kernel's summary line; task_memcg carries the systemd-escaped domain name.
const MEMCG_LINE =
  '[Wed Dec 31 21:40:12 2025] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/machine.slice/machine-qemu\\x2d1\\x2dinstance\\x2d0000001c.scope,task=qemu-kvm,pid=2325,uid=107';
const KILLED_LINE = '[Wed Dec 31 21:40:12 2025] Out of memory: Killed process 2325 (qemu-kvm) total-vm:9437184kB, anon-rss:7864320kB, file-rss:0kB, shmem-rss:0kB, UID:107 pgtables:15872kB oom_score_adj:0';

interface KernelEventIn {
  kind: string;
  line: string;
  time?: string;
  process?: string;
  pid?: number;
  detail?: Record<string, string | number | boolean>;
}

function kill(line: string, process: string, pid: number, time = '2025-12-31T21:40:12Z'): KernelEventIn {
  return { kind: 'oom-kill', time, line, process, pid };
}

/** Seed 002's host: 15 GiB of RAM, 0.6 GiB free, 4.4 GiB of swap in use; it runs the `compute` VM. */
function host(events: KernelEventIn[], zone: 'prod' | 'dev' = 'prod'): FleetBuilder {
  return fleet()
    .region('r1', zone)
    .hypervisor(PM, { region: 'r1' })
    .server('compute', { on: PM, region: 'r1', instanceName: 'instance-0000001c', status: 'SHUTOFF', vmState: 'stopped', powerState: 4 })
    .server('controller', { on: PM, region: 'r1', instanceName: 'instance-0000001d' })
    .hostFacts(PM, {
      memory: { totalBytes: 15.3 * GiB, availableBytes: 1.8 * GiB, swapTotalBytes: 7.8 * GiB, swapUsedBytes: 4.4 * GiB },
      kernelEvents: events,
    });
}

testDetector(detector, {
  valid: [
    { name: 'a host whose kernel log has no oom-killer passes (seed 002: grep found nothing)', snapshot: host([]).build() },
    { name: 'a kill older than withinHours is history', snapshot: host([kill(KILLED_LINE, 'qemu-kvm', 2325, '2025-12-28T23:59:59Z')]).build() },
    {
      name: 'a kill one second older than a custom withinHours is history',
      snapshot: host([kill(KILLED_LINE, 'qemu-kvm', 2325, '2025-12-31T11:59:59Z')]).build(),
      options: { withinHours: 12 },
    },
  ],
  invalid: [
    {
      name: 'a killed qemu whose task_memcg names instance-0000001c names server compute, high in prod, with memory evidence',
      snapshot: host([kill(MEMCG_LINE, 'qemu-kvm', 2325)]).build(),
      findings: [
        {
          messageId: 'vmKilled',
          resource: 'compute',
          severity: 'high',
          message: `The oom-killer on ${PM} killed qemu-kvm (pid 2325), the VM process of server compute.`,
          evidence: { log_line: MEMCG_LINE, domain: 'instance-0000001c', memory_total: '15.3 GiB', memory_available: '1.8 GiB', swap_used: '4.4 GiB of 7.8 GiB' },
        },
      ],
    },
    {
      name: 'a killed qemu with no domain in the line lists the SHUTOFF servers on the host as candidates; the same kill read twice is one finding',
      snapshot: host([kill(KILLED_LINE, 'qemu-kvm', 2325), kill(`2025-12-31T21:40:12+0000 ${PM} kernel: Out of memory: Killed process 2325 (qemu-kvm)`, 'qemu-kvm', 2325)]).build(),
      findings: [
        {
          messageId: 'vmKilledUnknownServer',
          resource: PM,
          severity: 'high',
          message: `The oom-killer on ${PM} killed qemu-kvm (pid 2325), a VM process; SHUTOFF servers on the host: compute.`,
          evidence: { log_line: KILLED_LINE },
        },
      ],
    },
    {
      name: 'a domain given by the collector is used; a dev-zone server uses devSeverity',
      snapshot: host([{ ...kill(KILLED_LINE, 'qemu-kvm', 4410), detail: { instanceName: 'instance-0000001d' } }], 'dev').build(),
      options: { devSeverity: 'low' },
      findings: [{ messageId: 'vmKilled', resource: 'controller', severity: 'low', evidence: { zone: 'dev' } }],
    },
    {
      name: 'other processes are one finding per host with otherSeverity, listing each victim',
      snapshot: host([
        kill('Out of memory: Killed process 8812 (java) total-vm:12582912kB', 'java', 8812),
        kill('Out of memory: Killed process 9920 (prometheus) total-vm:4194304kB', 'prometheus', 9920),
      ]).build(),
      options: { otherSeverity: 'low' },
      findings: [{ messageId: 'processesKilled', resource: PM, severity: 'low', message: `The oom-killer on ${PM} killed 2 process(es): java (pid 8812), prometheus (pid 9920).` }],
    },
    {
      name: 'vmProcessPattern decides what a VM is: qemu-system-x86_64 counts by default',
      snapshot: host([kill('Out of memory: Killed process 777 (qemu-system-x86)', 'qemu-system-x86', 777)]).build(),
      findings: [{ messageId: 'vmKilledUnknownServer', message: /killed qemu-system-x86 \(pid 777\)/ }],
    },
  ],
});
