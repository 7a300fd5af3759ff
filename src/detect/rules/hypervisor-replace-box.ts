import { z } from 'zod';
import { defineDetector, type RawFinding } from '../define.js';
import { DAY_MS, HOUR_MS, historyOf, storedResource } from '../history.js';
import { hypervisorIsProd, listNames } from '../resources.js';

type Messages = 'replaceBox';

/** The findings that mean "this hypervisor needed the part swap". */
const WORK_MESSAGES: ReadonlySet<string> = new Set(['part-needs-judgement/announceAndWork', 'part-needs-judgement/announceDiskSwap', 'part-judgement-over-time/workOverTime']);

export default defineDetector({
  id: 'hypervisor-replace-box',
  title: 'Hypervisor that needed the part swap three times in a month',
  layer: 'hardware',
  severity: 'high',
  description: 'Finds hypervisors that, by the store\'s memory, needed the part-needs-judgement swap three or more separate times within a month.',
  explanation:
    'A part that keeps failing after it was swapped points at the box, not the part: the mainboard, the slot, the power, or the cooling. ' +
    'The runbook says to replace the whole hypervisor from the spare pool the third time in a month. The alarm feed forgets closed ' +
    'tickets, so counting needs faultline\'s own memory of when each swap was called for.',
  requires: ['history'],
  uses: ['hypervisors', 'regions', 'alarms'],
  messages: {
    replaceBox:
      'Hypervisor {{host}} needed the part swap {{times}} separate times in {{days}} days (from {{first}} to {{last}}): replace the whole box from the spare pool instead of another part swap.',
  },
  options: z.object({
    times: z.number().int().min(2).default(3).describe('separate times a hypervisor may need the swap within the window before the box is replaced'),
    windowDays: z.number().positive().default(30).describe('window, in days'),
    mergeHours: z
      .number()
      .nonnegative()
      .default(24)
      .describe('a finding that comes back within this many hours of going away is the same occurrence (a feed that skipped one read), not a new one'),
  }),
  remediation: {
    runbook: 'part-urgent',
    steps: [
      'Pick a spare of the same model, memory and disk from the pool (catalog §5) and plan the swap as an urgent part: notice, stop the servers, swap, start, verify.',
      'After the swap, re-check the virtualization settings (VT-x, VT-d, x2apic, SR-IOV).',
      'Return the old box for repair; under warranty, request a return-merchandise authorisation.',
    ],
  },
  source: 'catalog §4 Part needing judgement (same PM three times within a month → replace the box); seed 000 §4.7; issue 14',
  detect({ snapshot, index, options, now }) {
    const out: RawFinding<Messages>[] = [];
    const since = now.getTime() - options.windowDays * DAY_MS;
    const byHost = new Map<string, { resource: ReturnType<typeof storedResource>; spells: { opened: number; closed: number }[] }>();
    for (const e of historyOf(snapshot).findingEpisodes) {
      if (!WORK_MESSAGES.has(`${e.detectorId}/${e.messageId}`)) continue;
      const opened = Date.parse(e.openedAt);
      if (opened < since || opened > now.getTime()) continue;
      const entry = byHost.get(e.resourceId) ?? { resource: storedResource(e.resourceKind, e.resourceId, e.resourceName), spells: [] };
      entry.spells.push({ opened, closed: e.closedAt ? Date.parse(e.closedAt) : Infinity });
      byHost.set(e.resourceId, entry);
    }
    for (const { resource, spells } of byHost.values()) {
      spells.sort((a, b) => a.opened - b.opened);
      const occurrences: { opened: number; closed: number }[] = [];
      for (const s of spells) {
        const last = occurrences[occurrences.length - 1];
        if (last && s.opened <= last.closed + options.mergeHours * HOUR_MS) last.closed = Math.max(last.closed, s.closed);
        else occurrences.push({ ...s });
      }
      if (occurrences.length < options.times) continue;
      const hv = index.hypervisor(resource.name ?? resource.id);
      const first = new Date((occurrences[0] as { opened: number }).opened).toISOString();
      const last = new Date((occurrences[occurrences.length - 1] as { opened: number }).opened).toISOString();
      out.push({
        messageId: 'replaceBox',
        data: { host: resource.name ?? resource.id, times: occurrences.length, days: options.windowDays, first, last },
        resource: hv ? { kind: 'hypervisor', id: hv.id, name: hv.name, ...(hv.region ? { region: hv.region } : {}) } : resource,
        severity: hv && !hypervisorIsProd(index, hv) ? 'medium' : 'high',
        evidence: [
          { label: 'times_in_window', value: occurrences.length, source: 'store' },
          { label: 'window_days', value: options.windowDays, source: 'options' },
          { label: 'swap_called_for_at', value: listNames(occurrences.map((o) => new Date(o.opened).toISOString()), 10), source: 'store' },
        ],
      });
    }
    return out;
  },
});
