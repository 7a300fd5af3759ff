import { fleet, type FleetBuilder } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './hung-task.js';

const PM = 'compute';

interface KernelEventIn {
  kind: string;
  line: string;
  time?: string;
  process?: string;
  pid?: number;
  detail?: Record<string, string | number | boolean>;
}

/** Seed 002: the same nova-compute task reported at 122 and then 245 seconds. */
function hung(seconds: number, task = 'nova-compute', pid = 1069, time = '2025-12-31T23:30:00Z'): KernelEventIn {
  return { kind: 'hung-task', time, line: `[12289.195649] INFO: task ${task}:${pid} blocked for more than ${seconds} seconds.`, process: task, pid, detail: { seconds } };
}

function host(events: KernelEventIn[], zone: 'prod' | 'dev' = 'prod'): FleetBuilder {
  return fleet().region('r1', zone).hypervisor(PM, { region: 'r1' }).server('k8s-worker-1', { on: PM, region: 'r1' }).hostFacts(PM, { kernelEvents: events });
}

testDetector(detector, {
  valid: [
    { name: 'a host without hung-task reports passes', snapshot: host([]).build() },
    { name: 'a task blocked for less than minSeconds passes', snapshot: host([hung(119)]).build() },
    { name: 'a raised minSeconds ignores a 122-second report', snapshot: host([hung(122)]).build(), options: { minSeconds: 123 } },
    { name: 'a report older than withinHours is history', snapshot: host([hung(245, 'nova-compute', 1069, '2025-12-30T23:59:59Z')]).build() },
    {
      name: 'a hung-task event without any seconds cannot be judged against the limit',
      snapshot: host([{ ...hung(122), line: 'INFO: task nova-compute:1069 blocked.', detail: {} }]).build(),
    },
  ],
  invalid: [
    {
      name: 'nova-compute blocked at 122 then 245 seconds: one high finding with the worst line and both reports',
      snapshot: host([hung(122), hung(245)]).build(),
      findings: [
        {
          messageId: 'serviceBlocked',
          resource: PM,
          severity: 'high',
          message: 'nova-compute:1069 on compute was blocked for more than 245 seconds (2 report(s)); it hangs on I/O and cannot serve until storage answers.',
          evidence: { log_line: '[12289.195649] INFO: task nova-compute:1069 blocked for more than 245 seconds.', blocked_seconds: 245, reports: 2 },
        },
      ],
    },
    {
      name: 'exactly minSeconds counts; another task is medium (otherSeverity)',
      snapshot: host([hung(120, 'jbd2/dm-0-8', 512)]).build(),
      findings: [{ messageId: 'taskBlocked', severity: 'medium', message: 'Task jbd2/dm-0-8:512 on compute was blocked for more than 120 seconds (1 report(s)).' }],
    },
    {
      name: 'seconds and pid are read from the line when the collector left them out',
      snapshot: host([{ kind: 'hung-task', line: 'INFO: task kubelet:8812 blocked for more than 368 seconds.' }]).build(),
      findings: [{ messageId: 'serviceBlocked', message: /^kubelet:8812 on compute .* 368 seconds/ }],
    },
    {
      name: 'a dev-zone host uses devSeverity for service tasks',
      snapshot: host([hung(245)], 'dev').build(),
      options: { devSeverity: 'low', otherSeverity: 'info' },
      findings: [{ messageId: 'serviceBlocked', severity: 'low', evidence: { zone: 'dev' } }],
    },
    {
      name: 'serviceTasks is configurable: a custom service task is reported as a service',
      snapshot: host([hung(130, 'ceph-osd', 2211)]).build(),
      options: { serviceTasks: ['ceph-osd'] },
      findings: [{ messageId: 'serviceBlocked', severity: 'high', message: /^ceph-osd:2211/ }],
    },
  ],
});
