import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { z } from 'zod';
import { createOpenStackCollectors } from '../collect/openstack/collectors.js';
import { rawServerSchema } from '../collect/openstack/nova-schemas.js';
import { normaliseServer } from '../collect/openstack/normalise.js';
import type { CollectContext, Collector, CollectorResult } from '../collect/types.js';
import { silentLogger } from '../core/log.js';
import type { Server } from '../snapshot/schema.js';
import { realClient, requireRealCloud, type SeededFleet } from './real-cloud.js';

/**
 * faultline's OpenStack collectors against a real Keystone + Nova (Zed): every
 * page with a page size that makes several pages, microversion negotiation,
 * hypervisors, compute services, Neutron agents and instance actions with events.
 */

function context(progress: string[], input: CollectContext['input'] = {}): CollectContext {
  return { signal: AbortSignal.timeout(300_000), now: () => new Date(), log: silentLogger, progress: (m) => progress.push(m), input };
}

function collector(list: Collector[], kind: string): Collector {
  const found = list.find((c) => c.id === `openstack-${kind}`);
  assert.ok(found, kind);
  return found;
}

/** The servers as one unpaged listing gives them, to check the paged collection against. */
async function unpagedServers(): Promise<Server[]> {
  const client = realClient();
  const answer = await client.request('compute', 'servers/detail', z.object({ servers: z.array(rawServerSchema), servers_links: z.unknown().optional() }), { query: { all_tenants: 1 } });
  assert.equal(answer.servers_links, undefined, 'no paging without a limit for 50 servers');
  return answer.servers.map((s) => normaliseServer(s, 'RegionOne'));
}

const summary = (s: Pick<Server, 'id' | 'name' | 'status' | 'projectId' | 'host' | 'flavor' | 'image'>): string => [s.id, s.name, s.status, s.projectId, s.host, s.flavor?.name, s.image?.id].join(' ');

describe('OpenStack collectors against real Nova', { timeout: 600_000 }, () => {
  let fleet: SeededFleet;
  before(async () => {
    fleet = await requireRealCloud();
  });

  it('negotiates the microversion: the requested one when Nova has it, Nova\'s maximum when not', async () => {
    const client = realClient();
    const v = await client.computeMicroversion();
    assert.equal(v.version, '2.88');
    assert.equal(v.serverMin, '2.1');
    // Zed's maximum; a newer Nova here means the docs' numbers need a look.
    assert.equal(v.serverMax, '2.93');
    const ahead = realClient('real', { computeMicroversion: '2.99' });
    const lowered = await ahead.computeMicroversion();
    assert.equal(lowered.version, '2.93');
    assert.match(lowered.note ?? '', /supports at most 2\.93/);
    // The lowered version is what it then sends, and Nova accepts it.
    const servers = await ahead.request('compute', 'servers', z.object({ servers: z.array(z.object({ id: z.string() })) }), { query: { all_tenants: 1, limit: 1 } });
    assert.equal(servers.servers.length, 1);
  });

  for (const pageSize of [7, 10]) {
    it(`lists every server exactly once, ${pageSize} per page`, async () => {
      const progress: string[] = [];
      const collectors = createOpenStackCollectors(realClient(), { pageSize });
      const result = await collector(collectors, 'servers').collect(context(progress));
      assert.equal(result.status ?? 'ok', 'ok', (result.warnings ?? []).join('\n'));
      const servers = result.data.servers ?? [];
      assert.equal(servers.length, fleet.servers.length);
      assert.equal(new Set(servers.map((s) => s.id)).size, servers.length, 'no server twice');
      // 50 servers: 8 pages of 7 (the last one short); with 10, 5 full pages and the empty 6th
      // that Nova's "next" link after a full page leads to.
      const lastPage = Math.max(...progress.map((p) => Number(/\(page (\d+)\)/.exec(p)?.[1] ?? 1)));
      assert.equal(lastPage, pageSize === 7 ? Math.ceil(fleet.servers.length / 7) : fleet.servers.length / 10 + 1, progress.join('\n'));
      const unpaged = await unpagedServers();
      assert.deepEqual(servers.map(summary).sort(), unpaged.map(summary).sort());
      for (const seeded of fleet.servers) {
        const s = servers.find((x) => x.id === seeded.id);
        assert.ok(s, seeded.name);
        assert.equal(s.name, seeded.name);
        assert.equal(s.projectId, seeded.projectId);
        assert.equal(s.host, seeded.host);
        assert.equal(s.hypervisorHostname, seeded.host, 'the fake driver names its node after the host');
        assert.match(s.instanceName ?? '', /^instance-[0-9a-f]{8}$/);
        assert.equal(s.hostStatus, 'UP');
        assert.equal(s.region, 'RegionOne');
        assert.ok(s.flavor?.name === 'm1.tiny' || s.flavor?.name === 'm1.small', `${s.name}: flavor ${s.flavor?.name}`);
        assert.ok(s.createdAt?.endsWith('Z') && s.launchedAt?.endsWith('Z'), 'times carry a zone');
        assert.deepEqual(s.addresses, [], 'servers are built with --nic none');
      }
    });
  }

  it('lists the hypervisors page by page, and the compute services', async () => {
    const progress: string[] = [];
    const collectors = createOpenStackCollectors(realClient(), { pageSize: 2 });
    const hv = await collector(collectors, 'hypervisors').collect(context(progress));
    assert.equal(hv.status ?? 'ok', 'ok');
    const hypervisors = hv.data.hypervisors ?? [];
    const hosts = [...new Set(fleet.servers.map((s) => s.host))].sort();
    assert.deepEqual(hypervisors.map((h) => h.name).sort(), ['compute-1', 'compute-2', 'compute-3']);
    assert.ok(hosts.every((h) => hypervisors.some((x) => x.name === h)));
    for (const h of hypervisors) {
      assert.equal(h.host, h.name);
      assert.equal(h.state, 'up');
      assert.equal(h.status, 'enabled');
      assert.equal(h.hostIp, '127.0.0.1');
      assert.equal(h.hypervisorType, 'fake');
      assert.match(h.id, /^[0-9a-f]{8}-[0-9a-f]{4}-/, 'hypervisor ids are UUIDs from 2.53 on');
    }
    const services = (await collector(collectors, 'compute-services').collect(context([]))).data.computeServices ?? [];
    const byBinary = (b: string): string[] => services.filter((s) => s.binary === b).map((s) => s.host).sort();
    assert.deepEqual(byBinary('nova-compute'), ['compute-1', 'compute-2', 'compute-3']);
    assert.deepEqual(byBinary('nova-conductor'), ['controller']);
    assert.deepEqual(byBinary('nova-scheduler'), ['controller']);
    for (const s of services) {
      assert.equal(s.state, 'up', `${s.binary} on ${s.host}`);
      assert.equal(s.status, 'enabled');
      assert.equal(s.forcedDown, false);
      assert.ok(s.updatedAt?.endsWith('Z'));
      assert.equal(s.zone, s.binary === 'nova-compute' ? 'nova' : 'internal');
    }
  });

  it('reads Neutron agents (none run: Neutron here has no agents) and the region', async () => {
    const collectors = createOpenStackCollectors(realClient());
    const agents = await collector(collectors, 'network-agents').collect(context([]));
    assert.equal(agents.status ?? 'ok', 'ok');
    assert.deepEqual(agents.data.networkAgents, []);
    const regions = await collector(collectors, 'regions').collect(context([]));
    assert.deepEqual(regions.data.regions?.map((r) => r.name), ['RegionOne']);
  });

  it('reads instance actions with their events: create for every server, the owner\'s stop with user and project', async () => {
    const collectors = createOpenStackCollectors(realClient(), { pageSize: 9, instanceActions: { recentMs: 7 * 86_400_000, concurrency: 4, eventsPerServer: 20 } });
    const servers = (await collector(collectors, 'servers').collect(context([]))).data.servers ?? [];
    const result: CollectorResult = await collector(collectors, 'instance-actions').collect(context([], { servers }));
    assert.equal(result.status ?? 'ok', 'ok', (result.warnings ?? []).join('\n'));
    const actions = result.data.instanceActions ?? [];
    for (const seeded of fleet.servers) {
      const mine = actions.filter((a) => a.serverId === seeded.id);
      const create = mine.find((a) => a.action === 'create');
      assert.ok(create, `${seeded.name} has its create action`);
      assert.equal(create.projectId, seeded.projectId);
      assert.ok(create.userId, 'a user created it');
      assert.ok((create.events ?? []).some((e) => e.event === 'compute__do_build_and_run_instance' && e.result === 'Success'), JSON.stringify(create.events));
    }
    for (const name of fleet.stoppedByOwner) {
      const seeded = fleet.servers.find((s) => s.name === name);
      assert.ok(seeded);
      const stop = actions.find((a) => a.serverId === seeded.id && a.action === 'stop' && a.userId !== null);
      assert.ok(stop, `${name}: the owner's stop`);
      assert.equal(stop.projectId, seeded.projectId);
      const event = (stop.events ?? []).find((e) => e.event === 'compute_stop_instance');
      assert.ok(event, `${name}: compute_stop_instance`);
      assert.equal(event.result, 'Success');
      assert.equal(event.host, seeded.host, 'admins see the event host');
      assert.ok(event.startTime && event.finishTime && Date.parse(event.finishTime) >= Date.parse(event.startTime));
      assert.ok(stop.updatedAt, 'updated_at from 2.58');
    }
  });
});
