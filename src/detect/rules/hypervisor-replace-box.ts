import { z } from 'zod';
import { defineDetector, type RawFinding } from '../define.js';
import { DAY_MS, HOUR_MS, historyOf, storedResource } from '../history.js';
import { hypervisorIsProd, listNames } from '../resources.js';

type Messages = 'replaceBox';

/** The findings that mean "this hypervisor needed the part swap". */
const WORK_MESSAGES: ReadonlySet<string> = new Set(['part-needs-judgement/announceAndWork', 'part-needs-judgement/announceDiskSwap', 'part-judgement-over-time/workOverTime']);

interface Spell {
  readonly opened: number;
  readonly closed: number;
  readonly messageId: string;
  readonly ticket: string | null;
}

interface Occurrence {
  readonly opened: number;
  closed: number;
  readonly messageIds: string[];
  readonly tickets: Set<string>;
}

/**
 * Spells of the swap findings, folded into separate times the swap was called for.
 * A spell that starts soon after the previous one ended is the same time (a feed
 * that skipped a read); so is a spell opened by an alarm ticket an earlier time
 * already had: one alarm seen again is one failure, however often it comes and goes.
 */
function occurrencesOf(spells: readonly Spell[], mergeMs: number): Occurrence[] {
  const out: Occurrence[] = [];
  for (const s of [...spells].sort((a, b) => a.opened - b.opened)) {
    const last = out[out.length - 1];
    const same = (last && s.opened <= last.closed + mergeMs ? last : undefined) ?? (s.ticket === null ? undefined : out.find((o) => o.tickets.has(s.ticket as string)));
    if (same) {
      same.closed = Math.max(same.closed, s.closed);
      if (!same.messageIds.includes(s.messageId)) same.messageIds.push(s.messageId);
      if (s.ticket !== null) same.tickets.add(s.ticket);
    } else {
      out.push({ opened: s.opened, closed: s.closed, messageIds: [s.messageId], tickets: new Set(s.ticket === null ? [] : [s.ticket]) });
    }
  }
  return out;
}

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
    const byHost = new Map<string, { resource: ReturnType<typeof storedResource>; spells: Spell[] }>();
    for (const e of historyOf(snapshot).findingEpisodes) {
      if (!WORK_MESSAGES.has(`${e.detectorId}/${e.messageId}`)) continue;
      const opened = Date.parse(e.openedAt);
      if (opened < since || opened > now.getTime()) continue;
      const entry = byHost.get(e.resourceId) ?? { resource: storedResource(e.resourceKind, e.resourceId, e.resourceName), spells: [] };
      entry.spells.push({ opened, closed: e.closedAt ? Date.parse(e.closedAt) : Infinity, messageId: e.messageId, ticket: e.alarmTicket ?? null });
      byHost.set(e.resourceId, entry);
    }
    for (const { resource, spells } of byHost.values()) {
      const occurrences = occurrencesOf(spells, options.mergeHours * HOUR_MS);
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
          { label: 'message_ids', value: listNames(occurrences.map((o) => o.messageIds.join('+')), 10), source: 'store' },
          ...(occurrences.some((o) => o.tickets.size > 0) ? [{ label: 'tickets', value: listNames(occurrences.flatMap((o) => [...o.tickets]), 10), source: 'store' }] : []),
        ],
      });
    }
    return out;
  },
});
