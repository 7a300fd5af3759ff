import { z } from 'zod';
import type { Evidence } from '../../core/findings.js';
import { SEVERITIES, type Severity } from '../../core/severity.js';
import { shortHostName } from '../../snapshot/fleet-index.js';
import type { NetworkAgent } from '../../snapshot/schema.js';
import { defineDetector, type RawFinding } from '../define.js';
import { hostRef, hypervisorUrgency } from '../resources.js';

type Messages = 'agentsDead' | 'agentsAdminDown';

function agentState(a: NetworkAgent): string {
  if (!a.alive) return `not alive (last heartbeat ${a.heartbeatTimestamp ?? 'unknown'})${a.adminStateUp ? '' : ', admin state down'}`;
  return a.adminStateUp ? 'alive' : 'alive, admin state down';
}

export default defineDetector({
  id: 'network-agents-down',
  title: 'Neutron agents down',
  layer: 'openstack',
  severity: 'high',
  description: 'Finds hosts whose Neutron agents (bridge, DHCP, metadata, L3) are not alive or are administratively down, one finding per host.',
  explanation:
    'The Neutron agents on a hypervisor wire its servers to the network: the bridge agent plugs ports, the DHCP agent ' +
    'hands out addresses and the metadata agent serves cloud-init. When they stop reporting, servers already running ' +
    'usually keep their network for a while, but new or rebooted servers come up without addresses or metadata, port ' +
    'changes are not applied and migrations fail. An agent set administratively down is taken out of service on purpose, ' +
    'which is worth knowing when it was not meant to last.',
  requires: ['networkAgents'],
  uses: ['hypervisors', 'servers', 'regions', 'inventory'],
  messages: {
    agentsDead: '{{count}} Neutron agent(s) on {{host}} are not alive: {{agents}}.',
    agentsAdminDown: '{{count}} Neutron agent(s) on {{host}} are administratively down: {{agents}}.',
  },
  options: z.object({
    devSeverity: z.enum(SEVERITIES).default('medium').describe('severity for dead agents on a host in a dev zone'),
    adminDownSeverity: z.enum(SEVERITIES).default('low').describe('severity when agents are alive but administratively down'),
  }),
  remediation: {
    runbook: 'compute-agents-down',
    steps: [
      'Log in to the host and check the agent containers: docker hosts `cd /opt/krane/neutron && docker-compose ps` (every container Up); containerd hosts `crictl ps --name neutron-*` (dhcp, linuxbridge and metadata agents Running).',
      'Docker hosts: `systemctl restart docker`, then `docker-compose restart` in /opt/krane/neutron if a container is still not Up.',
      'Containerd hosts: `systemctl restart containerd`, `systemctl restart kubelet`, then `crictl stop $(crictl ps -q)` so kubelet restarts the containers; check swap is 0B (`free -h`), else `swapoff -a` and restart kubelet.',
      'Retry up to three times a minute apart; still not alive: page the platform on-call.',
      'Administratively down on purpose: when the work is done, `openstack network agent set --enable <agent-id>`.',
    ],
  },
  source: 'catalog §3 OpenStack API layer (compute-agents-down, as the Neutron API reports it); seed 000 §4.10',
  detect({ snapshot, index, options }) {
    const out: RawFinding<Messages>[] = [];
    const byHost = new Map<string, NetworkAgent[]>();
    for (const agent of snapshot.networkAgents) {
      const key = shortHostName(agent.host);
      const list = byHost.get(key);
      if (list) list.push(agent);
      else byHost.set(key, [agent]);
    }
    for (const agents of byHost.values()) {
      const dead = agents.filter((a) => !a.alive);
      const adminDown = agents.filter((a) => a.alive && !a.adminStateUp);
      if (dead.length === 0 && adminDown.length === 0) continue;
      const host = (agents[0] as NetworkAgent).host;
      const hv = index.hypervisor(host);
      const flagged = dead.length > 0 ? dead : adminDown;
      const names = flagged.map((a) => a.binary).join(', ');

      let severity: Severity;
      const evidence: Evidence[] = [
        { label: 'agents_not_alive', value: dead.length, source: 'neutron agents' },
        { label: 'agents_admin_down', value: agents.filter((a) => !a.adminStateUp).length, source: 'neutron agents' },
        ...agents.map((a) => ({ label: a.binary, value: agentState(a), source: 'neutron agents' })),
      ];
      if (dead.length === 0) {
        severity = options.adminDownSeverity;
      } else if (hv) {
        // Running servers usually keep their network while the agents are gone.
        const urgency = hypervisorUrgency(index, hv, 'high', options.devSeverity, 'serving');
        severity = urgency.severity;
        evidence.push(...urgency.evidence);
      } else {
        // A network or controller node: no servers of its own, but it serves many hypervisors.
        const zone = agents.map((a) => index.region(a.region)?.zone).find((z) => z !== undefined);
        severity = zone === 'dev' ? options.devSeverity : 'high';
        evidence.push({ label: 'zone', value: zone ?? 'prod (zone unknown, treated as prod)', source: 'regions' });
      }
      out.push({
        messageId: dead.length > 0 ? 'agentsDead' : 'agentsAdminDown',
        severity,
        data: { count: flagged.length, host: hv?.name ?? host, agents: names },
        resource: hostRef(index, host),
        evidence,
      });
    }
    return out;
  },
});
