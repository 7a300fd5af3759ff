import { z } from 'zod';
import { SEVERITIES } from '../../core/severity.js';
import { defineDetector, type RawFinding } from '../define.js';
import { formatBytes, hostRef, hostUrgency } from '../resources.js';

type Messages = 'lowMemory';

export default defineDetector({
  id: 'memory-pressure',
  title: 'Host low on available memory',
  layer: 'host',
  severity: 'medium',
  description: 'Finds hypervisors and nodes whose available memory is below a share of their RAM or below a fixed amount.',
  explanation:
    'Available memory is what the kernel can hand out without swapping or killing. A hypervisor that runs short pushes ' +
    'guest memory to swap, which stalls guests on page faults, and then the oom-killer takes the biggest qemu: one server ' +
    'goes SHUTOFF without anyone asking. Seed 002\'s host had 15 GiB of RAM, 0.6 GiB free and 4.4 GiB swapped out ' +
    'before its VMs started dying. The cause is overcommit (flavors larger than the host), a leak, or page cache pinned ' +
    'by a busy disk.',
  requires: ['hostFacts'],
  uses: ['hypervisors', 'servers', 'regions', 'inventory'],
  messages: {
    lowMemory: 'Only {{available}} of {{total}} memory is available on {{host}} ({{percent}} %), below {{limit}}; swap used: {{swapUsed}}.',
  },
  options: z.object({
    minAvailablePercent: z.number().min(0).max(100).default(10).describe('report when available memory is below this share of total RAM, in percent (0 turns the check off)'),
    minAvailableBytes: z.number().int().min(0).default(2 * 1024 ** 3).describe('report when available memory is below this many bytes, whatever the share (0 turns the check off)'),
    devSeverity: z.enum(SEVERITIES).default('low').describe('severity for a host in a dev zone'),
  }),
  remediation: {
    steps: [
      'Confirm: `free -h` (available column) and `vmstat 1` (si/so columns: sustained swap-in/out means the host is thrashing).',
      'Find what uses it: `ps aux --sort=-rss | head` on the host; on a hypervisor compare the flavors of its servers with its RAM (overcommit).',
      'Free memory: live-migrate or stop servers that do not belong on this host, or lower the RAM allocation ratio for the aggregate.',
      'Do not add swap to buy time: it turns the shortage into guest stalls (swap-enabled).',
      'Check the kernel log for kills already done (oom-kill) and start the servers that went down.',
    ],
  },
  source: 'catalog §3 host layer (memory-pressure); seed 002 (top/free on openstack-host: 15 GiB, 0.6 GiB free, 4.4 GiB swap used)',
  detect({ snapshot, index, options }) {
    const out: RawFinding<Messages>[] = [];
    for (const facts of snapshot.hostFacts) {
      const m = facts.memory;
      if (!m || m.totalBytes <= 0) continue;
      const percent = (m.availableBytes / m.totalBytes) * 100;
      const underShare = options.minAvailablePercent > 0 && percent < options.minAvailablePercent;
      const underBytes = options.minAvailableBytes > 0 && m.availableBytes < options.minAvailableBytes;
      if (!underShare && !underBytes) continue;
      const limits = [
        ...(underShare ? [`${options.minAvailablePercent} %`] : []),
        ...(underBytes ? [formatBytes(options.minAvailableBytes)] : []),
      ];
      const urgency = hostUrgency(index, facts.host, 'medium', options.devSeverity);
      out.push({
        messageId: 'lowMemory',
        data: {
          host: facts.host,
          available: formatBytes(m.availableBytes),
          total: formatBytes(m.totalBytes),
          percent: percent.toFixed(1),
          limit: limits.join(' and '),
          swapUsed: m.swapTotalBytes > 0 ? `${formatBytes(m.swapUsedBytes)} of ${formatBytes(m.swapTotalBytes)}` : 'no swap',
        },
        resource: hostRef(index, facts.host),
        severity: urgency.severity,
        evidence: [
          { label: 'memory_total', value: formatBytes(m.totalBytes), source: 'free' },
          { label: 'memory_available', value: formatBytes(m.availableBytes), source: 'free' },
          { label: 'available_percent', value: Number(percent.toFixed(1)), source: 'free' },
          { label: 'swap_used', value: formatBytes(m.swapUsedBytes), source: 'free' },
          ...urgency.evidence,
        ],
      });
    }
    return out;
  },
});
