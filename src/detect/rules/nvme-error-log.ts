import { z } from 'zod';
import { SEVERITIES } from '../../core/severity.js';
import { defineDetector, type RawFinding } from '../define.js';
import { diskRef, hostUrgency } from '../resources.js';

type Messages = 'errorsWhileHealthy' | 'errorsHealthUnknown';

const HOT = new Set(['vm-images', 'swap', 'container-root']);

export default defineDetector({
  id: 'nvme-error-log',
  title: 'NVMe error log entries on a drive SMART calls healthy',
  layer: 'hardware',
  severity: 'high',
  description: 'Finds NVMe drives whose Error Information Log has entries even though SMART reports PASSED: a controller or firmware fault.',
  explanation:
    'SMART\'s overall verdict looks at the flash: spare blocks, wear, media errors. It stays PASSED when the controller ' +
    'itself misbehaves. `Error Information Log Entries` counts commands the controller failed; a healthy drive shows 0. ' +
    'Seed 002\'s drive showed 2,787 with SMART PASSED, 100 % spare and 4 % wear: under load it froze for seconds at a time, ' +
    'guests panicked with "Host injected async #PF", nova-compute hung in D state and qcow2 images were corrupted, while ' +
    'badblocks would have found nothing. Firmware updates sometimes help; replacement is the reliable fix.',
  requires: ['disks'],
  uses: ['hypervisors', 'servers', 'regions', 'inventory'],
  messages: {
    errorsWhileHealthy: '{{device}} on {{host}} ({{model}}) has {{entries}} NVMe error log entries although SMART says PASSED: the controller or firmware is faulty.',
    errorsHealthUnknown: '{{device}} on {{host}} ({{model}}) has {{entries}} NVMe error log entries; its SMART verdict was not read.',
  },
  options: z.object({
    maxEntries: z.number().int().min(0).default(0).describe('report a drive with more error log entries than this'),
    coldSeverity: z.enum(SEVERITIES).default('medium').describe('severity when the drive holds no VM images, swap or container root (prod)'),
    devSeverity: z.enum(SEVERITIES).default('medium').describe('severity for a drive in a host in a dev zone'),
  }),
  remediation: {
    runbook: 'part-non-urgent',
    steps: [
      'Confirm: `smartctl -a /dev/<nvme>` (Error Information Log Entries) and `nvme error-log /dev/<nvme>` for the failing commands and status codes.',
      'Check the firmware against the vendor\'s release notes (`smartctl -i`: Firmware Version) and update it if a fix is listed.',
      'Plan the replacement as a part needing judgement: announce it in business hours and start no earlier than 4 hours later; prod DB servers on the host wait for the DBA.',
      'Stop the host\'s servers, swap the drive from the spare pool, start them and check ping and ssh (runbook part-non-urgent).',
      'Until then keep load off it: no swap on it (swap-enabled), and check its images for corruption (qcow2-refcount-errors).',
    ],
  },
  source: 'catalog §3 host layer (nvme-error-log), §4.6–4.7; seed 002 (smartctl: PASSED, Error Information Log Entries: 2,787)',
  detect({ snapshot, index, options }) {
    const out: RawFinding<Messages>[] = [];
    for (const disk of snapshot.disks) {
      const entries = disk.nvmeErrorLogEntries;
      if (entries === undefined || entries <= options.maxEntries) continue;
      // A drive SMART already calls FAILED is reported by smart-failing.
      if (disk.smartPassed === false) continue;
      const hot = disk.holds.filter((h) => HOT.has(h));
      const urgency = hostUrgency(index, disk.host, hot.length > 0 ? 'high' : options.coldSeverity, options.devSeverity);
      out.push({
        messageId: disk.smartPassed === true ? 'errorsWhileHealthy' : 'errorsHealthUnknown',
        data: { device: disk.device, host: disk.host, model: disk.model ?? 'unknown model', entries: entries.toLocaleString('en-US') },
        resource: diskRef(index, disk),
        severity: urgency.severity,
        evidence: [
          { label: 'error_log_entries', value: entries, source: 'smartctl' },
          { label: 'smart_overall', value: disk.smartPassed === null ? null : disk.smartPassed ? 'PASSED' : 'FAILED', source: 'smartctl' },
          ...(disk.model ? [{ label: 'model', value: disk.model, source: 'smartctl' }] : []),
          ...(disk.serial ? [{ label: 'serial', value: disk.serial, source: 'smartctl' }] : []),
          { label: 'holds', value: disk.holds.join(', ') || 'nothing known', source: 'mounts' },
          ...urgency.evidence,
        ],
      });
    }
    return out;
  },
});
