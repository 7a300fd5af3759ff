import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiRole } from '../config/schema.js';
import { listIncidents } from '../store/lists.js';
import type { RunStore } from '../store/runs.js';
import { allows, type ApiToken } from './auth.js';
import type { DashboardEvents } from './dashboard-events.js';
import { DASHBOARD_CSP, DASHBOARD_PAGE } from './dashboard-page.js';
import { renderDashboardView } from './dashboard-view.js';
import type { LatestScan } from './latest.js';

type Route = (method: 'GET', url: string, role: ApiRole, schema: object, handler: (req: FastifyRequest, reply: FastifyReply, token: ApiToken) => Promise<unknown>) => void;

export interface DashboardRoutes {
  readonly app: FastifyInstance;
  /** app.ts's authenticated route helper. */
  readonly route: Route;
  readonly runs: RunStore;
  readonly latest: () => LatestScan | undefined;
  readonly events: DashboardEvents;
  readonly engine: Parameters<typeof listIncidents>[0];
  readonly version: string;
  readonly now: () => Date;
}

const RUNS_SHOWN = 20;
const RESOLVED_SHOWN = 10;

/** `GET /` (the shell, no token), `GET /api/v1/dashboard` (the view) and `GET /api/v1/events` (the live stream). */
export function registerDashboard(d: DashboardRoutes): void {
  d.app.route({
    method: 'GET',
    url: '/',
    handler: async (_req, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', DASHBOARD_CSP)
        .header('referrer-policy', 'no-referrer')
        .header('x-frame-options', 'DENY')
        .send(DASHBOARD_PAGE),
  });

  d.route('GET', '/api/v1/dashboard', 'read', {}, async (_req, _reply, token) => {
    const [runs, resolved] = await Promise.all([d.runs.list(RUNS_SHOWN), listIncidents(d.engine, { status: 'resolved', limit: RESOLVED_SHOWN })]);
    const canApprove = allows(token.role, 'operate');
    const view = renderDashboardView({ latest: d.latest(), runs, resolved, canApprove, version: d.version, now: d.now() });
    return { ...view, role: token.role };
  });

  d.route('GET', '/api/v1/events', 'read', {}, async (_req, reply) => {
    // The stream outlives the handler: Fastify lets go of the response and the hub owns it.
    reply.hijack();
    d.events.attach(reply.raw);
  });
}
