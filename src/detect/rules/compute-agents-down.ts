import { z } from 'zod';
import type { Evidence } from '../../core/findings.js';
import { SEVERITIES } from '../../core/severity.js';
import type { HostFacts } from '../../snapshot/schema.js';
import { defineDetector, type RawFinding } from '../define.js';
import { formatBytes, hostRef, hostUrgency, matchesGlob } from '../resources.js';

type Messages = 'agentsDown' | 'noAgents';
type Container = NonNullable<HostFacts['containers']>[number];
type Runtime = Container['runtime'];

const groupSchema = z.object({
  group: z.string().min(1).describe('the docker-compose project (directory under /opt/krane) or, on containerd hosts, a label for the set'),
  containers: z.array(z.string().min(1)).min(1).describe('container or compose service names (`*` globs) that must be running'),
});
type Group = z.output<typeof groupSchema>;

/**
 * A compose container's service name: `nova_nova-compute_1` (compose v1) and
 * `nova-nova-compute-1` (v2) both become `nova-compute`.
 */
function serviceName(container: Container, project: string): string {
  const prefix = container.project ?? project;
  let name = container.name;
  if (name.startsWith(`${prefix}_`) || name.startsWith(`${prefix}-`)) name = name.slice(prefix.length + 1);
  return name.replace(/[_-]\d+$/, '');
}

export function isRunning(state: string): boolean {
  return /^(running|up)\b/i.test(state.trim());
}

export interface AgentVerdict {
  readonly group: string;
  readonly name: string;
  /** The best state seen: running wins over any exited attempt; undefined = no such container. */
  readonly state: string | undefined;
  /** The state as the tool printed it (`Exit 137`, `Up 3 weeks`), when the collector kept it. */
  readonly printed: string | undefined;
}

/** Each expected agent of each group with the best state the host shows for it; shared with the compute-agents runbook, so it checks what the detector found. */
export function judgeAgents(containers: readonly Container[], runtime: Runtime, groups: readonly Group[]): AgentVerdict[] {
  const own = containers.filter((c) => c.runtime === runtime);
  return groups.flatMap((g) =>
    g.containers.map((expected) => {
      const matching = own.filter((c) => matchesGlob(expected, runtime === 'docker-compose' ? serviceName(c, g.group) : c.name));
      const running = matching.find((c) => isRunning(c.state));
      const best = running ?? matching[0];
      return { group: g.group, name: expected, state: best?.state, printed: best?.status };
    }),
  );
}

const RESTART: Readonly<Record<Runtime, (group: string) => string>> = {
  'docker-compose': (group) => `cd /opt/krane/${group} && docker-compose restart`,
  containerd: () => 'systemctl restart containerd kubelet, then crictl stop $(crictl ps -q)',
};

export default defineDetector({
  id: 'compute-agents-down',
  title: 'Compute agent containers down on a hypervisor',
  layer: 'host',
  severity: 'high',
  description: 'Finds hypervisors where nova-compute, the Neutron agents or the route agents (bird, bird exporter, agent) are missing or not running, under docker-compose or containerd.',
  explanation:
    'On these hypervisors OpenStack\'s per-host services run as containers: nova-compute (starts, stops and repairs ' +
    'servers), the Neutron DHCP, metadata and Linux bridge agents (wire servers to the network) and the hostroute ' +
    'containers (bird speaks BGP to the switches and announces the servers\' addresses). When one is down, servers on ' +
    'the host can look ACTIVE in Nova while they cannot be started, get no address, or drop off the network. Docker ' +
    'hosts run them as three compose projects under /opt/krane; containerd hosts run them as kubelet-managed containers, ' +
    'which do not start while swap is on.',
  requires: ['hostFacts'],
  uses: ['hypervisors', 'servers', 'regions', 'inventory'],
  messages: {
    agentsDown: '{{count}} compute agent container(s) on {{host}} ({{runtime}}) are missing or not running: {{agents}}.',
    noAgents: 'No compute agent containers at all on hypervisor {{host}}: neither docker-compose nor containerd lists nova-compute, the Neutron agents or the route agents.',
  },
  options: z.object({
    dockerCompose: z
      .array(groupSchema)
      .default([
        { group: 'nova', containers: ['nova-compute'] },
        { group: 'neutron', containers: ['neutron-dhcp-agent', 'neutron-metadata-agent', 'neutron-linuxbridge-agent'] },
        { group: 'hostroute', containers: ['hostroute-bird', 'hostroute-bird-exporter', 'hostroute-agent'] },
      ])
      .describe('compose projects under /opt/krane and the services each must run'),
    containerd: z
      .array(groupSchema)
      .default([
        { group: 'nova', containers: ['nova-compute'] },
        { group: 'neutron', containers: ['neutron-dhcp-agent', 'neutron-lb-agent', 'neutron-metadata-agent'] },
        { group: 'hostroute', containers: ['hostroute-bird', 'hostroute-bird-exporter'] },
      ])
      .describe('containers (crictl names) a containerd host must run, by group'),
    devSeverity: z.enum(SEVERITIES).default('medium').describe('severity for a host in a dev zone'),
  }),
  remediation: {
    runbook: 'compute-agents-down',
    steps: [
      'Docker hosts: `systemctl restart docker.service`, then `docker-compose ps` in /opt/krane/nova, /opt/krane/neutron and /opt/krane/hostroute; every container must be Up. Restart a project that is not: `cd /opt/krane/<project> && docker-compose restart`.',
      'Containerd hosts: `systemctl restart containerd.service`, `systemctl restart kubelet.service`, then `crictl stop $(crictl ps -q)` (kubelet restarts them); `crictl ps --name nova-* -s Running` must list nova-compute, `neutron-*` three agents, `hostroute-*` two.',
      'Still not Running on a containerd host: check swap (`free -h | grep Swap` must show 0B); if not, `swapoff -a` and restart kubelet (swap-enabled).',
      'Retry up to three times, a minute apart; then page the platform on-call.',
    ],
  },
  source: 'catalog §3 OpenStack API layer (compute-agents-down), §4.10; seed 000 §4.10 (docker-compose ps / crictl ps output)',
  detect({ snapshot, index, options }) {
    const out: RawFinding<Messages>[] = [];
    const expected: Record<Runtime, readonly Group[]> = { 'docker-compose': options.dockerCompose, containerd: options.containerd };
    for (const facts of snapshot.hostFacts) {
      const containers = facts.containers;
      if (containers === undefined) continue; // not collected on this host: not judged
      const verdicts = (['docker-compose', 'containerd'] as const).map((runtime) => ({ runtime, verdicts: judgeAgents(containers, runtime, expected[runtime]) }));
      // A runtime is this host's agent runtime when it runs any expected agent; a host with neither is judged only if Nova calls it a hypervisor.
      const active = verdicts.filter((v) => v.verdicts.some((x) => x.state !== undefined));
      const isHypervisor = index.hypervisor(facts.host) !== undefined;
      if (active.length === 0 && !isHypervisor) continue;

      const urgency = hostUrgency(index, facts.host, 'high', options.devSeverity);
      const hostEvidence: Evidence[] = [
        ...Object.entries(facts.services ?? {})
          .filter(([unit]) => /^(docker|containerd|kubelet)(\.service)?$/.test(unit))
          .map(([unit, state]) => ({ label: `unit ${unit}`, value: state, source: 'systemctl is-active' })),
        ...(facts.memory ? [{ label: 'swap_total', value: formatBytes(facts.memory.swapTotalBytes), source: 'free' }] : []),
        ...urgency.evidence,
      ];

      if (active.length === 0) {
        out.push({
          messageId: 'noAgents',
          data: { host: facts.host },
          resource: hostRef(index, facts.host),
          severity: urgency.severity,
          evidence: [{ label: 'containers_listed', value: containers.length, source: 'docker-compose ps / crictl ps -a' }, ...hostEvidence],
        });
        continue;
      }
      for (const { runtime, verdicts: list } of active) {
        const bad = list.filter((v) => v.state === undefined || !isRunning(v.state));
        if (bad.length === 0) continue;
        const failingGroups = [...new Set(bad.map((v) => v.group))];
        out.push({
          messageId: 'agentsDown',
          data: {
            host: facts.host,
            runtime,
            count: bad.length,
            agents: bad.map((v) => `${v.name} (${v.state ?? 'missing'})`).join(', '),
          },
          resource: hostRef(index, facts.host),
          severity: urgency.severity,
          key: runtime,
          evidence: [
            ...list.map((v) => ({ label: `${v.group}/${v.name}`, value: v.state === undefined ? 'missing' : v.printed && v.printed !== v.state ? `${v.state} (${v.printed})` : v.state, source: runtime === 'docker-compose' ? 'docker-compose ps' : 'crictl ps -a' })),
            { label: 'restart', value: runtime === 'docker-compose' ? failingGroups.map((g) => RESTART[runtime](g)).join('; ') : RESTART[runtime](''), source: 'runbook compute-agents-down' },
            ...hostEvidence,
          ],
        });
      }
    }
    return out;
  },
});
