import { z } from 'zod';
import { shortHostName } from '../../snapshot/fleet-index.js';
import { dbAdvice, faultEvidence, faultResource, faultsOfClass, hostLabel, impactEvidence, partOf } from '../alarm-classes.js';
import { defineDetector, type RawFinding } from '../define.js';
import { DAY_MS, HOUR_MS, historyOf } from '../history.js';
import { listNames } from '../resources.js';

type Messages = 'workOverTime' | 'watch' | 'closeWithoutAction';

export default defineDetector({
  id: 'part-judgement-over-time',
  title: 'Ticket-count rules counted over time',
  layer: 'hardware',
  severity: 'medium',
  description:
    'Applies the part-needs-judgement rules to what the store remembers: ticket counts summed over every feed read and ticket in the window, and the 24-hour watch timed from when faultline first saw the fault.',
  explanation:
    'The alarm feed shows each ticket as it is now. A fault that the monitoring system re-raises as a new ticket every few hours, ' +
    'or whose old tickets drop out of the feed, never reaches the count of 10 in a single read, and the part is watched forever instead of ' +
    'swapped. Counted over time, the same fault reaches the count. The other half of the rule needs memory too: a fault under the count ' +
    'is watched for 24 hours from when it was first seen, not from when the newest ticket was raised, and is then closed once, without action.',
  requires: ['alarms', 'history'],
  uses: ['hypervisors', 'servers', 'probes', 'inventory', 'regions'],
  messages: {
    workOverTime:
      'Hypervisor {{host}} has {{part}} that fired {{total}} times over {{tickets}} ticket(s) in {{days}} days (this feed read shows {{count}}; threshold {{threshold}}): announce the work, stop its servers, replace the part, then start them and check they answer; {{db}}.',
    watch:
      'Hypervisor {{host}} has {{part}} that fired {{total}} times since faultline first saw it at {{since}} (under {{threshold}}): keep watching until {{until}}; it may be closed without action then if it stays under {{threshold}}.',
    closeWithoutAction:
      'Hypervisor {{host}} has {{part}} that fired only {{total}} times in {{hours}} h of watching since {{since}}: close ticket(s) {{ticketList}} without action; faultline will not raise it again unless it fires more.',
  },
  options: z.object({
    announceAtCount: z.number().int().positive().default(10).describe('ticket count, summed over time, at which the part is swapped instead of watched'),
    monitorHours: z.number().positive().default(24).describe('how long a fault under the count is watched, from when it was first seen'),
    windowDays: z.number().positive().default(30).describe('how far back tickets of the same fault are summed, in days'),
  }),
  remediation: {
    runbook: 'part-needs-judgement',
    steps: [
      'Count reached over time: handle it as part-needs-judgement at the threshold (announce, stop the servers, swap the part, start, verify, completion notice).',
      'Under the count: leave it alone until the watch ends; nothing is announced.',
      'Watch over and still under the count: close the tickets without action (the hardware corrected the errors). The finding is raised once; the store records when it was closed.',
      'In a prod zone with DB servers on the hypervisor, do not stop anything until the DBA has acted.',
    ],
  },
  source: 'catalog §4 Part needing judgement (ticket count ≥ 10, monitor 24 h then close); seed 000 §4.7; issue 14',
  detect({ snapshot, index, options, now }) {
    const out: RawFinding<Messages>[] = [];
    const history = historyOf(snapshot);
    const since = now.getTime() - options.windowDays * DAY_MS;
    for (const { fault, impact } of faultsOfClass(index, 'needs-judgement')) {
      // The feed read alone reaches the count: part-needs-judgement already says to do the work.
      if (fault.count >= options.announceAtCount) continue;
      const remembered = history.alarmTickets.filter(
        (t) => shortHostName(t.host) === fault.hostKey && partOf(t)?.key === fault.kind.key && Date.parse(t.lastSeen) >= since,
      );
      const counts = new Map<string, number>();
      for (const t of remembered) counts.set(t.ticketId, Math.max(counts.get(t.ticketId) ?? 0, t.maxCount));
      for (const a of fault.alarms) counts.set(a.ticketId, Math.max(counts.get(a.ticketId) ?? 0, a.count));
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      const tickets = [...counts.keys()];
      const host = hostLabel(fault, impact);
      const resource = faultResource(index, fault, impact);
      // A ticket the store has not seen yet is first seen now.
      const seenAt = new Map<string, number>(tickets.map((t) => [t, now.getTime()]));
      for (const t of remembered) seenAt.set(t.ticketId, Math.min(seenAt.get(t.ticketId) ?? Infinity, Date.parse(t.firstSeen)));
      // The last time this rule said "close": tickets seen before it belong to a watch that is over.
      const closes = history.findingEpisodes
        .filter((e) => e.detectorId === 'part-judgement-over-time' && e.messageId === 'closeWithoutAction' && e.resourceId === resource.id && Date.parse(e.openedAt) < now.getTime())
        .map((e) => Date.parse(e.openedAt));
      const lastClose = closes.length > 0 ? Math.max(...closes) : -Infinity;
      const watched = [...seenAt.values()].filter((t) => t > lastClose);
      const firstSeen = watched.length > 0 ? Math.min(...watched) : Math.min(...seenAt.values());
      const evidence = [
        ...faultEvidence(fault),
        { label: 'count_over_time', value: total, source: 'store' },
        { label: 'tickets_over_time', value: listNames(tickets, 10), source: 'store' },
        { label: 'first_seen', value: new Date(firstSeen).toISOString(), source: 'store' },
        ...impactEvidence(impact),
      ];
      const base = { host, part: fault.kind.part, total, threshold: options.announceAtCount };
      if (total >= options.announceAtCount) {
        out.push({
          messageId: 'workOverTime',
          data: { ...base, tickets: tickets.length, days: options.windowDays, count: fault.count, db: dbAdvice(impact) },
          resource,
          key: fault.kind.key,
          severity: 'high',
          evidence,
        });
        continue;
      }
      // Closed already, and nothing new has fired since: stay quiet.
      if (watched.length === 0) continue;
      const until = firstSeen + options.monitorHours * HOUR_MS;
      if (now.getTime() < until) {
        out.push({
          messageId: 'watch',
          data: { ...base, since: new Date(firstSeen).toISOString(), until: new Date(until).toISOString() },
          resource,
          key: fault.kind.key,
          severity: 'low',
          evidence: [...evidence, { label: 'may_close_at', value: new Date(until).toISOString(), source: 'store' }],
        });
        continue;
      }
      out.push({
        messageId: 'closeWithoutAction',
        data: { ...base, hours: options.monitorHours, since: new Date(firstSeen).toISOString(), ticketList: listNames(tickets, 10) },
        resource,
        key: fault.kind.key,
        severity: 'info',
        evidence,
      });
    }
    return out;
  },
});
