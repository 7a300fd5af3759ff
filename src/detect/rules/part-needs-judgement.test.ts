import { fleet } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './part-needs-judgement.js';

const NOW = '2025-08-11T00:00:00Z';
const HV = 'krane-hn1prod-com0369';
const hoursAgo = (h: number): string => new Date(Date.parse(NOW) - h * 3_600_000).toISOString();
const daysAgo = (d: number): string => hoursAgo(d * 24);

/** A prod hypervisor with two servers that answer. */
const host = () =>
  fleet()
    .at(NOW)
    .region('hn1prod', 'prod')
    .hypervisor(HV, { region: 'hn1prod' })
    .server('dkosv3-bot-prod-hn-01-ingress-t8w8', { on: HV })
    .server('dkosv3-rv-multi-worker-q6w4', { on: HV })
    .reach('dkosv3-bot-prod-hn-01-ingress-t8w8', true)
    .reach('dkosv3-rv-multi-worker-q6w4', true)
    .inventory({ match: { serverName: 'unrelated' }, roles: [] });

testDetector(detector, {
  valid: [
    { name: 'an empty alarm feed passes', snapshot: fleet().at(NOW).build({ collected: ['alarms'] }) },
    { name: 'closed single-bit tickets alone need nothing', snapshot: host().alarm(HV, 'MEM_SBE', { status: 'closed', count: 30, raisedAt: daysAgo(3) }).build() },
    { name: 'fan and CPU alarms belong to other detectors', snapshot: host().alarm(HV, 'FAN').alarm(HV, 'CPU').build() },
    {
      name: 'SMART errors while a server no longer answers are left to disk-data-loss',
      snapshot: fleet().at(NOW).region('hn1prod', 'prod').hypervisor(HV, { region: 'hn1prod' }).server('web-1', { on: HV }).reach('web-1', false).alarm(HV, 'DISK_SMART_ERROR', { count: 12 }).build(),
    },
  ],
  invalid: [
    {
      name: 'a single-bit ticket that fired 10 times is announced and worked on',
      snapshot: host().alarm(HV, 'MEM_SBE', { ticketId: '721512', count: 10, raisedAt: hoursAgo(5) }).build(),
      findings: [
        {
          messageId: 'announceAndWork',
          resource: HV,
          severity: 'high',
          message:
            'Hypervisor krane-hn1prod-com0369 has memory single-bit errors (ticket 721512) that fired 10 times (threshold 10): announce the work, stop its servers, replace the part, then start them and check they answer; no DB servers on it.',
          evidence: { ticket_count: 10, servers_on_hypervisor: 2, db_servers_in_prod: 0 },
        },
      ],
    },
    {
      name: 'a ticket that fired 9 times is watched until 24 h after it was raised',
      snapshot: host().alarm(HV, 'HW-MC-ERROR', { ticketId: '721533', count: 9, raisedAt: hoursAgo(23) }).build(),
      findings: [
        {
          messageId: 'monitor',
          severity: 'low',
          message:
            'Hypervisor krane-hn1prod-com0369 has machine-check errors (ticket 721533) that fired 9 times (under 10): keep watching until 2025-08-11T01:00:00.000Z, then close the ticket without action if it stays under 10.',
        },
      ],
    },
    {
      name: 'a ticket under the count is closed without action once 24 h have passed, to the minute',
      snapshot: host().alarm(HV, 'HW-MC-ERROR', { ticketId: '721534', count: 9, raisedAt: hoursAgo(24) }).build(),
      findings: [{ messageId: 'closeWithoutAction', severity: 'info', message: /fired only 9 times in 24 h of watching: close the ticket without action\.$/ }],
    },
    {
      name: 'the monitorHours option lengthens the watch',
      snapshot: host().alarm(HV, 'MEM_SBE', { count: 2, raisedAt: hoursAgo(30) }).build(),
      options: { monitorHours: 48 },
      findings: [{ messageId: 'monitor', message: /keep watching until 2025-08-11T18:00:00\.000Z/ }],
    },
    {
      name: 'the announceAtCount option moves the threshold',
      snapshot: host().alarm(HV, 'MEM_SBE', { count: 5, raisedAt: hoursAgo(1) }).build(),
      options: { announceAtCount: 5 },
      findings: [{ messageId: 'announceAndWork', message: /fired 5 times \(threshold 5\)/ }],
    },
    {
      name: 'open tickets for one fault add up to the threshold',
      snapshot: host().alarm(HV, 'MEM_SBE', { ticketId: '721512', count: 9, raisedAt: hoursAgo(10) }).alarm(`${HV}.dakao.io`, 'MEM_SBE', { ticketId: '721530', count: 3, raisedAt: hoursAgo(2) }).build(),
      findings: [{ messageId: 'announceAndWork', evidence: { ticket: '721512', ticket_count: 12, tickets: '721512, 721530' } }],
    },
    {
      name: 'SMART errors at the count are a planned disk swap with a notice period',
      snapshot: host().alarm(HV, 'DISK_SMART_ERROR', { ticketId: '721611', count: 14 }).build(),
      findings: [{ messageId: 'announceDiskSwap', severity: 'high', message: /announce the disk swap in business hours and start it no earlier than 4 h later, longer if owners ask; no DB servers on it\.$/ }],
    },
    {
      name: 'the diskSwapNoticeHours option sets the notice period',
      snapshot: host().alarm(HV, 'DISK_SMART_ERROR', { count: 10 }).build(),
      options: { diskSwapNoticeHours: 8 },
      findings: [{ messageId: 'announceDiskSwap', message: /no earlier than 8 h later/ }],
    },
    {
      name: 'single-bit and machine-check faults on one hypervisor are judged apart',
      snapshot: host().alarm(HV, 'MEM_SBE', { count: 11 }).alarm(HV, 'HW-MC-ERROR', { count: 1 }).build(),
      findings: [{ messageId: 'announceAndWork' }, { messageId: 'monitor' }],
    },
    {
      name: 'a DB server in prod makes the work wait for the DBA',
      snapshot: host()
        .server('openlink-toros-mongo8', { on: HV })
        .reach('openlink-toros-mongo8', true)
        .inventory({ match: { serverName: 'openlink-toros-mongo8' }, roles: ['db'] })
        .alarm(HV, 'MEM_SBE', { count: 25 })
        .build(),
      findings: [{ messageId: 'announceAndWork', message: /1 DB server on it \(openlink-toros-mongo8\): wait for the DBA before stopping them\.$/, evidence: { db_servers_in_prod: 1 } }],
    },
    {
      name: 'a third swap within 30 days replaces the box',
      snapshot: host()
        .alarm(HV, 'MEM_SBE', { ticketId: '719877', status: 'closed', count: 14, raisedAt: daysAgo(14) })
        .alarm(HV, 'HW-MC-ERROR', { ticketId: '716002', status: 'closed', count: 10, raisedAt: daysAgo(25) })
        .alarm(HV, 'MEM_SBE', { ticketId: '721512', count: 11, raisedAt: hoursAgo(3) })
        .build(),
      findings: [
        {
          messageId: 'replaceBox',
          resource: HV,
          severity: 'high',
          message:
            'Hypervisor krane-hn1prod-com0369 needed the part swap for memory single-bit errors 3 times in 30 days (tickets 721512, 719877, 716002): replace the whole box from the spare pool instead of another part swap; no DB servers on it.',
          evidence: { times_in_window: 3, window_days: 30 },
        },
      ],
    },
    {
      name: 'a swap exactly 30 days ago still counts toward the box replacement',
      snapshot: host()
        .alarm(HV, 'MEM_SBE', { ticketId: '710001', status: 'closed', count: 12, raisedAt: daysAgo(30) })
        .alarm(HV, 'MEM_SBE', { ticketId: '715001', status: 'closed', count: 12, raisedAt: daysAgo(10) })
        .alarm(HV, 'MEM_SBE', { ticketId: '721001', count: 10 })
        .build(),
      findings: [{ messageId: 'replaceBox', evidence: { times_in_window: 3 } }],
    },
    {
      name: 'a swap a minute older than the window does not count',
      snapshot: host()
        .alarm(HV, 'MEM_SBE', { ticketId: '710002', status: 'closed', count: 12, raisedAt: new Date(Date.parse(daysAgo(30)) - 60_000).toISOString() })
        .alarm(HV, 'MEM_SBE', { ticketId: '715002', status: 'closed', count: 12, raisedAt: daysAgo(10) })
        .alarm(HV, 'MEM_SBE', { ticketId: '721002', count: 10 })
        .build(),
      findings: [{ messageId: 'announceAndWork', evidence: { ticket: '721002' } }],
    },
    {
      name: 'past tickets that stayed under the count were never swaps and do not replace the box',
      snapshot: host()
        .alarm(HV, 'MEM_SBE', { ticketId: '710003', status: 'closed', count: 4, raisedAt: daysAgo(5) })
        .alarm(HV, 'MEM_SBE', { ticketId: '715003', status: 'closed', count: 9, raisedAt: daysAgo(10) })
        .alarm(HV, 'MEM_SBE', { ticketId: '721003', count: 10 })
        .build(),
      findings: [{ messageId: 'announceAndWork' }],
    },
    {
      name: 'three swaps in the window replace the box even while the new ticket is under the count',
      snapshot: host()
        .alarm(HV, 'DISK_SMART_ERROR', { ticketId: '710004', status: 'closed', count: 10, raisedAt: daysAgo(2) })
        .alarm(HV, 'MEM_SBE', { ticketId: '710005', status: 'closed', count: 15, raisedAt: daysAgo(9) })
        .alarm(HV, 'HW-MC-ERROR', { ticketId: '710006', status: 'closed', count: 20, raisedAt: daysAgo(20) })
        .alarm(HV, 'MEM_SBE', { ticketId: '721004', count: 1 })
        .build(),
      findings: [{ messageId: 'replaceBox', evidence: { times_in_window: 3 } }],
    },
    {
      name: 'the replaceBoxAfter option lowers how many swaps replace the box',
      snapshot: host().alarm(HV, 'MEM_SBE', { status: 'closed', count: 12, raisedAt: daysAgo(7) }).alarm(HV, 'MEM_SBE', { count: 12 }).build(),
      options: { replaceBoxAfter: 2 },
      findings: [{ messageId: 'replaceBox', message: /2 times in 30 days/ }],
    },
    {
      name: 'the replaceBoxWindowDays option widens the window',
      snapshot: host()
        .alarm(HV, 'MEM_SBE', { status: 'closed', count: 12, raisedAt: daysAgo(40) })
        .alarm(HV, 'MEM_SBE', { status: 'closed', count: 12, raisedAt: daysAgo(50) })
        .alarm(HV, 'MEM_SBE', { count: 12 })
        .build(),
      options: { replaceBoxWindowDays: 60 },
      findings: [{ messageId: 'replaceBox', message: /3 times in 60 days/ }],
    },
  ],
});
