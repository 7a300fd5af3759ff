import { z } from 'zod';
import type { Evidence } from '../../core/findings.js';
import { SEVERITIES } from '../../core/severity.js';
import type { Disk } from '../../snapshot/schema.js';
import { defineDetector, type RawFinding } from '../define.js';
import { diskRef, hostUrgency } from '../resources.js';

type Messages = 'smartFailed' | 'sectorsFailing' | 'linkErrors';

interface Counter {
  readonly field: 'reallocatedSectors' | 'pendingSectors' | 'uncorrectableSectors' | 'mediaErrors' | 'crcErrors';
  readonly label: string;
  readonly words: string;
}

const SECTOR_COUNTERS: readonly Counter[] = [
  { field: 'reallocatedSectors', label: 'reallocated_sectors', words: 'reallocated sectors' },
  { field: 'pendingSectors', label: 'pending_sectors', words: 'pending sectors' },
  { field: 'uncorrectableSectors', label: 'uncorrectable_sectors', words: 'uncorrectable sectors' },
  { field: 'mediaErrors', label: 'media_errors', words: 'NVMe media and data integrity errors' },
];
const CRC: Counter = { field: 'crcErrors', label: 'crc_errors', words: 'interface CRC errors' };

export default defineDetector({
  id: 'smart-failing',
  title: 'Disk failing by SMART',
  layer: 'hardware',
  severity: 'high',
  description: 'Finds drives whose SMART overall health is FAILED, or that report reallocated, pending or uncorrectable sectors, NVMe media errors or CRC errors over limits.',
  explanation:
    'SMART FAILED means the drive itself predicts its failure. Reallocated sectors are blocks already replaced by spares; ' +
    'pending and uncorrectable sectors are blocks it could not read, which is data already lost or about to be. A drive ' +
    'holding VM images with such sectors corrupts guests\' disks. CRC errors are counted on the link, not the media: a ' +
    'cable, backplane or controller problem that shows up as I/O errors and resets.',
  requires: ['disks'],
  uses: ['hypervisors', 'servers', 'regions', 'inventory'],
  messages: {
    smartFailed: 'SMART overall health of {{device}} on {{host}} ({{model}}) is FAILED{{counters}}.',
    sectorsFailing: '{{device}} on {{host}} ({{model}}) passes SMART but reports {{problems}}.',
    linkErrors: '{{device}} on {{host}} ({{model}}) reports {{problems}}: check the cable, backplane and controller.',
  },
  options: z.object({
    maxReallocatedSectors: z.number().int().min(0).default(0).describe('report more reallocated sectors than this'),
    maxPendingSectors: z.number().int().min(0).default(0).describe('report more pending (unreadable, awaiting reallocation) sectors than this'),
    maxUncorrectableSectors: z.number().int().min(0).default(0).describe('report more offline-uncorrectable sectors than this'),
    maxMediaErrors: z.number().int().min(0).default(0).describe('report more NVMe media and data integrity errors than this'),
    maxCrcErrors: z.number().int().min(0).default(0).describe('report more interface CRC errors than this'),
    sectorSeverity: z.enum(SEVERITIES).default('medium').describe('severity for sector counters over their limits while SMART still passes (prod)'),
    linkSeverity: z.enum(SEVERITIES).default('low').describe('severity when only CRC errors are over their limit'),
    devSeverity: z.enum(SEVERITIES).default('medium').describe('severity for a FAILED drive in a dev zone'),
  }),
  remediation: {
    runbook: 'part-non-urgent',
    steps: [
      'Confirm: `smartctl -a /dev/<disk>` (overall health, attributes 5, 197, 198, 199) and `smartctl -l error /dev/<disk>`.',
      'List the servers whose images live on the drive; in a prod zone, DB servers among them wait for the DBA before the drive is touched.',
      'Servers still fine: plan the swap in business hours, announce it and start no earlier than 4 hours later; stop the servers, swap the drive from the spare pool, start them and check ping and ssh (runbook part-non-urgent).',
      'Servers already broken or data lost: follow runbook disk-data-loss (data-loss notice, swap, reinstall, notify the owners).',
      'CRC errors only: reseat or replace the cable/backplane slot; the drive itself may be fine.',
    ],
  },
  source: 'catalog §3 host layer (smart-failing), §4.6, §4.7, §4.9; seed 002 (smartctl attributes 5, 197, 198, 199)',
  detect({ snapshot, index, options }) {
    const out: RawFinding<Messages>[] = [];
    const limits: Record<Counter['field'], number> = {
      reallocatedSectors: options.maxReallocatedSectors,
      pendingSectors: options.maxPendingSectors,
      uncorrectableSectors: options.maxUncorrectableSectors,
      mediaErrors: options.maxMediaErrors,
      crcErrors: options.maxCrcErrors,
    };
    const over = (disk: Disk, c: Counter): boolean => (disk[c.field] ?? 0) > limits[c.field];
    const describe = (disk: Disk, list: readonly Counter[]): string => list.map((c) => `${(disk[c.field] ?? 0).toLocaleString('en-US')} ${c.words}`).join(', ');

    for (const disk of snapshot.disks) {
      const sectors = SECTOR_COUNTERS.filter((c) => over(disk, c));
      const crc = over(disk, CRC) ? [CRC] : [];
      const failed = disk.smartPassed === false;
      if (!failed && sectors.length === 0 && crc.length === 0) continue;

      const evidence: Evidence[] = [
        { label: 'smart_overall', value: disk.smartPassed === null ? null : disk.smartPassed ? 'PASSED' : 'FAILED', source: 'smartctl' },
        ...[...SECTOR_COUNTERS, CRC].flatMap((c) => (disk[c.field] !== undefined ? [{ label: c.label, value: disk[c.field] as number, source: 'smartctl' }] : [])),
        ...(disk.model ? [{ label: 'model', value: disk.model, source: 'smartctl' }] : []),
        ...(disk.serial ? [{ label: 'serial', value: disk.serial, source: 'smartctl' }] : []),
        { label: 'holds', value: disk.holds.join(', ') || 'nothing known', source: 'mounts' },
      ];
      const base = { device: disk.device, host: disk.host, model: disk.model ?? disk.modelFamily ?? 'unknown model' };
      if (failed) {
        const counters = [...sectors, ...crc];
        const urgency = hostUrgency(index, disk.host, 'high', options.devSeverity);
        out.push({
          messageId: 'smartFailed',
          data: { ...base, counters: counters.length > 0 ? `, with ${describe(disk, counters)}` : '' },
          resource: diskRef(index, disk),
          severity: urgency.severity,
          evidence: [...evidence, ...urgency.evidence],
        });
      } else if (sectors.length > 0) {
        const urgency = hostUrgency(index, disk.host, options.sectorSeverity, options.devSeverity);
        out.push({
          messageId: 'sectorsFailing',
          data: { ...base, problems: describe(disk, [...sectors, ...crc]) },
          resource: diskRef(index, disk),
          severity: urgency.severity,
          evidence: [...evidence, ...urgency.evidence],
        });
      } else {
        out.push({ messageId: 'linkErrors', data: { ...base, problems: describe(disk, crc) }, resource: diskRef(index, disk), severity: options.linkSeverity, evidence });
      }
    }
    return out;
  },
});
