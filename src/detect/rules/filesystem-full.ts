import { z } from 'zod';
import { SEVERITIES } from '../../core/severity.js';
import { defineDetector, type RawFinding } from '../define.js';
import { formatBytes, hostRef, hostUrgency, matchesGlob } from '../resources.js';

type Messages = 'filesystemFull';

export default defineDetector({
  id: 'filesystem-full',
  title: 'Filesystem nearly full',
  layer: 'host',
  severity: 'medium',
  description: 'Finds filesystems on a host at or above a usage threshold, one finding per mount point.',
  explanation:
    'A full root or /var stops what writes there: journald and libvirt logs, container image pulls, kubelet (which ' +
    'starts evicting pods at its own thresholds), and on a hypervisor the qcow2 images that grow as guests write. A guest ' +
    'whose image cannot grow gets an I/O error and qemu pauses it. Logs, old images and core dumps are the usual cause.',
  requires: ['hostFacts'],
  uses: ['hypervisors', 'servers', 'regions', 'inventory'],
  messages: {
    filesystemFull: 'Filesystem {{mount}} on {{host}} is {{percent}} % full ({{used}} of {{size}}, {{filesystem}}).',
  },
  options: z.object({
    thresholdPercent: z.number().min(0).max(100).default(90).describe('report a filesystem whose usage is at or above this percentage'),
    criticalPercent: z.number().min(0).max(100).default(97).describe('at or above this percentage the finding gets criticalSeverity'),
    criticalSeverity: z.enum(SEVERITIES).default('high').describe('severity at or above criticalPercent on a prod host'),
    ignoreFilesystems: z
      .array(z.string())
      .default(['tmpfs', 'devtmpfs', 'overlay', 'squashfs', 'shm', 'efivarfs', '/dev/loop*'])
      .describe('filesystems (the df "Filesystem" column, `*` globs) that are never reported: memory-backed, read-only images and container layers'),
    ignoreMounts: z
      .array(z.string())
      .default(['/snap/*', '/run/*', '/var/lib/docker/overlay2/*', '/run/containerd/*', '/var/lib/kubelet/pods/*'])
      .describe('mount points (`*` globs) that are never reported'),
    devSeverity: z.enum(SEVERITIES).default('low').describe('severity for a host in a dev zone'),
  }),
  remediation: {
    steps: [
      'See what fills it: `df -h <mount>`, then `du -xh --max-depth=2 <mount> | sort -h | tail`.',
      'Usual suspects: `journalctl --vacuum-size=1G`, rotated logs under /var/log (libvirt qemu logs included), unused images (`docker image prune`, `crictl rmi --prune`), core dumps.',
      'On a hypervisor, do not delete anything under the instances or images directories by hand: a missing qcow2 backing file breaks every server built on it.',
      'If the data is legitimate, grow the volume or move the data, and check the guests on that filesystem for paused or SHUTOFF servers.',
    ],
  },
  source: 'catalog §3 host layer (filesystem-full); seed 002 (df -h: / at 90 %), seed 003',
  detect({ snapshot, index, options }) {
    const out: RawFinding<Messages>[] = [];
    for (const facts of snapshot.hostFacts) {
      for (const fs of facts.filesystems ?? []) {
        if (fs.usedPercent < options.thresholdPercent) continue;
        if (options.ignoreFilesystems.some((g) => matchesGlob(g, fs.filesystem))) continue;
        if (options.ignoreMounts.some((g) => matchesGlob(g, fs.mount))) continue;
        const critical = fs.usedPercent >= options.criticalPercent;
        const urgency = hostUrgency(index, facts.host, critical ? options.criticalSeverity : 'medium', options.devSeverity);
        out.push({
          messageId: 'filesystemFull',
          data: {
            mount: fs.mount,
            host: facts.host,
            percent: fs.usedPercent,
            used: formatBytes(fs.usedBytes),
            size: formatBytes(fs.sizeBytes),
            filesystem: fs.filesystem,
          },
          resource: hostRef(index, facts.host),
          severity: urgency.severity,
          key: fs.mount,
          evidence: [
            { label: 'mount', value: fs.mount, source: 'df' },
            { label: 'filesystem', value: fs.filesystem, source: 'df' },
            { label: 'used_percent', value: fs.usedPercent, source: 'df' },
            { label: 'free', value: formatBytes(Math.max(0, fs.sizeBytes - fs.usedBytes)), source: 'df' },
            ...urgency.evidence,
          ],
        });
      }
    }
    return out;
  },
});
