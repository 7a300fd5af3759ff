import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { UsageError } from '../../core/errors.js';
import { FLEET_SIZES, LAB_SSH_PASSWORD, LAB_SSH_USER, labInventory, loadScenario, prometheusMissing, startLab, type FleetCounts, type FleetSizeName, type Scenario } from '../../lab/index.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';

export interface LabFlags {
  size: string;
  seed: string;
  port: string;
  dir: string;
  tokenTtl: string;
  actionSeconds: string;
  scenario?: string;
  sshPort: string;
  hostsSshPort: string;
  /** false with --no-prometheus. */
  prometheus?: boolean;
  /** Set when --seed / --size were given on the command line (they then win over the scenario's). */
  seedGiven?: boolean;
  sizeGiven?: boolean;
  sshPortGiven?: boolean;
  hostsSshPortGiven?: boolean;
}

/** `small`, `medium`, `large` or `regions,hypervisors,servers` (e.g. `3,40,1200`). */
export function parseSize(value: string): FleetSizeName | FleetCounts {
  if (value in FLEET_SIZES) return value as FleetSizeName;
  const m = /^(\d+),(\d+),(\d+)$/.exec(value);
  if (!m) throw new UsageError(`--size: "${value}" is not small, medium, large or <regions>,<hypervisors>,<servers> (e.g. 3,40,1200)`);
  return { regions: Number(m[1]), hypervisors: Number(m[2]), servers: Number(m[3]) };
}

function positive(flag: string, value: string, allowZero = false): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) throw new UsageError(`${flag}: "${value}" is not a ${allowZero ? 'non-negative' : 'positive'} number`);
  return n;
}

/**
 * Starts the simulated fleet on loopback and writes a clouds.yaml and a
 * faultline.yaml for it, so `faultline scan` and the real `openstack` CLI both
 * work against it at once. Runs until SIGINT or SIGTERM.
 */
export async function runLab(ctx: CliContext, flags: LabFlags, until: Promise<unknown>): Promise<number> {
  const size = parseSize(flags.size);
  const port = positive('--port', flags.port, true);
  const sshPort = positive('--ssh-port', flags.sshPort, true);
  if (!Number.isInteger(sshPort) || sshPort > 65535) throw new UsageError(`--ssh-port: "${flags.sshPort}" is not a TCP port (0-65535)`);
  const hostsSshPort = positive('--hosts-ssh-port', flags.hostsSshPort, true);
  if (!Number.isInteger(hostsSshPort) || hostsSshPort > 65535) throw new UsageError(`--hosts-ssh-port: "${flags.hostsSshPort}" is not a TCP port (0-65535)`);
  const scenario: Scenario | undefined = flags.scenario ? loadScenario(flags.scenario) : undefined;
  const dir = resolve(ctx.cwd, flags.dir);
  // Prometheus comes with the lab where Debian's is installed; without it the lab still runs and says what is missing.
  const promMissing = flags.prometheus === false ? undefined : await prometheusMissing();
  if (promMissing) ctx.term.err(`note: the clusters get no Prometheus (unused-service will be skipped): ${promMissing}; --no-prometheus starts the lab without this note`);
  const options = {
    prometheus: flags.prometheus !== false && !promMissing ? { dir: join(dir, 'prometheus') } : (false as const),
    seed: scenario && !flags.seedGiven ? undefined : flags.seed,
    size: scenario && !flags.sizeGiven ? undefined : size,
    port,
    tokenTtlSeconds: positive('--token-ttl', flags.tokenTtl),
    actionDurationMs: positive('--action-seconds', flags.actionSeconds, true) * 1000,
    scenario,
  };
  type ListenError = NodeJS.ErrnoException & { address?: string; port?: number };
  const taken = (err: ListenError, p: number): boolean => err.code === 'EADDRINUSE' && err.address === '0.0.0.0' && p !== 0 && err.port === p;
  const start = (guest: number, hosts: number): ReturnType<typeof startLab> => startLab({ ...options, guestNetwork: { sshPort: guest }, sshHosts: { port: hosts } });
  const lab = await start(sshPort, hostsSshPort)
    .catch((err: ListenError) => {
      // A default SSH port may be taken (another lab); only an explicitly given port must be exact.
      if (taken(err, sshPort) && !flags.sshPortGiven) {
        ctx.term.err(`note: SSH port ${sshPort} is in use; using a free port instead (see the SSH line below)`);
        return start(0, hostsSshPort);
      }
      throw err;
    })
    .catch((err: ListenError) => {
      if (taken(err, hostsSshPort) && !flags.hostsSshPortGiven) {
        ctx.term.err(`note: hypervisor SSH port ${hostsSshPort} is in use; using a free port instead (see the hosts line below)`);
        return start(flags.sshPortGiven ? sshPort : 0, 0);
      }
      throw err;
    })
    .catch((err: ListenError) => {
      if (taken(err, sshPort)) throw new UsageError(`--ssh-port: ${sshPort} is already in use; pick another or use 0 for any free port`);
      if (taken(err, hostsSshPort)) throw new UsageError(`--hosts-ssh-port: ${hostsSshPort} is already in use; pick another or use 0 for any free port`);
      if (err.code === 'EADDRINUSE') throw new UsageError(`--port: ${port} is already in use on 127.0.0.1; pick another or use 0 for any free port`);
      throw err;
    });
  const seedShown = scenario && !flags.seedGiven ? String(scenario.fleet.seed) : flags.seed;
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'clouds.yaml'), lab.cloudsYaml());
    const hosts = lab.hostsSsh;
    if (hosts) {
      // writeFile's mode applies only to a new file; chmod covers one left by an earlier lab.
      await writeFile(join(dir, 'lab_ssh_key'), hosts.privateKey, { mode: 0o600 });
      await chmod(join(dir, 'lab_ssh_key'), 0o600);
      await writeFile(join(dir, 'known_hosts'), hosts.knownHosts());
    }
    // The CMDB export: hypervisors' boxes and warranties (faultline spare), servers' DB tags, owners and clusters.
    // JSON, not YAML: the large fleet's export has over 100,000 entries.
    await writeFile(join(dir, 'inventory.json'), JSON.stringify(labInventory(lab.fleet)));
    const bmc = lab.bmc;
    if (bmc) {
      // The BMC passwords: readable by its owner only.
      await writeFile(join(dir, 'bmc.yaml'), bmc.inventoryYaml(), { mode: 0o600 });
      await chmod(join(dir, 'bmc.yaml'), 0o600);
    }
    const kube = lab.kubernetes;
    if (kube) {
      // Holds the clusters' bearer tokens: readable by its owner only, as kubectl writes its own.
      await writeFile(join(dir, 'kubeconfig'), kube.kubeconfig(), { mode: 0o600 });
      await chmod(join(dir, 'kubeconfig'), 0o600);
      await writeFile(join(dir, 'kubeconfig-admin'), kube.adminKubeconfig(), { mode: 0o600 });
      await chmod(join(dir, 'kubeconfig-admin'), 0o600);
    }
    await writeFile(
      join(dir, 'faultline.yaml'),
      `# Written by \`faultline lab\` for the lab at ${lab.url}.\n` +
        stringify({
          openstack: { cloud: 'lab', regions: lab.fleet.regions.map((r) => r.id) },
          alarms: { source: lab.alarmsUrl, format: 'tickets' },
          inventory: { file: 'inventory.json' },
          // Loopback answers in microseconds, so the lab's hang and connect limits can be a fraction of a real
          // network's defaults: a scan of a scenario with a hung server or hypervisor then takes seconds, not a minute.
          probes: { sshPort: lab.network?.sshPort ?? sshPort, sshHangSeconds: 2, sshConnectTimeoutSeconds: 1 },
          // Every cluster of the lab, one context each.
          ...(kube ? { kubernetes: { kubeconfig: 'kubeconfig', contexts: ['*'] } } : {}),
          // One Prometheus for every cluster, each series labelled with its cluster's name.
          ...(lab.prometheus ? { prometheus: { url: lab.prometheus.url, clusterLabel: 'cluster', windowDays: 7, timeoutSeconds: 10 } } : {}),
          ...(hosts
            ? {
                hosts: {
                  username: LAB_SSH_USER,
                  port: hosts.port,
                  privateKey: 'lab_ssh_key',
                  knownHosts: 'known_hosts',
                  agent: false,
                  address: 'hostIp',
                  connectTimeoutSeconds: 3,
                  // The lab's hypervisor template reserves 1 GiB pages for guests (at least 150 on its smallest host), so check-host checks them.
                  hugepages: { pageSize: '1G', minTotal: 128 },
                  // The clusters' node VMs answer the same SSH at their server addresses.
                  nodes: { serverPattern: '^k8s-.+-(master|worker)-\\d+$', storageInterfaces: '^stor' },
                },
              }
            : {}),
          // The lab's BMCs change the power within seconds, so a minute is a generous wait.
          ...(bmc ? { bmc: { inventory: 'bmc.yaml', pollIntervalSeconds: 0.5, powerTimeoutSeconds: 60, resetSettleSeconds: 5 } } : {}),
          // The lab's own chat webhook and PagerDuty: `faultline notice --send` and the runbooks' notices and pages land there.
          notices: { webhook: lab.notify.slackWebhookUrl },
          notify: { pagerduty: { routingKey: lab.notify.routingKey, eventsUrl: lab.notify.pagerDutyEventsUrl }, retry: { initialSeconds: 0.5, maxSeconds: 5 } },
          zones: Object.fromEntries(lab.fleet.regions.map((r) => [r.id, r.zone])),
          // The lab is always in business hours: a dev zone's escalation (a daytime chat mention) shows at once,
          // at whatever hour a demo or a test runs. Remove this to see it wait for the hours to open.
          runbooks: { businessHours: { timeZone: 'UTC', days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' } },
          report: { out: 'report.html' },
        }),
    );
    const counts = `${lab.fleet.regions.length} regions, ${lab.fleet.hypervisors.length} hypervisors, ${lab.fleet.servers.length} servers`;
    if (lab.network?.warning) ctx.term.err(`warning: ${lab.network.warning}`);
    ctx.term.out(
      [
        `faultline lab (seed ${seedShown}${scenario ? `, scenario ${scenario.name}: ${scenario.title}` : ''}): ${counts}`,
        `  Keystone  ${lab.authUrl}`,
        ...lab.fleet.regions.map((r) => `  ${r.id.padEnd(9)} Nova ${lab.url}/${r.id}/compute/v2.1  Neutron ${lab.url}/${r.id}/network`),
        `  clouds.yaml   ${join(dir, 'clouds.yaml')}  (clouds: lab, lab-viewer, lab-appcred)`,
        `  faultline.yaml ${join(dir, 'faultline.yaml')}`,
        `  inventory ${join(dir, 'inventory.json')}  (the CMDB export: DB role tags, owners and clusters of servers; box and warranty of every hypervisor; ${lab.fleet.hypervisors.filter((h) => h.spare).length} forfault spares)`,
        `  alarms    ${lab.alarmsUrl}  (Alertmanager form: ${lab.url}/alarms/alertmanager)`,
        `  SSH       port ${lab.network?.sshPort ?? sshPort} on every server and hypervisor address (127.x.y.z); unreachable addresses: ${lab.network?.firewall.mode === 'nftables' ? 'dropped by nftables' : 'SSH refused only'}`,
        ...(hosts
          ? [
              `  hosts     SSH port ${hosts.port} on every hypervisor address (127.x.y.z), user ${LAB_SSH_USER}, key ${join(dir, 'lab_ssh_key')} (or password ${LAB_SSH_PASSWORD}); host keys in ${join(dir, 'known_hosts')}`,
            ]
          : []),
        ...(bmc ? [`  BMCs      Redfish (HTTP) on port ${bmc.port} at one 127.252.x.y address per hypervisor, basic auth; logins in ${join(dir, 'bmc.yaml')}; request log ${lab.adminUrl}/bmc/log`] : []),
        ...(kube
          ? [`  k8s       ${kube.clusters.clusters.length} clusters at ${kube.url}/clusters/<name>; kubeconfig ${join(dir, 'kubeconfig')} (one context per cluster, read-only); ${join(dir, 'kubeconfig-admin')} (the same contexts as cluster admin, for kubectl apply -f deploy/)`]
          : []),
        ...(lab.prometheus
          ? [`  prometheus ${lab.prometheus.url}  (8 days of the clusters' history, ${lab.prometheus.series} series, backfilled in ${lab.prometheus.backfillMs} ms)`]
          : []),
        `  chat      ${lab.notify.slackWebhookUrl}  (Slack-compatible webhook; what arrived: ${lab.adminUrl}/notify)`,
        `  pagerduty ${lab.notify.pagerDutyEventsUrl}  routing key ${lab.notify.routingKey} (Events API v2; failures to inject: POST ${lab.adminUrl}/notify/fail)`,
        `  admin     ${lab.adminUrl}  header X-Lab-Admin: ${lab.adminToken}`,
        `            e.g. curl -s -H 'X-Lab-Admin: ${lab.adminToken}' ${lab.adminUrl}/faults`,
        ...lab.faults.list().map((f) => `  fault     ${f.id} (${f.spec.kind}) ${f.status}${f.hypervisor ? ` on ${f.hypervisor}` : ''}${f.servers.length ? ` servers ${f.servers.map((id) => lab.state.server(id)?.name ?? id).join(', ')}` : ''}${f.problem ? `: ${f.problem}` : ''}`),
        '',
        `Try:  cd ${dir} && OS_CLOUD=lab openstack server list --all-projects --limit 5`,
        `      cd ${dir} && faultline scan`,
        ...(kube && kube.clusters.clusters[0] ? [`      KUBECONFIG=${join(dir, 'kubeconfig')} kubectl --context ${kube.clusters.clusters[0].name} get nodes`] : []),
        ...(hosts && lab.fleet.hypervisors[0]
          ? [`      ssh -p ${hosts.port} -i ${join(dir, 'lab_ssh_key')} -o UserKnownHostsFile=${join(dir, 'known_hosts')} ${LAB_SSH_USER}@${lab.fleet.hypervisors[0].hostIp} 'free -b'`]
          : []),
        'Stop with Ctrl-C.',
        '',
      ].join('\n'),
    );
    await until;
    return EXIT.ok;
  } finally {
    await lab.stop();
    ctx.term.err('lab stopped');
  }
}
