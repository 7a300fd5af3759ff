import { fleet } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './disk-data-loss.js';

const T = '2025-08-11T00:00:00Z';
const HV = 'krane-hn1prod-com0415';

/** A prod hypervisor with three servers that answer. */
const host = () =>
  fleet()
    .at(T)
    .region('hn1prod', 'prod')
    .hypervisor(HV, { region: 'hn1prod', hostIp: '10.209.1.159' })
    .server('dkosv3-kakaocorp-prd-worker-pjmq', { on: HV })
    .server('dkosv3-roadview-search-prod-ingress-nfz7', { on: HV })
    .server('amphora-5d1c9e0b', { on: HV })
    .reach('dkosv3-kakaocorp-prd-worker-pjmq', true)
    .reach('dkosv3-roadview-search-prod-ingress-nfz7', true)
    .reach('amphora-5d1c9e0b', true, 'not-expected')
    .inventory({ match: { serverName: 'nobody' }, roles: ['db'] });

testDetector(detector, {
  valid: [
    { name: 'an empty alarm feed passes', snapshot: fleet().at(T).build({ collected: ['alarms'] }) },
    { name: 'a closed disk failure is history', snapshot: host().alarm(HV, 'DISK_FAILED', { status: 'closed' }).build() },
    { name: 'disk warnings while every server answers are routine work for other detectors', snapshot: host().alarm(HV, 'DISK_FAILURE_PREDICTED').alarm(HV, 'DISK_SMART_ERROR', { count: 30 }).build() },
    {
      name: 'an amphora that answers ping but not ssh still counts as answering',
      snapshot: host().server('amphora-77aa01', { on: HV }).reach('amphora-77aa01', true, 'timeout').alarm(HV, 'DISK_FAILURE_PREDICTED').build(),
    },
    { name: 'fan and CPU faults are not disk faults', snapshot: host().alarm(HV, 'FAN').alarm(HV, 'CPU').build() },
  ],
  invalid: [
    {
      name: 'a failed disk on a prod hypervisor needs the data-loss notice, listing its servers',
      snapshot: host().alarm(HV, 'DISK_FAILED', { ticketId: '721563', message: 'Physical Disk 0:1:0 failed; Virtual Disk 0 offline' }).build(),
      findings: [
        {
          messageId: 'diskFailed',
          resource: HV,
          severity: 'critical',
          message:
            'Hypervisor krane-hn1prod-com0415 has a failed disk (ticket 721563, DISK_FAILED): send the data-loss notice for its 3 servers, swap the disk and reinstall the OS from the standard template; no DB servers on it.',
          evidence: { servers_on_hypervisor: 3, affected_server: 'dkosv3-roadview-search-prod-ingress-nfz7', db_servers_in_prod: 0 },
        },
      ],
    },
    {
      name: 'lost data on a dev hypervisor gets the dev severity',
      snapshot: fleet().at(T).region('hn1dev', 'dev').hypervisor('krane-hn1dev-com0044', { region: 'hn1dev' }).server('dev-box', { on: 'krane-hn1dev-com0044' }).alarm('krane-hn1dev-com0044', 'DISK_DATA_LOSS').build(),
      findings: [{ messageId: 'diskFailed', severity: 'high', message: /has lost data on a disk .* for its 1 server, .*; dev zone, no DB check needed\.$/, evidence: { affected_server: 'dev-box' } }],
    },
    {
      name: 'the devSeverity option sets the dev-zone severity',
      snapshot: fleet().at(T).region('hn1dev', 'dev').hypervisor('krane-hn1dev-com0045', { region: 'hn1dev' }).alarm('krane-hn1dev-com0045', 'DISK_FAILED').build(),
      options: { devSeverity: 'medium' },
      findings: [{ messageId: 'diskFailed', severity: 'medium' }],
    },
    {
      name: 'the maxServersListed option caps the names and counts the rest',
      snapshot: host().alarm(HV, 'DISK_FAILED').build(),
      options: { maxServersListed: 2 },
      findings: [{ messageId: 'diskFailed', evidence: { affected_server: 'dkosv3-kakaocorp-prd-worker-pjmq', affected_servers_not_listed: 1 } }],
    },
    {
      name: 'SMART errors on a hypervisor whose server stopped answering are treated as a failed disk',
      snapshot: fleet()
        .at(T)
        .region('hn1prod', 'prod')
        .hypervisor(HV, { region: 'hn1prod' })
        .server('web-1', { on: HV })
        .server('web-2', { on: HV })
        .reach('web-1', true)
        .reach('web-2', false)
        .alarm(HV, 'DISK_SMART_ERROR', { ticketId: '721611', count: 3 })
        .build(),
      findings: [
        {
          messageId: 'diskWarningServersDown',
          severity: 'critical',
          message: 'Hypervisor krane-hn1prod-com0415 has disk SMART errors (ticket 721611, DISK_SMART_ERROR) and 1 of its 2 active servers does not answer: check for lost data; unless a reboot with fsck brings every server back, treat the disk as failed.',
          evidence: { servers_not_answering: 1, not_answering: 'web-2' },
        },
      ],
    },
    {
      name: 'a predicted disk failure on a hypervisor that stopped answering is treated as a failed disk',
      snapshot: host()
        .probe({ targetKind: 'hypervisor', targetId: HV, address: '10.209.1.159', probedAt: T, ping: { ok: false }, ssh: { state: 'timeout' } })
        .alarm(HV, 'DISK_FAILURE_PREDICTED')
        .build(),
      findings: [{ messageId: 'diskWarningServersDown', message: /has a disk predicted to fail .* and the hypervisor itself does not answer/, evidence: { hypervisor_answers: false } }],
    },
    {
      name: 'a ticket that names the hypervisor by its address is placed on the hypervisor',
      snapshot: host().alarm('10.209.1.159', 'DISK_FAILED', { ticketId: '0d7c2b9e6a115f3c' }).build(),
      findings: [{ messageId: 'diskFailed', resource: HV, evidence: { ticket: '0d7c2b9e6a115f3c', servers_on_hypervisor: 3 } }],
    },
  ],
});
