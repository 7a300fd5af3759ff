import { fleet, type FleetBuilder } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './hypervisor-down.js';

const NOW = '2026-01-01T00:00:00Z';
const A = 'krane-pg1-com0908';
const B = 'krane-pg1-com0909';
const HEARTBEAT = '2026-01-01T00:00:10Z';

type SshState = 'ok' | 'refused' | 'timeout' | 'hang' | 'error' | 'not-expected';

/** A probe of a hypervisor's management address. */
function pmProbe(b: FleetBuilder, target: string, ping: boolean | null, ssh: SshState | null): FleetBuilder {
  return b.probe({ targetKind: 'hypervisor', targetId: target, address: '10.61.128.38', probedAt: NOW, ping: ping === null ? null : { ok: ping }, ssh: ssh === null ? null : { state: ssh } });
}

/** Two prod hypervisors in pg1 with healthy nova-compute services, a few servers, and no probes yet. */
function pg1(aService: Record<string, unknown> = {}): FleetBuilder {
  return fleet()
    .at(NOW)
    .region('pg1', 'prod', 'pangyo')
    .hypervisor(A, { region: 'pg1' })
    .hypervisor(B, { region: 'pg1' })
    .computeService(A, { zone: 'nova', updatedAt: HEARTBEAT, ...aService })
    .computeService(B, { zone: 'nova', updatedAt: HEARTBEAT })
    .server('dkos-capri-api-slave-11', { on: A, region: 'pg1' })
    .server('mail-thor-pg42', { on: A, region: 'pg1' })
    .server('dkos-marathon-lb-9140c', { on: B, region: 'pg1' });
}

function probed(b: FleetBuilder): FleetBuilder {
  return pmProbe(pmProbe(b, A, true, 'ok'), B, true, 'ok');
}

testDetector(detector, {
  valid: [
    { name: 'a healthy pg1 passes: services up and enabled, hosts answer ping and ssh', snapshot: probed(pg1()).build() },
    { name: 'without probes, healthy services pass', snapshot: pg1().build() },
    {
      name: 'services on API hosts (scheduler, conductor) are not hypervisors and are not judged',
      snapshot: pg1().computeService('krane-pg1-api01', { binary: 'nova-scheduler', state: 'down' }).computeService('krane-pg1-api01', { binary: 'nova-conductor', status: 'disabled' }).build(),
    },
    {
      name: 'a host that answers ssh but not ping is alive (ICMP filtered) and passes',
      snapshot: pmProbe(pg1(), A, false, 'ok').build(),
    },
    {
      name: 'a stale down record of a re-registered host is outweighed by the newer up record',
      snapshot: pg1().computeService(`${A}.dakao.io`, { state: 'down', updatedAt: '2025-03-01T00:00:00Z' }).build(),
    },
    { name: 'an empty region passes', snapshot: fleet().build({ collected: ['hypervisors', 'computeServices'] }) },
  ],
  invalid: [
    {
      name: 'nova-compute down in a prod zone is high, with its last heartbeat',
      snapshot: pg1({ state: 'down', updatedAt: '2025-12-31T23:40:00Z' }).build(),
      findings: [
        {
          messageId: 'serviceDown',
          resource: A,
          severity: 'high',
          message: `nova-compute on ${A} is down; last heartbeat 2025-12-31T23:40:00Z.`,
          evidence: { service_state: 'down', service_status: 'enabled', last_heartbeat: '2025-12-31T23:40:00Z', zone: 'prod', servers_on_hypervisor: 2, probe: 'not probed' },
        },
      ],
    },
    {
      name: 'a forced-down service gets its own message',
      snapshot: pg1({ state: 'down', forcedDown: true }).build(),
      findings: [{ messageId: 'forcedDown', resource: A, severity: 'high', message: `nova-compute on ${A} is forced down (down, enabled, forced down).`, evidence: { forced_down: true } }],
    },
    {
      name: 'seed 000 PING_FAIL: a hypervisor that answers neither ping nor ssh, found by its short name',
      snapshot: pmProbe(
        fleet()
          .at(NOW)
          .region('pg1', 'prod')
          .hypervisor('krane-pg1-com908.dakao.io', { host: 'krane-pg1-com908', region: 'pg1', hostIp: '10.61.128.38' })
          .computeService('krane-pg1-com908', { state: 'down', updatedAt: '2025-12-31T23:58:00Z' }),
        'krane-pg1-com908',
        false,
        'timeout',
      ).build(),
      findings: [
        {
          messageId: 'pingFailed',
          resource: 'krane-pg1-com908.dakao.io',
          severity: 'high',
          message: 'Hypervisor krane-pg1-com908.dakao.io does not answer ping at 10.61.128.38; nova-compute is down, enabled.',
          evidence: { ping: false, ssh: 'timeout', service_state: 'down' },
        },
      ],
    },
    {
      name: 'a hypervisor that answers ping but hangs on ssh is reported even while its service still reports up',
      snapshot: pmProbe(probed(pg1()), A, true, 'hang').build(),
      findings: [
        {
          messageId: 'sshFailed',
          resource: A,
          message: `Hypervisor ${A} answers ping but ssh hangs without a banner at 10.61.128.38; nova-compute is up, enabled.`,
          evidence: { ssh: 'hang', service_state: 'up' },
        },
      ],
    },
    {
      name: 'ssh refused on a hypervisor is an ssh failure',
      snapshot: pmProbe(pg1({ state: 'down' }), A, true, 'refused').build(),
      findings: [{ messageId: 'sshFailed', resource: A, message: /ssh is refused/ }],
    },
    {
      name: 'a disabled service without a maintenance reason is low: scheduling is off, servers still run',
      snapshot: pg1({ status: 'disabled', disabledReason: null }).build(),
      findings: [{ messageId: 'serviceDisabled', resource: A, severity: 'low', message: `nova-compute on ${A} is disabled: no reason given.` }],
    },
    {
      name: 'disabledSeverity sets the severity of a plain disabled service',
      snapshot: pg1({ status: 'disabled', disabledReason: 'too many build failures' }).build(),
      options: { disabledSeverity: 'medium' },
      findings: [{ messageId: 'serviceDisabled', resource: A, severity: 'medium', evidence: { disabled_reason: 'too many build failures' } }],
    },
    {
      name: 'a service disabled for maintenance is info and says so',
      snapshot: pg1({ status: 'disabled', disabledReason: 'Maintenance: PSU swap, ticket 721441' }).build(),
      findings: [
        {
          messageId: 'serviceDisabled',
          resource: A,
          severity: 'info',
          evidence: { maintenance: 'disabled for maintenance, severity lowered: Maintenance: PSU swap, ticket 721441' },
        },
      ],
    },
    {
      name: 'maintenance lowers even an unreachable host: it is expected to be off during the work (Korean reason)',
      snapshot: pmProbe(pg1({ status: 'disabled', state: 'down', disabledReason: 'DCEng 파트 교체 작업' }), A, false, 'timeout').build(),
      findings: [{ messageId: 'pingFailed', resource: A, severity: 'info' }],
    },
    {
      name: 'maintenanceSeverity sets the lowered severity',
      snapshot: pg1({ status: 'disabled', state: 'down', disabledReason: 'RMA disk replacement' }).build(),
      options: { maintenanceSeverity: 'low' },
      findings: [{ messageId: 'serviceDown', resource: A, severity: 'low' }],
    },
    {
      name: 'a custom maintenanceReasonPattern replaces the default words',
      snapshot: pg1({ status: 'disabled', disabledReason: 'planned: BIOS update' })
        .computeService(B, { status: 'disabled', disabledReason: 'maintenance', updatedAt: '2026-01-01T00:00:20Z' })
        .build(),
      options: { maintenanceReasonPattern: '^planned:' },
      findings: [
        { messageId: 'serviceDisabled', resource: A, severity: 'info' },
        { messageId: 'serviceDisabled', resource: B, severity: 'low' },
      ],
    },
    {
      name: 'a down service on a prod hypervisor carrying a DB server is critical; the DB still runs, so wait for the DBA',
      snapshot: pg1({ state: 'down' })
        .server('toros-stargate-my1', { on: A, region: 'pg1' })
        .inventory({ match: { serverName: 'toros-stargate-my1' }, roles: ['db'], owners: ['dba'], tags: {} })
        .build(),
      findings: [
        {
          messageId: 'serviceDown',
          resource: A,
          severity: 'critical',
          evidence: {
            db_servers: 'toros-stargate-my1',
            servers_on_hypervisor: 3,
            urgency: '1 DB server(s) on a prod hypervisor, still serving: tell the DB on-call and wait for the DBA before any disruptive step',
          },
        },
      ],
    },
    {
      name: 'an unreachable prod hypervisor carrying a DB server is critical; the DB is already hit, so move fast',
      snapshot: pmProbe(
        pg1({ state: 'down' })
          .server('openlink-toros-mongo8', { on: A, region: 'pg1' })
          .inventory({ match: { serverName: 'openlink-toros-mongo8' }, roles: ['db'], owners: [], tags: {} }),
        A,
        false,
        'timeout',
      ).build(),
      findings: [
        {
          messageId: 'pingFailed',
          resource: A,
          severity: 'critical',
          evidence: { urgency: '1 DB server(s) on a prod hypervisor, already affected: move fast and tell the DB on-call' },
        },
      ],
    },
    {
      name: 'a down hypervisor in a dev zone uses devSeverity',
      snapshot: fleet().region('hn1dev', 'dev').hypervisor('krane-hn1dev-com0012', { region: 'hn1dev' }).computeService('krane-hn1dev-com0012', { state: 'down' }).build(),
      options: { devSeverity: 'low' },
      findings: [{ messageId: 'serviceDown', resource: 'krane-hn1dev-com0012', severity: 'low', evidence: { zone: 'dev' } }],
    },
    {
      name: 'without a service record the hypervisor API state stands in',
      snapshot: pg1().hypervisor('krane-pg1-com0910', { region: 'pg1', state: 'down', status: 'enabled' }).build(),
      findings: [{ messageId: 'serviceDown', resource: 'krane-pg1-com0910', message: /last heartbeat unknown/, evidence: { service_state: 'down', last_heartbeat: null } }],
    },
  ],
});
