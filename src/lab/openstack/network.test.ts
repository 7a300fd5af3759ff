import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startLab, type RunningLab } from './lab.js';
import { login, request, type Json } from './testing.js';

describe('neutron agents and glance images', () => {
  let lab: RunningLab;
  let admin: string;
  before(async () => {
    lab = await startLab({ seed: 'network', size: 'small', clock: 'manual' });
    admin = await login(lab);
  });
  after(async () => {
    await lab.stop();
  });

  it('discovers the network API', async () => {
    const res = await request(`${lab.url}/pg1/network/`);
    assert.equal(res.status, 200);
    assert.equal((res.body as Json).versions[0].id, 'v2.0');
    assert.equal((res.body as Json).versions[0].links[0].href, `${lab.url}/pg1/network/v2.0/`);
  });

  it('lists agents with Neutron’s fields and filters', async () => {
    const all = ((await request(`${lab.url}/network/v2.0/agents`, { token: admin })).body as Json).agents;
    assert.equal(all.length, lab.fleet.hypervisors.length * 3);
    const agent = all[0];
    for (const key of ['binary', 'host', 'agent_type', 'alive', 'admin_state_up', 'heartbeat_timestamp', 'availability_zone', 'topic', 'configurations']) {
      assert.ok(key in agent, key);
    }
    assert.match(agent.heartbeat_timestamp, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    const dhcp = ((await request(`${lab.url}/network/v2.0/agents?binary=neutron-dhcp-agent`, { token: admin })).body as Json).agents;
    assert.equal(dhcp.length, lab.fleet.hypervisors.length);
    assert.ok(dhcp.every((a: Json) => a.agent_type === 'DHCP agent' && typeof a.availability_zone === 'string'));
    const host = lab.fleet.hypervisors[0]?.hostname ?? '';
    const onHost = ((await request(`${lab.url}/network/v2.0/agents?host=${host}&fields=binary&fields=alive`, { token: admin })).body as Json).agents;
    assert.equal(onHost.length, 3);
    assert.deepEqual(Object.keys(onHost[0]).sort(), ['alive', 'binary']);

    lab.state.silenceHost(host);
    lab.state.clock.advance(76_000);
    const dead = ((await request(`${lab.url}/network/v2.0/agents?alive=false`, { token: admin })).body as Json).agents;
    assert.equal(dead.length, 3);
    assert.ok(dead.every((a: Json) => a.host === host));
    lab.state.reviveHost(host);

    const missing = await request(`${lab.url}/network/v2.0/agents/nope`, { token: admin });
    assert.equal(missing.status, 404);
    assert.equal((missing.body as Json).NeutronError.type, 'AgentNotFound');
    const wrongMethod = await request(`${lab.url}/network/v2.0/agents`, { method: 'POST', token: admin, body: {} });
    assert.equal(wrongMethod.status, 405);
    assert.equal((wrongMethod.body as Json).code, '405 Method Not Allowed');
    const unknown = await request(`${lab.url}/network/v2.0/routers-of-doom`, { token: admin });
    assert.equal(unknown.status, 404);
    assert.equal((unknown.body as Json).code, '404 Not Found');
    const anon = await request(`${lab.url}/network/v2.0/agents`);
    assert.equal(anon.status, 401);
  });

  it('keeps agents per region', async () => {
    const pg1 = ((await request(`${lab.url}/pg1/network/v2.0/agents`, { token: admin })).body as Json).agents;
    assert.ok(pg1.length > 0);
    // pg1's compute hypervisors, and the pg center's spare pool, which is registered in pg1.
    assert.deepEqual(pg1.filter((a: Json) => !/^krane-pg1-|^krane-pg-forfault-/.test(a.host)), []);
    const regionOf = new Map(lab.fleet.hypervisors.map((h) => [h.hostname, h.regionId]));
    assert.ok(pg1.every((a: Json) => regionOf.get(a.host) === 'pg1'));
    assert.ok(pg1.some((a: Json) => a.host.startsWith('krane-pg-forfault-')), "the spares' agents report like any hypervisor's");
  });

  it('lists images through Glance v2', async () => {
    const disc = await request(`${lab.url}/pg1/image/`);
    assert.equal(disc.status, 300);
    const images = (await request(`${lab.url}/pg1/image/v2/images`, { token: admin })).body as Json;
    assert.equal(images.images.length, lab.fleet.images.length);
    assert.equal(images.images[0].status, 'active');
    const one = await request(`${lab.url}/pg1/image/v2/images/${images.images[0].id}`, { token: admin });
    assert.equal((one.body as Json).name, images.images[0].name);
  });
});
