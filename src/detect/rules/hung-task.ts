import { z } from 'zod';
import { SEVERITIES } from '../../core/severity.js';
import { defineDetector, type RawFinding } from '../define.js';
import { eventEvidence, hostRef, hostUrgency, recentEvents, type KernelEvent } from '../resources.js';

type Messages = 'serviceBlocked' | 'taskBlocked';

/** Seconds a hung-task report says the task was blocked: parsed detail first, then the line. */
function blockedSeconds(event: KernelEvent): number | undefined {
  const parsed = event.detail?.['seconds'];
  if (typeof parsed === 'number') return parsed;
  const m = /blocked for more than (\d+) seconds/.exec(event.line);
  return m ? Number(m[1]) : undefined;
}

/** Task name and pid from `INFO: task nova-compute:1069 blocked …` when the collector did not split them out. */
function taskOf(event: KernelEvent): { name: string; pid: number | undefined } {
  const m = /task (.+?):(\d+) blocked/.exec(event.line);
  return { name: event.process ?? m?.[1] ?? 'unknown task', pid: event.pid ?? (m ? Number(m[2]) : undefined) };
}

export default defineDetector({
  id: 'hung-task',
  title: 'Task blocked in D state',
  layer: 'host',
  severity: 'high',
  description: 'Finds tasks the kernel reports as blocked for more than a limit (uninterruptible sleep), above all nova-compute.',
  explanation:
    'The kernel prints `INFO: task <name>:<pid> blocked for more than N seconds` when a task has waited in uninterruptible ' +
    'sleep (state D) that long, almost always for storage. Such a task cannot be killed or restarted until the I/O returns. ' +
    'When it is nova-compute, the hypervisor can no longer start, stop or repair its servers, and the same stall is what ' +
    'makes guests panic with "Host injected async #PF". The cause is below the task: a stalling disk or controller, a ' +
    'corrupted image, or swap thrashing.',
  requires: ['hostFacts'],
  uses: ['hypervisors', 'servers', 'regions', 'inventory', 'disks'],
  messages: {
    serviceBlocked: '{{task}}:{{pid}} on {{host}} was blocked for more than {{seconds}} seconds ({{reports}} report(s)); it hangs on I/O and cannot serve until storage answers.',
    taskBlocked: 'Task {{task}}:{{pid}} on {{host}} was blocked for more than {{seconds}} seconds ({{reports}} report(s)).',
  },
  options: z.object({
    minSeconds: z.number().int().positive().default(120).describe('report tasks blocked for at least this many seconds (the kernel default hung_task_timeout_secs is 120)'),
    serviceTasks: z
      .array(z.string())
      .default(['nova-compute', 'libvirtd', 'qemu-kvm', 'qemu-system-x86', 'kubelet', 'containerd', 'dockerd'])
      .describe('task names (as the kernel prints them, 15 characters at most) whose hang takes a platform service down'),
    otherSeverity: z.enum(SEVERITIES).default('medium').describe('severity for blocked tasks not in serviceTasks'),
    withinHours: z.number().positive().default(24).describe('only reports logged within this many hours before the scan count (reports without a time always count)'),
    devSeverity: z.enum(SEVERITIES).default('medium').describe('severity of a blocked service task on a host in a dev zone'),
  }),
  remediation: {
    runbook: 'compute-agents-down',
    steps: [
      'Find what the task waits on: `dmesg -T | grep -A20 "blocked for more than"` (look for kvm_async_pf, io_schedule, nfs or jbd2 in the trace).',
      'Check the storage under it: `smartctl -a /dev/<disk>` (see nvme-error-log, smart-failing), I/O errors in the journal (io-errors) and swap use (`free -h`, swap-enabled).',
      'A blocked task cannot be killed; once the I/O returns, restart the service (runbook compute-agents-down: `cd /opt/krane/nova && docker-compose restart`, or restart containerd and kubelet on containerd hosts).',
      'If the host stays stuck or stops answering, treat it as a hypervisor hang (runbook pm-hang).',
    ],
  },
  source: 'catalog §3 host layer (hung-task); seed 002 (nova-compute:1069 blocked for more than 122 and 245 seconds)',
  detect({ snapshot, index, options, now }) {
    const out: RawFinding<Messages>[] = [];
    const services = new Set(options.serviceTasks);
    for (const facts of snapshot.hostFacts) {
      const groups = new Map<string, { name: string; pid: number | undefined; worst: KernelEvent; seconds: number; reports: number }>();
      for (const event of recentEvents(facts.kernelEvents ?? [], now, options.withinHours)) {
        if (event.kind !== 'hung-task') continue;
        const seconds = blockedSeconds(event);
        if (seconds === undefined || seconds < options.minSeconds) continue;
        const task = taskOf(event);
        const key = `${task.name}:${task.pid ?? '?'}`;
        const group = groups.get(key);
        if (!group) groups.set(key, { ...task, worst: event, seconds, reports: 1 });
        else {
          group.reports += 1;
          if (seconds > group.seconds) Object.assign(group, { worst: event, seconds });
        }
      }
      for (const [key, g] of groups) {
        const isService = services.has(g.name);
        const urgency = hostUrgency(index, facts.host, 'high', options.devSeverity);
        out.push({
          messageId: isService ? 'serviceBlocked' : 'taskBlocked',
          data: { task: g.name, pid: g.pid ?? 'unknown', host: facts.host, seconds: g.seconds, reports: g.reports },
          resource: hostRef(index, facts.host),
          severity: isService ? urgency.severity : options.otherSeverity,
          key,
          evidence: [
            ...eventEvidence(g.worst, 'dmesg'),
            { label: 'blocked_seconds', value: g.seconds, source: 'dmesg' },
            { label: 'reports', value: g.reports, source: 'dmesg' },
            ...(isService ? urgency.evidence : []),
          ],
        });
      }
    }
    return out;
  },
});
