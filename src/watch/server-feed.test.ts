import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OpenStackClient } from '../collect/openstack/client.js';
import { FAKE_PASSWORD, fakeServer, startFakeCloud, type FakeCloud } from '../collect/openstack/fake-cloud.js';
import { ServerFeed } from './server-feed.js';

/**
 * The change feed against a Nova stand-in that honours changes-since: what is
 * asked each round, how answers merge into the held fleet, and how the stop's
 * instance action decides "stopped by its host" against "stopped by a user".
 */

type Raw = Record<string, unknown>;

const NOW = new Date('2026-12-04T12:00:00Z');

describe('ServerFeed', () => {
  let cloud: FakeCloud;
  let feed: ServerFeed;
  // What Nova holds; the test edits it between rounds.
  const fleet = new Map<string, Raw>();
  const actions = new Map<string, Raw[]>();
  const set = (i: number, fields: Raw): void => {
    const id = `srv-${String(i).padStart(6, '0')}`;
    fleet.set(id, { ...(fleet.get(id) ?? fakeServer(i)), ...fields });
  };
  const listings = (): URLSearchParams[] => cloud.requests.filter((r) => r.path.endsWith('/servers/detail')).map((r) => r.query);

  before(async () => {
    for (let i = 0; i < 4; i++) set(i, { updated: `2026-12-04T11:0${i}:00Z` });
    cloud = await startFakeCloud({
      servers: 4,
      actions: (id) => actions.get(id) ?? [],
      intercept: (r) => {
        if (!r.path.endsWith('/servers/detail')) return undefined;
        const since = r.query.get('changes-since');
        const servers = [...fleet.values()].filter((s) => since === null || Date.parse(String(s['updated'])) >= Date.parse(since));
        return { status: 200, body: { servers } };
      },
    });
    const client = new OpenStackClient({
      auth: { authUrl: cloud.authUrl, username: 'admin', password: FAKE_PASSWORD, projectName: 'admin', interface: 'public' },
      retry: { retries: 1, backoffBaseMs: 1, backoffMaxMs: 2, timeoutMs: 5000 },
    });
    feed = new ServerFeed({ client, region: 'pg1', resyncEvery: 4 });
  });
  after(() => cloud.close());

  it('lists the whole fleet in the first round, with all_tenants', async () => {
    const r = await feed.round(NOW);
    assert.equal(r.full, true);
    assert.equal(r.changed.length, 4);
    assert.equal(feed.servers.length, 4);
    const q = listings().at(-1) as URLSearchParams;
    assert.equal(q.get('all_tenants'), '1');
    assert.equal(q.get('changes-since'), null);
    assert.ok(feed.hypervisors && feed.hypervisors.length > 0, 'a full round lists the hypervisors too');
  });

  it('asks only for changes since the newest update seen, minus the overlap, and says who stopped a server', async () => {
    set(1, { status: 'SHUTOFF', 'OS-EXT-STS:vm_state': 'stopped', 'OS-EXT-STS:power_state': 4, updated: '2026-12-04T11:10:00Z' });
    set(2, { status: 'SHUTOFF', 'OS-EXT-STS:vm_state': 'stopped', 'OS-EXT-STS:power_state': 4, updated: '2026-12-04T11:10:00Z' });
    const stop = (id: string, user: string | null): Raw => ({
      action: 'stop',
      instance_uuid: id,
      request_id: `req-stop-${id}`,
      user_id: user,
      project_id: user === null ? null : 'proj-1',
      start_time: '2026-12-04T11:09:59.000000',
      updated_at: '2026-12-04T11:10:00.000000',
      message: null,
      events: [{ event: 'compute_stop_instance', start_time: '2026-12-04T11:09:59.000000', finish_time: '2026-12-04T11:10:00.000000', result: 'Success', traceback: null, host: 'com1' }],
    });
    actions.set('srv-000001', [stop('srv-000001', null)]);
    actions.set('srv-000002', [stop('srv-000002', 'user-7')]);
    const before = cloud.requests.length;
    const r = await feed.round(NOW);
    assert.equal(r.full, false);
    // Newest seen in round 1 was 11:03:00; two seconds of overlap.
    assert.equal(listings().at(-1)?.get('changes-since'), '2026-12-04T11:02:58Z');
    // srv-000003 (11:03:00) comes back through the overlap, unchanged: not a change.
    assert.deepEqual(r.changed.map((s) => s.id).sort(), ['srv-000001', 'srv-000002']);
    const causes = Object.fromEntries(r.shutoff.map((s) => [s.server.id, s.cause]));
    assert.deepEqual(causes, { 'srv-000001': 'host', 'srv-000002': 'user' });
    assert.equal(r.requests, cloud.requests.length - before, 'the round counts every request it sent');
    assert.ok(feed.instanceActions.some((a) => a.requestId === 'req-stop-srv-000001' && a.userId === null));
  });

  it('reports a server once when it goes SHUTOFF, not again while it stays so', async () => {
    const r = await feed.round(NOW);
    assert.equal(listings().at(-1)?.get('changes-since'), '2026-12-04T11:09:58Z');
    assert.deepEqual(r.shutoff, []);
    assert.equal(feed.server('srv-000001')?.status, 'SHUTOFF');
  });

  it('drops a server Nova reports DELETED, and a full resync drops one that is simply gone', async () => {
    set(3, { status: 'DELETED', updated: '2026-12-04T11:20:00Z' });
    fleet.delete('srv-000000');
    // Round 4 is still a change round: the gone server is kept, the deleted one leaves.
    const r4 = await feed.round(NOW);
    assert.equal(r4.full, false);
    assert.deepEqual(r4.removed.map((s) => s.id), ['srv-000003']);
    assert.ok(feed.server('srv-000000'));
    fleet.delete('srv-000003');
    const r5 = await feed.round(NOW);
    assert.equal(r5.full, true, 'every resyncEvery rounds the whole fleet is listed again');
    assert.deepEqual(r5.removed.map((s) => s.id), ['srv-000000']);
    assert.deepEqual(feed.servers.map((s) => s.id).sort(), ['srv-000001', 'srv-000002']);
  });

  it('a trigger naming a server reads its instance actions again even when Nova changed nothing', async () => {
    const before = cloud.requests.length;
    const r = await feed.round(NOW, undefined, ['vm-1']);
    const sent = cloud.requests.slice(before).map((q) => q.path);
    assert.ok(sent.some((p) => p.endsWith('/servers/srv-000001/os-instance-actions')), sent.join(', '));
    assert.ok(!sent.some((p) => p.includes('srv-000002')), 'only the named server');
    assert.equal(r.full, false);
    const mark = cloud.requests.length;
    await feed.round(NOW, undefined, ['vm-1', 'vm-2']);
    const both = cloud.requests.slice(mark).map((q) => q.path);
    for (const id of ['srv-000001', 'srv-000002']) assert.ok(both.some((p) => p.endsWith(`/servers/${id}/os-instance-actions`)), `two triggers in one round: ${id} is read too`);
  });
});
