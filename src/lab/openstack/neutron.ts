import type { LabNetworkAgent } from '../fleet/types.js';
import { header, json, matchRoute, route, webobError, type LabRequest, type LabResponse, type Route } from './http.js';
import { unauthenticated } from './nova.js';
import type { LabCaller, LabState } from './state.js';
import { spaceSeconds } from './time-format.js';

/** Neutron v2.0: version discovery and the agents API. */

function neutronError(status: number, type: string, message: string): LabResponse {
  return json(status, { NeutronError: { type, message, detail: '' } });
}

interface NeutronContext {
  state: LabState;
  req: LabRequest;
  caller: LabCaller;
}

function agentView(state: LabState, agent: LabNetworkAgent): Record<string, unknown> {
  return {
    id: agent.id,
    agent_type: agent.agentType,
    binary: agent.binary,
    topic: agent.topic,
    host: agent.host,
    admin_state_up: agent.adminStateUp,
    created_at: spaceSeconds(agent.createdAt),
    started_at: spaceSeconds(agent.startedAt),
    heartbeat_timestamp: spaceSeconds(state.agentHeartbeatAt(agent)),
    description: null,
    resources_synced: null,
    availability_zone: agent.availabilityZone,
    alive: state.agentIsAlive(agent),
    configurations: agent.configurations,
    resource_versions: {},
  };
}

/** Neutron filters: any attribute by equality, repeated values meaning "any of". */
function matchesFilters(view: Record<string, unknown>, query: URLSearchParams): boolean {
  const keys = new Set([...query.keys()].filter((k) => !['fields', 'limit', 'marker', 'page_reverse', 'sort_key', 'sort_dir'].includes(k)));
  for (const key of keys) {
    if (!(key in view)) continue;
    const wanted = query.getAll(key);
    const actual = view[key];
    const ok = wanted.some((w) => {
      if (typeof actual === 'boolean') return ['true', '1', 'yes'].includes(w.toLowerCase()) === actual;
      return String(actual) === w;
    });
    if (!ok) return false;
  }
  return true;
}

function selectFields(view: Record<string, unknown>, query: URLSearchParams): Record<string, unknown> {
  const fields = query.getAll('fields');
  if (fields.length === 0) return view;
  return Object.fromEntries(fields.filter((f) => f in view).map((f) => [f, view[f]]));
}

function listAgents(ctx: NeutronContext): LabResponse {
  const { state, req } = ctx;
  const q = req.query;
  // Agents are admin-only; Neutron filters what policy hides rather than refusing.
  if (!ctx.caller.isAdmin) return json(200, { agents: [] });
  let views = state.agents
    .filter((a) => !req.regionId || a.regionId === req.regionId)
    .map((a) => agentView(state, a))
    .filter((v) => matchesFilters(v, q));
  const body: Record<string, unknown> = {};
  const limitRaw = q.get('limit');
  if (limitRaw !== null) {
    const limit = Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 0) return neutronError(400, 'BadRequest', `Bad limit request: Limit must be an integer 0 or greater and not '${limitRaw}'.`);
    const marker = q.get('marker');
    if (marker !== null) {
      const at = views.findIndex((v) => v.id === marker);
      if (at < 0) return neutronError(404, 'AgentNotFound', `Agent ${marker} could not be found.`);
      views = views.slice(at + 1);
    }
    if (limit > 0 && views.length > limit) {
      views = views.slice(0, limit);
      const next = new URLSearchParams(q);
      next.set('marker', String(views[views.length - 1]?.id));
      body.agents_links = [{ rel: 'next', href: `${req.origin}/network/v2.0/agents?${next.toString()}` }];
    }
  }
  body.agents = views.map((v) => selectFields(v, q));
  return json(200, body);
}

const ROUTES: Route<NeutronContext>[] = [
  route('/agents', { GET: (c) => listAgents(c) }),
  route('/agents/{id}', {
    GET: (c, [id]) => {
      const agent = c.state.agents.find((a) => a.id === id && (!c.req.regionId || a.regionId === c.req.regionId));
      if (!agent || !c.caller.isAdmin) return neutronError(404, 'AgentNotFound', `Agent ${id} could not be found.`);
      return json(200, { agent: selectFields(agentView(c.state, agent), c.req.query) });
    },
    PUT: (c, [id]) => {
      const agent = c.state.agents.find((a) => a.id === id && (!c.req.regionId || a.regionId === c.req.regionId));
      if (!agent || !c.caller.isAdmin) return neutronError(404, 'AgentNotFound', `Agent ${id} could not be found.`);
      const body = c.req.body as { agent?: { admin_state_up?: unknown } } | undefined;
      const up = body?.agent?.admin_state_up;
      if (typeof up === 'boolean') agent.adminStateUp = up;
      return json(200, { agent: agentView(c.state, agent) });
    },
  }),
];

/** Handles everything below `/network`. */
export function handleNeutron(state: LabState, req: LabRequest): LabResponse {
  const networkRoot = `${req.origin}/network`;
  if (req.path === '' || req.path === '/') {
    return json(200, { versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ rel: 'self', href: `${networkRoot}/v2.0/` }] }] });
  }
  if (!req.path.startsWith('/v2.0')) return webobError(404);
  const caller = state.caller(header(req, 'x-auth-token'));
  if (!caller) return unauthenticated(req);
  const sub = req.path.slice('/v2.0'.length).replace(/\.json$/, '');
  if (sub === '' || sub === '/') {
    return json(200, {
      resources: ['agents', 'networks', 'subnets', 'ports'].map((name) => ({
        name: name.replace(/s$/, ''),
        collection: name,
        links: [{ rel: 'self', href: `${networkRoot}/v2.0/${name}` }],
      })),
    });
  }
  const match = matchRoute(ROUTES, req.method, sub);
  if (match.kind === 'notFound') return webobError(404);
  if (match.kind === 'methodNotAllowed') return { ...webobError(405, undefined, req.method), headers: { Allow: match.allowed.join(', ') } };
  return match.handler({ state, req, caller }, match.params) as LabResponse;
}
