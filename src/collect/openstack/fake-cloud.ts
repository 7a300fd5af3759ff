import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A Keystone v3 + Nova v2.1 + Neutron stand-in on 127.0.0.1 for the client's
 * tests. It answers the handful of calls faultline makes, the way the real APIs
 * do (marker paging with a next link after every full page, microversion
 * discovery, X-Subject-Token), and lets a test put any answer in front of them.
 * Not the lab: it models HTTP behaviour, not a fleet.
 */

export interface Recorded {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export interface CannedAnswer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
  /** Wait this long before answering (to trip timeouts). */
  readonly delayMs?: number;
}

export interface FakeCloudOptions {
  readonly servers?: number;
  /** Build each server's Nova dict; default: a plausible ACTIVE server. */
  readonly server?: (index: number) => Record<string, unknown>;
  readonly maxMicroversion?: string;
  readonly tokenLifetimeMs?: number;
  readonly pageMax?: number;
  readonly region?: string;
  /** Answers before the built-in handlers; return undefined to fall through. */
  readonly intercept?: (req: Recorded, cloud: FakeCloud) => CannedAnswer | undefined | Promise<CannedAnswer | undefined>;
  /** Extra catalog entries, or a replacement catalog. */
  readonly catalog?: (base: string) => unknown[];
  readonly hypervisors?: number;
  readonly actions?: (serverId: string) => Array<Record<string, unknown>>;
}

export const FAKE_PASSWORD = 'pa55-w0rd-that-must-not-leak';
export const FAKE_SECRET = 'app-cred-secret-that-must-not-leak';

export function fakeServer(i: number): Record<string, unknown> {
  const id = `srv-${String(i).padStart(6, '0')}`;
  return {
    id,
    name: `vm-${i}`,
    status: 'ACTIVE',
    tenant_id: 'proj-1',
    user_id: 'user-1',
    'OS-EXT-STS:vm_state': 'active',
    'OS-EXT-STS:task_state': null,
    'OS-EXT-STS:power_state': 1,
    'OS-EXT-SRV-ATTR:host': `com${i % 50}`,
    'OS-EXT-SRV-ATTR:hypervisor_hostname': `com${i % 50}.example`,
    'OS-EXT-SRV-ATTR:instance_name': `instance-${i.toString(16).padStart(8, '0')}`,
    host_status: 'UP',
    addresses: { net1: [{ addr: `10.0.${(i >> 8) & 255}.${i & 255}`, version: 4, 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': 'fa:16:3e:00:00:01' }] },
    flavor: { original_name: 'm1.small', vcpus: 1, ram: 2048, disk: 20, ephemeral: 0, swap: 0 },
    image: { id: 'img-1', links: [] },
    'os-extended-volumes:volumes_attached': [],
    metadata: {},
    locked: false,
    created: '2025-01-01T00:00:00Z',
    updated: '2025-01-02T00:00:00Z',
    'OS-SRV-USG:launched_at': '2025-01-01T00:01:00.000000',
    links: [],
  };
}

export class FakeCloud {
  readonly requests: Recorded[] = [];
  readonly validTokens = new Set<string>();
  tokensIssued = 0;
  base = '';
  #http: HttpServer | undefined;
  readonly options: FakeCloudOptions;
  readonly #servers: Record<string, unknown>[];

  constructor(options: FakeCloudOptions = {}) {
    this.options = options;
    const make = options.server ?? fakeServer;
    this.#servers = Array.from({ length: options.servers ?? 3 }, (_, i) => make(i));
  }

  get authUrl(): string {
    return `${this.base}/identity/v3`;
  }

  /** Requests to a path (without query), for assertions. */
  calls(path: string | RegExp, method?: string): Recorded[] {
    return this.requests.filter((r) => (typeof path === 'string' ? r.path === path : path.test(r.path)) && (!method || r.method === method));
  }

  /** Makes every token issued so far invalid, as a Keystone restart or a revocation would. */
  revokeAll(): void {
    this.validTokens.clear();
  }

  async start(): Promise<this> {
    this.#http = createServer((req, res) => {
      void this.#handle(req, res);
    });
    await new Promise<void>((resolve) => this.#http?.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.#http.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.#http?.closeAllConnections();
    await new Promise<void>((resolve) => this.#http?.close(() => resolve()));
  }

  catalog(): unknown[] {
    if (this.options.catalog) return this.options.catalog(this.base);
    const region = this.options.region ?? 'RegionOne';
    const ep = (url: string): unknown[] =>
      (['public', 'internal', 'admin'] as const).map((iface) => ({ id: `${iface}-${url}`, interface: iface, region_id: region, region, url }));
    return [
      { type: 'identity', name: 'keystone', id: 'k', endpoints: ep(`${this.base}/identity/v3`) },
      { type: 'compute', name: 'nova', id: 'n', endpoints: ep(`${this.base}/compute/v2.1`) },
      { type: 'network', name: 'neutron', id: 'q', endpoints: ep(`${this.base}/network`) },
    ];
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', this.base);
    const recorded: Recorded = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
    this.requests.push(recorded);
    let answer: CannedAnswer;
    try {
      answer = (await this.options.intercept?.(recorded, this)) ?? this.#route(recorded);
    } catch (err) {
      answer = { status: 500, body: { error: String(err) } };
    }
    if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
    if (res.destroyed) return;
    const body = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    res.writeHead(answer.status, { 'content-type': 'application/json', 'x-openstack-request-id': `req-${this.requests.length}`, ...answer.headers });
    res.end(body);
  }

  #route(r: Recorded): CannedAnswer {
    if (r.path === '/identity/v3/auth/tokens' && r.method === 'POST') return this.#login(r);
    if (r.path === '/compute/v2.1/' || r.path === '/compute/v2.1') {
      return { status: 200, body: { version: { id: 'v2.1', status: 'CURRENT', version: this.options.maxMicroversion ?? '2.96', min_version: '2.1', links: [] } } };
    }
    const token = r.headers['x-auth-token'];
    if (typeof token !== 'string' || !this.validTokens.has(token)) return { status: 401, body: { error: { code: 401, message: 'The request you have made requires authentication.' } } };
    const compute = /^\/compute\/v2\.1\/(.*)$/.exec(r.path)?.[1];
    if (compute === 'servers/detail') return this.#serversPage(r);
    if (compute === 'os-hypervisors/detail') return this.#hypervisors(r);
    if (compute === 'os-services') return { status: 200, body: { services: [{ id: 'svc-1', binary: 'nova-compute', host: 'com1', zone: 'nova', status: 'enabled', state: 'down', forced_down: false, disabled_reason: null, updated_at: '2025-01-02T00:00:00.000000' }] } };
    const actions = compute ? /^servers\/([^/]+)\/os-instance-actions(?:\/([^/]+))?$/.exec(compute) : null;
    if (actions) return this.#actions(decodeURIComponent(actions[1] as string), actions[2] === undefined ? undefined : decodeURIComponent(actions[2]));
    if (r.path === '/network/v2.0/agents') {
      return { status: 200, body: { agents: [{ id: 'ag-1', binary: 'neutron-linuxbridge-agent', host: 'com1', agent_type: 'Linux bridge agent', alive: false, admin_state_up: true, heartbeat_timestamp: '2025-01-02 00:00:00' }] } };
    }
    return { status: 404, body: { itemNotFound: { code: 404, message: `no route ${r.path}` } } };
  }

  #login(r: Recorded): CannedAnswer {
    const body = JSON.parse(r.body) as { auth: { identity: { methods: string[]; password?: { user: { password: string } }; application_credential?: { secret: string } } } };
    const identity = body.auth.identity;
    const ok = identity.methods[0] === 'password' ? identity.password?.user.password === FAKE_PASSWORD : identity.application_credential?.secret === FAKE_SECRET;
    if (!ok) return { status: 401, body: { error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' } } };
    this.tokensIssued++;
    const token = `gAAAA-token-${this.tokensIssued}-${Math.random().toString(36).slice(2)}`;
    this.validTokens.add(token);
    const issued = Date.now();
    return {
      status: 201,
      headers: { 'x-subject-token': token },
      body: {
        token: {
          methods: identity.methods,
          issued_at: new Date(issued).toISOString(),
          expires_at: new Date(issued + (this.options.tokenLifetimeMs ?? 3_600_000)).toISOString(),
          project: { id: 'proj-1', name: 'admin', domain: { id: 'default', name: 'Default' } },
          user: { id: 'user-1', name: 'admin' },
          catalog: this.catalog(),
        },
      },
    };
  }

  #serversPage(r: Recorded): CannedAnswer {
    const max = this.options.pageMax ?? 1000;
    const limit = Math.min(Number(r.query.get('limit') ?? max), max);
    const marker = r.query.get('marker');
    let start = 0;
    if (marker !== null) {
      const at = this.#servers.findIndex((s) => s.id === marker);
      if (at < 0) return { status: 400, body: { badRequest: { code: 400, message: `marker [${marker}] not found` } } };
      start = at + 1;
    }
    const servers = this.#servers.slice(start, start + limit);
    const links =
      servers.length === limit && servers.length > 0
        ? [{ rel: 'next', href: `http://nova-internal.example:8774/v2.1/servers/detail?all_tenants=1&limit=${limit}&marker=${String(servers[servers.length - 1]?.id)}` }]
        : undefined;
    return { status: 200, body: { servers, ...(links ? { servers_links: links } : {}) } };
  }

  #hypervisors(r: Recorded): CannedAnswer {
    const count = this.options.hypervisors ?? 3;
    const all = Array.from({ length: count }, (_, i) => ({
      id: `hv-uuid-${i}`,
      hypervisor_hostname: `com${i}.example`,
      state: i === 0 ? 'down' : 'up',
      status: 'enabled',
      host_ip: `192.168.0.${i}`,
      hypervisor_type: 'QEMU',
      service: { host: `com${i}`, id: `svc-${i}`, disabled_reason: null },
    }));
    const limit = Number(r.query.get('limit') ?? 1000);
    const marker = r.query.get('marker');
    const start = marker === null ? 0 : all.findIndex((h) => h.id === marker) + 1;
    const page = all.slice(start, start + limit);
    const links = page.length === limit ? [{ rel: 'next', href: `${this.base}/compute/v2.1/os-hypervisors/detail?limit=${limit}&marker=${page[page.length - 1]?.id}` }] : undefined;
    return { status: 200, body: { hypervisors: page, ...(links ? { hypervisors_links: links } : {}) } };
  }

  #actions(serverId: string, requestId: string | undefined): CannedAnswer {
    if (!this.#servers.some((s) => s.id === serverId)) return { status: 404, body: { itemNotFound: { code: 404, message: `Instance ${serverId} could not be found.` } } };
    const actions = this.options.actions?.(serverId) ?? [];
    if (requestId === undefined) return { status: 200, body: { instanceActions: actions.map(({ events: _e, ...a }) => a) } };
    const found = actions.find((a) => a.request_id === requestId);
    if (!found) return { status: 404, body: { itemNotFound: { code: 404, message: 'Action not found' } } };
    return { status: 200, body: { instanceAction: { events: [], ...found } } };
  }
}

export async function startFakeCloud(options: FakeCloudOptions = {}): Promise<FakeCloud> {
  return new FakeCloud(options).start();
}
