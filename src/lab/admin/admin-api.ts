/**
 * The lab's admin API, for tests and training: read the lab's state and faults,
 * inject and clear faults, move the clock, reboot a hypervisor, read host facts.
 * Loopback only, and every request carries `X-Lab-Admin: <token>` (printed at start)
 * so another local user cannot steer a training session.
 */
import { timingSafeEqual } from 'node:crypto';
import { ConfigError } from '../../core/errors.js';
import type { LabResponse } from '../openstack/http.js';
import { LabError } from '../openstack/state.js';
import type { LabFault, LabFaults } from '../scenarios/faults.js';
import type { LabBmcs } from '../bmc/power.js';
import { parseFault } from '../scenarios/load.js';
import type { LabNotifySinks } from '../notify/sinks.js';
import type { RequestLog } from '../openstack/request-log.js';

export interface AdminContext {
  faults: LabFaults;
  token: string;
  scenario: { name: string; title: string } | null;
  network: { sshPort: number; mode: 'nftables' | 'none'; warning: string | null } | null;
  /** The BMCs, when the lab runs them: their request log is the witness of every power action. */
  bmc: LabBmcs | null;
  /** The chat webhook and PagerDuty the lab serves: what reached them, and failures to inject. */
  notify: LabNotifySinks;
  /** The OpenStack API requests the lab answered: the witness of how often a client lists the fleet. */
  requests: RequestLog;
  /** Brings the firewall in line after a change, when there is one. */
  syncNetwork(): Promise<void>;
}

export interface AdminRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  remoteAddress: string | undefined;
  body: unknown;
  bodyMalformed: boolean;
  query?: Readonly<Record<string, string>>;
}

const ERROR_STATUS: Record<LabError['kind'], number> = { badRequest: 400, unauthorized: 401, forbidden: 403, notFound: 404, conflict: 409 };

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function isLoopback(address: string | undefined): boolean {
  const v4 = address?.startsWith('::ffff:') ? address.slice(7) : address;
  return !!v4 && (v4.startsWith('127.') || v4 === '::1');
}

export function faultView(ctx: AdminContext, f: LabFault): Record<string, unknown> {
  const state = ctx.faults.state;
  return {
    id: f.id,
    kind: f.spec.kind,
    status: f.status,
    at: f.spec.at,
    dueAt: new Date(f.dueAt).toISOString(),
    appliedAt: f.appliedAt === null ? null : new Date(f.appliedAt).toISOString(),
    clearedAt: f.clearedAt === null ? null : new Date(f.clearedAt).toISOString(),
    hypervisor: f.hypervisor,
    servers: f.servers.map((id) => {
      const s = state.server(id);
      return { id, name: s?.name ?? null, ip: s?.ip ?? null, host: s?.host ?? null, roles: s?.roles ?? [] };
    }),
    tickets: f.tickets,
    problem: f.problem,
    spec: f.spec,
  };
}

export function stateSummary(ctx: AdminContext): Record<string, unknown> {
  const { faults } = ctx;
  const state = faults.state;
  const servers = state.allServers();
  const byStatus: Record<string, number> = {};
  for (const s of servers) byStatus[s.vmState] = (byStatus[s.vmState] ?? 0) + 1;
  const reach = { ok: 0, hang: 0, down: 0 };
  for (const s of servers) {
    const r = faults.reachability(s.ip);
    if (r !== 'unknown') reach[r]++;
  }
  const list = faults.list();
  return {
    scenario: ctx.scenario,
    clock: { now: new Date(state.now()).toISOString(), startedAt: new Date(faults.startedAt).toISOString(), elapsedSeconds: Math.round(faults.elapsedSeconds()) },
    network: ctx.network,
    fleet: { regions: state.regions.length, hypervisors: state.hypervisors.length, servers: servers.length, vmStates: byStatus },
    reachability: reach,
    hungHypervisors: state.hypervisors.filter((hv) => faults.reachability(hv.hostIp) === 'down').map((hv) => hv.hostname),
    faults: { total: list.length, active: list.filter((f) => f.status === 'active').length, scheduled: list.filter((f) => f.status === 'scheduled').length, unmatched: list.filter((f) => f.status === 'unmatched').length },
    tickets: { open: faults.ticketFeed().filter((t) => t.status === 'open').length },
  };
}

function header(req: AdminRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Routes `/lab/...` (the path given here is below `/lab`). */
export async function handleAdmin(ctx: AdminContext, req: AdminRequest): Promise<LabResponse> {
  if (!isLoopback(req.remoteAddress)) return { status: 403, body: { error: 'the lab admin API answers loopback clients only' } };
  const given = header(req, 'x-lab-admin');
  if (!given || !sameToken(given, ctx.token)) return { status: 401, body: { error: 'send the admin token printed at lab start as X-Lab-Admin' } };
  if (req.bodyMalformed) return { status: 400, body: { error: 'the body is not valid JSON' } };
  const { faults } = ctx;
  const parts = req.path.split('/').filter(Boolean).map(decodeURIComponent);
  const m = req.method;
  try {
    if (parts[0] === 'state' && parts.length === 1 && m === 'GET') return { status: 200, body: stateSummary(ctx) };
    if (parts[0] === 'actions' && parts.length === 1 && m === 'GET') {
      // Who stopped or started what, and when; `?since=<ISO time>` narrows it.
      const since = req.query?.['since'];
      const sinceMs = since === undefined ? 0 : Date.parse(since);
      if (Number.isNaN(sinceMs)) return { status: 400, body: { error: 'since must be an ISO time, e.g. 2026-11-25T03:00:00Z' } };
      const state = faults.state;
      return {
        status: 200,
        body: {
          actions: state.actionLog(sinceMs).map((a) => ({
            at: new Date(a.startTime).toISOString(),
            action: a.action,
            server: { id: a.serverId, name: state.server(a.serverId)?.name ?? null },
            requestId: a.requestId,
            userId: a.userId,
            projectId: a.projectId,
            byHost: a.userId === null && a.projectId === null,
            events: a.events.map((e) => e.event),
          })),
        },
      };
    }
    if (parts[0] === 'hosts' && parts[1] === 'commands' && parts.length === 2 && m === 'GET') {
      // Every write command a hypervisor carried out over SSH (the remedies): time, host, command, exit status.
      const since = req.query?.['since'];
      const sinceMs = since === undefined ? 0 : Date.parse(since);
      if (Number.isNaN(sinceMs)) return { status: 400, body: { error: 'since must be an ISO time, e.g. 2026-11-25T03:00:00Z' } };
      return { status: 200, body: { commands: faults.hostCommands(sinceMs).map((c) => ({ at: new Date(c.at).toISOString(), host: c.host, command: c.command, code: c.code })) } };
    }
    if (parts[0] === 'notify' && parts.length === 1 && m === 'GET') {
      return { status: 200, body: { slack: ctx.notify.received('slack'), pagerduty: ctx.notify.received('pagerduty'), alerts: ctx.notify.alertList() } };
    }
    if (parts[0] === 'notify' && parts.length === 1 && m === 'DELETE') {
      ctx.notify.clear();
      return { status: 204 };
    }
    if (parts[0] === 'notify' && parts[1] === 'fail' && parts.length === 2 && m === 'POST') {
      // {"sink": "slack"|"pagerduty", "count": 2, "status": 500, "retryAfterSeconds": 1}: the next requests fail so.
      const b = (req.body ?? {}) as { sink?: unknown; count?: unknown; status?: unknown; retryAfterSeconds?: unknown };
      if (b.sink !== 'slack' && b.sink !== 'pagerduty') return { status: 400, body: { error: 'sink must be "slack" or "pagerduty"' } };
      try {
        ctx.notify.failNext(b.sink, Number(b.count ?? 1), Number(b.status ?? 500), b.retryAfterSeconds === undefined ? undefined : Number(b.retryAfterSeconds));
      } catch (err) {
        return { status: 400, body: { error: (err as Error).message } };
      }
      return { status: 204 };
    }
    if (parts[0] === 'requests' && parts.length === 1 && m === 'GET') {
      // The API requests answered, oldest first; `?since=<ISO time>` and `?service=compute` narrow them.
      const since = req.query?.['since'];
      const sinceMs = since === undefined ? 0 : Date.parse(since);
      if (Number.isNaN(sinceMs)) return { status: 400, body: { error: 'since must be an ISO time, e.g. 2026-11-25T03:00:00Z' } };
      const service = req.query?.['service'];
      const list = ctx.requests.since(sinceMs).filter((r) => service === undefined || r.service === service);
      return {
        status: 200,
        body: {
          dropped: ctx.requests.dropped,
          requests: list.map((r) => ({ at: new Date(r.at).toISOString(), method: r.method, service: r.service, region: r.region, path: r.path, query: r.query, status: r.status })),
        },
      };
    }
    if (parts[0] === 'bmc' && parts[1] === 'log' && parts.length === 2 && m === 'GET') {
      // Every Redfish request: time, BMC, user, ResetType, status; `?since=<ISO time>` narrows it.
      if (!ctx.bmc) return { status: 404, body: { error: 'this lab runs no BMCs (started with bmc: false)' } };
      const since = req.query?.['since'];
      const sinceMs = since === undefined ? 0 : Date.parse(since);
      if (Number.isNaN(sinceMs)) return { status: 400, body: { error: 'since must be an ISO time, e.g. 2026-11-25T03:00:00Z' } };
      ctx.bmc.settle();
      return { status: 200, body: { requests: ctx.bmc.log(sinceMs), power: Object.fromEntries(ctx.bmc.list().map((b) => [b.hostname, ctx.bmc?.powerState(b.hostname)])) } };
    }
    if (parts[0] === 'faults' && parts.length === 1) {
      if (m === 'GET') return { status: 200, body: { faults: faults.list().map((f) => faultView(ctx, f)) } };
      if (m === 'POST') {
        const fault = faults.add(parseFault(req.body));
        await ctx.syncNetwork();
        return { status: fault.status === 'unmatched' ? 422 : 201, body: { fault: faultView(ctx, fault) } };
      }
    }
    if (parts[0] === 'faults' && parts.length === 2) {
      const id = parts[1] as string;
      if (m === 'GET') {
        const f = faults.get(id);
        return f ? { status: 200, body: { fault: faultView(ctx, f) } } : { status: 404, body: { error: `no fault with id ${id}` } };
      }
      if (m === 'DELETE') {
        const f = faults.clear(id);
        await ctx.syncNetwork();
        return { status: 200, body: { fault: faultView(ctx, f) } };
      }
    }
    if (parts[0] === 'past' && parts.length === 1 && m === 'GET') {
      // The moments a replay visits, with the operator commands to run there; the present follows them.
      return {
        status: 200,
        body: {
          now: new Date(faults.state.now()).toISOString(),
          present: new Date(faults.presentAt).toISOString(),
          moments: faults.past().map((p) => ({ at: new Date(p.at).toISOString(), ago: p.ago, note: p.note, scan: p.scan, operator: p.operator })),
        },
      };
    }
    if (parts[0] === 'clock' && parts[1] === 'advance' && parts.length === 2 && m === 'POST') {
      const seconds = (req.body as { seconds?: unknown } | undefined)?.seconds;
      if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return { status: 400, body: { error: 'send {"seconds": <non-negative number>}' } };
      faults.state.advance(seconds * 1000);
      faults.tick();
      await ctx.syncNetwork();
      return { status: 200, body: { now: new Date(faults.state.now()).toISOString(), elapsedSeconds: Math.round(faults.elapsedSeconds()) } };
    }
    if (parts[0] === 'hypervisors' && parts.length === 3) {
      const host = parts[1] as string;
      if (parts[2] === 'reboot' && m === 'POST') {
        const { stopped } = faults.rebootHypervisor(host);
        await ctx.syncNetwork();
        return { status: 202, body: { hypervisor: host, rebooted: true, serversNowShutoff: stopped } };
      }
      if (parts[2] === 'facts' && m === 'GET') return { status: 200, body: faults.hostFacts(host) };
    }
    return { status: 404, body: { error: `no admin route ${m} /lab/${parts.join('/')}; see docs/lab.md` } };
  } catch (err) {
    if (err instanceof LabError) return { status: ERROR_STATUS[err.kind], body: { error: err.message } };
    if (err instanceof ConfigError) return { status: 400, body: { error: err.message, key: err.key, fix: err.fix } };
    throw err;
  }
}
