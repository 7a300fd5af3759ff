import { fleet, type FleetBuilder } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './compute-agents-down.js';

const DOCKER_PM = 'krane-pg1-com0908';
const CRI_PM = 'krane-hn1prod-com0001';
const GiB = 1024 ** 3;

interface ContainerIn {
  runtime: 'docker-compose' | 'containerd';
  project?: string;
  name: string;
  state: string;
  status?: string;
}

/** `docker-compose ps` of the three projects in seed 000 §4.10, compose v1 names. */
function composeHealthy(): ContainerIn[] {
  const c = (project: string, service: string): ContainerIn => ({ runtime: 'docker-compose', project, name: `${project}_${service}_1`, state: 'running' });
  return [
    c('nova', 'nova-compute'),
    c('neutron', 'neutron-l3-agent'),
    c('neutron', 'neutron-dhcp-agent'),
    c('neutron', 'neutron-metadata-agent'),
    c('neutron', 'neutron-linuxbridge-agent'),
    c('hostroute', 'hostroute-agent'),
    c('hostroute', 'hostroute-bird-exporter'),
    c('hostroute', 'hostroute-bird'),
  ];
}

/** `crictl ps -a` on a containerd hypervisor (seed 000 §4.10). */
function crictlHealthy(): ContainerIn[] {
  return ['nova-compute', 'nova-compute-ssh', 'neutron-dhcp-agent', 'neutron-lb-agent', 'neutron-metadata-agent', 'hostroute-bird-exporter', 'hostroute-bird'].map((name) => ({
    runtime: 'containerd',
    name,
    state: 'running',
  }));
}

function replace(list: ContainerIn[], name: string, change: Partial<ContainerIn> | null): ContainerIn[] {
  return list.flatMap((c) => (c.name === name ? (change === null ? [] : [{ ...c, ...change }]) : [c]));
}

function dockerHost(containers: ContainerIn[], zone: 'prod' | 'dev' = 'prod'): FleetBuilder {
  return fleet()
    .region('pg1', zone)
    .hypervisor(DOCKER_PM, { region: 'pg1' })
    .hostFacts(DOCKER_PM, { containers, services: { 'docker.service': 'active' } });
}

function criHost(containers: ContainerIn[], swapTotalBytes = 0): FleetBuilder {
  return fleet()
    .region('hn1prod', 'prod')
    .hypervisor(CRI_PM, { region: 'hn1prod' })
    .hostFacts(CRI_PM, {
      containers,
      services: { 'containerd.service': 'active', 'kubelet.service': swapTotalBytes > 0 ? 'activating' : 'active' },
      memory: { totalBytes: 256 * GiB, availableBytes: 80 * GiB, swapTotalBytes, swapUsedBytes: 0 },
    });
}

testDetector(detector, {
  valid: [
    { name: 'a docker host with all three compose projects Up passes', snapshot: dockerHost(composeHealthy()).build() },
    { name: 'a containerd host with nova (1), neutron (3) and route (2) Running passes', snapshot: criHost(crictlHealthy()).build() },
    {
      name: 'compose v2 names without a project (nova-nova-compute-1) are matched by service name',
      snapshot: dockerHost([...composeHealthy().filter((c) => c.project !== 'nova'), { runtime: 'docker-compose', name: 'nova-nova-compute-1', state: 'running' }]).build(),
    },
    {
      name: 'crictl ps -a listing an exited earlier attempt before the running one passes',
      snapshot: criHost([{ runtime: 'containerd', name: 'nova-compute', state: 'exited' }, ...crictlHealthy()]).build(),
    },
    { name: 'a host without container facts is not judged', snapshot: fleet().hypervisor(DOCKER_PM).hostFacts(DOCKER_PM, {}).build() },
    {
      name: 'a Kubernetes node running only its own pods is not a hypervisor and is not judged',
      snapshot: fleet().hostFacts('k8s-worker-1', { containers: [{ runtime: 'containerd', name: 'coredns', state: 'running' }] }).build(),
    },
    {
      name: 'the expected set is configurable: a fleet without the hostroute agent container passes',
      snapshot: dockerHost(replace(composeHealthy(), 'hostroute_hostroute-agent_1', null)).build(),
      options: {
        dockerCompose: [
          { group: 'nova', containers: ['nova-compute'] },
          { group: 'neutron', containers: ['neutron-dhcp-agent', 'neutron-metadata-agent', 'neutron-linuxbridge-agent'] },
          { group: 'hostroute', containers: ['hostroute-bird', 'hostroute-bird-exporter'] },
        ],
      },
    },
  ],
  invalid: [
    {
      name: 'nova-compute exited on a docker host is high, with the printed status and the compose restart for its project',
      snapshot: dockerHost(replace(composeHealthy(), 'nova_nova-compute_1', { state: 'exited', status: 'Exit 137' })).build(),
      findings: [
        {
          messageId: 'agentsDown',
          resource: DOCKER_PM,
          severity: 'high',
          message: `1 compute agent container(s) on ${DOCKER_PM} (docker-compose) are missing or not running: nova-compute (exited).`,
          evidence: { 'nova/nova-compute': 'exited (Exit 137)', 'neutron/neutron-dhcp-agent': 'running', restart: 'cd /opt/krane/nova && docker-compose restart', 'unit docker.service': 'active' },
        },
      ],
    },
    {
      name: 'a missing neutron agent and a restarting bird are listed together, with both projects to restart',
      snapshot: dockerHost(replace(replace(composeHealthy(), 'neutron_neutron-metadata-agent_1', null), 'hostroute_hostroute-bird_1', { state: 'restarting' })).build(),
      findings: [
        {
          messageId: 'agentsDown',
          message: `2 compute agent container(s) on ${DOCKER_PM} (docker-compose) are missing or not running: neutron-metadata-agent (missing), hostroute-bird (restarting).`,
          evidence: { restart: 'cd /opt/krane/neutron && docker-compose restart; cd /opt/krane/hostroute && docker-compose restart' },
        },
      ],
    },
    {
      name: 'a containerd host whose agents are not Running while swap is on shows the swap and the kubelet state',
      snapshot: criHost(replace(replace(crictlHealthy(), 'neutron-lb-agent', { state: 'exited' }), 'hostroute-bird-exporter', null), 8 * GiB).build(),
      findings: [
        {
          messageId: 'agentsDown',
          resource: CRI_PM,
          message: `2 compute agent container(s) on ${CRI_PM} (containerd) are missing or not running: neutron-lb-agent (exited), hostroute-bird-exporter (missing).`,
          evidence: { swap_total: '8.0 GiB', 'unit kubelet.service': 'activating', restart: 'systemctl restart containerd kubelet, then crictl stop $(crictl ps -q)' },
        },
      ],
    },
    {
      name: 'a hypervisor whose runtime lists nothing at all has no agents',
      snapshot: dockerHost([]).build(),
      findings: [{ messageId: 'noAgents', resource: DOCKER_PM, severity: 'high', evidence: { containers_listed: 0 } }],
    },
    {
      name: 'a dev-zone host uses devSeverity',
      snapshot: dockerHost(replace(composeHealthy(), 'nova_nova-compute_1', null), 'dev').build(),
      options: { devSeverity: 'low' },
      findings: [{ messageId: 'agentsDown', severity: 'low', message: /nova-compute \(missing\)\.$/ }],
    },
  ],
});
