import { homedir } from 'node:os';
import type { DataKey } from '../core/data-keys.js';
import type { ResolvedCloud } from '../config/clouds.js';
import type { FaultlineConfig } from '../config/schema.js';
import type { ConfigError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { createAlarmCollector } from './alarms/index.js';
import { createHostCollector, createNodeCollector } from './host/index.js';
import { createInventoryFileCollector } from './inventory/file.js';
import { OpenStackClient } from './openstack/client.js';
import { createOpenStackCollectors } from './openstack/collectors.js';
import { createConsoleLogCollector } from './openstack/console-logs.js';
import { createProbeCollector } from './probe/collector.js';
import { createPrometheusCollector } from './prometheus/index.js';
import { planKubernetes } from './kubernetes/plan.js';
import type { Redactor } from '../core/redact.js';
import type { Collector } from './types.js';

export interface PlanInput {
  readonly config: FaultlineConfig;
  /** The OpenStack cloud from clouds.yaml / OS_* variables, when one is configured. */
  readonly cloud?: ResolvedCloud;
  /** Why the configured cloud could not be resolved. */
  readonly cloudError?: ConfigError;
  readonly log?: Logger;
  /** For the ssh-agent socket (SSH_AUTH_SOCK); defaults to the process environment. */
  readonly env?: NodeJS.ProcessEnv;
  /** faultline.yaml, named in configuration errors. */
  readonly file?: string;
  /** Receives the kubeconfig's tokens and keys. */
  readonly redactor?: Redactor;
}

const OPENSTACK_KEYS: DataKey[] = ['regions', 'servers', 'hypervisors', 'computeServices', 'networkAgents', 'instanceActions'];

/** The regions faultline talks to: `openstack.regions` from faultline.yaml, else the cloud's own region. */
export function openstackRegions(config: FaultlineConfig, cloud: ResolvedCloud): (string | undefined)[] {
  return config.openstack.regions?.length ? config.openstack.regions : [cloud.regionName];
}

/** A client for one region of the configured cloud, with faultline.yaml's interface, microversion and timeout. */
export function createOpenStackClient(config: FaultlineConfig, cloud: ResolvedCloud, region: string | undefined, log?: Logger): OpenStackClient {
  return new OpenStackClient({
    auth: {
      ...cloud.auth,
      interface: config.openstack.interface ?? cloud.interface,
      ...(region ? { regionName: region } : {}),
    },
    computeMicroversion: config.openstack.microversion,
    retry: { timeoutMs: config.openstack.timeoutSeconds * 1000 },
    ...(log ? { log } : {}),
  });
}

type HostsConfig = NonNullable<FaultlineConfig['hosts']>;

/** The SSH transport both host-facts collectors and the remedy commands share: who logs in, how, and how long each step may take. */
export function sshSettings(hosts: HostsConfig, env: NodeJS.ProcessEnv) {
  return {
    username: hosts.username,
    ...(hosts.privateKey ? { privateKeyPath: hosts.privateKey } : {}),
    ...(hosts.passphrase !== undefined ? { passphrase: hosts.passphrase } : {}),
    agent: hosts.agent === true ? (env['SSH_AUTH_SOCK'] ?? false) : hosts.agent,
    knownHostsPath: hosts.knownHosts,
    insecureSkipHostKeyCheck: hosts.insecureSkipHostKeyCheck,
    ...(hosts.jumpHost ? { jumpHost: hosts.jumpHost } : {}),
    hostTimeoutMs: hosts.hostTimeoutSeconds * 1000,
    connectTimeoutMs: hosts.connectTimeoutSeconds * 1000,
    commandTimeoutMs: hosts.commandTimeoutSeconds * 1000,
    sudo: hosts.sudo,
  };
}

/** The node-VM host-facts collector: `hosts.nodes`, over the hypervisors' SSH settings. */
export function nodeCollectorFromConfig(hosts: HostsConfig, nodes: NonNullable<HostsConfig['nodes']>, env: NodeJS.ProcessEnv, timeoutMs?: number): Collector {
  return createNodeCollector({
    ...sshSettings(hosts, env),
    port: nodes.port ?? hosts.port,
    concurrency: nodes.concurrency ?? hosts.concurrency,
    serverPattern: nodes.serverPattern,
    storageInterfaces: nodes.storageInterfaces,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
}

/** The SSH host-facts collector as faultline.yaml's `hosts` section describes it. */
export function hostCollectorFromConfig(config: FaultlineConfig, hosts: HostsConfig, env: NodeJS.ProcessEnv, timeoutMs?: number): Collector {
  const pattern = hosts.hostPattern ?? config.openstack.computeHostPattern;
  return createHostCollector({
    ...sshSettings(hosts, env),
    port: hosts.port,
    concurrency: hosts.concurrency,
    address: hosts.address,
    ...(pattern ? { hostPattern: pattern } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
}

/** One client per region: each asks the catalog for that region's endpoints. */
function openstackCollectors(input: PlanInput, cloud: ResolvedCloud): Collector[] {
  const { config } = input;
  const regions = openstackRegions(config, cloud);
  const out: Collector[] = [];
  regions.forEach((region) => {
    const client = createOpenStackClient(config, cloud, region, input.log);
    const collectors = createOpenStackCollectors(client, {
      ...(regions.length > 1 && region ? { name: region } : {}),
      regionZones: config.zones,
    });
    // Each connection's regions collector reports its own region, so every region is listed once.
    // A kind can be switched off for all regions at once: collectors.openstack-instance-actions.enabled: false.
    out.push(...collectors.filter((c) => config.collectors?.[c.id.split(':')[0] ?? c.id]?.enabled !== false));
  });
  return out;
}

/** The console-log reader per region; its own client, so it leaves the listing collectors' connections alone. */
function consoleLogCollectors(input: PlanInput, cloud: ResolvedCloud, timeoutMs: number | undefined): Collector[] {
  const { config } = input;
  const regions = openstackRegions(config, cloud);
  return regions.map((region) =>
    createConsoleLogCollector(createOpenStackClient(config, cloud, region, input.log), {
      ...(regions.length > 1 && region ? { name: region } : {}),
      ...config.consoleLogs,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    }),
  );
}

/** A collector faultline knows about, and whether this configuration can run it. */
export interface PlannedCollector {
  readonly id: string;
  readonly produces: readonly DataKey[];
  readonly collector?: Collector;
  /** Why it will not run, in words that tell the operator what to configure. */
  readonly unavailable?: string;
}

const seconds = (s: number | undefined): number | undefined => (s === undefined ? undefined : Math.round(s * 1000));

/**
 * Every collector faultline has, resolved against one configuration. Sources that
 * need something not configured are listed with the reason, so `faultline
 * detectors` can say which checks this setup cannot make.
 */
export function planCollectors(input: PlanInput): PlannedCollector[] {
  const { config } = input;
  const enabled = (id: string): boolean => config.collectors?.[id]?.enabled !== false;
  const timeout = (id: string, fallback?: number): number | undefined => seconds(config.collectors?.[id]?.timeoutSeconds ?? fallback);
  const plan: PlannedCollector[] = [];

  let openstackReady = false;
  if (input.cloudError) plan.push({ id: 'openstack', produces: OPENSTACK_KEYS, unavailable: input.cloudError.message });
  else if (!input.cloud) {
    plan.push({ id: 'openstack', produces: OPENSTACK_KEYS, unavailable: 'no OpenStack cloud configured (set openstack.cloud in faultline.yaml, OS_CLOUD, or OS_* variables)' });
  } else if (!enabled('openstack')) plan.push({ id: 'openstack', produces: OPENSTACK_KEYS, unavailable: 'disabled in config (collectors.openstack.enabled: false)' });
  else {
    openstackReady = true;
    for (const c of openstackCollectors(input, input.cloud)) plan.push({ id: c.id, produces: c.produces, collector: c });
  }

  if (!openstackReady) plan.push({ id: 'probes', produces: ['probes'], unavailable: 'probes need the server list from OpenStack, which is not configured' });
  else if (!enabled('probes')) plan.push({ id: 'probes', produces: ['probes'], unavailable: 'disabled in config (collectors.probes.enabled: false)' });
  else {
    const p = config.probes;
    const probe = createProbeCollector({
      sshPort: p.sshPort,
      sshHangMs: p.sshHangSeconds * 1000,
      sshConnectTimeoutMs: p.sshConnectTimeoutSeconds * 1000,
      sshConcurrency: p.sshConcurrency,
      ping: { timeoutMs: p.pingTimeoutMs, retries: p.pingRetries, intervalMs: p.pingIntervalMs, batchSize: 4096, concurrency: 2 },
      pingOnly: new RegExp(p.pingOnlyPattern),
      probeHypervisors: p.hypervisors,
    });
    const t = timeout('probes');
    plan.push({ id: 'probes', produces: ['probes'], collector: t === undefined ? probe : { ...probe, timeoutMs: t } });
  }
  const hosts = config.hosts;
  if (!hosts) plan.push({ id: 'host-ssh', produces: ['hostFacts', 'disks'], unavailable: 'no SSH access to hosts configured (set hosts in faultline.yaml)' });
  else if (!openstackReady) plan.push({ id: 'host-ssh', produces: ['hostFacts', 'disks'], unavailable: 'host facts need the hypervisor list from OpenStack, which is not configured' });
  else if (!enabled('host-ssh')) plan.push({ id: 'host-ssh', produces: ['hostFacts', 'disks'], unavailable: 'disabled in config (collectors.host-ssh.enabled: false)' });
  else {
    const collector = hostCollectorFromConfig(config, hosts, input.env ?? process.env, timeout('host-ssh'));
    plan.push({ id: collector.id, produces: collector.produces, collector });
  }
  if (hosts?.nodes) {
    if (!openstackReady) plan.push({ id: 'node-ssh', produces: ['hostFacts'], unavailable: 'node facts need the server list from OpenStack, which is not configured' });
    else if (!enabled('node-ssh')) plan.push({ id: 'node-ssh', produces: ['hostFacts'], unavailable: 'disabled in config (collectors.node-ssh.enabled: false)' });
    else {
      const collector = nodeCollectorFromConfig(hosts, hosts.nodes, input.env ?? process.env, timeout('node-ssh'));
      plan.push({ id: collector.id, produces: collector.produces, collector });
    }
  }
  const probesReady = plan.some((p) => p.id === 'probes' && p.collector);
  if (!openstackReady || !input.cloud) plan.push({ id: 'console-logs', produces: ['consoleLogs'], unavailable: 'console logs are read through Nova, which is not configured' });
  else if (!enabled('console-logs')) plan.push({ id: 'console-logs', produces: ['consoleLogs'], unavailable: 'disabled in config (collectors.console-logs.enabled: false)' });
  else if (!probesReady) plan.push({ id: 'console-logs', produces: ['consoleLogs'], unavailable: 'console logs are read for the servers that fail a probe, and the probes are disabled (collectors.probes.enabled)' });
  else for (const c of consoleLogCollectors(input, input.cloud, timeout('console-logs'))) plan.push({ id: c.id, produces: c.produces, collector: c });
  if (!enabled('kubernetes')) plan.push({ id: 'kubernetes', produces: ['kubernetes'], unavailable: 'disabled in config (collectors.kubernetes.enabled: false)' });
  else {
    const env = input.env ?? process.env;
    const t = timeout('kubernetes');
    const k = planKubernetes({
      config,
      env,
      home: env['HOME'] ?? homedir(),
      cwd: process.cwd(),
      ...(input.file ? { file: input.file } : {}),
      ...(input.redactor ? { redactor: input.redactor } : {}),
      ...(t !== undefined ? { timeoutMs: t } : {}),
    });
    plan.push('collector' in k ? { id: 'kubernetes', produces: ['kubernetes'], collector: k.collector } : { id: 'kubernetes', produces: ['kubernetes'], unavailable: k.unavailable });
  }
  plan.push(prometheusEntry(config, enabled('prometheus'), timeout('prometheus', config.prometheus?.timeoutSeconds)));

  if (!config.alarms) plan.push({ id: 'alarms', produces: ['alarms'], unavailable: 'no alarm feed configured (set alarms.source in faultline.yaml)' });
  else if (!enabled('alarms')) plan.push({ id: 'alarms', produces: ['alarms'], unavailable: 'disabled in config (collectors.alarms.enabled: false)' });
  else {
    const t = timeout('alarms', config.alarms.timeoutSeconds);
    plan.push({
      id: 'alarms',
      produces: ['alarms'],
      collector: createAlarmCollector({
        source: config.alarms.source,
        format: config.alarms.format,
        ...(config.alarms.headers ? { headers: config.alarms.headers } : {}),
        ...(t !== undefined ? { timeoutMs: t } : {}),
      }),
    });
  }

  if (!config.inventory) plan.push({ id: 'inventory', produces: ['inventory'], unavailable: 'no inventory configured (set inventory.file in faultline.yaml)' });
  else if (!enabled('inventory')) plan.push({ id: 'inventory', produces: ['inventory'], unavailable: 'disabled in config (collectors.inventory.enabled: false)' });
  else {
    const c = createInventoryFileCollector(config.inventory.file);
    const t = timeout('inventory');
    plan.push({ id: 'inventory', produces: ['inventory'], collector: t === undefined ? c : { ...c, timeoutMs: t } });
  }
  return plan;
}

/** The unused-service signals: only when a Prometheus is configured and the collector is not switched off. */
function prometheusEntry(config: FaultlineConfig, enabled: boolean, timeoutMs: number | undefined): PlannedCollector {
  const p = config.prometheus;
  if (!p) return { id: 'prometheus', produces: ['prometheus'], unavailable: 'no Prometheus configured (set prometheus.url in faultline.yaml)' };
  if (!enabled) return { id: 'prometheus', produces: ['prometheus'], unavailable: 'disabled in config (collectors.prometheus.enabled: false)' };
  const collector = createPrometheusCollector({
    url: p.url,
    clusterLabel: p.clusterLabel,
    windowDays: p.windowDays,
    ...(p.headers ? { headers: p.headers } : {}),
    ...(p.bearerToken ? { bearerToken: p.bearerToken } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
  return { id: 'prometheus', produces: ['prometheus'], collector };
}

/** Which data keys this configuration can collect, and for the others why not. */
export function coverage(plan: readonly PlannedCollector[]): Map<DataKey, { ok: boolean; by: string; reason?: string }> {
  const out = new Map<DataKey, { ok: boolean; by: string; reason?: string }>();
  for (const p of plan) {
    for (const key of p.produces) {
      const prev = out.get(key);
      if (p.collector) out.set(key, { ok: true, by: p.id });
      else if (!prev) out.set(key, { ok: false, by: p.id, reason: p.unavailable ?? 'unavailable' });
    }
  }
  return out;
}
