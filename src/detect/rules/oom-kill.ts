import { z } from 'zod';
import type { Evidence } from '../../core/findings.js';
import { SEVERITIES } from '../../core/severity.js';
import type { HostFacts, Server } from '../../snapshot/schema.js';
import { defineDetector, type RawFinding } from '../define.js';
import {
  eventEvidence,
  formatBytes,
  hostRef,
  hostUrgency,
  instanceNameIn,
  isValidPattern,
  listNames,
  recentEvents,
  serverEvidence,
  serverRef,
  serverUrgency,
  serversOnHost,
  type KernelEvent,
} from '../resources.js';

type Messages = 'vmKilled' | 'vmKilledUnknownServer' | 'processesKilled';

function memoryEvidence(facts: HostFacts): Evidence[] {
  if (!facts.memory) return [];
  const m = facts.memory;
  return [
    { label: 'memory_total', value: formatBytes(m.totalBytes), source: 'free' },
    { label: 'memory_available', value: formatBytes(m.availableBytes), source: 'free' },
    { label: 'swap_used', value: `${formatBytes(m.swapUsedBytes)} of ${formatBytes(m.swapTotalBytes)}`, source: 'free' },
  ];
}

/** The domain of a killed qemu: parsed by the collector, or from the oom line's task_memcg / qemu command line. */
function instanceOf(event: KernelEvent): string | undefined {
  const parsed = event.detail?.['instanceName'];
  return typeof parsed === 'string' && parsed !== '' ? parsed : instanceNameIn(event.line);
}

export default defineDetector({
  id: 'oom-kill',
  title: 'Process killed by the oom-killer',
  layer: 'host',
  severity: 'high',
  description: 'Finds processes the kernel\'s oom-killer killed on a host; a killed qemu process is a VM that went down.',
  explanation:
    'When a host runs out of memory the kernel kills the process with the worst score, and on a hypervisor that is ' +
    'usually the biggest qemu: one VM dies at once, Nova notices later and records a stop nobody asked for, and the ' +
    'server shows SHUTOFF. On a Kubernetes node the victims are containers and sometimes kubelet itself. The cause is ' +
    'memory overcommit, a leak, or swap hiding the shortage until it is too late.',
  requires: ['hostFacts'],
  uses: ['servers', 'hypervisors', 'regions', 'inventory'],
  messages: {
    vmKilled: 'The oom-killer on {{host}} killed {{process}} (pid {{pid}}), the VM process of server {{server}}.',
    vmKilledUnknownServer: 'The oom-killer on {{host}} killed {{process}} (pid {{pid}}), a VM process; SHUTOFF servers on the host: {{candidates}}.',
    processesKilled: 'The oom-killer on {{host}} killed {{count}} process(es): {{processes}}.',
  },
  options: z.object({
    vmProcessPattern: z
      .string()
      .refine(isValidPattern, 'not a valid regular expression')
      .default('^(qemu-system-|qemu-kvm)')
      .describe('a killed process whose name matches this regular expression is a VM'),
    otherSeverity: z.enum(SEVERITIES).default('medium').describe('severity when only processes other than VMs were killed'),
    withinHours: z.number().positive().default(72).describe('only kills logged within this many hours before the scan count (kills without a time always count)'),
    devSeverity: z.enum(SEVERITIES).default('medium').describe('severity for a killed VM in a dev zone'),
  }),
  remediation: {
    runbook: 'vm-hang',
    steps: [
      'Confirm: `dmesg -T | grep -iE "oom-killer|Out of memory|Killed process"`; the task_memcg names the VM (`machine-qemu…instance-…scope`).',
      'Free memory on the host before restarting anything: `free -h`, then move or stop servers, or lower the overcommit; swap must stay 0B (swap-enabled).',
      'Prod zone: check whether the killed server is a DB server; if it is, tell the DB on-call.',
      'Start the server: `openstack server start <server>`, wait, then check ping and ssh (runbook vm-hang).',
      'If it dies again, or several servers did, treat the host as the fault (memory-pressure) and escalate.',
    ],
  },
  source: 'catalog §3 host layer (oom-kill); seed 002 (dmesg | grep oom-killer, qemu-kvm killed under memory pressure)',
  detect({ snapshot, index, options, now }) {
    const out: RawFinding<Messages>[] = [];
    const vmProcess = new RegExp(options.vmProcessPattern);
    for (const facts of snapshot.hostFacts) {
      const kills = recentEvents(facts.kernelEvents ?? [], now, options.withinHours).filter((e) => e.kind === 'oom-kill');
      const others: KernelEvent[] = [];
      const seen = new Set<string>();
      for (const event of kills) {
        if (event.process === undefined || !vmProcess.test(event.process)) {
          others.push(event);
          continue;
        }
        // The same kill read twice (dmesg and journal) is one VM that died once.
        const key = `${event.process}:${event.pid ?? event.line}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const instance = instanceOf(event);
        const server = instance ? index.serverByInstance(instance) : undefined;
        const base = { host: facts.host, process: event.process, pid: event.pid ?? 'unknown' };
        const evidence: Evidence[] = [...eventEvidence(event, 'dmesg'), ...(instance ? [{ label: 'domain', value: instance, source: 'dmesg' }] : []), ...memoryEvidence(facts)];
        if (server) {
          const urgency = serverUrgency(index, server, 'high', options.devSeverity);
          out.push({
            messageId: 'vmKilled',
            data: { ...base, server: server.name },
            resource: serverRef(index, server),
            severity: urgency.severity,
            key,
            evidence: [...evidence, ...serverEvidence(index, server), ...urgency.evidence],
          });
        } else {
          const shutoff = serversOnHost(index, facts.host).filter((s: Server) => s.status.toUpperCase() === 'SHUTOFF');
          const urgency = hostUrgency(index, facts.host, 'high', options.devSeverity);
          out.push({
            messageId: 'vmKilledUnknownServer',
            data: { ...base, candidates: shutoff.length > 0 ? listNames(shutoff.map((s) => s.name)) : 'none' },
            resource: hostRef(index, facts.host),
            severity: urgency.severity,
            key,
            evidence: [...evidence, ...urgency.evidence],
          });
        }
      }
      if (others.length > 0) {
        const names = others.map((e) => `${e.process ?? 'unknown'}${e.pid !== undefined ? ` (pid ${e.pid})` : ''}`);
        out.push({
          messageId: 'processesKilled',
          data: { host: facts.host, count: others.length, processes: listNames(names) },
          resource: hostRef(index, facts.host),
          severity: options.otherSeverity,
          evidence: [...eventEvidence(others[others.length - 1] as KernelEvent, 'dmesg'), ...memoryEvidence(facts)],
        });
      }
    }
    return out;
  },
});
