import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifySchema } from 'fastify';
import type { ApiRole } from '../config/schema.js';
import { isDbServer } from '../act/openstack/power.js';
import type { Incident } from '../correlate/types.js';
import type { GateId } from '../runbook/define.js';
import { runbookPlan } from '../runbook/plan.js';
import { RUNBOOKS, runbookById } from '../runbook/runbooks/index.js';
import { TriageTargetError, notCheckedOf, triage } from '../runbook/triage.js';
import { AlertWriter, listAlerts, type ReceivedAlert } from '../store/alerts.js';
import type { SqlEngine } from '../store/engine.js';
import { listAudit, listFindings, listIncidents, type Openness, type StoredIncident } from '../store/lists.js';
import { regionLeases } from '../store/region-leases.js';
import { RunConflictError, RunStore } from '../store/runs.js';
import { timelineOf } from '../store/timeline.js';
import { allows, authenticate, type ApiToken } from './auth.js';
import { DashboardEvents } from './dashboard-events.js';
import { registerDashboard } from './dashboard.js';
import { ApiError } from './errors.js';
import type { LatestScan } from './latest.js';
import type { ServerMetrics } from './metrics.js';
import { RunResumer, type ResumeRun } from './run-resumer.js';
import * as S from './schemas.js';

/**
 * The HTTP API of `faultline serve`. The factory only builds the app (routes,
 * auth, validation); the CLI decides where it listens, and tests inject
 * requests without a socket.
 */
export interface ServerDeps {
  /** The store the API reads and the webhook writes. */
  readonly engine: SqlEngine;
  readonly tokens: readonly ApiToken[];
  /** The newest scan of this process; undefined until the first one is done. */
  readonly latest: () => LatestScan | undefined;
  readonly metrics: ServerMetrics;
  readonly now?: () => Date;
  /** Where a failure the caller only sees as a 500 is told, already free of secrets. */
  readonly log?: (message: string) => void;
  /** Continues a run after an approval through the API (faultline resume's code, from the CLI); without it the caller is told to resume. */
  readonly resumeRun?: ResumeRun;
  /** Shown on the dashboard. */
  readonly version?: string;
  /** How often the dashboard's live stream looks for runs changed by other processes. */
  readonly eventPollMs?: number;
  /** This process's id in the region leases, when it takes part in them (several serve on PostgreSQL). */
  readonly instance?: string;
}

export interface RegisteredRoute {
  readonly method: string;
  readonly url: string;
}

export interface FaultlineServer {
  readonly app: FastifyInstance;
  /** Every route the app answers, as the OpenAPI file must describe them. */
  readonly routes: readonly RegisteredRoute[];
  /** The dashboard's live stream; the CLI tells it when a scan finished. */
  readonly events: DashboardEvents;
}

declare module 'fastify' {
  interface FastifyRequest {
    apiToken: ApiToken | null;
  }
}

type Handler = (req: FastifyRequest, reply: FastifyReply, token: ApiToken) => Promise<unknown>;

const ALERT_BODY_LIMIT = 8 * 1024 * 1024;

export function buildServer(deps: ServerDeps): FaultlineServer {
  const now = deps.now ?? (() => new Date());
  const runs = new RunStore(deps.engine);
  const alerts = new AlertWriter(deps.engine, now);
  const events = new DashboardEvents({
    scan: () => String(deps.latest()?.evaluatedAt.getTime() ?? ''),
    runs: async () => (await runs.list(50)).map((r) => `${r.id}:${r.status}:${r.cursor}:${r.updatedAt}`).join(','),
    pollMs: deps.eventPollMs ?? 1000,
    ...(deps.log ? { log: deps.log } : {}),
  });
  const resumer = deps.resumeRun ? new RunResumer(deps.resumeRun, () => events.emit('runs'), deps.log) : undefined;
  // No logger: Fastify's would write request headers (the bearer token) somewhere sooner or later.
  // Unknown query parameters are refused, not dropped: a misspelt filter must not quietly list everything.
  const app = Fastify({ logger: false, exposeHeadRoutes: false, bodyLimit: 1024 * 1024, return503OnClosing: true, ajv: { customOptions: { removeAdditional: false } } });
  const routes: RegisteredRoute[] = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routes.push({ method: method.toLowerCase(), url: r.url });
  });
  app.decorateRequest('apiToken', null);
  // A browser can send text/plain or a form to any origin without asking first; only JSON (which it cannot, cross-origin, without a preflight we never answer) is taken.
  app.removeContentTypeParser(['text/plain']);

  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown; code?: string }, _req, reply) => {
    if (err instanceof ApiError) return reply.status(err.status).send({ error: err.message });
    if (err.validation) return reply.status(400).send({ error: `invalid request: ${err.message}` });
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return reply.status(415).send({ error: 'send the body as application/json' });
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return reply.status(err.statusCode).send({ error: err.message });
    deps.log?.(`internal error: ${err.message}`);
    return reply.status(500).send({ error: 'internal error; the server log says more' });
  });
  // Open event streams would hold app.close() forever; waiting resumes finish their step first.
  app.addHook('preClose', async () => {
    events.close();
    await resumer?.idle();
  });
  app.setNotFoundHandler((req, reply) => reply.status(404).send({ error: `no route ${req.method} ${req.url.split('?')[0]}` }));
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
    return payload;
  });

  const route = (method: 'GET' | 'POST', url: string, role: ApiRole, schema: FastifySchema, handler: Handler, bodyLimit?: number): void => {
    app.route({
      method,
      url,
      schema,
      ...(bodyLimit ? { bodyLimit } : {}),
      // Before the body is read: a caller without a token learns nothing, not even that its body was malformed.
      onRequest: async (req, reply) => {
        const auth = authenticate(req.headers.authorization, deps.tokens);
        if (!auth.ok) {
          reply.header('www-authenticate', 'Bearer realm="faultline"');
          return reply.status(401).send({ error: auth.problem });
        }
        if (!allows(auth.token.role, role)) return reply.status(403).send({ error: `${method} ${url} needs the ${role} role; token "${auth.token.name}" has ${auth.token.role}` });
        req.apiToken = auth.token;
        return undefined;
      },
      handler: async (req, reply) => handler(req, reply, req.apiToken as ApiToken),
    });
  };

  // The one route without a token: a kubelet probe carries none, and the answer says only that the process and its store answer.
  app.get('/healthz', async (_req, reply) => {
    try {
      await deps.engine.query('SELECT 1');
      return { ok: true };
    } catch {
      return reply.status(503).send({ ok: false, error: 'the store does not answer' });
    }
  });

  route('GET', '/api/v1/incidents', 'read', { querystring: S.incidentQuery }, async (req) => {
    const q = req.query as { status: Openness; region?: string; hypervisor?: string; cluster?: string; limit: number };
    const latest = deps.latest();
    const alsoIds = latest ? latest.incidents.filter((i) => touches(i, q.hypervisor, q.cluster)).map((i) => i.id) : [];
    const rows = await listIncidents(deps.engine, { ...q, alsoIds });
    return { incidents: rows.map((r) => enrich(r, latest)), latestScan: latest ? latest.evaluatedAt.toISOString() : null };
  });

  route('GET', '/api/v1/incidents/:id', 'read', { params: S.idParams }, async (req) => {
    const { id } = req.params as { id: string };
    const latest = deps.latest();
    const [row] = await listIncidents(deps.engine, { status: 'all', id, limit: 1 });
    if (!row) throw new ApiError(404, `no incident ${id}`);
    return { incident: enrich(row, latest) };
  });

  route('GET', '/api/v1/findings', 'read', { querystring: S.findingQuery }, async (req) => {
    const q = req.query as Parameters<typeof listFindings>[1];
    return { findings: await listFindings(deps.engine, q) };
  });

  route('GET', '/api/v1/leases', 'read', {}, async () => ({ instance: deps.instance ?? null, leases: await regionLeases(deps.engine, now()) }));

  route('GET', '/api/v1/runbooks', 'read', {}, async () => ({
    runbooks: RUNBOOKS.map((r) => ({ id: r.id, title: r.title, section: r.section, target: r.target, description: r.description, steps: runbookPlan(r) })),
  }));

  route('GET', '/api/v1/runbooks/:id/plan', 'read', { params: S.idParams, querystring: S.planQuery }, async (req) => {
    const { id } = req.params as { id: string };
    const { target } = req.query as { target: string };
    const runbook = runbookById(id);
    if (!runbook) throw new ApiError(404, `no runbook ${id}; GET /api/v1/runbooks lists them`);
    const latest = deps.latest();
    if (!latest) throw new ApiError(503, 'no scan has finished yet: the plan needs the fleet; try again after the first scan');
    const fleet = latest.snapshot;
    const hv = fleet.hypervisors.find((h) => h.name === target || h.host === target || h.id === target);
    const server = fleet.servers.find((s) => s.id === target || s.name === target);
    const kind = hv ? 'hypervisor' : server ? 'server' : undefined;
    if (!kind) throw new ApiError(404, `the newest scan knows no server or hypervisor "${target}"`);
    if (kind !== runbook.target) throw new ApiError(400, `runbook ${runbook.id} acts on a ${runbook.target}; "${target}" is a ${kind}`);
    const servers = hv ? fleet.servers.filter((s) => s.hypervisorHostname === hv.name || (s.host === hv.host && !s.hypervisorHostname)) : [server!];
    return {
      runbook: runbook.id,
      dryRun: true,
      target: hv ? { kind, id: hv.id, name: hv.name, region: hv.region ?? null } : { kind, id: server!.id, name: server!.name, region: server!.region ?? null },
      servers: servers.map((s) => ({ id: s.id, name: s.name, status: s.status, db: isDbServer(s) })),
      steps: runbookPlan(runbook),
      asOf: latest.evaluatedAt.toISOString(),
    };
  });

  route('GET', '/api/v1/triage/:target', 'read', { params: S.targetParams }, async (req) => {
    const { target } = req.params as { target: string };
    const latest = deps.latest();
    if (!latest) throw new ApiError(503, 'no scan has finished yet: triage needs the fleet; try again after the first scan');
    // The scan's own incidents, not a fresh correlation: the answer names the incident ids the store and the dashboard show.
    const findings = latest.results.flatMap((r) => r.findings);
    try {
      const t = triage({ snapshot: latest.snapshot, findings, correlation: { incidents: latest.incidents }, target, now: latest.evaluatedAt });
      return { ...t, notChecked: notCheckedOf(latest.results), scanId: latest.scanId, asOf: latest.evaluatedAt.toISOString() };
    } catch (err) {
      if (err instanceof TriageTargetError) throw new ApiError(err.reason === 'unknown' ? 404 : 400, `${err.message} (the newest scan, ${latest.evaluatedAt.toISOString()})`);
      throw err;
    }
  });

  route('GET', '/api/v1/runs', 'read', { querystring: S.limitQuery }, async (req) => {
    const { limit } = req.query as { limit: number };
    return { runs: await runs.list(limit) };
  });

  route('GET', '/api/v1/runs/:id', 'read', { params: S.idParams }, async (req) => {
    const { id } = req.params as { id: string };
    const run = await runs.run(id).catch((err: unknown) => {
      throw err instanceof RunConflictError ? new ApiError(404, `no run ${id}`) : err;
    });
    return { run, steps: await runs.steps(id), approvals: await runs.approvals(id), audit: await runs.auditOf(id) };
  });

  route('POST', '/api/v1/runs/:id/approvals', 'operate', { params: S.idParams, body: S.approvalBody }, async (req, reply, token) => {
    const { id } = req.params as { id: string };
    const body = req.body as { gate: GateId; note?: string };
    // A retried POST (a phone on a bad line) finds the approval there and changes nothing, the audit included.
    const given = await runs.approval(id, body.gate);
    if (given) {
      // Already approved (here, or with faultline approve): the run may still wait for someone to resume it.
      if (!resumer) return reply.status(200).send({ approval: given, next: `already approved; the run continues when it is resumed (faultline resume ${id})` });
      const resuming = resumer.start(id);
      return reply.status(200).send({ approval: given, next: resuming === 'started' ? `this server resumes run ${id} now` : `this server is already resuming run ${id}` });
    }
    // The approver is the token's holder, never a name the caller writes: the audit says who really approved.
    await runs.approve(id, body.gate, `${token.name} (api)`, now(), body.note ?? null).catch((err: unknown) => {
      throw err instanceof RunConflictError ? new ApiError(404, `no run ${id}`) : err;
    });
    const approval = await runs.approval(id, body.gate);
    events.emit('runs');
    if (!resumer) return reply.status(201).send({ approval, next: `the run continues when it is resumed (faultline resume ${id})` });
    const resuming = resumer.start(id);
    return reply.status(201).send({ approval, next: resuming === 'started' ? `this server resumes run ${id} now` : `this server is already resuming run ${id}` });
  });

  route('GET', '/api/v1/audit', 'read', { querystring: S.auditQuery }, async (req) => ({ audit: await listAudit(deps.engine, req.query as Parameters<typeof listAudit>[1]) }));

  route('GET', '/api/v1/history/:subject', 'read', { params: S.subjectParams, querystring: S.limitQuery }, async (req) => {
    const { subject } = req.params as { subject: string };
    const { limit } = req.query as { limit: number };
    return timelineOf(deps.engine, subject, limit);
  });

  route(
    'POST',
    '/api/v1/alerts/alertmanager',
    'operate',
    { body: S.alertmanagerBody },
    async (req) => {
      const body = req.body as S.AlertmanagerPayload;
      const received = body.alerts.map((a): ReceivedAlert => {
        if (Number.isNaN(Date.parse(a.startsAt))) throw new ApiError(400, `alert ${a.fingerprint}: startsAt "${a.startsAt}" is not a time`);
        // Alertmanager sends Go's zero time (0001-01-01) for an alert that has not ended.
        const ends = a.endsAt && !a.endsAt.startsWith('0001-01-01') && !Number.isNaN(Date.parse(a.endsAt)) ? a.endsAt : null;
        return {
          fingerprint: a.fingerprint,
          status: a.status,
          startsAt: a.startsAt,
          endsAt: ends,
          labels: a.labels,
          annotations: a.annotations ?? {},
          generatorURL: a.generatorURL ?? null,
          receiver: body.receiver,
          groupKey: body.groupKey,
        };
      });
      // Answered only once the alerts are committed: Alertmanager retries what it got no 200 for.
      await alerts.write(received);
      deps.metrics.alertsStored(received);
      return { stored: received.length };
    },
    ALERT_BODY_LIMIT,
  );

  route('GET', '/api/v1/alerts', 'read', { querystring: S.alertQuery }, async (req) => ({ alerts: await listAlerts(deps.engine, req.query as Parameters<typeof listAlerts>[1]) }));

  route('GET', '/metrics', 'read', {}, async (_req, reply) => {
    const text = await deps.metrics.render();
    return reply.type(deps.metrics.contentType).send(text);
  });

  registerDashboard({ app, route, runs, latest: deps.latest, events, engine: deps.engine, version: deps.version ?? 'unknown', now });

  return { app, routes, events };
}

function touches(i: Incident, hypervisor: string | undefined, cluster: string | undefined): boolean {
  const root = i.root.resource;
  const onHv = hypervisor === undefined || i.blastRadius.servers.some((s) => s.hypervisor === hypervisor) || (root.parent?.kind === 'hypervisor' && (root.parent.name === hypervisor || root.parent.id === hypervisor));
  const inCluster = cluster === undefined || i.blastRadius.clusters.includes(cluster);
  return onHv && inCluster && (hypervisor !== undefined || cluster !== undefined);
}

/** The store's row, with the chain and blast radius the newest scan judged for it (when it still saw it). */
function enrich(row: StoredIncident, latest: LatestScan | undefined): StoredIncident & { zone?: string; chain?: Incident['chain']; blastRadius?: Incident['blastRadius'] } {
  const seen = latest?.incidents.find((i) => i.id === row.id);
  return seen ? { ...row, zone: seen.zone, chain: seen.chain, blastRadius: seen.blastRadius } : row;
}
