import { z } from 'zod';
import { SEVERITIES } from '../../core/severity.js';
import type { Disk } from '../../snapshot/schema.js';
import { defineDetector, type RawFinding } from '../define.js';
import { eventEvidence, hostRef, hostUrgency, listNames, recentEvents, type KernelEvent } from '../resources.js';

type Messages = 'ioErrors';

/** The block device a kernel I/O error names: `dev nvme0n1`, `on dev dm-0`, `(device sda1)`, or the parsed detail. */
function deviceOf(event: KernelEvent): string | undefined {
  const parsed = event.detail?.['device'];
  if (typeof parsed === 'string' && parsed !== '') return parsed.replace(/^\/dev\//, '');
  const m = /\bdev(?:ice)?[\s:=]+([a-z][\w-]*)/i.exec(event.line);
  return m?.[1];
}

/**
 * The disk a kernel device name belongs to: the disk itself, one of its partitions
 * (`nvme0n1p1`, `sda2`) or, for NVMe timeouts, its controller (`nvme0` → `nvme0n1`).
 */
function diskOf(disks: readonly Disk[], device: string): Disk | undefined {
  return disks.find((d) => {
    const name = d.device.replace(/^\/dev\//, '');
    if (device === name) return true;
    if (device.startsWith(name) && /^p?\d+$/.test(device.slice(name.length))) return true;
    return /^nvme\d+$/.test(device) && name.startsWith(device) && /^n\d+$/.test(name.slice(device.length));
  });
}

export default defineDetector({
  id: 'io-errors',
  title: 'Block I/O errors in the kernel log',
  layer: 'host',
  severity: 'high',
  description: 'Finds block I/O errors (blk_update_request, Buffer I/O error, BLOCK_IO_ERROR) in a host\'s kernel log or journal.',
  explanation:
    'A block I/O error means a read or write to a disk failed after the kernel\'s retries: data was not written or could ' +
    'not be read. On a hypervisor the VM images on that disk are hit first: qemu pauses a guest on BLOCK_IO_ERROR, ' +
    'libvirt may destroy it, and guests see their root disk vanish. Causes are a failing disk or controller, a loose ' +
    'cable or backplane, or a storage path that dropped.',
  requires: ['hostFacts'],
  uses: ['disks', 'hypervisors', 'servers', 'regions', 'inventory'],
  messages: {
    ioErrors: '{{count}} block I/O error(s) on {{host}} within {{hours}} h, on {{devices}}.',
  },
  options: z.object({
    minErrors: z.number().int().positive().default(1).describe('report a host once it logged at least this many I/O errors in the window'),
    withinHours: z.number().positive().default(24).describe('only errors logged within this many hours before the scan count (errors without a time always count)'),
    devSeverity: z.enum(SEVERITIES).default('medium').describe('severity for a host in a dev zone'),
  }),
  remediation: {
    runbook: 'disk-data-loss',
    steps: [
      'Read the errors: `dmesg -T | grep -i "I/O error"` and `journalctl -k -S -1day | grep -iE "I/O error|BLOCK_IO_ERROR"`; note the device.',
      'Check the disk: `smartctl -a /dev/<disk>` (see smart-failing and nvme-error-log for the same host) and the cabling/controller logs.',
      'List the servers whose images live on that disk; a prod DB server among them means telling the DB on-call now.',
      'A one-off error that fsck repaired and after which every server came back is not a disk failure: handle it as a plain reboot.',
      'If the disk must be replaced or data is lost, follow runbook disk-data-loss: data-loss notice, swap the disk from the spare pool, reinstall, notify the owners.',
    ],
  },
  source: 'catalog §3 host layer (io-errors), §4.9; seed 002 (journalctl -u libvirtd | grep "I/O error", BLOCK_IO_ERROR)',
  detect({ snapshot, index, options, now }) {
    const out: RawFinding<Messages>[] = [];
    for (const facts of snapshot.hostFacts) {
      const errors = recentEvents(facts.kernelEvents ?? [], now, options.withinHours).filter((e) => e.kind === 'io-error');
      if (errors.length === 0 || errors.length < options.minErrors) continue;
      const disks = index.disksOn(facts.host);
      const devices = [...new Set(errors.map(deviceOf).filter((d): d is string => d !== undefined))];
      const holding = devices.flatMap((dev) => {
        const disk = diskOf(disks, dev);
        return disk && disk.holds.length > 0 ? [`${dev}: ${disk.holds.join(', ')}`] : [];
      });
      const urgency = hostUrgency(index, facts.host, 'high', options.devSeverity);
      out.push({
        messageId: 'ioErrors',
        data: { count: errors.length, host: facts.host, hours: options.withinHours, devices: devices.length > 0 ? listNames(devices) : 'an unnamed device' },
        resource: hostRef(index, facts.host),
        severity: urgency.severity,
        evidence: [
          ...eventEvidence(errors[errors.length - 1] as KernelEvent, 'kernel log'),
          { label: 'io_errors', value: errors.length, source: 'kernel log' },
          { label: 'devices', value: devices.join(', ') || null, source: 'kernel log' },
          ...(holding.length > 0 ? [{ label: 'disk_holds', value: holding.join('; '), source: 'smartctl/mounts' }] : []),
          ...urgency.evidence,
        ],
      });
    }
    return out;
  },
});
