import { z } from 'zod';
import type { Evidence } from '../../core/findings.js';
import type { FleetIndex } from '../../snapshot/fleet-index.js';
import { dbAdvice, faultEvidence, faultResource, faultsOfClass, hostLabel, impactEvidence, partOf, type HostImpact, type OpenFault } from '../alarm-classes.js';
import { defineDetector, type RawFinding } from '../define.js';
import { listNames } from '../resources.js';

type Messages = 'announceAndWork' | 'announceDiskSwap' | 'monitor' | 'closeWithoutAction' | 'replaceBox';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Past times this host needed the work: its tickets of this class that reached the count, within the window. */
function occurrences(index: FleetIndex, host: string, open: readonly OpenFault[], threshold: number, since: number): string[] {
  const tickets: string[] = [];
  // An open fault that reached the count needs the work now, however long ago it was raised,
  // and is one occurrence however many tickets it folds.
  for (const f of open) if (f.count >= threshold) tickets.push(f.ticketIds[0] ?? '');
  const seen = new Set<string>();
  const past = index
    .alarmsOn(host)
    .filter((a) => a.status === 'closed' && a.count >= threshold && Date.parse(a.raisedAt) >= since && partOf(a)?.cls === 'needs-judgement')
    .sort((a, b) => Date.parse(b.raisedAt) - Date.parse(a.raisedAt));
  for (const a of past) {
    if (seen.has(a.ticketId)) continue;
    seen.add(a.ticketId);
    tickets.push(a.ticketId);
  }
  return tickets;
}

export default defineDetector({
  id: 'part-needs-judgement',
  title: 'Hardware fault that needs the ticket-count rules',
  layer: 'hardware',
  severity: 'medium',
  description: 'Finds open memory single-bit, machine-check (HW-MC-ERROR) and disk SMART alarms and says what the ticket-count rules ask for.',
  explanation:
    'Single-bit memory errors, machine-check errors and SMART errors are handled the same way (runbook §4.7): the hardware ' +
    'corrected the error, so one ticket says little. A ticket that fired often (10 times by default) means the part keeps failing: ' +
    'announce the work, stop the servers, swap the part. Below that, watch it for a day and close it without action. A hypervisor that needed ' +
    'the swap three times in a month has a deeper problem, and the whole box is replaced. None of this is urgent while the servers ' +
    'answer; a disk alarm whose servers stop answering is handled by disk-data-loss instead.',
  requires: ['alarms'],
  uses: ['hypervisors', 'servers', 'probes', 'inventory', 'regions'],
  messages: {
    announceAndWork:
      'Hypervisor {{host}} has {{part}} (ticket {{ticket}}) that fired {{count}} times (threshold {{threshold}}): announce the work, stop its servers, replace the part, then start them and check they answer; {{db}}.',
    announceDiskSwap:
      'Hypervisor {{host}} has disk SMART errors (ticket {{ticket}}) that fired {{count}} times (threshold {{threshold}}): announce the disk swap in business hours and start it no earlier than {{noticeHours}} h later, longer if owners ask; {{db}}.',
    monitor:
      'Hypervisor {{host}} has {{part}} (ticket {{ticket}}) that fired {{count}} times (under {{threshold}}): keep watching until {{until}}, then close the ticket without action if it stays under {{threshold}}.',
    closeWithoutAction:
      'Hypervisor {{host}} has {{part}} (ticket {{ticket}}) that fired only {{count}} times in {{hours}} h of watching: close the ticket without action.',
    replaceBox:
      'Hypervisor {{host}} needed the part swap for {{part}} {{times}} times in {{days}} days (tickets {{tickets}}): replace the whole box from the spare pool instead of another part swap; {{db}}.',
  },
  options: z.object({
    announceAtCount: z.number().int().positive().default(10).describe('ticket count at which the part is swapped instead of watched'),
    monitorHours: z.number().positive().default(24).describe('how long a ticket under the count is watched before it is closed without action'),
    replaceBoxAfter: z.number().int().min(2).default(3).describe('times a hypervisor may need the swap within the window before the box is replaced'),
    replaceBoxWindowDays: z.number().positive().default(30).describe('window, in days, for replaceBoxAfter'),
    diskSwapNoticeHours: z.number().nonnegative().default(4).describe('hours between announcing a planned disk swap and starting it'),
  }),
  remediation: {
    runbook: 'part-needs-judgement',
    steps: [
      'Tell the monitoring desk it will be handled in daytime; no public fault notice now.',
      'Ticket count at or over the threshold: in business hours announce the work, stop the servers, swap the part, start them and confirm ping and ssh; post the completion notice.',
      'Planned disk swap: announce in business hours and start no earlier than the notice period later (longer if the owners ask; data on the disk is at stake).',
      'Ticket count under the threshold: watch it for the monitoring period, then close the ticket without action (the hardware corrected the errors).',
      'The same hypervisor needing the swap again and again within a month: replace the whole box from the spare pool.',
      'In a prod zone with DB servers on the hypervisor, do not stop anything until the DBA has acted.',
    ],
  },
  source: 'catalog §3 Hardware alarms (part-needs-judgement), §4 Part needing judgement; seed 000 §4.7',
  detect({ index, options, now }) {
    const out: RawFinding<Messages>[] = [];
    const faults = faultsOfClass(index, 'needs-judgement');
    const since = now.getTime() - options.replaceBoxWindowDays * DAY_MS;
    const byHost = new Map<string, { fault: OpenFault; impact: HostImpact }[]>();
    for (const item of faults) {
      const list = byHost.get(item.fault.hostKey);
      if (list) list.push(item);
      else byHost.set(item.fault.hostKey, [item]);
    }
    for (const items of byHost.values()) {
      const first = items[0] as { fault: OpenFault; impact: HostImpact };
      const { impact } = first;
      const host = hostLabel(first.fault, impact);
      const db = dbAdvice(impact);
      const times = occurrences(index, first.fault.host, items.map((i) => i.fault), options.announceAtCount, since);
      if (times.length >= options.replaceBoxAfter) {
        const evidence: Evidence[] = [
          ...items.flatMap((i) => faultEvidence(i.fault)),
          { label: 'times_in_window', value: times.length, source: 'alarms' },
          { label: 'window_days', value: options.replaceBoxWindowDays, source: 'alarms' },
          ...impactEvidence(impact),
        ];
        out.push({
          messageId: 'replaceBox',
          data: { host, part: [...new Set(items.map((i) => i.fault.kind.part))].join(' / '), times: times.length, days: options.replaceBoxWindowDays, tickets: listNames(times, 10), db },
          resource: faultResource(index, first.fault, impact),
          severity: 'high',
          key: 'box',
          evidence,
        });
        continue;
      }
      for (const { fault } of items) {
        const base = { host, part: fault.kind.part, ticket: fault.ticketIds[0] ?? '', count: fault.count, threshold: options.announceAtCount };
        const evidence = [...faultEvidence(fault), ...impactEvidence(impact)];
        const common = { resource: faultResource(index, fault, impact), key: fault.kind.key, evidence };
        if (fault.count >= options.announceAtCount) {
          out.push(
            fault.kind.key === 'DISKSMARTERROR'
              ? { ...common, messageId: 'announceDiskSwap', data: { ...base, noticeHours: options.diskSwapNoticeHours, db }, severity: 'high' }
              : { ...common, messageId: 'announceAndWork', data: { ...base, db }, severity: 'high' },
          );
          continue;
        }
        const until = Date.parse(fault.raisedAt) + options.monitorHours * HOUR_MS;
        out.push(
          now.getTime() >= until
            ? { ...common, messageId: 'closeWithoutAction', data: { ...base, hours: options.monitorHours }, severity: 'info' }
            : { ...common, messageId: 'monitor', data: { ...base, until: new Date(until).toISOString() }, severity: 'low' },
        );
      }
    }
    return out;
  },
});
