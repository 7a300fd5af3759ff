import { fleet, type FleetBuilder } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './hypervisor-mass-impact.js';

const PM = 'krane-pg1-com882';
const OTHER = 'krane-pg1-com883';

/** Seed 000 §5.1: the servers on krane-pg1-com882, all ACTIVE and answering ping and ssh. */
const COM882 = [
  'dkos-capri-api-slave-11',
  'dkos-scotti-vim-pg1-test1-slave-2',
  'dkos-jeju-with-kakao-slave-1',
  'mail-mint-pghttp21',
  'mail-cinna-pghttp2',
  'dkos-marathon-lb-9140c',
  'dkos-marathon-lb-30b1c',
  'dkos-mailservice-pg-slave-229',
  'mail-thor-pg42',
  'toros-stargate-my1',
];

function com882(zone: 'prod' | 'dev' = 'prod'): FleetBuilder {
  const b = fleet().region('pg1', zone, 'pangyo').hypervisor(PM, { region: 'pg1' }).hypervisor(OTHER, { region: 'pg1' });
  for (const name of COM882) b.server(name, { on: PM, region: 'pg1' }).reach(name, true, 'ok');
  b.server('amphora-1d2e3f4a', { on: PM, region: 'pg1' }).reach('amphora-1d2e3f4a', true, null);
  b.server('stage-log-supervisor43', { on: OTHER, region: 'pg1' }).reach('stage-log-supervisor43', true, 'ok');
  // toros-stargate-my1 carries the ⚠ DB mark in the seed.
  return b.inventory({ match: { serverName: 'toros-stargate-my1' }, roles: ['db'], owners: ['toros-dba'], tags: {} });
}

/** Marks a server on the PM broken, as the probe or Nova would see it. */
function unreachable(b: FleetBuilder, name: string, ssh: 'timeout' | 'hang' = 'timeout'): FleetBuilder {
  return b.server(name, { on: PM, region: 'pg1' }).reach(name, ssh === 'hang', ssh);
}
function inError(b: FleetBuilder, name: string, on = PM): FleetBuilder {
  return b.server(name, { on, region: 'pg1', status: 'ERROR', vmState: 'error' });
}
function stoppedByNova(b: FleetBuilder, name: string): FleetBuilder {
  return b
    .server(name, { on: PM, region: 'pg1', status: 'SHUTOFF', vmState: 'stopped', powerState: 4 })
    .action(name, { action: 'stop', startTime: '2025-12-31T23:50:00Z', userId: null, projectId: null, events: [{ event: 'compute_stop_instance', result: 'Success' }] });
}

testDetector(detector, {
  valid: [
    { name: 'a healthy hypervisor with eleven servers passes', snapshot: com882().build() },
    {
      name: 'two affected servers stay under the default of three: a VM hang, not a PM hang',
      snapshot: unreachable(inError(com882(), 'mail-hmail-pgwas7'), 'mosol-morpheus-dev4').build(),
    },
    {
      name: 'affected servers spread over hypervisors are not added up',
      snapshot: inError(inError(unreachable(com882(), 'mosol-morpheus-dev4'), 'mail-hmail-pgwas7'), 'dkos-marathon-lb-e1399', OTHER).build(),
    },
    {
      name: 'servers their owners stopped are not affected',
      snapshot: (() => {
        const b = com882();
        for (const n of ['dev-a', 'dev-b', 'dev-c']) b.server(n, { on: PM, region: 'pg1', status: 'SHUTOFF' }).action(n, { action: 'stop', startTime: '2025-12-30T10:00:00Z' });
        return b.build();
      })(),
    },
    {
      name: 'amphoras answering ping and servers answering ssh but not ping are not affected',
      snapshot: (() => {
        const b = com882();
        for (const n of ['amphora-aa', 'amphora-bb', 'amphora-cc']) b.server(n, { on: PM, region: 'pg1' }).reach(n, true, 'timeout');
        for (const n of ['icmp-filtered-1', 'icmp-filtered-2', 'icmp-filtered-3']) b.server(n, { on: PM, region: 'pg1' }).reach(n, false, 'ok');
        return b.build();
      })(),
    },
    {
      name: 'ACTIVE servers without probe results are not counted as affected',
      snapshot: (() => {
        const b = fleet().hypervisor(PM);
        for (const n of ['a', 'b', 'c', 'd']) b.server(n, { on: PM });
        return b.build({ collected: ['probes'] });
      })(),
    },
    {
      name: 'minAffected 4 tolerates three affected servers',
      snapshot: stoppedByNova(unreachable(inError(com882(), 'mail-hmail-pgwas7'), 'mosol-morpheus-dev4'), 'dkos-marathon-lb-e2069').build(),
      options: { minAffected: 4 },
    },
    { name: 'an empty region passes', snapshot: fleet().build({ collected: ['servers', 'hypervisors'] }) },
  ],
  invalid: [
    {
      name: 'seed 000 krane-pg1-com882: five servers affected on one prod PM is a PM hang, with the DB server on it named',
      snapshot: (() => {
        let b = com882();
        b = unreachable(b, 'dkos-marathon-lb-bc2c3');
        b = unreachable(b, 'dkos-marathon-lb-e1399', 'hang');
        b = unreachable(b, 'dkos-marathon-lb-e2069');
        b = inError(b, 'mail-hmail-pgwas7');
        return stoppedByNova(b, 'mosol-morpheus-dev4').build();
      })(),
      findings: [
        {
          messageId: 'massImpact',
          resource: PM,
          severity: 'critical',
          message: `Hypervisor ${PM} has 5 of 16 servers affected (1 ERROR, 3 unreachable, 1 stopped by Nova); treat it as a hung hypervisor.`,
          evidence: {
            affected: 5,
            affected_servers: 'dkos-marathon-lb-bc2c3, dkos-marathon-lb-e1399, dkos-marathon-lb-e2069, mail-hmail-pgwas7, mosol-morpheus-dev4',
            in_error: 1,
            unreachable: 3,
            stopped_by_nova: 1,
            db_servers_affected: 'none',
            db_servers: 'toros-stargate-my1',
            zone: 'prod',
            urgency: '1 DB server(s) on a prod hypervisor, still serving: tell the DB on-call and wait for the DBA before any disruptive step',
          },
        },
      ],
    },
    {
      name: 'exactly three affected servers reach the default threshold',
      snapshot: stoppedByNova(unreachable(inError(com882(), 'mail-hmail-pgwas7'), 'mosol-morpheus-dev4'), 'dkos-marathon-lb-e2069').build(),
      findings: [{ messageId: 'massImpact', resource: PM, message: /has 3 of 14 servers affected/ }],
    },
    {
      name: 'minAffected 2 flags two affected servers',
      snapshot: unreachable(inError(com882(), 'mail-hmail-pgwas7'), 'mosol-morpheus-dev4').build(),
      options: { minAffected: 2 },
      findings: [{ messageId: 'massImpact', resource: PM, evidence: { affected: 2 } }],
    },
    {
      name: 'an affected DB server is listed as such',
      snapshot: (() => {
        const b = inError(inError(com882(), 'mail-hmail-pgwas7'), 'mosol-morpheus-dev4');
        return b.reach('toros-stargate-my1', false, 'timeout').build();
      })(),
      findings: [{ messageId: 'massImpact', resource: PM, severity: 'critical', evidence: { db_servers_affected: 'toros-stargate-my1', unreachable: 1, urgency: '1 DB server(s) on a prod hypervisor, already affected: move fast and tell the DB on-call' } }],
    },
    {
      name: 'a dev-zone hypervisor is high by default',
      snapshot: inError(inError(inError(com882('dev'), 'a'), 'b'), 'c').build(),
      findings: [{ messageId: 'massImpact', resource: PM, severity: 'high', evidence: { zone: 'dev' } }],
    },
    {
      name: 'devSeverity sets the dev-zone severity',
      snapshot: inError(inError(inError(com882('dev'), 'a'), 'b'), 'c').build(),
      options: { devSeverity: 'medium' },
      findings: [{ messageId: 'massImpact', resource: PM, severity: 'medium' }],
    },
    {
      name: 'without probes or instance actions, ERROR servers still count and the evidence says what was not checked',
      snapshot: (() => {
        const b = fleet().region('pg1', 'prod').hypervisor(PM, { region: 'pg1' });
        for (const n of ['web-1', 'web-2', 'web-3']) b.server(n, { on: PM, region: 'pg1', status: 'ERROR' });
        return b.build();
      })(),
      findings: [
        {
          messageId: 'massImpact',
          resource: PM,
          evidence: { in_error: 3, unreachable: 'not checked (no probes collected)', stopped_by_nova: 'not checked (no instance actions collected)' },
        },
      ],
    },
    {
      name: 'with a different ping-only pattern, amphoras failing ssh count as unreachable',
      snapshot: (() => {
        const b = com882();
        for (const n of ['amphora-aa', 'amphora-bb', 'amphora-cc']) b.server(n, { on: PM, region: 'pg1' }).reach(n, true, 'timeout');
        return b.build();
      })(),
      options: { pingOnlyNamePattern: '^octavia-' },
      findings: [{ messageId: 'massImpact', resource: PM, evidence: { unreachable: 3, affected_servers: 'amphora-aa, amphora-bb, amphora-cc' } }],
    },
  ],
});
