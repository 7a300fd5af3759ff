import { createHash, randomUUID } from 'node:crypto';
import type { LabComputeService, LabHypervisor, LabServer } from '../fleet/types.js';
import { header, json, matchRoute, route, webobError, type LabRequest, type LabResponse, type Route } from './http.js';
import {
  flavorDetail,
  flavorSummary,
  hypervisorView,
  imageView,
  instanceActionView,
  serverDetail,
  serverDetailJson,
  serverSummary,
  serviceView,
  statusFilter,
  type ViewContext,
} from './nova-views.js';
import { LabError, type LabCaller, type LabState } from './state.js';
import { isoMicros, parseIsoTimestamp } from './time-format.js';

/** Nova v2.1 as of the microversion below. */
export const NOVA_MIN_MINOR = 1;
export const NOVA_MAX_MINOR = 96;
const MAX_LIMIT = 1000;
/** What `uptime` on a compute host prints; the lab has no real host to ask. */
const UPTIME = ' 14:57:02 up 41 days,  3:12,  0 users,  load average: 1.52, 1.48, 1.40';

const FAULT_NAMES: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  429: 'overLimit',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

/** Nova's fault body: the key names the kind of error (anything unlisted is a computeFault). */
export function novaError(status: number, message: string): LabResponse {
  return json(status, { [FAULT_NAMES[status] ?? 'computeFault']: { code: status, message } });
}

const ERROR_STATUS: Record<LabError['kind'], number> = { badRequest: 400, unauthorized: 401, forbidden: 403, notFound: 404, conflict: 409 };

class NovaFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const policyDenied = (rule: string): NovaFailure => new NovaFailure(403, `Policy doesn't allow ${rule} to be performed.`);

interface NovaContext {
  state: LabState;
  req: LabRequest;
  caller: LabCaller;
  view: ViewContext;
}

// ------------------------------------------------------------------ microversions

type Negotiated = { minor: number } | { error: LabResponse };

function negotiate(req: LabRequest): Negotiated {
  let requested: string | undefined;
  const modern = header(req, 'openstack-api-version');
  if (modern) {
    for (const part of modern.split(',')) {
      const [service, version] = part.trim().split(/\s+/);
      if (service?.toLowerCase() === 'compute' && version) requested = version;
    }
  }
  requested ??= header(req, 'x-openstack-nova-api-version');
  if (requested === undefined) return { minor: NOVA_MIN_MINOR };
  if (requested.toLowerCase() === 'latest') return { minor: NOVA_MAX_MINOR };
  const m = /^([1-9]\d*)\.(0|[1-9]\d*)$/.exec(requested.trim());
  if (!m) {
    return { error: novaError(400, `API Version String ${requested} is of invalid format. Must be of format MajorNum.MinorNum.`) };
  }
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major !== 2 || minor < NOVA_MIN_MINOR || minor > NOVA_MAX_MINOR) {
    return {
      error: novaError(406, `Version ${requested} is not supported by the API. Minimum is 2.${NOVA_MIN_MINOR} and maximum is 2.${NOVA_MAX_MINOR}.`),
    };
  }
  return { minor };
}

function versionHeaders(minor: number): Record<string, string> {
  return {
    'OpenStack-API-Version': `compute 2.${minor}`,
    'X-OpenStack-Nova-API-Version': `2.${minor}`,
    Vary: 'OpenStack-API-Version, X-OpenStack-Nova-API-Version',
  };
}

function versionEntries(computeRoot: string): Record<string, unknown>[] {
  return [
    {
      id: 'v2.0',
      status: 'SUPPORTED',
      version: '',
      min_version: '',
      updated: '2011-01-21T11:33:21Z',
      links: [{ rel: 'self', href: `${computeRoot}/v2/` }],
    },
    {
      id: 'v2.1',
      status: 'CURRENT',
      version: `2.${NOVA_MAX_MINOR}`,
      min_version: `2.${NOVA_MIN_MINOR}`,
      updated: '2013-07-23T11:33:21Z',
      links: [{ rel: 'self', href: `${computeRoot}/v2.1/` }],
    },
  ];
}

function versionDoc(computeRoot: string, id: 'v2.0' | 'v2.1'): LabResponse {
  const entry = versionEntries(computeRoot).find((v) => v.id === id) as Record<string, unknown>;
  return json(200, {
    version: {
      ...entry,
      links: [...(entry.links as unknown[]), { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' }],
      'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
    },
  });
}

// ------------------------------------------------------------------ helpers

function parseLimit(query: URLSearchParams): number {
  const raw = query.get('limit');
  if (raw === null) return MAX_LIMIT;
  if (!/^[0-9]*$/.test(raw) || raw === '') {
    throw new NovaFailure(400, `Invalid input for query parameters limit. Value: ${raw}. '${raw}' does not match '^[0-9]*$'`);
  }
  return Math.min(Number(raw), MAX_LIMIT);
}

function parseBool(name: string, raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (['1', 't', 'true', 'on', 'y', 'yes'].includes(v)) return true;
  if (['0', 'f', 'false', 'off', 'n', 'no'].includes(v)) return false;
  throw new NovaFailure(400, `Invalid input for query parameters ${name}. Value: ${raw}. Unrecognized value '${raw}', acceptable values are: '0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'`);
}

/**
 * Nova's next link: the request's own query, sorted, with `marker` set to the last
 * item. Present whenever the page is full, so a full last page is followed by an
 * empty one.
 */
function nextLinks(ctx: NovaContext, collection: string, items: readonly { id: string }[], limit: number): { rel: string; href: string }[] {
  const last = items[items.length - 1];
  if (!limit || items.length !== limit || !last) return [];
  const params = new Map<string, string>();
  for (const [k, v] of ctx.req.query) params.set(k, v);
  params.set('marker', last.id);
  const query = new URLSearchParams([...params.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return [{ rel: 'next', href: `${ctx.view.computeRoot}/v2.1/${collection}?${query.toString()}` }];
}

function compileRegex(pattern: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch {
    // MySQL's REGEXP would reject it too; match nothing rather than fail.
    return /(?!)/;
  }
}

function findServer(ctx: NovaContext, id: string): LabServer {
  const server = ctx.state.server(id);
  const visible = server && (ctx.caller.isAdmin || server.projectId === ctx.caller.project.id) && (!ctx.req.regionId || server.regionId === ctx.req.regionId);
  if (!server || !visible) throw new NovaFailure(404, `Instance ${id} could not be found.`);
  return server;
}

function requireAdmin(ctx: NovaContext, rule: string): void {
  if (!ctx.caller.isAdmin) throw policyDenied(rule);
}

function inRegion(ctx: NovaContext, regionId: string): boolean {
  return !ctx.req.regionId || ctx.req.regionId === regionId;
}

function bodyObject(ctx: NovaContext): Record<string, unknown> {
  if (ctx.req.bodyMalformed) throw new NovaFailure(400, 'Malformed request body');
  const body = ctx.req.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new NovaFailure(400, 'The request body is invalid.');
  return body as Record<string, unknown>;
}

// ------------------------------------------------------------------ servers

function listServers(ctx: NovaContext, detail: boolean): LabResponse {
  const { req, caller, state } = ctx;
  const q = req.query;
  const limit = parseLimit(q);
  const rule = detail ? 'os_compute_api:servers:detail:get_all_tenants' : 'os_compute_api:servers:index:get_all_tenants';
  let allTenants = false;
  if (q.has('all_tenants')) {
    const raw = q.get('all_tenants') ?? '';
    allTenants = raw === '' ? true : parseBool('all_tenants', raw);
  }
  if (allTenants && !caller.isAdmin) throw policyDenied(rule);
  let projectId: string | null = caller.project.id;
  if (allTenants) projectId = q.get('tenant_id') ?? q.get('project_id') ?? null;
  let statuses;
  const statusValues = q.getAll('status');
  if (statusValues.length) {
    statuses = statusFilter(statusValues);
    // An unknown status matches nothing, as in Nova.
    if (statuses.length === 0) return json(200, { servers: [] });
  }
  let changesSince: number | undefined;
  const cs = q.get('changes-since');
  if (cs !== null) {
    changesSince = parseIsoTimestamp(cs);
    if (Number.isNaN(changesSince)) throw new NovaFailure(400, `Invalid input for query parameters changes-since. Value: ${cs}. '${cs}' is not a 'date-time'`);
  }
  const name = q.get('name');
  const ip = q.get('ip');
  const marker = q.get('marker') ?? undefined;
  let servers: LabServer[];
  try {
    servers = state.listServers({
      projectId,
      regionId: req.regionId,
      // Non-admins may not filter by host; Nova drops the filter silently.
      host: caller.isAdmin ? (q.get('host') ?? undefined) : undefined,
      statuses,
      changesSince,
      name: name !== null ? compileRegex(name) : undefined,
      ip: ip !== null ? compileRegex(ip) : undefined,
      flavorId: q.get('flavor') ?? undefined,
      imageId: q.get('image') ?? undefined,
      userId: caller.isAdmin || ctx.view.mv >= 83 ? (q.get('user_id') ?? undefined) : undefined,
      limit,
      marker,
    });
  } catch (e) {
    if (e instanceof LabError) throw new NovaFailure(ERROR_STATUS[e.kind], e.message);
    throw e;
  }
  const next = nextLinks(ctx, detail ? 'servers/detail' : 'servers', servers, limit);
  const items = detail ? servers.map((s) => serverDetailJson(ctx.view, state, s)) : servers.map((s) => JSON.stringify(serverSummary(ctx.view, s)));
  const links = next.length ? `,"servers_links":${JSON.stringify(next)}` : '';
  return { status: 200, rawJson: `{"servers":[${items.join(',')}]${links}}` };
}

function serverAction(ctx: NovaContext, id: string): LabResponse {
  const body = bodyObject(ctx);
  const server = findServer(ctx, id);
  const keys = Object.keys(body);
  if (keys.length !== 1) throw new NovaFailure(400, 'Malformed request body');
  const action = keys[0] as string;
  const arg = body[action];
  const { state, caller, req } = ctx;
  const accepted: LabResponse = { status: 202, text: '' };
  try {
    switch (action) {
      case 'os-stop':
        state.stopServer(server, caller, req.requestId);
        return accepted;
      case 'os-start':
        state.startServer(server, caller, req.requestId);
        return accepted;
      case 'reboot': {
        const type = arg && typeof arg === 'object' ? (arg as Record<string, unknown>).type : undefined;
        if (typeof type !== 'string' || !['SOFT', 'HARD'].includes(type.toUpperCase())) {
          throw new NovaFailure(400, `Invalid input for field/attribute type. Value: ${String(type)}. '${String(type)}' is not one of ['HARD', 'Hard', 'SOFT', 'Soft', 'hard', 'soft']`);
        }
        state.rebootServer(server, caller, req.requestId, type.toUpperCase() as 'SOFT' | 'HARD');
        return accepted;
      }
      case 'os-getConsoleOutput': {
        const raw = arg && typeof arg === 'object' ? (arg as Record<string, unknown>).length : undefined;
        let length: number | null = null;
        if (raw !== undefined && raw !== null) {
          const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
          if (!Number.isInteger(n) || n < -1) throw new NovaFailure(400, `Invalid input for field/attribute length. Value: ${String(raw)}.`);
          length = n === -1 ? null : n;
        }
        // Nova's tail (compute manager _tail_log): the last `length` pieces of the log split
        // on newlines, so a log ending in a newline spends one on the empty last piece.
        // Kernel and boot messages end in a newline; a getty login prompt does not.
        const lines = state.consoleLog(server);
        const text = lines.join('\n') + (/login: $/.test(lines.at(-1) ?? '') ? '' : '\n');
        const output = length === null ? text : length === 0 ? '' : text.split('\n').slice(-length).join('\n');
        return json(200, { output });
      }
      case 'os-getVNCConsole': {
        const type = arg && typeof arg === 'object' ? (arg as Record<string, unknown>).type : undefined;
        if (type !== 'novnc' && type !== 'xvpvnc') throw new NovaFailure(400, `Invalid input for field/attribute type. Value: ${String(type)}.`);
        return json(200, { console: { type, url: consoleUrl(ctx, server) } });
      }
      default:
        throw new NovaFailure(400, `There is no such action: ${action}`);
    }
  } catch (e) {
    if (e instanceof LabError) throw new NovaFailure(ERROR_STATUS[e.kind], e.message);
    throw e;
  }
}

/**
 * Nova checks only that the server has a host (check_instance_host): a stopped
 * server's console URL is handed out too, though nothing answers behind it.
 */
function consoleUrl(ctx: NovaContext, server: LabServer): string {
  if (!server.host) throw new NovaFailure(409, `Instance ${server.id} is not ready`);
  const token = randomUUID();
  return `${ctx.req.hostOrigin}/novnc/vnc_auto.html?path=%3Ftoken%3D${token}`;
}

function remoteConsole(ctx: NovaContext, id: string): LabResponse {
  const body = bodyObject(ctx);
  const server = findServer(ctx, id);
  const rc = body.remote_console;
  if (!rc || typeof rc !== 'object') throw new NovaFailure(400, "Invalid input for field/attribute remote_console. Value: None. 'remote_console' is a required property");
  const { protocol, type } = rc as Record<string, unknown>;
  if (protocol !== 'vnc') throw new NovaFailure(400, `Unavailable console type ${String(type ?? protocol)}.`);
  if (type !== 'novnc') throw new NovaFailure(400, `Invalid input for field/attribute type. Value: ${String(type)}.`);
  return json(200, { remote_console: { protocol, type, url: consoleUrl(ctx, server) } });
}

function listActions(ctx: NovaContext, id: string): LabResponse {
  const server = findServer(ctx, id);
  let actions = ctx.state.instanceActions(server);
  const body: Record<string, unknown> = {};
  if (ctx.view.mv >= 58) {
    const cs = ctx.req.query.get('changes-since');
    if (cs !== null) {
      const since = parseIsoTimestamp(cs);
      if (Number.isNaN(since)) throw new NovaFailure(400, `Invalid input for query parameters changes-since. Value: ${cs}. '${cs}' is not a 'date-time'`);
      actions = actions.filter((a) => a.updatedAt >= since);
    }
    const marker = ctx.req.query.get('marker');
    if (marker !== null) {
      const at = actions.findIndex((a) => a.requestId === marker);
      if (at < 0) throw new NovaFailure(400, `Marker ${marker} could not be found.`);
      actions = actions.slice(at + 1);
    }
    const limit = parseLimit(ctx.req.query);
    actions = actions.slice(0, limit);
    body.instanceActions = actions.map((a) => instanceActionView(ctx.view, a, false, server.projectId));
    const next = nextLinks(ctx, `servers/${server.id}/os-instance-actions`, actions.map((a) => ({ id: a.requestId })), limit);
    if (next.length) body.links = next;
  } else {
    body.instanceActions = actions.map((a) => instanceActionView(ctx.view, a, false, server.projectId));
  }
  return json(200, body);
}

function showAction(ctx: NovaContext, id: string, requestId: string): LabResponse {
  const server = findServer(ctx, id);
  const action = ctx.state.instanceActions(server).find((a) => a.requestId === requestId);
  if (!action) throw new NovaFailure(404, `Action for request_id ${requestId} on instance ${server.id} not found`);
  // Before 2.51 only admins see events.
  const withEvents = ctx.caller.isAdmin || ctx.view.mv >= 51;
  return json(200, { instanceAction: instanceActionView(ctx.view, action, withEvents, server.projectId) });
}

// ------------------------------------------------------------------ hypervisors

function hypervisorsInScope(ctx: NovaContext): LabHypervisor[] {
  return ctx.state.hypervisors.filter((h) => inRegion(ctx, h.regionId));
}

function listHypervisors(ctx: NovaContext, detail: boolean): LabResponse {
  requireAdmin(ctx, detail ? 'os_compute_api:os-hypervisors:list-detail' : 'os_compute_api:os-hypervisors:list');
  const q = ctx.req.query;
  const mv = ctx.view.mv;
  let hvs = hypervisorsInScope(ctx);
  let withServers = false;
  const body: Record<string, unknown> = {};
  if (mv >= 53) {
    const ws = q.get('with_servers');
    withServers = ws !== null && parseBool('with_servers', ws);
    const pattern = q.get('hypervisor_hostname_pattern');
    if (pattern !== null) {
      if (q.has('limit') || q.has('marker')) throw new NovaFailure(400, 'Paging over hypervisors with the hypervisor_hostname_pattern query parameter is not supported.');
      hvs = hvs.filter((h) => h.hostname.includes(pattern));
      if (hvs.length === 0) throw new NovaFailure(404, `No hypervisor matching '${pattern}' could be found.`);
    } else {
      const marker = q.get('marker');
      if (marker !== null) {
        const at = hvs.findIndex((h) => h.id === marker);
        if (at < 0) throw new NovaFailure(400, `marker [${marker}] not found`);
        hvs = hvs.slice(at + 1);
      }
      const limit = parseLimit(q);
      hvs = hvs.slice(0, limit);
      const next = nextLinks(ctx, detail ? 'os-hypervisors/detail' : 'os-hypervisors', hvs, limit);
      if (next.length) body.hypervisors_links = next;
    }
  } else if (mv >= 33) {
    const marker = q.get('marker');
    if (marker !== null) {
      const at = hvs.findIndex((h) => String(h.legacyId) === marker);
      if (at < 0) throw new NovaFailure(400, `marker [${marker}] not found`);
      hvs = hvs.slice(at + 1);
    }
    const limit = parseLimit(q);
    hvs = hvs.slice(0, limit);
    const next = nextLinks(ctx, detail ? 'os-hypervisors/detail' : 'os-hypervisors', hvs.map((h) => ({ id: String(h.legacyId) })), limit);
    if (next.length) body.hypervisors_links = next;
  }
  body.hypervisors = hvs.map((h) => hypervisorView(ctx.view, ctx.state, h, { detail, withServers }));
  return json(200, body);
}

function showHypervisor(ctx: NovaContext, id: string): LabResponse {
  requireAdmin(ctx, 'os_compute_api:os-hypervisors:show');
  const mv = ctx.view.mv;
  let hv: LabHypervisor | undefined;
  if (mv >= 53) {
    if (!/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(id)) throw new NovaFailure(400, `Invalid uuid ${id}`);
    hv = ctx.state.hypervisorById.get(id.toLowerCase());
  } else if (/^\d+$/.test(id)) {
    hv = ctx.state.hypervisorByLegacyId.get(Number(id));
  }
  if (!hv || !inRegion(ctx, hv.regionId)) throw new NovaFailure(404, `Hypervisor with ID '${id}' could not be found.`);
  const ws = ctx.req.query.get('with_servers');
  const withServers = mv >= 53 && ws !== null && parseBool('with_servers', ws);
  return json(200, { hypervisor: hypervisorView(ctx.view, ctx.state, hv, { detail: true, show: true, withServers, uptime: UPTIME }) });
}

/** Removed in 2.88, where `uptime` moved into the show response. */
function hypervisorUptime(ctx: NovaContext, id: string): LabResponse {
  requireAdmin(ctx, 'os_compute_api:os-hypervisors:uptime');
  if (ctx.view.mv >= 88) throw new NovaFailure(404, 'The resource could not be found.');
  const shown = showHypervisor({ ...ctx, caller: ctx.caller }, id).body as { hypervisor: Record<string, unknown> };
  const { id: hvId, hypervisor_hostname, state, status } = shown.hypervisor;
  return json(200, { hypervisor: { id: hvId, hypervisor_hostname, state, status, uptime: UPTIME } });
}

/** Before 2.53: `/os-hypervisors/{pattern}/search` and `/{pattern}/servers`. */
function searchHypervisors(ctx: NovaContext, pattern: string, withServers: boolean): LabResponse {
  requireAdmin(ctx, withServers ? 'os_compute_api:os-hypervisors:servers' : 'os_compute_api:os-hypervisors:search');
  if (ctx.view.mv >= 53) throw new NovaFailure(404, 'The resource could not be found.');
  const hvs = hypervisorsInScope(ctx).filter((h) => h.hostname.includes(pattern));
  if (hvs.length === 0) throw new NovaFailure(404, `No hypervisor matching '${pattern}' could be found.`);
  return json(200, { hypervisors: hvs.map((h) => hypervisorView(ctx.view, ctx.state, h, { detail: false, withServers })) });
}

// ------------------------------------------------------------------ services

function listServices(ctx: NovaContext): LabResponse {
  requireAdmin(ctx, 'os_compute_api:os-services:list');
  const binary = ctx.req.query.get('binary');
  const host = ctx.req.query.get('host');
  const services = ctx.state.services.filter(
    (s) => inRegion(ctx, s.regionId) && (binary === null || s.binary === binary) && (host === null || s.host === host),
  );
  return json(200, { services: services.map((s) => serviceView(ctx.view, ctx.state, s)) });
}

function updateService(ctx: NovaContext, id: string): LabResponse {
  requireAdmin(ctx, 'os_compute_api:os-services:update');
  const body = bodyObject(ctx);
  const state = ctx.state;
  if (ctx.view.mv < 53) {
    // The old verbs: PUT /os-services/{enable|disable|disable-log-reason|force-down} with host and binary.
    const host = body.host;
    const binary = body.binary;
    if (!['enable', 'disable', 'disable-log-reason', 'force-down'].includes(id) || (id === 'force-down' && ctx.view.mv < 11)) {
      throw new NovaFailure(404, 'Unknown action');
    }
    const service = state.services.find((s) => s.host === host && s.binary === binary && inRegion(ctx, s.regionId));
    if (!service) throw new NovaFailure(404, `Service ${String(binary)} on host ${String(host)} not found.`);
    if (id === 'force-down') {
      if (typeof body.forced_down !== 'boolean') throw new NovaFailure(400, "Invalid input for field/attribute forced_down. 'forced_down' is a required property");
      service.forcedDown = body.forced_down;
      return json(200, { service: { host: service.host, binary: service.binary, forced_down: service.forcedDown } });
    }
    service.disabled = id !== 'enable';
    service.disabledReason = id === 'disable-log-reason' ? String(body.disabled_reason ?? '') : id === 'enable' ? null : service.disabledReason;
    const out: Record<string, unknown> = { host: service.host, binary: service.binary, status: service.disabled ? 'disabled' : 'enabled' };
    if (id === 'disable-log-reason') out.disabled_reason = service.disabledReason;
    return json(200, { service: out });
  }
  const service: LabComputeService | undefined = state.services.find((s) => s.id === id && inRegion(ctx, s.regionId));
  if (!/^[0-9a-f-]{32,36}$/i.test(id)) throw new NovaFailure(400, `Invalid uuid ${id}`);
  if (!service) throw new NovaFailure(404, `Service ${id} could not be found.`);
  const { status, disabled_reason: reason, forced_down: forced } = body;
  if (status === undefined && forced === undefined) throw new NovaFailure(400, "At least one of 'status' or 'forced_down' must be specified.");
  if (status !== undefined && status !== 'enabled' && status !== 'disabled') {
    throw new NovaFailure(400, `Invalid input for field/attribute status. Value: ${String(status)}. '${String(status)}' is not one of ['enabled', 'disabled']`);
  }
  if (reason !== undefined && status !== 'disabled') throw new NovaFailure(400, "Specifying 'disabled_reason' with status 'enabled' is invalid.");
  if (forced !== undefined && typeof forced !== 'boolean') throw new NovaFailure(400, `Invalid input for field/attribute forced_down. Value: ${String(forced)}.`);
  if (service.binary !== 'nova-compute') {
    throw new NovaFailure(400, `Updating a ${service.binary} service is not supported. Only nova-compute services can be updated.`);
  }
  if (status !== undefined) {
    service.disabled = status === 'disabled';
    service.disabledReason = service.disabled ? (typeof reason === 'string' ? reason : null) : null;
  }
  if (typeof forced === 'boolean') service.forcedDown = forced;
  return json(200, { service: serviceView(ctx.view, state, service) });
}

// ------------------------------------------------------------------ flavors and images

function listFlavors(ctx: NovaContext, detail: boolean): LabResponse {
  const raw = ctx.req.query.get('is_public');
  let flavors = [...ctx.state.flavors.values()];
  if (!(ctx.caller.isAdmin && raw !== null && ['none', 'None'].includes(raw))) {
    const wantPublic = raw === null || !ctx.caller.isAdmin ? true : parseBool('is_public', raw);
    flavors = flavors.filter((f) => f.isPublic === wantPublic);
  }
  const minRam = Number(ctx.req.query.get('minRam') ?? 0);
  const minDisk = Number(ctx.req.query.get('minDisk') ?? 0);
  flavors = flavors.filter((f) => f.ramMb >= minRam && f.diskGb >= minDisk).sort((a, b) => (a.id < b.id ? -1 : 1));
  return json(200, { flavors: flavors.map((f) => (detail ? flavorDetail(ctx.view, f) : flavorSummary(ctx.view, f))) });
}

function showFlavor(ctx: NovaContext, id: string): LabResponse {
  const flavor = ctx.state.flavors.get(id);
  if (!flavor || (!flavor.isPublic && !ctx.caller.isAdmin)) throw new NovaFailure(404, `Flavor ${id} could not be found.`);
  return json(200, { flavor: flavorDetail(ctx.view, flavor) });
}

function imagesProxy(ctx: NovaContext, detail: boolean): LabResponse {
  // The image proxy was removed in 2.36.
  if (ctx.view.mv >= 36) throw new NovaFailure(404, 'The resource could not be found.');
  const images = [...ctx.state.images.values()].filter((i) => i.visibility === 'public' || ctx.caller.isAdmin || i.ownerProjectId === ctx.caller.project.id);
  return json(200, { images: images.map((i) => imageView(ctx.view, i, detail)) });
}

function showImageProxy(ctx: NovaContext, id: string): LabResponse {
  if (ctx.view.mv >= 36) throw new NovaFailure(404, 'The resource could not be found.');
  const image = ctx.state.images.get(id);
  if (!image) throw new NovaFailure(404, 'Image not found.');
  return json(200, { image: imageView(ctx.view, image, true) });
}

// ------------------------------------------------------------------ aggregates and zones

/** One host aggregate per region, carrying the region's availability zone. */
function aggregates(ctx: NovaContext): Record<string, unknown>[] {
  return ctx.state.regions
    .map((region, index) => ({ region, index }))
    .filter(({ region }) => inRegion(ctx, region.id))
    .map(({ region, index }) => {
      const created = ctx.state.fleet.generatedAt - 1000 * 86_400_000;
      const out: Record<string, unknown> = {
        availability_zone: region.availabilityZone,
        created_at: isoMicros(created),
        deleted: false,
        deleted_at: null,
        hosts: ctx.state.hypervisors.filter((h) => h.regionId === region.id).map((h) => h.hostname),
        id: index + 1,
        metadata: { availability_zone: region.availabilityZone },
        name: `${region.id}-computes`,
        updated_at: null,
      };
      if (ctx.view.mv >= 41) out.uuid = uuidFromText(`aggregate/${region.id}`);
      return out;
    });
}

function uuidFromText(text: string): string {
  const h = createHash('sha1').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function availabilityZones(ctx: NovaContext, detail: boolean): LabResponse {
  if (detail) requireAdmin(ctx, 'os_compute_api:os-availability-zone:detail');
  const zones = ctx.state.regions
    .filter((r) => inRegion(ctx, r.id))
    .map((region) => {
      const zone: Record<string, unknown> = { zoneName: region.availabilityZone, zoneState: { available: true }, hosts: null };
      if (detail) {
        const hosts: Record<string, unknown> = {};
        for (const svc of ctx.state.services) {
          if (svc.regionId !== region.id || svc.binary !== 'nova-compute') continue;
          hosts[svc.host] = {
            'nova-compute': { available: ctx.state.serviceIsUp(svc), active: !svc.disabled, updated_at: isoMicros(ctx.state.serviceUpdatedAt(svc)) },
          };
        }
        zone.hosts = hosts;
      }
      return zone;
    });
  if (detail) {
    const internal: Record<string, unknown> = {};
    for (const svc of ctx.state.services) {
      if (svc.zone !== 'internal' || !inRegion(ctx, svc.regionId)) continue;
      const host = (internal[svc.host] ??= {}) as Record<string, unknown>;
      host[svc.binary] = { available: ctx.state.serviceIsUp(svc), active: !svc.disabled, updated_at: isoMicros(ctx.state.serviceUpdatedAt(svc)) };
    }
    zones.unshift({ zoneName: 'internal', zoneState: { available: true }, hosts: internal });
  }
  return json(200, { availabilityZoneInfo: zones });
}

// ------------------------------------------------------------------ routing

const ROUTES: Route<NovaContext>[] = [
  route('/servers', { GET: (c) => listServers(c, false) }),
  route('/servers/detail', { GET: (c) => listServers(c, true) }),
  route('/servers/{id}', { GET: (c, [id]) => json(200, { server: serverDetail(c.view, c.state, findServer(c, id as string)) }) }),
  route('/servers/{id}/action', { POST: (c, [id]) => serverAction(c, id as string) }),
  route('/servers/{id}/remote-consoles', {
    POST: (c, [id]) => {
      if (c.view.mv < 6) throw new NovaFailure(404, 'The resource could not be found.');
      return remoteConsole(c, id as string);
    },
  }),
  route('/servers/{id}/os-instance-actions', { GET: (c, [id]) => listActions(c, id as string) }),
  route('/servers/{id}/os-instance-actions/{request}', { GET: (c, [id, request]) => showAction(c, id as string, request as string) }),
  route('/os-hypervisors', { GET: (c) => listHypervisors(c, false) }),
  route('/os-hypervisors/detail', { GET: (c) => listHypervisors(c, true) }),
  route('/os-hypervisors/{pattern}/search', { GET: (c, [p]) => searchHypervisors(c, p as string, false) }),
  route('/os-hypervisors/{pattern}/servers', { GET: (c, [p]) => searchHypervisors(c, p as string, true) }),
  route('/os-hypervisors/{id}/uptime', { GET: (c, [id]) => hypervisorUptime(c, id as string) }),
  route('/os-hypervisors/{id}', { GET: (c, [id]) => showHypervisor(c, id as string) }),
  route('/os-services', { GET: (c) => listServices(c) }),
  route('/os-services/{id}', { PUT: (c, [id]) => updateService(c, id as string) }),
  route('/os-aggregates', {
    GET: (c) => {
      requireAdmin(c, 'os_compute_api:os-aggregates:index');
      return json(200, { aggregates: aggregates(c) });
    },
  }),
  route('/os-aggregates/{id}', {
    GET: (c, [id]) => {
      requireAdmin(c, 'os_compute_api:os-aggregates:show');
      const found = aggregates(c).find((a) => String(a.id) === id);
      if (!found) throw new NovaFailure(404, `Aggregate ${id} could not be found.`);
      return json(200, { aggregate: found });
    },
  }),
  route('/os-availability-zone', { GET: (c) => availabilityZones(c, false) }),
  route('/os-availability-zone/detail', { GET: (c) => availabilityZones(c, true) }),
  route('/flavors', { GET: (c) => listFlavors(c, false) }),
  route('/flavors/detail', { GET: (c) => listFlavors(c, true) }),
  route('/flavors/{id}', { GET: (c, [id]) => showFlavor(c, id as string) }),
  route('/images', { GET: (c) => imagesProxy(c, false) }),
  route('/images/detail', { GET: (c) => imagesProxy(c, true) }),
  route('/images/{id}', { GET: (c, [id]) => showImageProxy(c, id as string) }),
];

/** Keystonemiddleware's refusal, which is what Nova answers without a valid token. */
export function unauthenticated(req: LabRequest): LabResponse {
  return json(
    401,
    { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } },
    { 'WWW-Authenticate': `Keystone uri="${req.hostOrigin}/identity"` },
  );
}

/** Handles everything below `/compute`; `req.path` starts after it. */
export async function handleNova(state: LabState, req: LabRequest): Promise<LabResponse> {
  const computeRoot = `${req.origin}/compute`;
  const path = req.path;
  if (path === '' || path === '/') return json(200, { versions: versionEntries(computeRoot) });
  if (path === '/v2.1' || path === '/v2') return { status: 302, headers: { Location: `${computeRoot}${path}/` }, text: '' };
  if (path === '/v2.1/') return versionDoc(computeRoot, 'v2.1');
  if (path === '/v2/') return versionDoc(computeRoot, 'v2.0');
  if (!path.startsWith('/v2.1/')) return webobError(404);

  const caller = state.caller(header(req, 'x-auth-token'));
  if (!caller) return unauthenticated(req);
  // Nova routes on path and method together, so a known path with another method
  // finds no route either: webob's 404, before any controller parses microversions.
  const match = matchRoute(ROUTES, req.method, path.slice('/v2.1'.length));
  if (match.kind !== 'found') return webobError(404);
  const negotiated = negotiate(req);
  if ('error' in negotiated) return negotiated.error;
  const minor = negotiated.minor;
  const withVersion = (res: LabResponse): LabResponse => ({ ...res, headers: { ...versionHeaders(minor), ...res.headers } });
  const ctx: NovaContext = { state, req, caller, view: { mv: minor, admin: caller.isAdmin, computeRoot } };
  try {
    return withVersion(await match.handler(ctx, match.params));
  } catch (e) {
    if (e instanceof NovaFailure) return withVersion(novaError(e.status, e.message));
    if (e instanceof LabError) return withVersion(novaError(ERROR_STATUS[e.kind], e.message));
    throw e;
  }
}
