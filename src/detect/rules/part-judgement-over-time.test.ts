import { fleet } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './part-judgement-over-time.js';

const NOW = '2026-11-20T12:00:00Z';
const HV = 'krane-hn1prod-com0369';
const hoursAgo = (h: number): string => new Date(Date.parse(NOW) - h * 3_600_000).toISOString();

/** A prod hypervisor with a server that answers, and an open single-bit ticket in this feed read. */
const host = (count: number, ticketId = 'T-3') =>
  fleet()
    .at(NOW)
    .region('hn1prod', 'prod')
    .hypervisor(HV, { id: 'hv-369', region: 'hn1prod' })
    .server('web-1', { on: HV })
    .reach('web-1', true)
    .inventory({ match: { serverName: 'unrelated' }, roles: [] })
    .alarm(HV, 'MEM_SBE', { ticketId, count, raisedAt: hoursAgo(1) });

/** A ticket the store remembers. */
const remembered = (ticketId: string, maxCount: number, firstSeenHoursAgo: number, lastSeenHoursAgo = 0, host = HV) => ({
  ticketId,
  host,
  faultCode: 'MEM_SBE',
  message: '',
  raisedAt: hoursAgo(firstSeenHoursAgo),
  status: 'closed' as const,
  maxCount,
  firstSeen: hoursAgo(firstSeenHoursAgo),
  lastSeen: hoursAgo(lastSeenHoursAgo),
});

const closeSaid = (hours: number) => ({
  fingerprint: 'f',
  detectorId: 'part-judgement-over-time',
  messageId: 'closeWithoutAction',
  resourceKind: 'hypervisor',
  resourceId: 'hv-369',
  resourceName: HV,
  openedAt: hoursAgo(hours),
  closedAt: hoursAgo(hours - 1),
});

testDetector(detector, {
  valid: [
    { name: 'no hardware alarms passes', snapshot: fleet().at(NOW).history().build({ collected: ['alarms'] }) },
    { name: 'a feed read at the count is left to part-needs-judgement', snapshot: host(12).history().build() },
    {
      name: 'a fault closed after its watch stays quiet while nothing new fires',
      snapshot: host(3, 'T-1').history({ alarmTickets: [remembered('T-1', 3, 40)], findingEpisodes: [closeSaid(10)] }).build(),
    },
  ],
  invalid: [
    {
      name: 'tickets of another host or another part do not add up',
      snapshot: host(2)
        .history({ alarmTickets: [remembered('T-1', 9, 10, 0, 'krane-hn1prod-com0001'), { ...remembered('T-2', 9, 10), faultCode: 'FAN' }] })
        .build(),
      findings: [{ messageId: 'watch', evidence: { count_over_time: 2, tickets_over_time: 'T-3' } }],
    },
    {
      name: 'tickets older than the window are not summed',
      snapshot: host(2).history({ alarmTickets: [remembered('T-1', 9, 24 * 40, 24 * 35)] }).build(),
      findings: [{ messageId: 'watch', evidence: { count_over_time: 2 } }],
    },
    {
      name: 'tickets that stay under 10 one read at a time reach it over time',
      snapshot: host(2).history({ alarmTickets: [remembered('T-1', 4, 30, 20), remembered('T-2', 5, 20, 3)] }).build(),
      findings: [
        {
          messageId: 'workOverTime',
          resource: HV,
          severity: 'high',
          message: /fired 11 times over 3 ticket\(s\) in 30 days \(this feed read shows 2; threshold 10\)/,
          evidence: { count_over_time: 11, first_seen: hoursAgo(30) },
        },
      ],
    },
    {
      name: 'the same ticket read twice counts once, at its highest count',
      snapshot: host(6, 'T-1').history({ alarmTickets: [remembered('T-1', 7, 5)] }).build(),
      findings: [{ messageId: 'watch', severity: 'low', message: /fired 7 times since faultline first saw it at .*keep watching until 2026-11-21T07:00:00.000Z/, evidence: { may_close_at: '2026-11-21T07:00:00.000Z' } }],
    },
    {
      name: 'a fault first seen now is watched for 24 hours from now',
      snapshot: host(2).history().build(),
      findings: [{ messageId: 'watch', evidence: { first_seen: '2026-11-20T12:00:00.000Z', may_close_at: '2026-11-21T12:00:00.000Z' } }],
    },
    {
      name: 'after 24 hours under the count it is closed without action, once',
      snapshot: host(3, 'T-1').history({ alarmTickets: [remembered('T-1', 3, 25)] }).build(),
      findings: [{ messageId: 'closeWithoutAction', severity: 'info', message: /fired only 3 times in 24 h of watching .*close ticket\(s\) T-1 without action/ }],
    },
    {
      name: 'a new ticket after the close starts a new watch',
      snapshot: host(1, 'T-9').history({ alarmTickets: [remembered('T-1', 3, 40)], findingEpisodes: [closeSaid(10)] }).build(),
      findings: [{ messageId: 'watch', message: /fired 4 times since faultline first saw it at 2026-11-20T12:00:00.000Z/ }],
    },
  ],
});
