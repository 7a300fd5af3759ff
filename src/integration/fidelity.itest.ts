import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { tokenResponseSchema } from '../collect/openstack/auth.js';
import { computeVersionDocumentSchema, computeVersionRoot } from '../collect/openstack/microversion.js';
import {
  consoleOutputSchema,
  instanceActionDetailSchema,
  instanceActionsPageSchema,
  linksSchema,
  rawComputeServiceSchema,
  rawHypervisorSchema,
  rawNetworkAgentSchema,
  rawServerSchema,
  remoteConsoleSchema,
} from '../collect/openstack/nova-schemas.js';
import { generateFleet, LAB_CREDENTIALS, startLab, type RunningLab } from '../lab/index.js';
import { REAL_CLOUDS, REAL_DIR, requireRealCloud, waitFor } from './real-cloud.js';
import { RawSession, writeCloudsFile, type RawAnswer } from './raw-session.js';
import { allowanceFor, compareShapes, differencesTable, observe, type Allowance, type FieldDifference } from './shape.js';

/**
 * The lab against real Nova, call by call: for every request faultline makes,
 * the same request goes to the real cloud and to the lab, and every field
 * faultline reads is compared (presence, JSON type, nullability), together
 * with paging links, microversion headers, request ids and the error bodies
 * faultline acts on (404, 409, 403, 406). Real Nova is the authority: a
 * difference fails here until the lab is fixed, unless it is inherent to the
 * test cloud and listed in ALLOWED with the reason. The full table is printed
 * and written to $REAL_OPENSTACK_DIR/fidelity.txt.
 */

/** Differences that come from the test cloud, not from the lab being wrong. */
const NO_NETWORK = 'the test cloud builds servers with `networks: none` (Neutron has no agents to wire ports), so Nova shows no addresses';
const NO_VOLUMES = 'the test cloud has no Cinder: no server has volumes';
const ALLOWED: Allowance[] = [
  { call: 'GET servers*', path: 'servers[].addresses.*', reason: NO_NETWORK },
  { call: 'GET servers/{id}', path: 'server.addresses.*', reason: NO_NETWORK },
  { call: 'GET servers*', path: 'servers[].os-extended-volumes:volumes_attached[]', reason: NO_VOLUMES },
  { call: 'GET servers/{id}', path: 'server.os-extended-volumes:volumes_attached[]', reason: NO_VOLUMES },
  { call: 'GET v2.0/agents', path: 'agents[]', reason: 'no Neutron agents run in the test cloud, so the list is empty' },
];

const uuidless = (text: string): string =>
  text
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<uuid>')
    .replace(/\b[0-9a-f]{32}\b/gi, '<id>')
    .replace(/2\.\d+/g, '2.N');

type Json = Record<string, unknown>;

describe('the lab against real Nova, call by call', { timeout: 600_000 }, () => {
  let lab: RunningLab;
  let real: RawSession;
  let labs: RawSession;
  let realMember: RawSession;
  let labMember: RawSession;
  const table: FieldDifference[] = [];

  /** Compares what `schema` reads in both answers; returns the differences not allowed. */
  const shapes = (call: string, schema: z.ZodType, realJson: unknown, labJson: unknown): FieldDifference[] => {
    const diffs = compareShapes(call, schema, observe(schema, realJson), observe(schema, labJson), ALLOWED);
    table.push(...diffs);
    return diffs.filter((d) => !d.allowed);
  };
  /** Compares one value (already normalised); returns the difference unless equal or allowed. */
  const same = (call: string, what: string, realValue: unknown, labValue: unknown): FieldDifference[] => {
    const r = JSON.stringify(realValue) ?? 'absent';
    const l = JSON.stringify(labValue) ?? 'absent';
    if (r === l) return [];
    const allowed = allowanceFor(ALLOWED, call, what);
    const diff: FieldDifference = { call, path: what, real: r, lab: l, ...(allowed ? { allowed: allowed.reason } : {}) };
    table.push(diff);
    return allowed ? [] : [diff];
  };
  const expectNone = (diffs: FieldDifference[]): void => assert.deepEqual(diffs, [], `\n${differencesTable(diffs)}`);
  const both = async (f: (s: RawSession) => Promise<RawAnswer>): Promise<[RawAnswer, RawAnswer]> => [await f(real), await f(labs)];

  /** An idle server of the given status, from a detail listing of that session. */
  const pick = async (s: RawSession, status: string, avoid: (server: Json) => boolean = () => false): Promise<Json> => {
    const answer = await s.call('compute', 'servers/detail', { query: { all_tenants: 1, status } });
    const servers = ((answer.json as { servers: Json[] }).servers ?? []).filter((x) => !x['OS-EXT-STS:task_state'] && !x['fault'] && !avoid(x)).sort((a, b) => String(a['name']).localeCompare(String(b['name'])));
    const found = servers[servers.length - 1];
    assert.ok(found, `an idle ${status} server`);
    return found;
  };
  const waitStatus = (s: RawSession, id: string, status: string): Promise<true> =>
    waitFor(`${id} ${status}`, 120_000, async () => {
      const server = (await s.call('compute', `servers/${id}`)).json as { server: Json };
      return server.server['status'] === status && !server.server['OS-EXT-STS:task_state'] ? true : undefined;
    });

  before(async () => {
    await requireRealCloud();
    const dir = await mkdtemp(join(tmpdir(), 'fl-fidelity-'));
    lab = await startLab({ fleet: generateFleet({ seed: 'fidelity', size: 'small' }), clock: 'real', actionDurationMs: 200 });
    // The lab's viewer logs in with its default project; faultline scopes explicitly, so name it.
    const clouds = parse(lab.cloudsYaml()) as { clouds: Record<string, { auth: Record<string, string> }> };
    const viewer = lab.fleet.users.find((u) => u.name === LAB_CREDENTIALS.viewer.username);
    assert.ok(viewer && clouds.clouds['lab-viewer']);
    clouds.clouds['lab-viewer'].auth['project_id'] = viewer.defaultProjectId;
    const labClouds = await writeCloudsFile(dir, stringify(clouds));
    real = await RawSession.open(REAL_CLOUDS, 'real', dir);
    realMember = await RawSession.open(REAL_CLOUDS, 'real-alpha', dir);
    labs = await RawSession.open(labClouds, 'lab', dir);
    labMember = await RawSession.open(labClouds, 'lab-viewer', dir);
  });

  after(async () => {
    await lab?.stop();
    const text = `faultline lab vs real Nova (Zed): fields faultline reads that differ\n\n${differencesTable(table)}`;
    process.stdout.write(`\n${text}`);
    await writeFile(join(REAL_DIR, 'fidelity.txt'), text).catch(() => undefined);
  });

  it('Keystone: the token answer and its catalog', () => {
    const diffs = shapes('POST auth/tokens', tokenResponseSchema, real.login.json, labs.login.json);
    diffs.push(...same('POST auth/tokens', 'status', real.login.status, labs.login.status));
    diffs.push(...same('POST auth/tokens', 'X-Subject-Token present', real.login.headers.has('x-subject-token'), labs.login.headers.has('x-subject-token')));
    diffs.push(...same('POST auth/tokens', 'compute endpoint path', new URL(real.endpoint('compute')).pathname.replace(/\/+$/, ''), new URL(labs.endpoint('compute')).pathname.replace(/^\/[^/]+\/compute|^\/compute/, '').replace(/\/+$/, '')));
    expectNone(diffs);
  });

  it('Nova version discovery, and the microversion headers on every answer', async () => {
    const [r, l] = await both((s) => s.call('compute', computeVersionRoot(s.endpoint('compute')), { microversion: null }));
    const diffs = shapes('GET compute version root', computeVersionDocumentSchema, r.json, l.json);
    diffs.push(...same('GET compute version root', 'status', r.status, l.status));
    const [rs, ls] = await both((s) => s.call('compute', 'servers', { query: { limit: 1 } }));
    for (const h of ['openstack-api-version', 'x-openstack-nova-api-version']) diffs.push(...same('GET servers', `header ${h}`, rs.headers.get(h), ls.headers.get(h)));
    const varies = (a: RawAnswer): string[] => (a.headers.get('vary') ?? '').split(',').map((x) => x.trim().toLowerCase()).filter((x) => x.includes('version')).sort();
    diffs.push(...same('GET servers', 'header vary (version names)', varies(rs), varies(ls)));
    for (const h of ['x-openstack-request-id', 'x-compute-request-id']) diffs.push(...same('GET servers', `header ${h}`, uuidless(rs.headers.get(h) ?? 'absent'), uuidless(ls.headers.get(h) ?? 'absent')));
    // Too new a microversion: faultline negotiates first, but says what a 406 means.
    const [r406, l406] = await both((s) => s.call('compute', 'servers', { microversion: '2.999' }));
    diffs.push(...same('GET servers (2.999)', 'status', r406.status, l406.status));
    diffs.push(...same('GET servers (2.999)', 'body', uuidless(JSON.stringify(r406.json)), uuidless(JSON.stringify(l406.json))));
    expectNone(diffs);
  });

  it('servers/detail: fields of ACTIVE and SHUTOFF servers, and the paging links', async () => {
    const page = z.object({ servers: z.array(rawServerSchema), servers_links: linksSchema });
    const diffs: FieldDifference[] = [];
    for (const status of ['ACTIVE', 'SHUTOFF']) {
      const [r, l] = await both((s) => s.call('compute', 'servers/detail', { query: { all_tenants: 1, status } }));
      const idle = (a: RawAnswer): Json => ({ servers: ((a.json as { servers: Json[] }).servers ?? []).filter((x) => !x['OS-EXT-STS:task_state'] && !x['fault']) });
      diffs.push(...shapes(`GET servers/detail (${status})`, page, idle(r), idle(l)));
    }
    // 4 per page: both clouds have more, so page one is full and links onwards.
    const [r, l] = await both((s) => s.call('compute', 'servers/detail', { query: { all_tenants: 1, limit: 4 } }));
    diffs.push(...shapes('GET servers/detail?limit=4', page, r.json, l.json));
    const link = (a: RawAnswer): Json => {
      const links = (a.json as { servers_links?: { rel: string; href: string }[] }).servers_links ?? [];
      const next = links.find((x) => x.rel === 'next');
      const url = next ? new URL(next.href) : undefined;
      return { rels: links.map((x) => x.rel), path: url?.pathname.replace(/^.*\/v2\.1\//, 'v2.1/'), query: url ? [...url.searchParams.keys()].sort() : [] };
    };
    diffs.push(...same('GET servers/detail?limit=4', 'next link', link(r), link(l)));
    const lastId = (a: RawAnswer): string | undefined => ((a.json as { servers: { id: string }[] }).servers.at(-1) ?? { id: undefined }).id;
    const marker = (a: RawAnswer): string | null | undefined => {
      const next = (a.json as { servers_links?: { rel: string; href: string }[] }).servers_links?.find((x) => x.rel === 'next');
      return next ? new URL(next.href).searchParams.get('marker') : undefined;
    };
    diffs.push(...same('GET servers/detail?limit=4', 'marker is the last id', marker(r) === lastId(r), marker(l) === lastId(l)));
    expectNone(diffs);
  });

  it('servers/detail filters target resolution uses: anchored name, host', async () => {
    const diffs: FieldDifference[] = [];
    for (const s of [real, labs]) {
      const one = await pick(s, 'ACTIVE');
      const name = String(one['name']);
      const found = await s.call('compute', 'servers/detail', { query: { all_tenants: 1, name: `^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$` } });
      const names = (found.json as { servers: Json[] }).servers.map((x) => x['name']);
      assert.deepEqual(names, [name], `${s === real ? 'real' : 'lab'}: the anchored name finds exactly one`);
      const host = String(one['OS-EXT-SRV-ATTR:host']);
      const onHost = (await s.call('compute', 'servers/detail', { query: { all_tenants: 1, host } })).json as { servers: Json[] };
      assert.ok(onHost.servers.length > 0 && onHost.servers.every((x) => x['OS-EXT-SRV-ATTR:host'] === host), 'host filter');
    }
    // A member (no admin role) asking for all projects.
    const [r, l] = [await realMember.call('compute', 'servers/detail', { query: { all_tenants: 1 } }), await labMember.call('compute', 'servers/detail', { query: { all_tenants: 1 } })];
    diffs.push(...same('GET servers/detail?all_tenants (member)', 'status', r.status, l.status));
    diffs.push(...same('GET servers/detail?all_tenants (member)', 'body', uuidless(JSON.stringify(r.json)), uuidless(JSON.stringify(l.json))));
    const [rm, lm] = [await realMember.call('compute', 'servers/detail'), await labMember.call('compute', 'servers/detail')];
    const idleOf = (a: RawAnswer): Json => ({ servers: (a.json as { servers: Json[] }).servers.filter((x) => ['ACTIVE', 'SHUTOFF'].includes(String(x['status'])) && !x['fault'] && !x['OS-EXT-STS:task_state']) });
    diffs.push(...shapes('GET servers/detail (member)', z.object({ servers: z.array(rawServerSchema) }), idleOf(rm), idleOf(lm)));
    expectNone(diffs);
  });

  it('hypervisors, paged; compute services; Neutron agents; and the member\'s 403 on hypervisors', async () => {
    const diffs: FieldDifference[] = [];
    const page = z.object({ hypervisors: z.array(rawHypervisorSchema), hypervisors_links: linksSchema });
    const [r, l] = await both((s) => s.call('compute', 'os-hypervisors/detail', { query: { limit: 2 } }));
    diffs.push(...shapes('GET os-hypervisors/detail?limit=2', page, r.json, l.json));
    const next = (a: RawAnswer): Json => {
      const link = (a.json as { hypervisors_links?: { rel: string; href: string }[] }).hypervisors_links?.find((x) => x.rel === 'next');
      const url = link ? new URL(link.href) : undefined;
      return { path: url?.pathname.replace(/^.*\/v2\.1\//, 'v2.1/'), query: url ? [...url.searchParams.keys()].sort() : [], markerIsUuid: /^[0-9a-f-]{36}$/.test(url?.searchParams.get('marker') ?? '') };
    };
    diffs.push(...same('GET os-hypervisors/detail?limit=2', 'next link', next(r), next(l)));
    const [rs, ls] = await both((s) => s.call('compute', 'os-services'));
    diffs.push(...shapes('GET os-services', z.object({ services: z.array(rawComputeServiceSchema) }), rs.json, ls.json));
    const binaries = (a: RawAnswer): string[] => [...new Set((a.json as { services: Json[] }).services.map((x) => String(x['binary'])))].sort();
    diffs.push(...same('GET os-services', 'binaries', binaries(rs), binaries(ls)));
    const [ra, la] = await both((s) => s.call('network', /\/v2\.0\/?$/.test(s.endpoint('network')) ? 'agents' : 'v2.0/agents'));
    diffs.push(...shapes('GET v2.0/agents', z.object({ agents: z.array(rawNetworkAgentSchema), agents_links: linksSchema }), ra.json, la.json));
    diffs.push(...same('GET v2.0/agents', 'status', ra.status, la.status));
    const [rf, lf] = [await realMember.call('compute', 'os-hypervisors/detail'), await labMember.call('compute', 'os-hypervisors/detail')];
    diffs.push(...same('GET os-hypervisors/detail (member)', 'status', rf.status, lf.status));
    diffs.push(...same('GET os-hypervisors/detail (member)', 'body', uuidless(JSON.stringify(rf.json)), uuidless(JSON.stringify(lf.json))));
    expectNone(diffs);
  });

  it('one server: show, 404, stop and its 409, instance actions with events, console log and URL, start', async () => {
    const diffs: FieldDifference[] = [];
    // Servers no other test file touches: the last ACTIVE alpha server by name on the real side.
    const noMetadata = (x: Json): boolean => Object.keys((x['metadata'] as Json | undefined) ?? {}).length === 0;
    const rServer = await pick(real, 'ACTIVE', (x) => !String(x['name']).startsWith('alpha-web-') || noMetadata(x));
    const lServer = await pick(labs, 'ACTIVE', (x) => String(x['name']).startsWith('amphora-') || noMetadata(x));
    const [rid, lid] = [String(rServer['id']), String(lServer['id'])];
    const call = (path: (id: string) => string, request?: Parameters<RawSession['call']>[2]): Promise<[RawAnswer, RawAnswer]> =>
      Promise.all([real.call('compute', path(rid), request), labs.call('compute', path(lid), request)]);

    const [rs, ls] = await call((id) => `servers/${id}`);
    diffs.push(...shapes('GET servers/{id}', z.object({ server: rawServerSchema }), rs.json, ls.json));

    const missing = '6f1c1c8e-0d6a-4c3e-9d49-7a0d5a4f0000';
    const [r404, l404] = await both((s) => s.call('compute', `servers/${missing}`));
    diffs.push(...same('GET servers/{unknown}', 'status', r404.status, l404.status));
    diffs.push(...same('GET servers/{unknown}', 'body', uuidless(JSON.stringify(r404.json)), uuidless(JSON.stringify(l404.json))));

    const [rOut, lOut] = await call((id) => `servers/${id}/action`, { method: 'POST', body: { 'os-getConsoleOutput': { length: 2 } } });
    diffs.push(...shapes('POST os-getConsoleOutput', consoleOutputSchema, rOut.json, lOut.json));
    // Nova splits the log on newlines and keeps the last `length` pieces.
    const pieces = (a: RawAnswer): number => (a.json as { output: string }).output.split('\n').length;
    diffs.push(...same('POST os-getConsoleOutput', 'pieces for length 2', pieces(rOut), pieces(lOut)));
    const [rAll, lAll] = await call((id) => `servers/${id}/action`, { method: 'POST', body: { 'os-getConsoleOutput': {} } });
    const trailing = (a: RawAnswer): boolean => (a.json as { output: string }).output.endsWith('\n');
    diffs.push(...same('POST os-getConsoleOutput', 'ends in a newline', trailing(rAll), trailing(lAll)));

    const [rUrl, lUrl] = await call((id) => `servers/${id}/remote-consoles`, { method: 'POST', body: { remote_console: { protocol: 'vnc', type: 'novnc' } } });
    diffs.push(...shapes('POST remote-consoles', remoteConsoleSchema, rUrl.json, lUrl.json));
    const urlShape = (a: RawAnswer): string => new URL((a.json as { remote_console: { url: string } }).remote_console.url).search.replace(/token%3D[0-9a-f-]+/, 'token%3D<token>');
    diffs.push(...same('POST remote-consoles', 'url query', urlShape(rUrl), urlShape(lUrl)));

    const [rStop, lStop] = await call((id) => `servers/${id}/action`, { method: 'POST', body: { 'os-stop': null } });
    diffs.push(...same('POST os-stop', 'status', rStop.status, lStop.status));
    diffs.push(...same('POST os-stop', 'body', rStop.text, lStop.text));
    await Promise.all([waitStatus(real, rid, 'SHUTOFF'), waitStatus(labs, lid, 'SHUTOFF')]);

    const [r409, l409] = await call((id) => `servers/${id}/action`, { method: 'POST', body: { 'os-stop': null } });
    diffs.push(...same('POST os-stop (stopped)', 'status', r409.status, l409.status));
    diffs.push(...same('POST os-stop (stopped)', 'body', uuidless(JSON.stringify(r409.json)), uuidless(JSON.stringify(l409.json))));
    diffs.push(...same('POST os-stop (stopped)', 'request id', uuidless(r409.headers.get('x-openstack-request-id') ?? 'absent'), uuidless(l409.headers.get('x-openstack-request-id') ?? 'absent')));

    const [rc, lc] = await call((id) => `servers/${id}/remote-consoles`, { method: 'POST', body: { remote_console: { protocol: 'vnc', type: 'novnc' } } });
    diffs.push(...same('POST remote-consoles (stopped)', 'status', rc.status, lc.status));

    // As the collector asks (changes-since), for the shape; the lab's servers were created long
    // before the window, so the whole list (no filter) gives the create actions.
    const since = new Date(Date.now() - 90 * 86_400_000).toISOString();
    const [rSince, lSince] = await call((id) => `servers/${id}/os-instance-actions`, { query: { 'changes-since': since } });
    diffs.push(...shapes('GET os-instance-actions?changes-since', instanceActionsPageSchema, rSince.json, lSince.json));
    const [rList, lList] = await call((id) => `servers/${id}/os-instance-actions`);
    diffs.push(...shapes('GET os-instance-actions', instanceActionsPageSchema, rList.json, lList.json));
    const actions = (a: RawAnswer): { action: string; request_id: string }[] => (a.json as { instanceActions: { action: string; request_id: string }[] }).instanceActions;
    diffs.push(...same('GET os-instance-actions', 'newest first', actions(rList)[0]?.action, actions(lList)[0]?.action));
    for (const name of ['stop', 'create']) {
      const rReq = actions(rList).find((a) => a.action === name)?.request_id;
      const lReq = actions(lList).find((a) => a.action === name)?.request_id;
      assert.ok(rReq && lReq, `${name} action on both`);
      const [rd, ld] = await Promise.all([real.call('compute', `servers/${rid}/os-instance-actions/${rReq}`), labs.call('compute', `servers/${lid}/os-instance-actions/${lReq}`)]);
      diffs.push(...shapes(`GET os-instance-actions/{${name}}`, instanceActionDetailSchema, rd.json, ld.json));
      const events = (a: RawAnswer): string[] => (a.json as { instanceAction: { events: { event: string }[] } }).instanceAction.events.map((e) => e.event).sort();
      diffs.push(...same(`GET os-instance-actions/{${name}}`, 'event names', events(rd), events(ld)));
    }

    const [rStart, lStart] = await call((id) => `servers/${id}/action`, { method: 'POST', body: { 'os-start': null } });
    diffs.push(...same('POST os-start', 'status', rStart.status, lStart.status));
    await Promise.all([waitStatus(real, rid, 'ACTIVE'), waitStatus(labs, lid, 'ACTIVE')]);
    const [rStarted, lStarted] = await call((id) => `servers/${id}/action`, { method: 'POST', body: { 'os-start': null } });
    diffs.push(...same('POST os-start (active)', 'status', rStarted.status, lStarted.status));
    diffs.push(...same('POST os-start (active)', 'body', uuidless(JSON.stringify(rStarted.json)), uuidless(JSON.stringify(lStarted.json))));
    expectNone(diffs);
  });

  it('Keystone projects and Glance images, which show reads for names', async () => {
    const diffs: FieldDifference[] = [];
    const projects = z.object({ projects: z.array(z.object({ id: z.string(), name: z.string() })) });
    const keystonePath = (s: RawSession): string => (/\/v3\/?$/.test(s.endpoint('identity')) ? 'projects' : 'v3/projects');
    const [rp, lp] = await both((s) => s.call('identity', keystonePath(s)));
    diffs.push(...shapes('GET v3/projects', projects, rp.json, lp.json));
    const imageOf = async (s: RawSession): Promise<RawAnswer> => {
      const server = await pick(s, 'ACTIVE');
      const id = (server['image'] as { id: string }).id;
      return s.call('image', /\/v2\/?$/.test(s.endpoint('image')) ? `images/${id}` : `v2/images/${id}`);
    };
    const [ri, li] = [await imageOf(real), await imageOf(labs)];
    diffs.push(...shapes('GET v2/images/{id}', z.object({ id: z.string(), name: z.string().nullable().optional() }), ri.json, li.json));
    diffs.push(...same('GET v2/images/{id}', 'status', ri.status, li.status));
    expectNone(diffs);
  });

  it('every allowance is still needed', () => {
    const unused = ALLOWED.filter((a) => !table.some((d) => allowanceFor([a], d.call, d.path)));
    assert.deepEqual(unused, [], 'an allowance that matches no difference hides nothing and must go');
  });
});
