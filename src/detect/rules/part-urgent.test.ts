import { fleet } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './part-urgent.js';

const T = '2025-08-11T00:00:00Z';
const HV = 'krane-ay2prod-com0077';

/** A prod hypervisor with three servers that answer; one of them is a DB server. */
const host = () =>
  fleet()
    .at(T)
    .region('ay2prod', 'prod')
    .hypervisor(HV, { region: 'ay2prod' })
    .server('dkosv3-navi-openapi-prod-master-4', { on: HV })
    .server('dkosv3-kserve-perf-worker-lg96', { on: HV })
    .server('mobility-hyperdx01-mongo1', { on: HV })
    .reach('dkosv3-navi-openapi-prod-master-4', true)
    .reach('dkosv3-kserve-perf-worker-lg96', true)
    .reach('mobility-hyperdx01-mongo1', true)
    .inventory({ match: { serverName: 'mobility-hyperdx01-mongo1' }, roles: ['db'], owners: ['dba-oncall'] });

const hypervisorDown = (b: ReturnType<typeof host>) =>
  b.probe({ targetKind: 'hypervisor', targetId: HV, address: '10.203.9.77', probedAt: T, ping: { ok: false }, ssh: { state: 'timeout' } });

testDetector(detector, {
  valid: [
    { name: 'an empty alarm feed passes', snapshot: fleet().at(T).build({ collected: ['alarms'] }) },
    { name: 'a closed CPU ticket is history', snapshot: host().alarm(HV, 'CPU', { status: 'closed' }).build() },
    {
      name: 'non-urgent and ticket-count faults belong to other detectors',
      snapshot: host().alarm(HV, 'FAN').alarm(HV, 'PSU', { message: 'Power supply redundancy is lost' }).alarm(HV, 'MEM_SBE', { count: 40 }).alarm(HV, 'DISK_FAILED').build(),
    },
  ],
  invalid: [
    {
      name: 'a failed CPU on a prod hypervisor with a DB server: notice, stop, swap, after the DBA',
      snapshot: host().alarm(HV, 'CPU', { ticketId: '721560', location: 'AY2-F01-02-17-08', message: 'CPU 2 has an internal error (IERR)' }).build(),
      findings: [
        {
          messageId: 'urgentPart',
          resource: HV,
          severity: 'high',
          message:
            'Hypervisor krane-ay2prod-com0077 has a failed CPU (ticket 721560, CPU): request a fault notice, stop its 3 servers, power it off and swap the part from the spare pool; 1 DB server on it (mobility-hyperdx01-mongo1): wait for the DBA before stopping them.',
          evidence: { servers_on_hypervisor: 3, db_servers_in_prod: 1, db_servers: 'mobility-hyperdx01-mongo1', location: 'AY2-F01-02-17-08', servers_not_answering: 0 },
        },
      ],
    },
    {
      name: 'a mainboard fault asks for the virtualization settings to be checked after the swap',
      snapshot: host().alarm(HV, 'MAINBOARD', { ticketId: '721561' }).build(),
      findings: [{ messageId: 'mainboardSwap', severity: 'high', message: /swap the board or box from the spare pool and re-check VT-x, VT-d, x2apic and SR-IOV before starting them/ }],
    },
    {
      name: 'a PSU ticket that does not speak of redundancy needs power work',
      snapshot: host().alarm(HV, 'PSU', { message: 'PS1 failure detected' }).build(),
      findings: [{ messageId: 'urgentPart', message: /has a failed power supply \(ticket \d+, PSU\)/ }],
    },
    {
      name: 'a hypervisor that no longer answers is critical and the DB on-call is told at once',
      snapshot: hypervisorDown(host()).alarm(HV, 'NIC').build(),
      findings: [{ messageId: 'urgentPart', severity: 'critical', message: /1 DB server on it \(mobility-hyperdx01-mongo1\) already affected: tell the DB on-call now\.$/, evidence: { hypervisor_answers: false } }],
    },
    {
      name: 'a server that no longer answers also makes it critical',
      snapshot: host().server('dkosv3-rentcar-public-proxy-worker-z85s', { on: HV }).reach('dkosv3-rentcar-public-proxy-worker-z85s', true, 'hang').alarm(HV, 'MEM_UE').build(),
      findings: [{ messageId: 'urgentPart', severity: 'critical', message: /has uncorrectable memory errors/, evidence: { servers_not_answering: 1, not_answering: 'dkosv3-rentcar-public-proxy-worker-z85s' } }],
    },
    {
      name: 'the affectedSeverity option sets the severity once servers are affected',
      snapshot: hypervisorDown(host()).alarm(HV, 'CPU').build(),
      options: { affectedSeverity: 'high' },
      findings: [{ messageId: 'urgentPart', severity: 'high' }],
    },
    {
      name: 'a dev-zone hypervisor gets the dev severity, even when affected',
      snapshot: fleet()
        .at(T)
        .region('hn1dev', 'dev')
        .hypervisor('krane-hn1dev-com0101', { region: 'hn1dev' })
        .server('dev-1', { on: 'krane-hn1dev-com0101' })
        .reach('dev-1', false)
        .alarm('krane-hn1dev-com0101', 'MEM_UE')
        .build(),
      findings: [{ messageId: 'urgentPart', severity: 'medium', message: /stop its 1 server, .*; dev zone, no DB check needed\.$/ }],
    },
    {
      name: 'the devSeverity option sets the dev-zone severity',
      snapshot: fleet().at(T).region('hn1dev', 'dev').hypervisor('krane-hn1dev-com0102', { region: 'hn1dev' }).alarm('krane-hn1dev-com0102', 'CPU').build(),
      options: { devSeverity: 'low' },
      findings: [{ messageId: 'urgentPart', severity: 'low' }],
    },
    {
      name: 'without an inventory the message asks for the DB check',
      snapshot: fleet().at(T).region('ay2prod', 'prod').hypervisor(HV, { region: 'ay2prod' }).server('x', { on: HV }).alarm(HV, 'NIC').build(),
      findings: [{ messageId: 'urgentPart', message: /stop its 1 server, power it off and swap the part from the spare pool; check for DB servers first \(no inventory collected\)\.$/ }],
    },
    {
      name: 'a ticket that names the hypervisor by its address is placed on the hypervisor',
      snapshot: host().hypervisor('krane-ay2prod-com0078', { region: 'ay2prod', hostIp: '10.203.9.78' }).alarm('10.203.9.78', 'CPU').build(),
      findings: [{ messageId: 'urgentPart', resource: 'krane-ay2prod-com0078', message: /^Hypervisor krane-ay2prod-com0078 has a failed CPU .* stop its 0 servers/ }],
    },
  ],
});
