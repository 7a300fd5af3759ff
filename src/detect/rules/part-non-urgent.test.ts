import { fleet } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './part-non-urgent.js';

const T = '2025-08-11T01:00:00Z';
const HV = 'krane-pg1-com882';

/** A prod hypervisor in pg1 with two servers that answer ping and ssh. */
const healthy = () =>
  fleet()
    .at(T)
    .region('pg1', 'prod')
    .hypervisor(HV, { region: 'pg1' })
    .server('dkos-capri-api-worker-11', { on: HV })
    .server('mail-mint-pghttp21', { on: HV })
    .reach('dkos-capri-api-worker-11', true)
    .reach('mail-mint-pghttp21', true);

testDetector(detector, {
  valid: [
    { name: 'an empty alarm feed passes', snapshot: fleet().at(T).build({ collected: ['alarms'] }) },
    { name: 'a closed fan ticket is history, not work', snapshot: healthy().alarm(HV, 'FAN', { status: 'closed' }).build() },
    {
      name: 'ping and kernel-panic tickets are not part faults',
      snapshot: healthy().alarm(HV, 'PING_FAIL', { message: 'CRITICAL - Plugin timed out' }).alarm(HV, 'SYS_KERNEL_PANIC').build(),
    },
    {
      name: 'urgent parts and ticket-count faults belong to other detectors',
      snapshot: healthy().alarm(HV, 'CPU').alarm(HV, 'MEM_SBE', { count: 12 }).alarm(HV, 'PSU', { message: 'PS1 failed; host lost power' }).build(),
    },
    {
      name: 'a disk predicted to fail while a server no longer answers is left to disk-data-loss',
      snapshot: fleet()
        .at(T)
        .region('pg1', 'prod')
        .hypervisor(HV, { region: 'pg1' })
        .server('web-1', { on: HV })
        .server('web-2', { on: HV })
        .reach('web-1', true)
        .reach('web-2', false)
        .alarm(HV, 'DISK_FAILURE_PREDICTED')
        .build(),
    },
  ],
  invalid: [
    {
      name: 'a fan fault on a prod hypervisor is daytime work without a public notice',
      snapshot: healthy()
        .alarm(HV, 'FAN', { ticketId: '721548', location: 'PG1-024-22-11-07', ips: ['10.61.128.12'], message: 'System Board Fan5 RPM is less than the lower critical threshold', count: 2 })
        .build(),
      findings: [
        {
          messageId: 'partFault',
          resource: HV,
          severity: 'low',
          message: 'Hypervisor krane-pg1-com882 has a fan fault (ticket 721548, FAN): schedule the swap for daytime, no public notice needed; check for DB servers first (no inventory collected).',
          evidence: { ticket: '721548', ticket_count: 2, location: 'PG1-024-22-11-07', ips: '10.61.128.12', servers_on_hypervisor: 2, servers_not_answering: 0, zone: 'prod' },
        },
      ],
    },
    {
      name: 'a PSU ticket whose text says redundancy is lost is non-urgent, and a DB server there waits for the DBA',
      snapshot: healthy()
        .server('toros-stargate-my1', { on: HV })
        .reach('toros-stargate-my1', true)
        .inventory({ match: { serverName: 'toros-stargate-my1' }, roles: ['db'] })
        .alarm(HV, 'PSU', { ticketId: '721552', message: 'Power supply redundancy is lost. PS2 input lost' })
        .build(),
      findings: [
        {
          messageId: 'partFault',
          message:
            'Hypervisor krane-pg1-com882 has a failed power supply (redundancy lost) (ticket 721552, PSU): schedule the swap for daytime, no public notice needed; 1 DB server on it (toros-stargate-my1): wait for the DBA before stopping them.',
          evidence: { db_servers_in_prod: 1, db_servers: 'toros-stargate-my1' },
        },
      ],
    },
    {
      name: 'a dev-zone hypervisor gets the dev severity',
      snapshot: fleet().at(T).region('hn1dev', 'dev').hypervisor('krane-hn1dev-com0044', { region: 'hn1dev' }).alarm('krane-hn1dev-com0044', 'PSU_REDUNDANCY_LOST').build(),
      findings: [{ messageId: 'partFault', severity: 'info', message: /dev zone, no DB check needed/ }],
    },
    {
      name: 'the devSeverity option sets the dev-zone severity',
      snapshot: fleet().at(T).region('hn1dev', 'dev').hypervisor('krane-hn1dev-com0045', { region: 'hn1dev' }).alarm('krane-hn1dev-com0045', 'FAN').build(),
      options: { devSeverity: 'low' },
      findings: [{ messageId: 'partFault', resource: 'krane-hn1dev-com0045', severity: 'low' }],
    },
    {
      name: 'a disk predicted to fail while every server answers is daytime work',
      snapshot: healthy().alarm(HV, 'DISK_FAILURE_PREDICTED', { ticketId: '721541', message: 'Physical Disk 0:1:3 Failure Predicted' }).build(),
      findings: [
        {
          messageId: 'diskFailurePredicted',
          severity: 'low',
          message: /has a disk predicted to fail \(ticket 721541\) and all 2 active servers on it answer: swap it in daytime/,
          evidence: { alarm_message: 'Physical Disk 0:1:3 Failure Predicted' },
        },
      ],
    },
    {
      name: 'a disk predicted to fail with no probe results asks for a reachability check first',
      snapshot: fleet().at(T).region('pg1', 'prod').hypervisor(HV, { region: 'pg1' }).server('web-1', { on: HV }).alarm(HV, 'DISK_FAILURE_PREDICTED', { ticketId: '721600' }).build(),
      findings: [
        {
          messageId: 'diskPredictedUnverified',
          message: 'Hypervisor krane-pg1-com882 has a disk predicted to fail (ticket 721600) but its 1 server was not probed: confirm they all answer before treating it as daytime work.',
        },
      ],
    },
    {
      name: 'a disk predicted to fail with one server unprobed is not yet verified',
      snapshot: healthy().server('web-3', { on: HV }).alarm(HV, 'DISK_FAILURE_PREDICTED').build(),
      findings: [{ messageId: 'diskPredictedUnverified', message: /1 of its 3 active servers was not probed/, evidence: { servers_not_probed: 1 } }],
    },
    {
      name: 'two open fan tickets on one hypervisor are one fault with their counts added',
      snapshot: healthy().alarm(HV, 'FAN', { ticketId: '800001', count: 2, raisedAt: '2025-08-10T00:00:00Z' }).alarm(`${HV}.dakao.io`, 'fan', { ticketId: '800002', count: 3 }).build(),
      findings: [{ messageId: 'partFault', resource: HV, evidence: { ticket: '800001', ticket_count: 5, tickets: '800001, 800002' } }],
    },
    {
      name: 'an alarm for a host the snapshot has no hypervisor for is reported on the host',
      snapshot: fleet().at(T).alarm('krane-as1prod-com0201.dakao.io', 'FAN', { ticketId: '721700' }).build(),
      findings: [{ messageId: 'partFault', resource: 'krane-as1prod-com0201.dakao.io', severity: 'low', message: /^Hypervisor krane-as1prod-com0201\.dakao\.io has a fan fault/ }],
    },
  ],
});
