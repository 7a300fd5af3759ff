import { z } from 'zod';
import { SEVERITIES } from '../../core/severity.js';
import type { Disk } from '../../snapshot/schema.js';
import { defineDetector, type RawFinding } from '../define.js';
import { diskRef, hostUrgency } from '../resources.js';

type Messages = 'smrOnHotPath';

const WHAT: Readonly<Record<string, string>> = {
  'vm-images': 'VM images',
  swap: 'swap',
  'container-root': 'the container data root',
  os: 'the OS',
  other: 'other data',
};

/** SMR from the collector's flag, else from the model family smartctl prints (`Western Digital Blue Mobile (SMR)`). */
function isSmr(disk: Disk): boolean {
  return disk.smr ?? /\bSMR\b/.test(disk.modelFamily ?? '');
}

export default defineDetector({
  id: 'smr-disk-hot-path',
  title: 'SMR drive on a hot I/O path',
  layer: 'hardware',
  severity: 'medium',
  description: 'Finds shingled (SMR) hard drives that hold VM images, swap or the container data root.',
  explanation:
    'A shingled magnetic recording (SMR) drive overlaps its tracks to store more; rewriting a block means rewriting a whole ' +
    'band. It copes with large sequential writes and collapses under small random ones: writes stall for seconds, ' +
    'sometimes minutes, once its cache fills. VM images, swap and container layers are exactly that load, so guests stall ' +
    'on I/O, kubelet misses its heartbeats and nodes flap NotReady. Seed 002 considered moving the container root to an ' +
    'SMR drive and rejected it for this reason.',
  requires: ['disks'],
  uses: ['hypervisors', 'servers', 'regions', 'inventory'],
  messages: {
    smrOnHotPath: '{{device}} on {{host}} is an SMR drive ({{model}}) and holds {{what}}: random writes there stall for seconds.',
  },
  options: z.object({
    hotPaths: z
      .array(z.enum(['vm-images', 'swap', 'container-root', 'os', 'other']))
      .default(['vm-images', 'swap', 'container-root'])
      .describe('what an SMR drive must not hold'),
    devSeverity: z.enum(SEVERITIES).default('low').describe('severity for a drive in a host in a dev zone'),
  }),
  remediation: {
    steps: [
      'Confirm: `smartctl -i /dev/<disk>` (Model Family ends in "(SMR)", or look the model up in the vendor\'s SMR list) and `lsblk` / `findmnt` for what lives on it.',
      'Swap on it: `swapoff -a` and remove it from /etc/fstab (hypervisors and nodes run without swap anyway).',
      'Container root on it: move the containerd/docker data root to an SSD or a CMR drive and restart the runtime.',
      'VM images on it: migrate the servers to another host or move the instances directory to an SSD, then keep the SMR drive for backups or archives.',
    ],
  },
  source: 'catalog §3 host layer (smr-disk-hot-path); seed 002 (Western Digital Blue Mobile (SMR) considered for the container data root)',
  detect({ snapshot, index, options }) {
    const out: RawFinding<Messages>[] = [];
    const hot = new Set<string>(options.hotPaths);
    for (const disk of snapshot.disks) {
      if (!isSmr(disk)) continue;
      const held = disk.holds.filter((h) => hot.has(h));
      if (held.length === 0) continue;
      const urgency = hostUrgency(index, disk.host, 'medium', options.devSeverity);
      out.push({
        messageId: 'smrOnHotPath',
        data: { device: disk.device, host: disk.host, model: disk.modelFamily ?? disk.model ?? 'unknown model', what: held.map((h) => WHAT[h] ?? h).join(', ') },
        resource: diskRef(index, disk),
        severity: urgency.severity,
        evidence: [
          { label: 'smr', value: disk.smr ?? 'from model family', source: 'smartctl' },
          ...(disk.modelFamily ? [{ label: 'model_family', value: disk.modelFamily, source: 'smartctl' }] : []),
          ...(disk.model ? [{ label: 'model', value: disk.model, source: 'smartctl' }] : []),
          { label: 'holds', value: disk.holds.join(', '), source: 'mounts' },
          ...(disk.mounts && disk.mounts.length > 0 ? [{ label: 'mounts', value: disk.mounts.join(', '), source: 'lsblk' }] : []),
          ...urgency.evidence,
        ],
      });
    }
    return out;
  },
});
