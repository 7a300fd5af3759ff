import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stringify } from 'yaml';
import { generateFleet, LAB_CREDENTIALS, type FleetCounts, type FleetSizeName } from '../fleet/generate.js';
import type { LabFleet } from '../fleet/types.js';
import { LabClock } from './clock.js';
import { handleGlance } from './glance.js';
import { webobError, type LabRequest, type LabResponse } from './http.js';
import { handleKeystone } from './keystone.js';
import { handleNeutron } from './neutron.js';
import { handleNova } from './nova.js';
import { LabState, type LabStateOptions } from './state.js';
import { handleAdmin, type AdminContext } from '../admin/admin-api.js';
import { RequestLog } from './request-log.js';
import { handleAlarms } from '../admin/alarm-feed.js';
import { startGuestNetwork, type GuestNetwork, type GuestNetworkOptions } from '../network/guest-network.js';
import { LabFaults } from '../scenarios/faults.js';
import { agoMs, type Scenario } from '../scenarios/schema.js';
import { healFleet } from '../fleet/heal.js';
import { startHostsSsh, type HostsSsh, type HostsSshOptions } from '../hosts/ssh-server.js';
import { startLabKubernetes, type LabKubernetes } from '../kubernetes/lab-kubernetes.js';
import type { KubernetesApiOptions } from '../kubernetes/api-server.js';
import type { ClusterShape } from '../kubernetes/cluster-objects.js';
import { startLabBmcs, type LabBmcServer, type LabBmcServerOptions } from '../bmc/redfish-server.js';
import { startLabPrometheus, type LabPrometheus } from '../prometheus/server.js';
import { labClusterHistory } from '../prometheus/cluster-history.js';
import { LabNotifySinks } from '../notify/sinks.js';

export interface StartLabOptions {
  seed?: string | number;
  size?: FleetSizeName | FleetCounts;
  /** Use this fleet instead of generating one. */
  fleet?: LabFleet;
  /** 0 (default) picks a free port. */
  port?: number;
  tokenTtlSeconds?: number;
  actionDurationMs?: number;
  /** `real` follows the wall clock (plus advance()); `manual` only moves on advance(). */
  clock?: 'real' | 'manual';
  clockStart?: number;
  /** Faults to apply (and schedule); its fleet settings apply unless seed, size or fleet are given. */
  scenario?: Scenario;
  /** Start the guest network (SSH banner per address, nftables drops); off unless given. */
  guestNetwork?: GuestNetworkOptions;
  /** Token for the admin API; random when omitted. */
  adminToken?: string;
  /** SSH on every hypervisor address answering the host collector's commands (default on, any free port); `false` turns it off. */
  sshHosts?: HostsSshOptions | false;
  /** The Kubernetes API of every cluster in the fleet over HTTPS (default on, any free port); `false` turns it off. */
  kubernetes?: KubernetesApiOptions | false;
  /** How busy the clusters are (extra pods per worker, for benchmarks); every cluster's usual workloads otherwise. */
  kubernetesShape?: ClusterShape;
  /** A Redfish BMC per hypervisor on one port (default on, any free port, 2 s power delay); `false` turns it off. */
  bmc?: LabBmcServerOptions | false;
  /**
   * Debian's prometheus on loopback over 8 days of history for the clusters' Services,
   * consumers and CronJobs, backfilled into `dir` (off unless given; needs the Kubernetes side).
   */
  prometheus?: { readonly dir: string } | false;
}

export interface RunningLab {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Keystone v3 auth URL for clients. */
  authUrl: string;
  state: LabState;
  fleet: LabFleet;
  /** The faults in force: reachability, alarms, host facts. */
  faults: LabFaults;
  /** `X-Lab-Admin` value for `/lab/...`. */
  adminToken: string;
  /** `<url>/lab` */
  adminUrl: string;
  /** `<url>/alarms/tickets` */
  alarmsUrl: string;
  network: GuestNetwork | null;
  /** The hypervisors' SSH (user `faultline`, key `privateKey` or password `lab`); null when turned off. */
  hostsSsh: HostsSsh | null;
  /** The clusters' Kubernetes API and kubeconfig; null when turned off. */
  kubernetes: LabKubernetes | null;
  /** The hypervisors' Redfish BMCs (addresses, logins, power, request log); null when turned off. */
  bmc: LabBmcServer | null;
  /** The clusters' Prometheus; null unless asked for. */
  prometheus: LabPrometheus | null;
  /** The chat webhook and PagerDuty Events API the lab serves, and what reached them. */
  notify: { sinks: LabNotifySinks; slackWebhookUrl: string; pagerDutyEventsUrl: string; routingKey: string };
  /** A clouds.yaml document with `lab` (admin), `lab-viewer` and `lab-appcred` clouds. */
  cloudsYaml(): string;
  stop(): Promise<void>;
}

const SERVICES: Record<string, (state: LabState, req: LabRequest) => LabResponse | Promise<LabResponse>> = {
  identity: handleKeystone,
  compute: handleNova,
  network: handleNeutron,
  image: handleGlance,
};

const MAX_BODY = 1 << 20;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function novncPage(): LabResponse {
  return {
    status: 200,
    headers: { 'Content-Type': 'text/html; charset=utf-8' },
    text: '<!DOCTYPE html><html><head><title>noVNC</title></head><body><div id="noVNC_status">Connected (unencrypted) to: QEMU</div></body></html>\n',
  };
}

/** Routes one request: `[/<region>]/<service>/...`. */
export async function dispatch(state: LabState, origin: string, req: IncomingMessage, admin?: AdminContext): Promise<LabResponse & { requestId: string; service: string }> {
  const requestId = `req-${randomUUID()}`;
  const url = new URL(req.url ?? '/', origin);
  const segments = url.pathname.split('/');
  // segments[0] is '' (leading slash)
  let regionId: string | null = null;
  let index = 1;
  if (segments[1] && state.regionById.has(segments[1])) {
    regionId = segments[1];
    index = 2;
  }
  const service = segments[index] ?? '';
  const rest = segments.slice(index + 1).join('/');
  const path = segments.length > index + 1 ? `/${rest}` : '';
  if (service === 'novnc') return { ...novncPage(), requestId, service };
  if (admin && regionId === null && service === 'notify') {
    const raw = await readBody(req);
    const type = req.headers['content-type'];
    return { ...admin.notify.handle(req.method ?? 'GET', path, Array.isArray(type) ? type[0] : type, raw), requestId, service };
  }
  if (admin && regionId === null && service === 'alarms') return { ...handleAlarms(admin.faults, req.method ?? 'GET', path, origin), requestId, service };
  if (admin && regionId === null && service === 'lab') {
    const raw = req.method === 'GET' || req.method === 'HEAD' || req.method === 'DELETE' ? '' : await readBody(req);
    let body: unknown;
    let bodyMalformed = false;
    try {
      body = raw.trim() === '' ? undefined : JSON.parse(raw);
    } catch {
      bodyMalformed = true;
    }
    const query = Object.fromEntries(new URL(req.url ?? '/', 'http://lab').searchParams);
    const out = await handleAdmin(admin, { method: req.method ?? 'GET', path, headers: req.headers, remoteAddress: req.socket.remoteAddress, body, bodyMalformed, query });
    return { ...out, requestId, service };
  }
  const handler = SERVICES[service];
  if (!handler || (service === 'identity' && regionId !== null)) {
    return { ...webobError(404), requestId, service };
  }
  const at = state.now();
  const raw = req.method === 'GET' || req.method === 'HEAD' ? '' : await readBody(req);
  let body: unknown;
  let bodyMalformed = false;
  if (raw.trim() !== '') {
    try {
      body = JSON.parse(raw);
    } catch {
      bodyMalformed = true;
    }
  }
  const labReq: LabRequest = {
    method: req.method ?? 'GET',
    path,
    query: url.searchParams,
    headers: req.headers,
    body,
    bodyMalformed,
    regionId,
    origin: regionId ? `${origin}/${regionId}` : origin,
    hostOrigin: origin,
    requestId,
  };
  const res = await handler(state, labReq);
  admin?.requests.add({ at, method: labReq.method, service, region: regionId, path, query: url.search.slice(1), status: res.status });
  return { ...res, requestId, service };
}

function send(res: ServerResponse, method: string, out: LabResponse & { requestId: string; service: string }): void {
  const headers: Record<string, string> = { 'x-openstack-request-id': out.requestId, ...out.headers };
  if (out.service === 'compute') headers['x-compute-request-id'] = out.requestId;
  let payload = '';
  if (out.text !== undefined) payload = out.text;
  else if (out.rawJson !== undefined) {
    payload = out.rawJson;
    headers['Content-Type'] ??= 'application/json';
  } else if (out.body !== undefined) {
    payload = JSON.stringify(out.body);
    headers['Content-Type'] ??= 'application/json';
  }
  if (out.status === 204) payload = '';
  headers['Content-Length'] = String(Buffer.byteLength(payload));
  res.writeHead(out.status, headers);
  res.end(method === 'HEAD' ? undefined : payload);
}

export function createLabServer(state: LabState, getOrigin: () => string, admin?: AdminContext): Server {
  return createServer((req, res) => {
    dispatch(state, getOrigin(), req, admin)
      .then((out) => send(res, req.method ?? 'GET', out))
      .catch((err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        if (!res.headersSent) {
          send(res, req.method ?? 'GET', {
            status: 500,
            body: { computeFault: { code: 500, message: `Unexpected API Error. ${message}` } },
            requestId: `req-${randomUUID()}`,
            service: '',
          });
        } else res.destroy();
      });
  });
}

/**
 * Starts a simulated OpenStack control plane on 127.0.0.1: Keystone at `/identity`,
 * and per region Nova at `/<region>/compute/v2.1`, Neutron at `/<region>/network`,
 * Glance at `/<region>/image` (the same paths without a region serve the whole fleet).
 */
export async function startLab(options: StartLabOptions = {}): Promise<RunningLab> {
  const scenario = options.scenario;
  let fleet = options.fleet;
  if (!fleet) {
    fleet = generateFleet({ seed: options.seed ?? scenario?.fleet.seed ?? 'faultline', size: options.size ?? scenario?.fleet.size ?? 'small' });
    if (scenario?.fleet.baseline === 'healthy') healFleet(fleet);
  }
  // A scenario with a past starts its clock an hour before the oldest moment; the present is when the lab was started.
  const present = options.clockStart ?? Date.now();
  const pastMs = Math.max(0, ...(scenario?.past ?? []).map((m) => agoMs(m.ago)));
  const clockStart = pastMs > 0 ? present - pastMs - 3_600_000 : options.clockStart;
  const stateOptions: LabStateOptions = {
    clock: new LabClock({ mode: options.clock ?? 'real', start: clockStart }),
    tokenTtlSeconds: options.tokenTtlSeconds,
    actionDurationMs: options.actionDurationMs,
  };
  const state = new LabState(fleet, stateOptions);
  const faults = new LabFaults(state, { presentAt: present });
  faults.schedulePast(scenario?.past ?? []);
  for (const spec of scenario?.faults ?? []) faults.add(spec);
  let network: GuestNetwork | null = null;
  const admin: AdminContext = {
    faults,
    token: options.adminToken ?? randomBytes(18).toString('base64url'),
    scenario: scenario ? { name: scenario.name, title: scenario.title } : null,
    network: null,
    bmc: null,
    notify: new LabNotifySinks(),
    requests: new RequestLog(),
    syncNetwork: () => network?.sync() ?? Promise.resolve(),
  };
  // Scheduled faults must appear on time even when nobody asks the lab anything.
  const ticker = setInterval(() => faults.tick(), 500);
  ticker.unref();
  if (options.guestNetwork) {
    try {
      network = await startGuestNetwork(faults, options.guestNetwork);
    } catch (err) {
      clearInterval(ticker);
      throw err;
    }
    admin.network = { sshPort: network.sshPort, mode: network.firewall.mode, warning: network.warning };
  }
  let hostsSsh: HostsSsh | null = null;
  if (options.sshHosts !== false) {
    try {
      hostsSsh = await startHostsSsh(faults, { seed: fleet.seed, port: 0, ...options.sshHosts });
    } catch (err) {
      clearInterval(ticker);
      await network?.close();
      throw err;
    }
  }
  let kubernetes: LabKubernetes | null = null;
  if (options.kubernetes !== false) {
    try {
      kubernetes = await startLabKubernetes(state, faults, options.kubernetes, options.kubernetesShape);
    } catch (err) {
      clearInterval(ticker);
      await network?.close();
      await hostsSsh?.close();
      throw err;
    }
  }
  let bmc: LabBmcServer | null = null;
  if (options.bmc !== false) {
    try {
      bmc = await startLabBmcs(faults, options.bmc);
    } catch (err) {
      clearInterval(ticker);
      await network?.close();
      await hostsSsh?.close();
      await kubernetes?.close();
      throw err;
    }
    admin.bmc = bmc.bmcs;
  }
  let prometheus: LabPrometheus | null = null;
  if (options.prometheus) {
    try {
      if (!kubernetes) throw new Error('the lab serves Prometheus only for its Kubernetes clusters: leave kubernetes on');
      prometheus = await startLabPrometheus(options.prometheus.dir, labClusterHistory(kubernetes.clusters), { now: state.now() });
    } catch (err) {
      clearInterval(ticker);
      await network?.close();
      await hostsSsh?.close();
      await kubernetes?.close();
      await bmc?.close();
      throw err;
    }
  }
  let origin = 'http://127.0.0.1';
  const server = createLabServer(state, () => origin, admin);
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  }).catch(async (err: unknown) => {
    clearInterval(ticker);
    await network?.close();
    await hostsSsh?.close();
    await kubernetes?.close();
    await bmc?.close();
    await prometheus?.stop();
    throw err;
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  const authUrl = `${origin}/identity/v3`;
  // openstacksdk's `regions:` list: the first is the default, the others are valid --os-region-name choices.
  const viewerProject = fleet.users.find((u) => u.name === LAB_CREDENTIALS.viewer.username)?.defaultProjectId;
  const allRegions = fleet.regions.length > 0 ? fleet.regions.map((r) => r.id) : ['RegionOne'];
  const adminAc = fleet.applicationCredentials[0];
  return {
    url: origin,
    port,
    authUrl,
    state,
    fleet,
    faults,
    adminToken: admin.token,
    adminUrl: `${origin}/lab`,
    alarmsUrl: `${origin}/alarms/tickets`,
    network,
    hostsSsh,
    kubernetes,
    bmc,
    prometheus,
    notify: { sinks: admin.notify, slackWebhookUrl: admin.notify.slackUrl(origin), pagerDutyEventsUrl: admin.notify.pagerDutyUrl(origin), routingKey: admin.notify.routingKey },
    cloudsYaml: () =>
      stringify({
        clouds: {
          lab: {
            auth: {
              auth_url: authUrl,
              username: LAB_CREDENTIALS.admin.username,
              password: LAB_CREDENTIALS.admin.password,
              project_name: LAB_CREDENTIALS.admin.project,
              user_domain_name: LAB_CREDENTIALS.domain,
              project_domain_name: LAB_CREDENTIALS.domain,
            },
            regions: allRegions,
            interface: 'public',
            identity_api_version: 3,
          },
          'lab-viewer': {
            auth: {
              auth_url: authUrl,
              username: LAB_CREDENTIALS.viewer.username,
              password: LAB_CREDENTIALS.viewer.password,
              user_domain_name: LAB_CREDENTIALS.domain,
              // Scoped to its own project, as a project member's clouds.yaml is: it sees that
              // project's servers and gets 403 on the admin APIs.
              ...(viewerProject ? { project_id: viewerProject } : {}),
            },
            regions: allRegions,
            interface: 'public',
            identity_api_version: 3,
          },
          ...(adminAc
            ? {
                'lab-appcred': {
                  auth_type: 'v3applicationcredential',
                  auth: { auth_url: authUrl, application_credential_id: adminAc.id, application_credential_secret: adminAc.secret },
                  regions: allRegions,
                  interface: 'public',
                  identity_api_version: 3,
                },
              }
            : {}),
        },
      }),
    stop: async () => {
      clearInterval(ticker);
      try {
        await new Promise<void>((resolve, reject) => {
          server.close((err) => (err ? reject(err) : resolve()));
          server.closeAllConnections();
        });
      } finally {
        await network?.close();
        await hostsSsh?.close();
        await kubernetes?.close();
        await bmc?.close();
        await prometheus?.stop();
      }
    },
  };
}
