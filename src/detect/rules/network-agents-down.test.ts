import { fleet, type FleetBuilder } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './network-agents-down.js';

const A = 'krane-ay2prod-com0101';
const B = 'krane-ay2prod-com0102';

const LB = { binary: 'neutron-linuxbridge-agent', agentType: 'Linux bridge agent' };
const DHCP = { binary: 'neutron-dhcp-agent', agentType: 'DHCP agent' };
const META = { binary: 'neutron-metadata-agent', agentType: 'Metadata agent' };
const L3 = { binary: 'neutron-l3-agent', agentType: 'L3 agent' };

/** The three agents every compute host runs (seed 000 §4.10), each overridable. */
function computeAgents(b: FleetBuilder, host: string, region: string, over: { lb?: object; dhcp?: object; meta?: object } = {}): FleetBuilder {
  return b
    .networkAgent(host, { ...LB, region, heartbeatTimestamp: '2025-12-31 23:59:40', ...over.lb })
    .networkAgent(host, { ...DHCP, region, heartbeatTimestamp: '2025-12-31 23:59:41', ...over.dhcp })
    .networkAgent(host, { ...META, region, heartbeatTimestamp: '2025-12-31 23:59:42', ...over.meta });
}

/** Two prod hypervisors in ay2prod with servers and healthy agents; `a` overrides agents on the first. */
function ay2prod(a: { lb?: object; dhcp?: object; meta?: object } = {}): FleetBuilder {
  const b = fleet()
    .region('ay2prod', 'prod', 'anyang')
    .hypervisor(A, { region: 'ay2prod' })
    .hypervisor(B, { region: 'ay2prod' })
    .server('dkosv3-navi-platform-prod-ingress-k5ln', { on: A, region: 'ay2prod' })
    .server('dkosv3-roadview-search-prod-ingress-nfz7', { on: B, region: 'ay2prod' });
  return computeAgents(computeAgents(b, A, 'ay2prod', a), B, 'ay2prod');
}

const dead = (heartbeat: string) => ({ alive: false, heartbeatTimestamp: heartbeat });

testDetector(detector, {
  valid: [
    { name: 'a healthy region passes: every agent alive and admin up', snapshot: ay2prod().build() },
    { name: 'no agents reported at all passes', snapshot: fleet().build({ collected: ['networkAgents'] }) },
  ],
  invalid: [
    {
      name: 'dead DHCP and metadata agents on a prod hypervisor give one high finding listing them',
      snapshot: ay2prod({ dhcp: dead('2025-12-31 23:10:00'), meta: dead('2025-12-31 23:10:02') }).build(),
      findings: [
        {
          messageId: 'agentsDead',
          resource: A,
          severity: 'high',
          message: `2 Neutron agent(s) on ${A} are not alive: neutron-dhcp-agent, neutron-metadata-agent.`,
          evidence: {
            agents_not_alive: 2,
            'neutron-dhcp-agent': 'not alive (last heartbeat 2025-12-31 23:10:00)',
            'neutron-metadata-agent': 'not alive (last heartbeat 2025-12-31 23:10:02)',
            'neutron-linuxbridge-agent': 'alive',
            zone: 'prod',
            servers_on_hypervisor: 1,
          },
        },
      ],
    },
    {
      name: 'an agent set administratively down while alive is low',
      snapshot: ay2prod({ lb: { adminStateUp: false } }).build(),
      findings: [
        {
          messageId: 'agentsAdminDown',
          resource: A,
          severity: 'low',
          message: `1 Neutron agent(s) on ${A} are administratively down: neutron-linuxbridge-agent.`,
          evidence: { 'neutron-linuxbridge-agent': 'alive, admin state down', agents_not_alive: 0, agents_admin_down: 1 },
        },
      ],
    },
    {
      name: 'adminDownSeverity sets the severity of administratively down agents',
      snapshot: ay2prod({ dhcp: { adminStateUp: false } }).build(),
      options: { adminDownSeverity: 'medium' },
      findings: [{ messageId: 'agentsAdminDown', resource: A, severity: 'medium' }],
    },
    {
      name: 'dead agents win over admin-down ones on the same host; the message names the dead ones',
      snapshot: ay2prod({ lb: dead('2025-12-31 22:00:00'), dhcp: { adminStateUp: false } }).build(),
      findings: [{ messageId: 'agentsDead', resource: A, message: /1 Neutron agent\(s\) .* not alive: neutron-linuxbridge-agent\./, evidence: { agents_admin_down: 1 } }],
    },
    {
      name: 'a dead agent that is also admin down says both',
      snapshot: ay2prod({ meta: { alive: false, adminStateUp: false, heartbeatTimestamp: null } }).build(),
      findings: [{ messageId: 'agentsDead', resource: A, evidence: { 'neutron-metadata-agent': 'not alive (last heartbeat unknown), admin state down' } }],
    },
    {
      name: 'agents reported under the FQDN and the short name are one host',
      snapshot: ay2prod({ lb: { ...dead('2025-12-31 23:00:00'), host: `${A}.dakao.io` }, dhcp: dead('2025-12-31 23:00:01') }).build(),
      findings: [{ messageId: 'agentsDead', resource: A, evidence: { agents_not_alive: 2 } }],
    },
    {
      name: 'two hosts with dead agents give one finding each',
      snapshot: computeAgents(
        fleet().region('ay2prod', 'prod').hypervisor(A, { region: 'ay2prod' }).hypervisor(B, { region: 'ay2prod' }),
        A,
        'ay2prod',
        { lb: dead('2025-12-31 23:00:00') },
      )
        .networkAgent(B, { ...DHCP, region: 'ay2prod', alive: false })
        .build(),
      findings: [
        { messageId: 'agentsDead', resource: A },
        { messageId: 'agentsDead', resource: B },
      ],
    },
    {
      name: 'dead agents on a prod hypervisor carrying a DB server are critical',
      snapshot: ay2prod({ lb: dead('2025-12-31 23:00:00') })
        .server('mobility-hyperdx01-mongo1', { on: A, region: 'ay2prod' })
        .inventory({ match: { serverName: 'mobility-hyperdx01-mongo1' }, roles: ['db'], owners: [], tags: {} })
        .build(),
      findings: [{ messageId: 'agentsDead', resource: A, severity: 'critical', evidence: { db_servers: 'mobility-hyperdx01-mongo1' } }],
    },
    {
      name: 'dead agents on a dev-zone hypervisor use devSeverity',
      snapshot: computeAgents(fleet().region('ay2dev', 'dev').hypervisor('krane-ay2dev-com0003', { region: 'ay2dev' }), 'krane-ay2dev-com0003', 'ay2dev', {
        dhcp: dead('2025-12-31 20:00:00'),
      }).build(),
      options: { devSeverity: 'low' },
      findings: [{ messageId: 'agentsDead', resource: 'krane-ay2dev-com0003', severity: 'low', evidence: { zone: 'dev' } }],
    },
    {
      name: 'a dead L3 agent on a network node (not a hypervisor) is reported on the host, judged by the agent\'s region',
      snapshot: ay2prod().networkAgent('krane-ay2prod-net01', { ...L3, region: 'ay2prod', alive: false, heartbeatTimestamp: '2025-12-31 12:00:00' }).build(),
      findings: [
        {
          messageId: 'agentsDead',
          resource: 'krane-ay2prod-net01',
          severity: 'high',
          evidence: { 'neutron-l3-agent': 'not alive (last heartbeat 2025-12-31 12:00:00)', zone: 'prod' },
        },
      ],
    },
    {
      name: 'a network node in a dev region uses devSeverity',
      snapshot: fleet().region('hn1dev', 'dev').networkAgent('krane-hn1dev-net01', { ...L3, region: 'hn1dev', alive: false }).build(),
      findings: [{ messageId: 'agentsDead', resource: 'krane-hn1dev-net01', severity: 'medium', evidence: { zone: 'dev' } }],
    },
  ],
});
