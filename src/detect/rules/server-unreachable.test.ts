import { fleet, type FleetBuilder } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './server-unreachable.js';

const PM = 'krane-pg1-com0908';
const DEV_PM = 'krane-hn1dev-com0012';

/** A prod hypervisor in pg1 with a Kubernetes worker, an ingress node and a load balancer VM, all healthy. */
function prodFleet(): FleetBuilder {
  return fleet()
    .region('pg1', 'prod', 'pangyo')
    .hypervisor(PM, { region: 'pg1' })
    .server('dkosv3-bot-prod-worker-t8w8', { on: PM, region: 'pg1' })
    .server('dkosv3-bot-prod-ingress-k5ln', { on: PM, region: 'pg1' })
    .server('amphora-3f1c9a2e', { on: PM, region: 'pg1' })
    .reach('dkosv3-bot-prod-worker-t8w8', true, 'ok')
    .reach('dkosv3-bot-prod-ingress-k5ln', true, 'ok')
    .reach('amphora-3f1c9a2e', true, null);
}

/** Adds a server on the prod hypervisor with a probe given field by field. */
function withProbe(b: FleetBuilder, name: string, ping: { ok: boolean } | null, ssh: { state: 'ok' | 'refused' | 'timeout' | 'hang' | 'error' | 'not-expected'; banner?: string; elapsedMs?: number; error?: string } | null): FleetBuilder {
  b.server(name, { on: PM, region: 'pg1', ip: '10.61.128.77' });
  return b.probe({ targetKind: 'server', targetId: b.idOf(name), address: '10.61.128.77', probedAt: '2026-01-01T00:00:00Z', ping, ssh });
}

testDetector(detector, {
  valid: [
    { name: 'a healthy prod hypervisor passes: every server answers ping and ssh, the amphora answers ping', snapshot: prodFleet().build() },
    {
      name: 'an amphora is judged by ping only: an ssh timeout does not count',
      snapshot: prodFleet().server('amphora-77aa01bc', { on: PM, region: 'pg1' }).reach('amphora-77aa01bc', true, 'timeout').build(),
    },
    {
      name: 'servers that are not ACTIVE are not judged, even when probes fail and even when not probed',
      snapshot: prodFleet()
        .server('mail-thor-pg42', { on: PM, region: 'pg1', status: 'SHUTOFF', vmState: 'stopped', powerState: 4 })
        .reach('mail-thor-pg42', false, 'timeout')
        .server('toros-stargate-my1', { on: PM, region: 'pg1', status: 'ERROR', vmState: 'error' })
        .server('dannyho-test-r8b-1', { on: PM, region: 'pg1', status: 'BUILD', vmState: 'building' })
        .build(),
    },
    {
      name: 'ssh marked not-expected by the prober is not judged; ping decides',
      snapshot: withProbe(prodFleet(), 'stage-log-supervisor43', { ok: true }, { state: 'not-expected' }).build(),
    },
    {
      name: 'an ssh error after the banner (authentication) still means sshd answered',
      snapshot: withProbe(prodFleet(), 'mail-mint-pghttp21', { ok: true }, { state: 'error', banner: 'SSH-2.0-OpenSSH_8.9p1', error: 'Permission denied (publickey)' }).build(),
    },
    {
      name: 'an ssh check the prober cancelled at its deadline is not a failure; ping decides',
      snapshot: withProbe(prodFleet(), 'dkos-scotti-vim-pg1-test1-slave-2', { ok: true }, { state: 'error', error: 'cancelled' }).build(),
    },
    {
      name: 'ping not probed but ssh answering is reachable',
      snapshot: withProbe(prodFleet(), 'mail-cinna-pghttp2', null, { state: 'ok' }).build(),
    },
    {
      name: 'reportNotProbed false: an ACTIVE server without a probe result is not reported',
      snapshot: prodFleet().server('dkosv3-rv-multi-worker-q6w4', { on: PM, region: 'pg1' }).build(),
      options: { reportNotProbed: false },
    },
    {
      name: 'a custom ping-only pattern makes matching servers ping-only',
      snapshot: prodFleet().server('octavia-lb-01', { on: PM, region: 'pg1' }).reach('octavia-lb-01', true, 'refused').build(),
      options: { pingOnlyNamePattern: '^(amphora|octavia-lb)-' },
    },
    { name: 'an empty fleet with probes collected passes', snapshot: fleet().build({ collected: ['servers', 'probes'] }) },
  ],
  invalid: [
    {
      name: 'a prod server answering neither ping nor ssh is high, with the probe in evidence',
      snapshot: prodFleet().server('dkosv3-navi-conn-worker-416w', { on: PM, region: 'pg1', ip: '10.209.31.228' }).reach('dkosv3-navi-conn-worker-416w', false, 'timeout').build(),
      findings: [
        {
          messageId: 'pingFailed',
          resource: 'dkosv3-navi-conn-worker-416w',
          severity: 'high',
          message: 'Server dkosv3-navi-conn-worker-416w is ACTIVE but does not answer ping at 10.209.31.228 (ssh: timeout).',
          evidence: { ping: false, ssh: 'timeout', zone: 'prod', host: PM },
        },
      ],
    },
    {
      name: 'a dev-zone server uses the dev severity (default medium)',
      snapshot: fleet()
        .region('hn1dev', 'dev')
        .hypervisor(DEV_PM, { region: 'hn1dev' })
        .server('dannyho-test-u22b-1', { on: DEV_PM, region: 'hn1dev' })
        .reach('dannyho-test-u22b-1', false, 'timeout')
        .build(),
      findings: [{ messageId: 'pingFailed', resource: 'dannyho-test-u22b-1', severity: 'medium', evidence: { zone: 'dev' } }],
    },
    {
      name: 'the devSeverity option sets the dev-zone severity',
      snapshot: fleet()
        .region('hn1dev', 'dev')
        .hypervisor(DEV_PM, { region: 'hn1dev' })
        .server('dannyho-test-r8b-2', { on: DEV_PM, region: 'hn1dev' })
        .reach('dannyho-test-r8b-2', true, 'refused')
        .build(),
      options: { devSeverity: 'low' },
      findings: [{ messageId: 'sshFailed', resource: 'dannyho-test-r8b-2', severity: 'low' }],
    },
    {
      name: 'a DB server in a prod zone is raised to critical and the evidence says to tell the DB on-call',
      snapshot: prodFleet()
        .server('openlink-toros-mongo8', { on: PM, region: 'pg1' })
        .reach('openlink-toros-mongo8', false, 'timeout')
        .inventory({ match: { serverName: 'openlink-toros-mongo8' }, roles: ['db'], owners: ['dba-oncall'], tags: {} })
        .build(),
      findings: [
        {
          messageId: 'pingFailed',
          resource: 'openlink-toros-mongo8',
          severity: 'critical',
          evidence: { role: 'db', urgency: 'DB server in a prod zone, already affected: move fast and tell the DB on-call' },
        },
      ],
    },
    {
      name: 'a DB server in a dev zone is not raised (the DB rule is a prod rule)',
      snapshot: fleet()
        .region('hn1dev', 'dev')
        .hypervisor(DEV_PM, { region: 'hn1dev' })
        .server('dev-mysql-01', { on: DEV_PM, region: 'hn1dev' })
        .reach('dev-mysql-01', false, 'timeout')
        .inventory({ match: { serverName: 'dev-mysql-01' }, roles: ['db'], owners: [], tags: {} })
        .build(),
      findings: [{ messageId: 'pingFailed', resource: 'dev-mysql-01', severity: 'medium', evidence: { role: 'db' } }],
    },
    {
      name: 'a server in an unknown zone is treated as prod and the evidence says so',
      snapshot: fleet().hypervisor('com1').server('web-1', { on: 'com1' }).reach('web-1', false, 'timeout').build(),
      findings: [{ messageId: 'pingFailed', resource: 'web-1', severity: 'high', evidence: { zone: 'prod (zone unknown, treated as prod)' } }],
    },
    {
      name: 'ssh refused while ping answers is an ssh failure',
      snapshot: prodFleet().server('mail-hmail-pgwas7', { on: PM, region: 'pg1', ip: '10.61.128.40' }).reach('mail-hmail-pgwas7', true, 'refused').build(),
      findings: [
        {
          messageId: 'sshFailed',
          resource: 'mail-hmail-pgwas7',
          severity: 'high',
          message: 'Server mail-hmail-pgwas7 is ACTIVE but ssh to 10.61.128.40 was refused (ping: answers).',
        },
      ],
    },
    {
      name: 'ssh timing out while ping answers is an ssh failure',
      snapshot: prodFleet().server('dkos-capri-api-slave-11', { on: PM, region: 'pg1' }).reach('dkos-capri-api-slave-11', true, 'timeout').build(),
      findings: [{ messageId: 'sshFailed', resource: 'dkos-capri-api-slave-11', message: /timed out \(ping: answers\)/ }],
    },
    {
      name: 'an ssh error without a banner is an ssh failure',
      snapshot: withProbe(prodFleet(), 'dkos-jeju-slave-1', { ok: true }, { state: 'error', error: 'Connection reset by peer' }).build(),
      findings: [{ messageId: 'sshFailed', resource: 'dkos-jeju-slave-1', message: /failed without an SSH banner/, evidence: { ssh_error: 'Connection reset by peer' } }],
    },
    {
      name: 'ssh failing with ping not probed says ping was not checked',
      snapshot: withProbe(prodFleet(), 'dkos-mailservice-slave-229', null, { state: 'refused' }).build(),
      findings: [{ messageId: 'sshFailed', resource: 'dkos-mailservice-slave-229', message: /\(ping: not checked\)/ }],
    },
    {
      name: 'an ssh hang (TCP accepted, no banner within 10 s) gets its own message',
      snapshot: withProbe(prodFleet(), 'kakao1-vsc-stage3', { ok: true }, { state: 'hang', elapsedMs: 10000 }).build(),
      findings: [
        {
          messageId: 'sshHang',
          resource: 'kakao1-vsc-stage3',
          severity: 'high',
          message: 'Server kakao1-vsc-stage3 hangs on ssh at 10.61.128.77: the SSH port accepts connections but no SSH banner arrived (waited 10.0 s).',
          evidence: { ssh: 'hang', ssh_elapsed_ms: 10000 },
        },
      ],
    },
    {
      name: 'an ssh hang wins over a failed ping: the guest kernel still accepts TCP',
      snapshot: withProbe(prodFleet(), 'kakao1-vsc-stage4', { ok: false }, { state: 'hang' }).build(),
      findings: [{ messageId: 'sshHang', resource: 'kakao1-vsc-stage4', message: /probe limit reached/ }],
    },
    {
      name: 'an amphora that does not answer ping fails, marked as ping-only',
      snapshot: prodFleet().server('amphora-9c0d11ee', { on: PM, region: 'pg1' }).reach('amphora-9c0d11ee', false, null).build(),
      findings: [
        {
          messageId: 'pingFailed',
          resource: 'amphora-9c0d11ee',
          message: /\(ssh: not checked, ping-only server\)/,
          evidence: { check: 'ping only (name matches pingOnlyNamePattern)' },
        },
      ],
    },
    {
      name: 'with a custom ping-only pattern, amphora servers are judged on ssh again',
      snapshot: prodFleet().server('amphora-5e6f7a8b', { on: PM, region: 'pg1' }).reach('amphora-5e6f7a8b', true, 'refused').build(),
      options: { pingOnlyNamePattern: '^octavia-lb-' },
      findings: [{ messageId: 'sshFailed', resource: 'amphora-5e6f7a8b' }],
    },
    {
      name: 'no ping but a working ssh is reported low: the guest is alive and ICMP is probably filtered',
      snapshot: prodFleet().server('dkosv3-kserve-perf-worker-lg96', { on: PM, region: 'pg1' }).reach('dkosv3-kserve-perf-worker-lg96', false, 'ok').build(),
      findings: [{ messageId: 'pingBlocked', resource: 'dkosv3-kserve-perf-worker-lg96', severity: 'low' }],
    },
    {
      name: 'ACTIVE servers without a probe result are counted per hypervisor, not reported as unreachable',
      snapshot: prodFleet()
        .server('dkosv3-rv-multi-worker-q6w4', { on: PM, region: 'pg1' })
        .server('dkosv3-kakaocorp-prd-worker-pjmq', { on: PM, region: 'pg1' })
        .build(),
      findings: [
        {
          messageId: 'notProbed',
          resource: PM,
          severity: 'low',
          message: `2 ACTIVE server(s) on ${PM} have no ping or ssh result, so their reachability was not checked.`,
          evidence: { not_probed: 2, probed: 3, servers: 'dkosv3-rv-multi-worker-q6w4, dkosv3-kakaocorp-prd-worker-pjmq' },
        },
      ],
    },
    {
      name: 'a probe with neither ping nor ssh result counts as not probed; notProbedSeverity sets its severity',
      snapshot: withProbe(prodFleet(), 'dkosv3-collect-airflow-master-2', null, null).build(),
      options: { notProbedSeverity: 'info' },
      findings: [{ messageId: 'notProbed', resource: PM, severity: 'info', evidence: { not_probed: 1 } }],
    },
    {
      name: 'probes collected for hypervisors only leave every server not probed, reported per hypervisor',
      snapshot: fleet()
        .region('pg1', 'prod')
        .hypervisor(PM, { region: 'pg1' })
        .hypervisor('krane-pg1-com0909', { region: 'pg1' })
        .server('web-a', { on: PM, region: 'pg1' })
        .server('web-b', { on: 'krane-pg1-com0909', region: 'pg1' })
        .probe({ targetKind: 'hypervisor', targetId: PM, address: '10.61.128.38', probedAt: '2026-01-01T00:00:00Z', ping: { ok: true }, ssh: { state: 'ok' } })
        .build(),
      findings: [
        { messageId: 'notProbed', resource: PM, evidence: { not_probed: 1, probed: 0 } },
        { messageId: 'notProbed', resource: 'krane-pg1-com0909', evidence: { not_probed: 1 } },
      ],
    },
    {
      name: 'unprobed servers whose host Nova did not disclose are grouped under an unknown host',
      snapshot: fleet().server('tenant-view-1').server('tenant-view-2').reach('tenant-view-2', true, 'ok').build(),
      findings: [
        {
          messageId: 'notProbed',
          resource: 'unknown-host',
          message: '1 ACTIVE server(s) on an unknown host have no ping or ssh result, so their reachability was not checked.',
          evidence: { not_probed: 1, probed: 1, servers: 'tenant-view-1' },
        },
      ],
    },
    {
      name: 'failures and not-probed servers on one hypervisor are reported side by side',
      snapshot: prodFleet()
        .server('mosol-morpheus-dev4', { on: PM, region: 'pg1' })
        .reach('mosol-morpheus-dev4', false, 'timeout')
        .server('stage-log-supervisor44', { on: PM, region: 'pg1' })
        .build(),
      findings: [
        { messageId: 'pingFailed', resource: 'mosol-morpheus-dev4' },
        { messageId: 'notProbed', resource: PM, evidence: { not_probed: 1, probed: 4 } },
      ],
    },
  ],
});
