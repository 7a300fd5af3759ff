import { z } from 'zod';
import { SEVERITIES } from '../../core/severity.js';
import { defineDetector, type RawFinding } from '../define.js';
import { formatBytes, hostRef, hostUrgency } from '../resources.js';

type Messages = 'swapInUse' | 'swapConfigured';

export default defineDetector({
  id: 'swap-enabled',
  title: 'Swap enabled on a hypervisor or node',
  layer: 'host',
  severity: 'high',
  description: 'Finds hypervisors and Kubernetes nodes with swap configured; both must show 0B of swap.',
  explanation:
    'Hypervisors and kubelet nodes must run without swap. kubelet refuses to start (or misjudges memory) with swap on, ' +
    'which on containerd-based hypervisors takes nova-compute and the Neutron agents down with it. On a hypervisor, ' +
    'swapped-out guest memory turns every page fault into disk I/O: guests stall on async page faults, nova-compute hangs ' +
    'in D state, and on a weak disk the stalls end in guest kernel panics. Swap also hides a memory shortage until the ' +
    'oom-killer acts.',
  requires: ['hostFacts'],
  uses: ['hypervisors', 'servers', 'regions', 'inventory'],
  messages: {
    swapInUse: 'Swap is on and in use on {{host}}: {{used}} used of {{total}}. It must be 0B: run `swapoff -a` and remove the swap entry from /etc/fstab.',
    swapConfigured: 'Swap is configured on {{host}} ({{total}}, none used yet). It must be 0B: run `swapoff -a` and remove the swap entry from /etc/fstab.',
  },
  options: z.object({
    configuredSeverity: z.enum(SEVERITIES).default('medium').describe('severity when swap is configured but nothing is swapped out yet'),
    devSeverity: z.enum(SEVERITIES).default('medium').describe('severity of swap in use on a host in a dev zone'),
  }),
  remediation: {
    runbook: 'compute-agents-down',
    steps: [
      'Check: `free -h | grep Swap` must print `Swap: 0B 0B 0B`.',
      'Make sure the host has room for what is swapped out (`free -h`: available memory larger than swap used), else move servers off first.',
      'Turn swap off: `swapoff -a`, then comment out the swap line in /etc/fstab (and disable any swap unit: `systemctl mask <swap unit>`) so it stays off after a reboot.',
      'On containerd hosts restart kubelet afterwards (`systemctl restart kubelet`) and check the compute agent containers are Running (runbook compute-agents-down).',
    ],
  },
  source: 'catalog §3 host layer (swap-enabled), §4.10; seed 000 §4.10 (swap check), seed 002 (swap on the host behind the async #PF panics)',
  detect({ snapshot, index, options }) {
    const out: RawFinding<Messages>[] = [];
    for (const facts of snapshot.hostFacts) {
      const m = facts.memory;
      if (!m || m.swapTotalBytes <= 0) continue;
      const inUse = m.swapUsedBytes > 0;
      const urgency = hostUrgency(index, facts.host, 'high', options.devSeverity);
      out.push({
        messageId: inUse ? 'swapInUse' : 'swapConfigured',
        data: { host: facts.host, total: formatBytes(m.swapTotalBytes), used: formatBytes(m.swapUsedBytes) },
        resource: hostRef(index, facts.host),
        severity: inUse ? urgency.severity : options.configuredSeverity,
        evidence: [
          { label: 'swap_total', value: formatBytes(m.swapTotalBytes), source: 'free' },
          { label: 'swap_used', value: formatBytes(m.swapUsedBytes), source: 'free' },
          { label: 'memory_available', value: `${formatBytes(m.availableBytes)} of ${formatBytes(m.totalBytes)}`, source: 'free' },
          ...urgency.evidence,
        ],
      });
    }
    return out;
  },
});
