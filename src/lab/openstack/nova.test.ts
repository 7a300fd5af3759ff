import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LabServer } from '../fleet/types.js';
import { startLab, type RunningLab } from './lab.js';
import { login, request, type Json } from './testing.js';

const mv = (v: string): Record<string, string> => ({ 'OpenStack-API-Version': `compute ${v}` });

describe('nova v2.1', () => {
  let lab: RunningLab;
  let admin: string;
  let viewer: string;
  let nova: string;
  before(async () => {
    lab = await startLab({ seed: 'nova', size: 'small', clock: 'manual', actionDurationMs: 4000 });
    admin = await login(lab, 'admin');
    viewer = await login(lab, 'viewer');
    nova = `${lab.url}/compute/v2.1`;
  });
  after(async () => {
    await lab.stop();
  });

  const activeServer = (): LabServer => {
    const s = lab.fleet.servers.find((x) => x.vmState === 'active' && x.taskState === null && !x.locked);
    assert.ok(s);
    return s;
  };

  describe('versions and microversions', () => {
    it('discovers versions without a token', async () => {
      const root = await request(`${lab.url}/compute/`);
      assert.equal(root.status, 200);
      const v21 = (root.body as Json).versions.find((v: Json) => v.id === 'v2.1');
      assert.equal(v21.min_version, '2.1');
      assert.equal(v21.version, '2.96');
      const redirect = await request(`${lab.url}/compute/v2.1`);
      assert.equal(redirect.status, 302);
      assert.equal(redirect.headers.get('location'), `${lab.url}/compute/v2.1/`);
      const doc = await request(`${nova}/`);
      assert.equal(doc.status, 200);
      assert.equal((doc.body as Json).version.id, 'v2.1');
      assert.equal((doc.body as Json).version.links[0].href, `${lab.url}/compute/v2.1/`);
    });

    it('defaults to 2.1 and echoes what it negotiated', async () => {
      const plain = await request(`${nova}/servers`, { token: admin });
      assert.equal(plain.headers.get('openstack-api-version'), 'compute 2.1');
      assert.equal(plain.headers.get('x-openstack-nova-api-version'), '2.1');
      assert.equal(plain.headers.get('vary'), 'OpenStack-API-Version, X-OpenStack-Nova-API-Version');
      assert.match(plain.headers.get('x-compute-request-id') ?? '', /^req-[0-9a-f-]{36}$/);
      const modern = await request(`${nova}/servers`, { token: admin, headers: mv('2.53') });
      assert.equal(modern.headers.get('openstack-api-version'), 'compute 2.53');
      const legacy = await request(`${nova}/servers`, { token: admin, headers: { 'X-OpenStack-Nova-API-Version': '2.47' } });
      assert.equal(legacy.headers.get('x-openstack-nova-api-version'), '2.47');
      const latest = await request(`${nova}/servers`, { token: admin, headers: mv('latest') });
      assert.equal(latest.headers.get('openstack-api-version'), 'compute 2.96');
    });

    it('refuses versions out of range (406) or malformed (400) with Nova bodies', async () => {
      const high = await request(`${nova}/servers`, { token: admin, headers: mv('2.97') });
      assert.equal(high.status, 406);
      assert.deepEqual(high.body, {
        computeFault: { code: 406, message: 'Version 2.97 is not supported by the API. Minimum is 2.1 and maximum is 2.96.' },
      });
      const bad = await request(`${nova}/servers`, { token: admin, headers: mv('two') });
      assert.equal(bad.status, 400);
      assert.equal((bad.body as Json).badRequest.code, 400);
    });

    it('answers unknown paths and unrouted methods with webob’s 404, missing tokens with 401', async () => {
      const webob404 = { message: 'The resource could not be found.<br /><br />\n\n\n', code: '404 Not Found', title: 'Not Found' };
      const missing = await request(`${nova}/no-such-thing`, { token: admin });
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.body, webob404);
      // Nova's router matches path and method together: no 405, a plain 404.
      const wrong = await request(`${nova}/servers/detail`, { method: 'DELETE', token: admin });
      assert.equal(wrong.status, 404);
      assert.deepEqual(wrong.body, webob404);
      const gone = await request(`${nova}/servers/${lab.fleet.servers[0]?.id}`, { token: admin, headers: mv('2.1') });
      assert.equal(gone.status, 200);
      const noServer = await request(`${nova}/servers/00000000-0000-4000-8000-000000000000`, { token: admin });
      assert.deepEqual(noServer.body, { itemNotFound: { code: 404, message: 'Instance 00000000-0000-4000-8000-000000000000 could not be found.' } });
      const anon = await request(`${nova}/servers`);
      assert.equal(anon.status, 401);
      const other = await request(`${lab.url}/nothing-here`);
      assert.equal(other.status, 404);
    });
  });

  describe('server lists', () => {
    it('pages like Nova: full pages carry a next link, so a full last page is followed by an empty one', async () => {
      const total = lab.fleet.servers.length;
      assert.equal(total % 20, 0, 'the small fleet divides into pages of 20');
      const seen: string[] = [];
      let url: string | undefined = `${nova}/servers/detail?all_tenants=1&limit=20`;
      let pages = 0;
      let lastPageSize = -1;
      while (url) {
        const res = await request(url, { token: admin });
        assert.equal(res.status, 200);
        const body = res.body as Json;
        pages++;
        lastPageSize = body.servers.length;
        seen.push(...body.servers.map((s: Json) => s.id));
        const next = body.servers_links?.find((l: Json) => l.rel === 'next')?.href;
        if (body.servers.length === 20) {
          const last = body.servers[19].id;
          assert.equal(next, `${nova}/servers/detail?all_tenants=1&limit=20&marker=${last}`);
        } else assert.equal(body.servers_links, undefined);
        url = next;
      }
      assert.equal(pages, total / 20 + 1);
      assert.equal(lastPageSize, 0);
      assert.equal(new Set(seen).size, total);
      // Newest first.
      const created = seen.map((id) => lab.fleet.servers.find((s) => s.id === id)?.createdAt ?? 0);
      assert.deepEqual(created, [...created].sort((a, b) => b - a));
    });

    it('rejects an unknown marker and a bad limit', async () => {
      const res = await request(`${nova}/servers?all_tenants=1&marker=nope`, { token: admin });
      assert.equal(res.status, 400);
      assert.deepEqual(res.body, { badRequest: { code: 400, message: 'marker [nope] not found' } });
      const limit = await request(`${nova}/servers?limit=-1`, { token: admin });
      assert.equal(limit.status, 400);
    });

    it('lists only the caller’s project unless all_tenants, which is admin-only', async () => {
      const own = await request(`${nova}/servers`, { token: admin });
      const adminProject = lab.fleet.projects.find((p) => p.name === 'admin');
      assert.equal((own.body as Json).servers.length, lab.fleet.servers.filter((s) => s.projectId === adminProject?.id).length);
      const mine = await request(`${nova}/servers/detail`, { token: viewer });
      const viewerUser = lab.fleet.users.find((u) => u.name === 'viewer');
      const expected = lab.fleet.servers.filter((s) => s.projectId === viewerUser?.defaultProjectId);
      assert.ok(expected.length > 0);
      assert.deepEqual(new Set((mine.body as Json).servers.map((s: Json) => s.id)), new Set(expected.map((s) => s.id)));
      const denied = await request(`${nova}/servers/detail?all_tenants=True`, { token: viewer });
      assert.equal(denied.status, 403);
      assert.deepEqual(denied.body, {
        forbidden: { code: 403, message: "Policy doesn't allow os_compute_api:servers:detail:get_all_tenants to be performed." },
      });
    });

    it('filters by host, status, name (regex), changes-since and region', async () => {
      const host = lab.fleet.hypervisors[0]?.hostname ?? '';
      const byHost = await request(`${nova}/servers/detail?all_tenants=1&host=${host}`, { token: admin });
      const hostIds = (byHost.body as Json).servers.map((s: Json) => s['OS-EXT-SRV-ATTR:host']);
      assert.deepEqual(new Set(hostIds), hostIds.length ? new Set([host]) : new Set());
      assert.equal(hostIds.length, lab.fleet.servers.filter((s) => s.host === host).length);

      const shutoff = await request(`${nova}/servers/detail?all_tenants=1&status=SHUTOFF`, { token: admin });
      const shut = (shutoff.body as Json).servers;
      assert.ok(shut.length > 0);
      assert.ok(shut.every((s: Json) => s.status === 'SHUTOFF'));
      const none = await request(`${nova}/servers?all_tenants=1&status=BOGUS`, { token: admin });
      assert.deepEqual(none.body, { servers: [] });

      const named = await request(`${nova}/servers?all_tenants=1&name=^amphora-`, { token: admin });
      const names = (named.body as Json).servers.map((s: Json) => s.name);
      assert.ok(names.length > 0 && names.every((n: string) => n.startsWith('amphora-')));

      const since = new Date(lab.state.now() - 1000).toISOString();
      const recent = await request(`${nova}/servers?all_tenants=1&changes-since=${encodeURIComponent(since)}`, { token: admin });
      assert.deepEqual(recent.body, { servers: [] });
      const badSince = await request(`${nova}/servers?all_tenants=1&changes-since=yesterday`, { token: admin });
      assert.equal(badSince.status, 400);

      const region = await request(`${lab.url}/hn1dev/compute/v2.1/servers/detail?all_tenants=1`, { token: admin });
      const regional = (region.body as Json).servers;
      assert.equal(regional.length, lab.fleet.servers.filter((s) => s.regionId === 'hn1dev').length);
      assert.ok(regional.every((s: Json) => s['OS-EXT-SRV-ATTR:host'].startsWith('krane-hn1dev-')));
      assert.ok(regional[0].links[0].href.startsWith(`${lab.url}/hn1dev/compute/v2.1/servers/`));
    });
  });

  describe('server show', () => {
    it('shows admin attributes to admins only, by microversion', async () => {
      const s = activeServer();
      const res = await request(`${nova}/servers/${s.id}`, { token: admin });
      const body = (res.body as Json).server;
      assert.equal(body.status, 'ACTIVE');
      assert.equal(body['OS-EXT-STS:vm_state'], 'active');
      assert.equal(body['OS-EXT-STS:power_state'], 1);
      assert.equal(body['OS-EXT-STS:task_state'], null);
      assert.equal(body['OS-EXT-SRV-ATTR:host'], s.host);
      assert.equal(body['OS-EXT-SRV-ATTR:hypervisor_hostname'], s.host);
      assert.match(body['OS-EXT-SRV-ATTR:instance_name'], /^instance-[0-9a-f]{8}$/);
      assert.deepEqual(body.addresses, {
        [s.networkName]: [{ version: 4, addr: s.ip, 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': s.mac }],
      });
      assert.deepEqual(Object.keys(body.flavor).sort(), ['id', 'links']);
      assert.equal(body.locked, undefined, 'locked arrives in 2.9');
      assert.equal(body.host_status, undefined, 'host_status arrives in 2.16');
      assert.match(body.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.match(body['OS-SRV-USG:launched_at'], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);

      const modern = ((await request(`${nova}/servers/${s.id}`, { token: admin, headers: mv('2.96') })).body as Json).server;
      assert.equal(modern.locked, false);
      assert.equal(modern.host_status, 'UP');
      assert.equal(modern.flavor.original_name, lab.state.flavors.get(s.flavorId)?.name);
      assert.equal(modern.flavor.vcpus, lab.state.flavors.get(s.flavorId)?.vcpus);
      assert.equal(modern.pinned_availability_zone, null);

      const viewerUser = lab.fleet.users.find((u) => u.name === 'viewer');
      const owned = lab.fleet.servers.find((x) => x.projectId === viewerUser?.defaultProjectId);
      assert.ok(owned);
      const asViewer = ((await request(`${nova}/servers/${owned.id}`, { token: viewer, headers: mv('2.96') })).body as Json).server;
      assert.equal(asViewer['OS-EXT-SRV-ATTR:host'], undefined);
      assert.equal(asViewer.host_status, undefined);
      assert.equal(typeof asViewer['OS-EXT-SRV-ATTR:hostname'], 'string');
      const notMine = lab.fleet.servers.find((x) => x.projectId !== viewerUser?.defaultProjectId);
      const hidden = await request(`${nova}/servers/${notMine?.id}`, { token: viewer });
      assert.equal(hidden.status, 404);
      assert.deepEqual(hidden.body, { itemNotFound: { code: 404, message: `Instance ${notMine?.id} could not be found.` } });
    });

    it('shows a fault on ERROR servers', async () => {
      const broken = lab.fleet.servers.find((x) => x.vmState === 'error');
      assert.ok(broken);
      const body = ((await request(`${nova}/servers/${broken.id}`, { token: admin })).body as Json).server;
      assert.equal(body.status, 'ERROR');
      assert.equal(body.fault.code, 500);
      assert.equal(typeof body.fault.message, 'string');
      assert.ok('details' in body.fault);
    });
  });

  describe('server actions', () => {
    it('stops and starts with transitional task states, conflicts and recorded actions', async () => {
      const s = activeServer();
      const url = `${nova}/servers/${s.id}/action`;
      const stop = await request(url, { method: 'POST', token: admin, body: { 'os-stop': null } });
      assert.equal(stop.status, 202);
      const stopRequestId = stop.headers.get('x-openstack-request-id');
      let body = ((await request(`${nova}/servers/${s.id}`, { token: admin })).body as Json).server;
      assert.equal(body['OS-EXT-STS:task_state'], 'powering-off');
      assert.equal(body.status, 'ACTIVE');

      const again = await request(url, { method: 'POST', token: admin, body: { 'os-stop': null } });
      assert.equal(again.status, 409);
      assert.deepEqual(again.body, {
        conflictingRequest: { code: 409, message: `Cannot 'stop' instance ${s.id} while it is in task_state powering-off` },
      });

      lab.state.clock.advance(4000);
      body = ((await request(`${nova}/servers/${s.id}`, { token: admin })).body as Json).server;
      assert.equal(body.status, 'SHUTOFF');
      assert.equal(body['OS-EXT-STS:vm_state'], 'stopped');
      assert.equal(body['OS-EXT-STS:power_state'], 4);
      assert.equal(body['OS-EXT-STS:task_state'], null);

      const stopped = await request(url, { method: 'POST', token: admin, body: { 'os-stop': null } });
      assert.equal((stopped.body as Json).conflictingRequest.message, `Cannot 'stop' instance ${s.id} while it is in vm_state stopped`);
      const soft = await request(url, { method: 'POST', token: admin, body: { reboot: { type: 'SOFT' } } });
      assert.equal(soft.status, 409);

      const start = await request(url, { method: 'POST', token: admin, body: { 'os-start': null } });
      assert.equal(start.status, 202);
      body = ((await request(`${nova}/servers/${s.id}`, { token: admin })).body as Json).server;
      assert.equal(body['OS-EXT-STS:task_state'], 'powering-on');
      assert.equal(body.status, 'SHUTOFF');
      lab.state.clock.advance(4000);

      const hard = await request(url, { method: 'POST', token: admin, body: { reboot: { type: 'HARD' } } });
      assert.equal(hard.status, 202);
      body = ((await request(`${nova}/servers/${s.id}`, { token: admin })).body as Json).server;
      assert.equal(body.status, 'HARD_REBOOT');
      assert.equal(body['OS-EXT-STS:task_state'], 'rebooting_hard');
      lab.state.clock.advance(2500);
      body = ((await request(`${nova}/servers/${s.id}`, { token: admin })).body as Json).server;
      assert.equal(body['OS-EXT-STS:task_state'], 'reboot_started_hard');
      lab.state.clock.advance(2000);
      body = ((await request(`${nova}/servers/${s.id}`, { token: admin })).body as Json).server;
      assert.equal(body.status, 'ACTIVE');

      const list = ((await request(`${nova}/servers/${s.id}/os-instance-actions`, { token: admin })).body as Json).instanceActions;
      assert.deepEqual(
        list.map((a: Json) => a.action),
        ['reboot', 'start', 'stop', 'create'],
      );
      const adminUser = lab.fleet.users.find((u) => u.name === 'admin');
      const stopAction = list.find((a: Json) => a.action === 'stop');
      assert.equal(stopAction.request_id, stopRequestId);
      assert.equal(stopAction.user_id, adminUser?.id);
      assert.equal(stopAction.instance_uuid, s.id);
      const shown = ((await request(`${nova}/servers/${s.id}/os-instance-actions/${stopRequestId}`, { token: admin })).body as Json).instanceAction;
      assert.equal(shown.events.length, 1);
      assert.equal(shown.events[0].event, 'compute_stop_instance');
      assert.equal(shown.events[0].result, 'Success');
      assert.ok(shown.events[0].finish_time);
      const unknown = await request(`${nova}/servers/${s.id}/os-instance-actions/req-nope`, { token: admin });
      assert.equal(unknown.status, 404);
    });

    it('leaves the task state in place while the host’s compute service is down', async () => {
      const s = activeServer();
      lab.state.silenceHost(s.host);
      lab.state.clock.advance(61_000);
      const stop = await request(`${nova}/servers/${s.id}/action`, { method: 'POST', token: admin, body: { 'os-stop': null } });
      assert.equal(stop.status, 202);
      lab.state.clock.advance(600_000);
      let body = ((await request(`${nova}/servers/${s.id}`, { token: admin, headers: mv('2.16') })).body as Json).server;
      assert.equal(body['OS-EXT-STS:task_state'], 'powering-off');
      assert.equal(body.host_status, 'UNKNOWN');
      lab.state.reviveHost(s.host);
      body = ((await request(`${nova}/servers/${s.id}`, { token: admin })).body as Json).server;
      assert.equal(body.status, 'SHUTOFF');
      assert.equal(body['OS-EXT-STS:task_state'], null);
    });

    it('refuses actions on a locked server to its owner, not to an admin', async () => {
      const viewerUser = lab.fleet.users.find((u) => u.name === 'viewer');
      const s = lab.fleet.servers.find((x) => x.projectId === viewerUser?.defaultProjectId && x.vmState === 'active' && x.taskState === null);
      assert.ok(s);
      s.locked = true;
      s.updatedAt = lab.state.now();
      try {
        const denied = await request(`${nova}/servers/${s.id}/action`, { method: 'POST', token: viewer, body: { reboot: { type: 'SOFT' } } });
        assert.equal(denied.status, 409);
        assert.deepEqual(denied.body, { conflictingRequest: { code: 409, message: `Instance ${s.id} is locked` } });
        const shown = ((await request(`${nova}/servers/${s.id}`, { token: viewer, headers: mv('2.73') })).body as Json).server;
        assert.equal(shown.locked, true);
        const allowed = await request(`${nova}/servers/${s.id}/action`, { method: 'POST', token: admin, body: { reboot: { type: 'SOFT' } } });
        assert.equal(allowed.status, 202);
        const rebooting = ((await request(`${nova}/servers/${s.id}`, { token: viewer })).body as Json).server;
        assert.equal(rebooting.status, 'REBOOT');
        lab.state.clock.advance(4000);
      } finally {
        s.locked = false;
      }
    });

    it('records a host-initiated stop without user or project', async () => {
      const s = activeServer();
      const action = lab.state.stopFromHost(s.id);
      const server = ((await request(`${nova}/servers/${s.id}`, { token: admin })).body as Json).server;
      assert.equal(server.status, 'SHUTOFF');
      const shown = ((await request(`${nova}/servers/${s.id}/os-instance-actions/${action.requestId}`, { token: admin, headers: mv('2.62') })).body as Json)
        .instanceAction;
      assert.equal(shown.action, 'stop');
      assert.equal(shown.user_id, null);
      assert.equal(shown.project_id, null);
      assert.equal(shown.events[0].event, 'compute_stop_instance');
      assert.equal(shown.events[0].host, s.host);
    });

    it('returns console output (with length) and a noVNC URL', async () => {
      const s = activeServer();
      const url = `${nova}/servers/${s.id}/action`;
      const all = await request(url, { method: 'POST', token: admin, body: { 'os-getConsoleOutput': { length: null } } });
      assert.equal(all.status, 200);
      const output = (all.body as Json).output as string;
      assert.match(output, /Linux version/);
      const tail = await request(url, { method: 'POST', token: admin, body: { 'os-getConsoleOutput': { length: 2 } } });
      assert.equal(((tail.body as Json).output as string).trimEnd().split('\n').length, 2);
      const old = await request(`${nova}/servers/${s.id}/remote-consoles`, { method: 'POST', token: admin, body: { remote_console: { protocol: 'vnc', type: 'novnc' } } });
      assert.equal(old.status, 404, 'remote-consoles arrives in 2.6');
      const rc = await request(`${nova}/servers/${s.id}/remote-consoles`, {
        method: 'POST',
        token: admin,
        headers: mv('2.6'),
        body: { remote_console: { protocol: 'vnc', type: 'novnc' } },
      });
      assert.equal(rc.status, 200);
      const consoleUrl = (rc.body as Json).remote_console.url as string;
      assert.match(consoleUrl, /\/vnc_auto\.html\?path=%3Ftoken%3D[0-9a-f-]{36}$/);
      const page = await request(consoleUrl);
      assert.equal(page.status, 200);
      const unknownAction = await request(url, { method: 'POST', token: admin, body: { 'os-dance': null } });
      assert.equal(unknownAction.status, 400);
    });
  });

  describe('hypervisors and services', () => {
    it('lists hypervisors with 2.53 semantics and pages them', async () => {
      const all = ((await request(`${nova}/os-hypervisors/detail`, { token: admin, headers: mv('2.53') })).body as Json).hypervisors;
      assert.equal(all.length, lab.fleet.hypervisors.length);
      const first = all[0];
      assert.match(first.id, /^[0-9a-f-]{36}$/);
      assert.equal(first.state, 'up');
      assert.equal(first.status, 'enabled');
      assert.equal(first.service.host, first.hypervisor_hostname);
      assert.match(first.service.id, /^[0-9a-f-]{36}$/);
      assert.equal(typeof first.running_vms, 'number');

      const page = (await request(`${nova}/os-hypervisors?limit=3`, { token: admin, headers: mv('2.53') })).body as Json;
      assert.equal(page.hypervisors.length, 3);
      assert.equal(page.hypervisors_links[0].href, `${nova}/os-hypervisors?limit=3&marker=${page.hypervisors[2].id}`);
      const rest = (await request(page.hypervisors_links[0].href, { token: admin, headers: mv('2.53') })).body as Json;
      assert.equal(rest.hypervisors[0].id, all[3].id);
      const badMarker = await request(`${nova}/os-hypervisors?marker=${lab.fleet.servers[0]?.id}`, { token: admin, headers: mv('2.53') });
      assert.equal(badMarker.status, 400);

      const host = lab.fleet.hypervisors[0]?.hostname ?? '';
      const withServers = (await request(`${nova}/os-hypervisors?hypervisor_hostname_pattern=${host}&with_servers=true`, { token: admin, headers: mv('2.53') }))
        .body as Json;
      assert.equal(withServers.hypervisors.length, 1);
      assert.deepEqual(
        new Set((withServers.hypervisors[0].servers ?? []).map((s: Json) => s.uuid)),
        new Set(lab.fleet.servers.filter((s) => s.host === host).map((s) => s.id)),
      );
      const nomatch = await request(`${nova}/os-hypervisors?hypervisor_hostname_pattern=zzz`, { token: admin, headers: mv('2.53') });
      assert.equal(nomatch.status, 404);
      const badId = await request(`${nova}/os-hypervisors/1`, { token: admin, headers: mv('2.53') });
      assert.equal(badId.status, 400);
      const legacy = ((await request(`${nova}/os-hypervisors/1`, { token: admin })).body as Json).hypervisor;
      assert.equal(legacy.id, 1);
      assert.equal(typeof legacy.cpu_info, 'string');
      const modern = ((await request(`${nova}/os-hypervisors/${first.id}`, { token: admin, headers: mv('2.88') })).body as Json).hypervisor;
      assert.equal(modern.running_vms, undefined);
      assert.equal(typeof modern.uptime, 'string');
    });

    it('is admin-only for hypervisors and services', async () => {
      const hv = await request(`${nova}/os-hypervisors`, { token: viewer, headers: mv('2.53') });
      assert.equal(hv.status, 403);
      assert.equal((hv.body as Json).forbidden.message, "Policy doesn't allow os_compute_api:os-hypervisors:list to be performed.");
      const svc = await request(`${nova}/os-services`, { token: viewer });
      assert.equal(svc.status, 403);
    });

    it('lists and updates services, and reflects them in host_status and hypervisor state', async () => {
      const services = ((await request(`${nova}/os-services?binary=nova-compute`, { token: admin, headers: mv('2.53') })).body as Json).services;
      assert.equal(services.length, lab.fleet.hypervisors.length);
      const svc = services[0];
      assert.deepEqual(Object.keys(svc).sort(), ['binary', 'disabled_reason', 'forced_down', 'host', 'id', 'state', 'status', 'updated_at', 'zone']);
      assert.match(svc.updated_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
      const put = await request(`${nova}/os-services/${svc.id}`, {
        method: 'PUT',
        token: admin,
        headers: mv('2.53'),
        body: { status: 'disabled', disabled_reason: 'PSU swap' },
      });
      assert.equal(put.status, 200);
      assert.equal((put.body as Json).service.status, 'disabled');
      assert.equal((put.body as Json).service.disabled_reason, 'PSU swap');
      const onHost = lab.fleet.servers.find((s) => s.host === svc.host);
      if (onHost) {
        const shown = ((await request(`${nova}/servers/${onHost.id}`, { token: admin, headers: mv('2.16') })).body as Json).server;
        assert.equal(shown.host_status, 'MAINTENANCE');
      }
      const bad = await request(`${nova}/os-services/${svc.id}`, { method: 'PUT', token: admin, headers: mv('2.53'), body: { status: 'enabled', disabled_reason: 'x' } });
      assert.equal(bad.status, 400);
      const down = await request(`${nova}/os-services/${svc.id}`, { method: 'PUT', token: admin, headers: mv('2.53'), body: { forced_down: true } });
      assert.equal((down.body as Json).service.state, 'down');
      const hv = ((await request(`${nova}/os-hypervisors?hypervisor_hostname_pattern=${svc.host}`, { token: admin, headers: mv('2.53') })).body as Json).hypervisors[0];
      assert.equal(hv.state, 'down');
      assert.equal(hv.status, 'disabled');
      await request(`${nova}/os-services/${svc.id}`, { method: 'PUT', token: admin, headers: mv('2.53'), body: { status: 'enabled', forced_down: false } });

      // A host that stops heartbeating goes down once service_down_time passes.
      const host = lab.fleet.hypervisors[1]?.hostname ?? '';
      lab.state.silenceHost(host);
      lab.state.clock.advance(61_000);
      const after = ((await request(`${nova}/os-services?host=${host}`, { token: admin })).body as Json).services;
      assert.equal(after[0].state, 'down');
      assert.equal(typeof after[0].id, 'number', 'integer ids before 2.53');
      lab.state.reviveHost(host);
    });
  });

  describe('aggregates, zones and instance-action visibility', () => {
    it('lists a host aggregate and availability zone per region', async () => {
      const aggs = ((await request(`${nova}/os-aggregates`, { token: admin })).body as Json).aggregates;
      assert.deepEqual(
        aggs.map((a: Json) => a.availability_zone),
        lab.fleet.regions.map((r) => r.availabilityZone),
      );
      assert.deepEqual(new Set(aggs[0].hosts), new Set(lab.fleet.hypervisors.filter((h) => h.regionId === 'pg1').map((h) => h.hostname)));
      const zones = ((await request(`${nova}/os-availability-zone/detail`, { token: admin })).body as Json).availabilityZoneInfo;
      assert.equal(zones[0].zoneName, 'internal');
      const uptime = ((await request(`${nova}/os-hypervisors/${lab.fleet.hypervisors[0]?.id}/uptime`, { token: admin, headers: mv('2.53') })).body as Json).hypervisor;
      assert.match(uptime.uptime, /load average/);
    });

    it('shows events to non-admins from 2.51 on, never the traceback', async () => {
      const viewerUser = lab.fleet.users.find((u) => u.name === 'viewer');
      const s = lab.fleet.servers.find((x) => x.projectId === viewerUser?.defaultProjectId);
      assert.ok(s);
      const actions = ((await request(`${nova}/servers/${s.id}/os-instance-actions`, { token: viewer })).body as Json).instanceActions;
      const create = actions.find((a: Json) => a.action === 'create');
      const url = `${nova}/servers/${s.id}/os-instance-actions/${create.request_id}`;
      const old = ((await request(url, { token: viewer })).body as Json).instanceAction;
      assert.equal(old.events, undefined);
      const modern = ((await request(url, { token: viewer, headers: mv('2.51') })).body as Json).instanceAction;
      assert.ok(modern.events.length > 0);
      assert.ok(!('traceback' in modern.events[0]));
      const asAdmin = ((await request(url, { token: admin })).body as Json).instanceAction;
      assert.ok('traceback' in asAdmin.events[0]);
    });
  });

  describe('flavors and images', () => {
    it('lists flavors, including private ones for admins asking is_public=None', async () => {
      const pub = ((await request(`${nova}/flavors/detail`, { token: admin })).body as Json).flavors;
      const every = ((await request(`${nova}/flavors/detail?is_public=None`, { token: admin })).body as Json).flavors;
      assert.equal(every.length, lab.fleet.flavors.length);
      assert.equal(pub.length, lab.fleet.flavors.filter((f) => f.isPublic).length);
      assert.equal(pub[0].swap, '');
      assert.ok('os-flavor-access:is_public' in pub[0]);
      const images = ((await request(`${nova}/images`, { token: admin })).body as Json).images;
      assert.equal(images.length, lab.fleet.images.length);
      const gone = await request(`${nova}/images`, { token: admin, headers: mv('2.36') });
      assert.equal(gone.status, 404);
    });
  });
});

describe('nova list limits', () => {
  let lab: RunningLab;
  let admin: string;
  before(async () => {
    lab = await startLab({ seed: 'limits', size: { regions: 1, hypervisors: 10, servers: 2500 }, clock: 'manual' });
    admin = await login(lab);
  });
  after(async () => {
    await lab.stop();
  });

  it('caps pages at 1000 (default and maximum) and keeps the request’s own query in next links', async () => {
    const nova = `${lab.url}/compute/v2.1`;
    const first = (await request(`${nova}/servers?all_tenants=1`, { token: admin })).body as Json;
    assert.equal(first.servers.length, 1000);
    assert.equal(first.servers_links[0].href, `${nova}/servers?all_tenants=1&marker=${first.servers[999].id}`);
    const big = (await request(`${nova}/servers/detail?limit=5000&all_tenants=1`, { token: admin })).body as Json;
    assert.equal(big.servers.length, 1000);
    assert.equal(big.servers_links[0].href, `${nova}/servers/detail?all_tenants=1&limit=5000&marker=${big.servers[999].id}`);
    const sizes: number[] = [];
    const ids = new Set<string>();
    let url: string | undefined = `${nova}/servers/detail?all_tenants=1`;
    while (url) {
      const body = (await request(url, { token: admin })).body as Json;
      sizes.push(body.servers.length);
      for (const s of body.servers) ids.add(s.id);
      url = body.servers_links?.[0]?.href;
    }
    assert.deepEqual(sizes, [1000, 1000, 500]);
    assert.equal(ids.size, 2500);
  });
});
