import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CollectorError } from '../../core/errors.js';
import type { Server } from '../../snapshot/schema.js';
import { runCollectors } from '../runner.js';
import type { CollectContext, Collector } from '../types.js';
import { OpenStackClient } from './client.js';
import { createOpenStackCollectors, serversNeedingActions, type OpenStackCollectorOptions } from './collectors.js';
import { FAKE_PASSWORD, fakeServer, startFakeCloud, type FakeCloud, type FakeCloudOptions } from './fake-cloud.js';
import { silentLogger } from '../../core/log.js';

const clouds: FakeCloud[] = [];
after(async () => {
  await Promise.all(clouds.map((c) => c.close()));
});

async function setup(cloudOptions: FakeCloudOptions = {}, options: OpenStackCollectorOptions = {}): Promise<{ cloud: FakeCloud; collectors: Map<string, Collector>; client: OpenStackClient }> {
  const cloud = await startFakeCloud(cloudOptions);
  clouds.push(cloud);
  const client = new OpenStackClient({
    auth: { authUrl: cloud.authUrl, username: 'admin', password: FAKE_PASSWORD, projectName: 'admin', interface: 'public' },
    retry: { retries: 1, backoffBaseMs: 1, backoffMaxMs: 2, timeoutMs: 5000 },
  });
  const list = createOpenStackCollectors(client, options);
  return { cloud, client, collectors: new Map(list.map((c) => [c.id.replace(/^openstack-/, ''), c])) };
}

const NOW = new Date('2025-03-01T12:00:00Z');

function ctx(progress: string[] = [], input: CollectContext['input'] = {}): CollectContext {
  return { signal: new AbortController().signal, now: () => NOW, log: silentLogger, progress: (m) => progress.push(m), input };
}

function get(collectors: Map<string, Collector>, kind: string): Collector {
  const c = collectors.get(kind);
  assert.ok(c, `collector ${kind}`);
  return c;
}

describe('OpenStack collectors: servers', () => {
  it('follows servers_links page by page, with all_tenants and limit, and normalises every server', async () => {
    const { cloud, collectors } = await setup({ servers: 2500 });
    const progress: string[] = [];
    const result = await get(collectors, 'servers').collect(ctx(progress));
    assert.equal(result.status, undefined);
    assert.equal(result.data.servers?.length, 2500);
    assert.equal(new Set(result.data.servers?.map((s) => s.id)).size, 2500);
    const calls = cloud.calls('/compute/v2.1/servers/detail');
    assert.equal(calls.length, 3);
    for (const call of calls) {
      assert.equal(call.query.get('all_tenants'), '1');
      assert.equal(call.query.get('limit'), '1000');
    }
    assert.deepEqual(calls.map((c) => c.query.get('marker')), [null, 'srv-000999', 'srv-001999']);
    assert.deepEqual(progress, ['servers: 1,000', 'servers: 2,000 (page 2)', 'servers: 2,500 (page 3)']);
  });

  it('logs in again when the token is revoked between pages, and carries on', async () => {
    let revoked = false;
    const { cloud, collectors } = await setup({
      servers: 2500,
      intercept: (r, c) => {
        if (!revoked && r.query.get('marker') === 'srv-000999') {
          revoked = true;
          c.revokeAll();
        }
        return undefined;
      },
    });
    const result = await get(collectors, 'servers').collect(ctx());
    assert.equal(result.data.servers?.length, 2500);
    assert.equal(cloud.tokensIssued, 2);
    assert.equal(cloud.calls('/compute/v2.1/servers/detail').length, 4, 'page 2 asked twice: refused, then with the new token');
  });

  it('asks for the empty page after a full last page, and stops there', async () => {
    const { cloud, collectors } = await setup({ servers: 3000 });
    const result = await get(collectors, 'servers').collect(ctx());
    assert.equal(result.data.servers?.length, 3000);
    assert.equal(cloud.calls('/compute/v2.1/servers/detail').length, 4);
  });

  it('loops over ten full pages of 1000 servers', async () => {
    const { cloud, collectors } = await setup({ servers: 10_000 });
    const result = await get(collectors, 'servers').collect(ctx());
    assert.equal(result.data.servers?.length, 10_000);
    assert.equal(result.data.servers?.[9999]?.id, 'srv-009999');
    assert.equal(cloud.calls('/compute/v2.1/servers/detail').length, 11);
  });

  it('pages by the link query only, against its own endpoint, when the link names an internal host', async () => {
    // fake-cloud writes next links as http://nova-internal.example:8774/…, a host the test cannot reach.
    const { cloud, collectors } = await setup({ servers: 5, pageMax: 2 });
    const result = await get(collectors, 'servers').collect(ctx());
    assert.equal(result.data.servers?.length, 5);
    assert.equal(cloud.calls('/compute/v2.1/servers/detail').length, 3);
  });

  it('stops instead of looping when a next link repeats', async () => {
    const { collectors } = await setup({
      intercept: (r) =>
        r.path.endsWith('/servers/detail')
          ? { status: 200, body: { servers: [fakeServer(1)], servers_links: [{ rel: 'next', href: 'http://x/v2.1/servers/detail?marker=srv-000001' }] } }
          : undefined,
    });
    await assert.rejects(get(collectors, 'servers').collect(ctx()), /repeats an earlier page/);
  });

  it('normalises the fields detectors read', async () => {
    const { collectors } = await setup({
      servers: 1,
      server: () => ({
        ...fakeServer(7),
        status: 'ERROR',
        'OS-EXT-STS:vm_state': 'error',
        'OS-EXT-STS:task_state': 'powering-on',
        'OS-EXT-STS:power_state': 4,
        host_status: 'DOWN',
        addresses: {
          net1: [
            { addr: '10.0.0.7', version: 4, 'OS-EXT-IPS:type': 'fixed' },
            { addr: '203.0.113.7', version: 4, 'OS-EXT-IPS:type': 'floating' },
          ],
          v6: [{ addr: 'fd00::7', version: 6 }],
        },
        image: '',
        'os-extended-volumes:volumes_attached': [{ id: 'vol-1', delete_on_termination: false }, { id: 'vol-2' }],
        metadata: { role: 'db' },
        updated: '2025-03-01T11:00:00Z',
        fault: { code: 500, message: 'No valid host was found.', created: '2025-03-01T10:59:00Z', details: 'Traceback …' },
      }),
    });
    const [server] = (await get(collectors, 'servers').collect(ctx())).data.servers ?? [];
    assert.deepEqual(server, {
      id: 'srv-000007',
      name: 'vm-7',
      region: 'RegionOne',
      projectId: 'proj-1',
      userId: 'user-1',
      status: 'ERROR',
      vmState: 'error',
      taskState: 'powering-on',
      powerState: 4,
      host: 'com7',
      hypervisorHostname: 'com7.example',
      instanceName: 'instance-00000007',
      hostStatus: 'DOWN',
      addresses: [
        { network: 'net1', addr: '10.0.0.7', version: 4, type: 'fixed' },
        { network: 'net1', addr: '203.0.113.7', version: 4, type: 'floating' },
        { network: 'v6', addr: 'fd00::7', version: 6 },
      ],
      flavor: { name: 'm1.small', vcpus: 1, ramMiB: 2048, diskGiB: 20 },
      volumes: ['vol-1', 'vol-2'],
      metadata: { role: 'db' },
      locked: false,
      createdAt: '2025-01-01T00:00:00Z',
      updatedAt: '2025-03-01T11:00:00Z',
      launchedAt: '2025-01-01T00:01:00.000000Z',
      fault: { code: 500, message: 'No valid host was found.', created: '2025-03-01T10:59:00Z', details: 'Traceback …' },
    });
  });

  it('reads the flavor id before microversion 2.47 and a server in a down cell', async () => {
    const { collectors } = await setup({
      servers: 2,
      server: (i) => (i === 0 ? { ...fakeServer(0), flavor: { id: '42', links: [] } } : { id: 'srv-down', status: 'UNKNOWN', tenant_id: 'p', created: '2025-01-01T00:00:00Z', links: [] }),
    });
    const servers = (await get(collectors, 'servers').collect(ctx())).data.servers ?? [];
    assert.deepEqual(servers[0]?.flavor, { name: '42' });
    assert.deepEqual(servers[1], { id: 'srv-down', name: '', status: 'UNKNOWN', region: 'RegionOne', projectId: 'p', addresses: [], volumes: [], metadata: {}, createdAt: '2025-01-01T00:00:00Z' });
  });

  it('fails with a CollectorError naming the request and the field when a page is malformed', async () => {
    const { collectors } = await setup({ intercept: (r) => (r.path.endsWith('/servers/detail') ? { status: 200, body: { servers: { id: 'x' } } } : undefined) });
    await assert.rejects(get(collectors, 'servers').collect(ctx()), (err: unknown) => {
      assert.ok(err instanceof CollectorError);
      assert.match(err.message, /^compute GET http:\/\/127\.0\.0\.1:\d+\/compute\/v2\.1\/servers\/detail\?all_tenants=1&limit=1000: unexpected answer: servers: Invalid input: expected array/);
      return true;
    });
  });

  it('skips a malformed server with a warning naming it and the field, and reports partial', async () => {
    const { collectors } = await setup({ servers: 3, server: (i) => (i === 1 ? { ...fakeServer(1), status: 17 } : fakeServer(i)) });
    const result = await get(collectors, 'servers').collect(ctx());
    assert.equal(result.status, 'partial');
    assert.equal(result.data.servers?.length, 2);
    assert.equal(result.warnings?.length, 1);
    assert.match(result.warnings?.[0] ?? '', /servers\/detail.*: skipped servers\[1\] \(id srv-000001\): status: Invalid input: expected string, received number/);
  });
});

describe('OpenStack collectors: hypervisors, services, agents, regions', () => {
  it('pages hypervisors (2.33+) and normalises them', async () => {
    const { cloud, collectors } = await setup({ hypervisors: 3 }, { pageSize: 2 });
    const result = await get(collectors, 'hypervisors').collect(ctx());
    assert.equal(cloud.calls('/compute/v2.1/os-hypervisors/detail').length, 2);
    assert.deepEqual(result.data.hypervisors?.[0], {
      id: 'hv-uuid-0',
      name: 'com0.example',
      host: 'com0',
      region: 'RegionOne',
      state: 'down',
      status: 'enabled',
      hostIp: '192.168.0.0',
      hypervisorType: 'QEMU',
    });
    assert.equal(result.data.hypervisors?.length, 3);
  });

  it('does not send a page size to os-hypervisors before 2.33', async () => {
    const { cloud, collectors } = await setup({ maxMicroversion: '2.30' });
    await get(collectors, 'hypervisors').collect(ctx());
    assert.equal(cloud.calls('/compute/v2.1/os-hypervisors/detail')[0]?.query.get('limit'), null);
  });

  it('normalises compute services and network agents', async () => {
    const { collectors } = await setup();
    const services = (await get(collectors, 'compute-services').collect(ctx())).data.computeServices;
    assert.deepEqual(services, [
      { id: 'svc-1', binary: 'nova-compute', host: 'com1', zone: 'nova', region: 'RegionOne', status: 'enabled', state: 'down', forcedDown: false, disabledReason: null, updatedAt: '2025-01-02T00:00:00.000000Z' },
    ]);
    const agents = (await get(collectors, 'network-agents').collect(ctx())).data.networkAgents;
    assert.deepEqual(agents, [
      { id: 'ag-1', binary: 'neutron-linuxbridge-agent', host: 'com1', agentType: 'Linux bridge agent', region: 'RegionOne', alive: false, adminStateUp: true, heartbeatTimestamp: '2025-01-02 00:00:00Z' },
    ]);
  });

  it('lists regions from the catalog with their zone', async () => {
    const { collectors } = await setup({}, { regionZones: { RegionOne: 'dev' }, regionCenters: { RegionOne: 'pg' } });
    const result = await get(collectors, 'regions').collect(ctx());
    assert.deepEqual(result.data.regions, [{ name: 'RegionOne', zone: 'dev', center: 'pg' }]);
  });

  it('lists only the region in use when the catalog spans several', async () => {
    const two = (base: string): unknown[] => [
      { type: 'compute', endpoints: ['pg1', 'ay1'].map((r) => ({ interface: 'public', region_id: r, url: `${base}/compute/v2.1` })) },
    ];
    const cloud = await startFakeCloud({ catalog: two });
    clouds.push(cloud);
    const auth = { authUrl: cloud.authUrl, username: 'admin', password: FAKE_PASSWORD, projectName: 'admin', interface: 'public' } as const;
    const regionsOf = async (regionName?: string): Promise<unknown> => {
      const [regions] = createOpenStackCollectors(new OpenStackClient({ auth: { ...auth, ...(regionName ? { regionName } : {}) } }));
      return (await (regions as Collector).collect(ctx())).data.regions;
    };
    assert.deepEqual(await regionsOf('ay1'), [{ name: 'ay1', zone: 'prod' }]);
    assert.deepEqual(await regionsOf(), [{ name: 'ay1', zone: 'prod' }, { name: 'pg1', zone: 'prod' }]);
  });

  it('has each connection\'s instance actions wait for that connection\'s server list only', () => {
    const client = new OpenStackClient({ auth: { authUrl: 'http://127.0.0.1:1/identity/v3', username: 'a', password: FAKE_PASSWORD, projectName: 'p', interface: 'public' } });
    const actions = createOpenStackCollectors(client, { name: 'pg1' }).find((c) => c.id.startsWith('openstack-instance-actions'));
    assert.deepEqual(actions?.needs, ['servers']);
    assert.deepEqual(actions?.needsFrom, ['openstack-servers:pg1']);
  });

  it('names collectors after the cloud when given a name', async () => {
    const { collectors } = await setup({}, { name: 'pg1' });
    assert.ok(collectors.has('servers:pg1'));
  });
});

const action = (requestId: string, name: string, start: string, user: string | null, events: unknown[] = []): Record<string, unknown> => ({
  action: name,
  instance_uuid: 'x',
  request_id: requestId,
  start_time: start,
  updated_at: start,
  user_id: user,
  project_id: user === null ? null : 'proj-1',
  message: null,
  events,
});

describe('OpenStack collectors: instance actions', () => {
  const statuses = ['ACTIVE', 'SHUTOFF', 'ERROR', 'ACTIVE'];
  const cloudOptions: FakeCloudOptions = {
    servers: 4,
    server: (i) => ({ ...fakeServer(i), status: statuses[i], updated: i === 3 ? '2025-03-01T09:00:00Z' : '2025-01-02T00:00:00Z' }),
    actions: (id) => [
      action(`req-${id}-stop`, 'stop', '2025-02-28T07:19:53.000000', null, [
        { event: 'compute_stop_instance', start_time: '2025-02-28T07:19:53.000000', finish_time: '2025-02-28T07:20:08.000000', result: 'Success', traceback: null, host: 'com1' },
      ]),
      action(`req-${id}-start`, 'start', '2025-02-27T07:19:53.000000', 'user-1'),
      action(`req-${id}-create`, 'create', '2024-01-01T00:00:00.000000', 'user-1'),
    ],
  };

  it('fetches actions with events for SHUTOFF, ERROR and recently changed servers only', async () => {
    const { cloud, collectors } = await setup(cloudOptions, { instanceActions: { eventsPerServer: 1 } });
    const result = await get(collectors, 'instance-actions').collect(ctx());
    assert.equal(result.status, undefined, String(result.warnings));
    const listed = cloud.calls(/\/os-instance-actions$/).map((r) => r.path.split('/')[4]);
    assert.deepEqual(listed.sort(), ['srv-000001', 'srv-000002', 'srv-000003']);
    assert.equal(cloud.calls(/\/os-instance-actions$/)[0]?.query.get('changes-since'), '2024-12-01T12:00:00.000Z');
    // The 2024 create is outside the 90-day history; only the newest action's events are read.
    assert.equal(result.data.instanceActions?.length, 6);
    assert.equal(cloud.calls(/\/os-instance-actions\/.+/).length, 3);
    const stop = result.data.instanceActions?.find((a) => a.serverId === 'srv-000001' && a.action === 'stop');
    assert.deepEqual(stop, {
      serverId: 'srv-000001',
      requestId: 'req-srv-000001-stop',
      action: 'stop',
      startTime: '2025-02-28T07:19:53.000000Z',
      updatedAt: '2025-02-28T07:19:53.000000Z',
      userId: null,
      projectId: null,
      message: null,
      events: [{ event: 'compute_stop_instance', startTime: '2025-02-28T07:19:53.000000Z', finishTime: '2025-02-28T07:20:08.000000Z', result: 'Success', host: 'com1', traceback: null }],
    });
  });

  it('uses the server list handed over by the runner, only this cloud\'s servers', async () => {
    const { cloud, collectors } = await setup(cloudOptions);
    const input = {
      servers: [
        { id: 'srv-000001', name: 'a', status: 'SHUTOFF', region: 'RegionOne' },
        { id: 'srv-elsewhere', name: 'b', status: 'SHUTOFF', region: 'ay1' },
      ],
    };
    const result = await get(collectors, 'instance-actions').collect(ctx([], input));
    assert.equal(cloud.calls('/compute/v2.1/servers/detail').length, 0);
    assert.deepEqual(cloud.calls(/\/os-instance-actions$/).map((r) => r.path), ['/compute/v2.1/servers/srv-000001/os-instance-actions']);
    assert.equal(result.data.instanceActions?.length, 2);
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const { collectors } = await setup(
      {
        servers: 40,
        server: (i) => ({ ...fakeServer(i), status: 'SHUTOFF' }),
        actions: (id) => [action(`req-${id}`, 'stop', '2025-02-28T07:19:53.000000', null)],
        intercept: async (r) => {
          if (!r.path.includes('os-instance-actions')) return undefined;
          inFlight++;
          most = Math.max(most, inFlight);
          await new Promise((res) => setTimeout(res, 10));
          inFlight--;
          return undefined;
        },
      },
      { instanceActions: { concurrency: 4 } },
    );
    const progress: string[] = [];
    const result = await get(collectors, 'instance-actions').collect(ctx(progress));
    assert.equal(result.data.instanceActions?.length, 40);
    assert.ok(most <= 4 && most >= 2, `at most ${most} in flight`);
    assert.ok(progress.includes('instance actions: 40/40 servers'));
  });

  it('reports partial with a warning when some servers fail, and skips servers deleted meanwhile', async () => {
    const { collectors } = await setup({
      ...cloudOptions,
      intercept: (r) => {
        if (r.path.endsWith('/servers/srv-000002/os-instance-actions')) return { status: 500, body: { computeFault: { message: 'boom' } } };
        if (r.path.endsWith('/servers/srv-000003/os-instance-actions')) return { status: 404, body: {} };
        return undefined;
      },
    });
    const result = await get(collectors, 'instance-actions').collect(ctx());
    assert.equal(result.status, 'partial');
    assert.equal(result.warnings?.length, 1);
    assert.match(result.warnings?.[0] ?? '', /^server srv-000002: instance actions not read: compute GET .*HTTP 500/);
    assert.deepEqual([...new Set(result.data.instanceActions?.map((a) => a.serverId))], ['srv-000001']);
  });

  it('fails when no server could be read at all', async () => {
    const { collectors } = await setup({ ...cloudOptions, intercept: (r) => (r.path.endsWith('/os-instance-actions') ? { status: 403, body: {} } : undefined) });
    await assert.rejects(get(collectors, 'instance-actions').collect(ctx()), /could not be read for any of 3 servers: .*HTTP 403/);
  });

  it('caps the number of servers and says how many were left out', async () => {
    const { collectors } = await setup(cloudOptions, { instanceActions: { maxServers: 1 } });
    const result = await get(collectors, 'instance-actions').collect(ctx());
    assert.equal(result.status, 'partial');
    assert.match(result.warnings?.[0] ?? '', /fetched for 1 of 3 servers/);
    assert.deepEqual([...new Set(result.data.instanceActions?.map((a) => a.serverId))], ['srv-000002'], 'ERROR first');
  });
});

describe('OpenStack collectors: together under the runner', () => {
  it('lists servers once for both the servers and the instance-actions collectors, and passes the snapshot schema', async () => {
    const { cloud, collectors } = await setup({ servers: 30, server: (i) => ({ ...fakeServer(i), status: i % 10 === 0 ? 'SHUTOFF' : 'ACTIVE' }) });
    const progress: string[] = [];
    const run = await runCollectors([...collectors.values()], { timeoutMs: 10_000, now: () => NOW, progress: (id, m) => progress.push(`${id} ${m}`) });
    assert.deepEqual(
      run.outcomes.map((o) => [o.collector, o.status, o.error]),
      ['regions', 'servers', 'hypervisors', 'compute-services', 'network-agents', 'instance-actions'].map((k) => [`openstack-${k}`, 'ok', undefined]),
    );
    assert.equal(cloud.calls('/compute/v2.1/servers/detail').length, 1);
    assert.equal(cloud.calls('/identity/v3/auth/tokens').length, 1);
    assert.equal(cloud.calls('/compute/v2.1/').length, 1);
    assert.equal(run.data.servers?.length, 30);
    assert.equal(cloud.calls(/\/os-instance-actions$/).length, 3);
    assert.ok(progress.includes('openstack-servers servers: 30'));
  });

  it('fails instance actions with the reason when the server list failed', async () => {
    const { cloud, collectors } = await setup({ intercept: (r) => (r.path.endsWith('/servers/detail') ? { status: 403, body: {} } : undefined) });
    const run = await runCollectors([...collectors.values()], { timeoutMs: 10_000, now: () => NOW });
    const byId = new Map(run.outcomes.map((o) => [o.collector, o]));
    assert.equal(byId.get('openstack-servers')?.status, 'failed');
    assert.match(byId.get('openstack-instance-actions')?.error ?? '', /needs servers, which was not collected \(openstack-servers: compute GET .*HTTP 403/);
    assert.equal(cloud.calls('/compute/v2.1/servers/detail').length, 1);
  });

  it('fails only the sections whose API failed', async () => {
    const { collectors } = await setup({ intercept: (r) => (r.path.endsWith('/v2.0/agents') ? { status: 403, body: { NeutronError: { message: 'forbidden' } } } : undefined) });
    const run = await runCollectors([...collectors.values()], { timeoutMs: 10_000, now: () => NOW });
    const byId = new Map(run.outcomes.map((o) => [o.collector, o]));
    assert.equal(byId.get('openstack-network-agents')?.status, 'failed');
    assert.match(byId.get('openstack-network-agents')?.error ?? '', /network GET .*\/network\/v2\.0\/agents: HTTP 403 Forbidden/);
    assert.equal(byId.get('openstack-servers')?.status, 'ok');
  });
});

describe('OpenStack collectors: helpers', () => {
  it('orders servers needing actions: ERROR, SHUTOFF, then most recently changed', () => {
    const s = (id: string, status: string, updatedAt?: string): Server => ({ id, name: id, status, addresses: [], volumes: [], metadata: {}, ...(updatedAt ? { updatedAt } : {}) });
    const now = Date.parse('2025-03-01T12:00:00Z');
    const picked = serversNeedingActions(
      [s('a', 'ACTIVE', '2025-03-01T11:00:00Z'), s('b', 'SHUTOFF'), s('c', 'ACTIVE', '2025-01-01T00:00:00Z'), s('d', 'ERROR'), s('e', 'ACTIVE', '2025-03-01T11:30:00Z')],
      now,
      86_400_000,
    );
    assert.deepEqual(picked.map((x) => x.id), ['d', 'b', 'e', 'a']);
  });
});
