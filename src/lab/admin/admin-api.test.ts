import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startLab, type RunningLab } from '../openstack/lab.js';
import { login, request, type Json } from '../openstack/testing.js';
import { parseScenario } from '../scenarios/load.js';

describe('lab admin API and alarm feed', () => {
  let lab: RunningLab;
  let token: string;
  const admin = (path: string, init: { method?: string; body?: unknown } = {}) =>
    request(`${lab.adminUrl}${path}`, { ...init, headers: { 'X-Lab-Admin': lab.adminToken } });
  before(async () => {
    const scenario = parseScenario({ name: 'admin', title: 'admin', description: 'admin API test', fleet: { seed: 'admin' } }, 'inline');
    lab = await startLab({ scenario, clock: 'manual', actionDurationMs: 0 });
    token = await login(lab);
  });
  after(async () => {
    await lab.stop();
  });

  it('refuses requests without the admin token', async () => {
    assert.equal((await request(`${lab.adminUrl}/state`)).status, 401);
    assert.equal((await request(`${lab.adminUrl}/state`, { headers: { 'X-Lab-Admin': 'guess' } })).status, 401);
    assert.equal((await admin('/state')).status, 200);
    assert.equal((await admin('/nowhere')).status, 404);
  });

  it('logs the OpenStack API requests it answered, with path, query and status, and filters them', async () => {
    const since = new Date(lab.state.now()).toISOString();
    const nova = lab.url + '/compute/v2.1';
    assert.equal((await request(`${nova}/servers/detail?all_tenants=1&changes-since=2026-01-01T00:00:00Z`, { token })).status, 200);
    assert.equal((await request(`${nova}/servers/no-such-server`, { token })).status, 404);
    const all = ((await admin(`/requests?since=${encodeURIComponent(since)}`)).body as Json).requests as Json[];
    const compute = ((await admin(`/requests?since=${encodeURIComponent(since)}&service=compute`)).body as Json).requests as Json[];
    assert.ok(compute.length >= 2 && compute.every((r) => r.service === 'compute'));
    const listing = compute.find((r) => r.path === '/v2.1/servers/detail');
    assert.equal(listing?.query, 'all_tenants=1&changes-since=2026-01-01T00:00:00Z');
    assert.equal(listing?.method, 'GET');
    assert.equal(compute.find((r) => r.path === '/v2.1/servers/no-such-server')?.status, 404);
    assert.ok(all.length >= compute.length);
    assert.ok(!all.some((r) => r.service === 'lab'), 'its own admin requests are not in the log');
    assert.equal((await admin('/requests?since=yesterday')).status, 400);
  });

  it('injects a fault, shows it, and clears it', async () => {
    const res = await admin('/faults', { method: 'POST', body: { id: 'web-down', kind: 'vm-down', servers: { role: 'web' } } });
    assert.equal(res.status, 201, res.text);
    const fault = (res.body as Json).fault;
    assert.equal(fault.status, 'active');
    const ip = fault.servers[0].ip as string;
    assert.equal(lab.faults.reachability(ip), 'down');
    assert.equal(((await admin('/state')).body as Json).reachability.down, 1);
    const cleared = await admin('/faults/web-down', { method: 'DELETE' });
    assert.equal((cleared.body as Json).fault.status, 'cleared');
    assert.equal(lab.faults.reachability(ip), 'ok');
  });

  it('explains a bad fault with the key and a fix, and an unmatched one with 422', async () => {
    const bad = await admin('/faults', { method: 'POST', body: { kind: 'vm-down', servers: { count: 0 } } });
    assert.equal(bad.status, 400);
    assert.equal((bad.body as Json).key, 'servers.count');
    const none = await admin('/faults', { method: 'POST', body: { kind: 'vm-down', servers: { name: 'no-such-server' } } });
    assert.equal(none.status, 422);
    assert.match((none.body as Json).fault.problem, /only 0 of 1 servers match/);
  });

  it('schedules a fault and applies it when the clock is advanced', async () => {
    const res = await admin('/faults', { method: 'POST', body: { id: 'later', kind: 'alarm', code: 'MEM_SBE', count: 12, at: 300 } });
    assert.equal((res.body as Json).fault.status, 'scheduled');
    assert.deepEqual((await request(lab.alarmsUrl)).body, []);
    const adv = await admin('/clock/advance', { method: 'POST', body: { seconds: 300 } });
    assert.equal((adv.body as Json).elapsedSeconds, 300);
    const tickets = (await request(lab.alarmsUrl)).body as Json[];
    assert.equal(tickets.length, 1);
    const t = tickets[0];
    assert.deepEqual(Object.keys(t).sort(), ['closed_at', 'count', 'fault_code', 'host', 'ips', 'location', 'message', 'raised_at', 'status', 'ticket_id']);
    assert.equal(t.fault_code, 'MEM_SBE');
    assert.equal(t.count, 12);
    assert.equal(t.status, 'open');
    assert.deepEqual(t.ips, [lab.state.hypervisorByHost.get(t.host)?.hostIp]);
    const am = (await request(`${lab.url}/alarms/alertmanager`)).body as Json;
    assert.equal(am.version, '4');
    assert.equal(am.status, 'firing');
    assert.equal(am.alerts[0].labels.fault_code, 'MEM_SBE');
    assert.equal(am.alerts[0].labels.host, t.host);
    assert.equal(am.alerts[0].labels.count, '12');
    await admin('/faults/later', { method: 'DELETE' });
    assert.equal(((await request(lab.alarmsUrl)).body as Json[])[0].status, 'closed');
    assert.equal(((await request(`${lab.url}/alarms/alertmanager`)).body as Json).alerts[0].status, 'resolved');
  });

  it('reboots a hung hypervisor: it answers again, its servers are SHUTOFF until started', async () => {
    const res = await admin('/faults', { method: 'POST', body: { id: 'hang', kind: 'pm-hang', hypervisor: { minServers: 2 } } });
    const host = (res.body as Json).fault.hypervisor as string;
    const hv = lab.state.hypervisorByHost.get(host);
    assert.ok(hv);
    assert.equal(lab.faults.reachability(hv.hostIp), 'down');
    const facts = (await admin(`/hypervisors/${host}/facts`)).body as Json;
    assert.equal(facts.hostname, host);
    const reboot = await admin(`/hypervisors/${host}/reboot`, { method: 'POST' });
    assert.equal(reboot.status, 202);
    assert.equal(lab.faults.reachability(hv.hostIp), 'ok');
    const after = (await admin(`/hypervisors/${host}/facts`)).body as Json;
    assert.equal(after.uptimeSeconds, 0);
    assert.equal(after.reboots.length, 2);
    for (const s of lab.state.serversOnHost(host)) {
      assert.equal(s.vmState, 'stopped');
      assert.equal(lab.faults.reachability(s.ip), 'down');
      const last = lab.state.instanceActions(s)[0];
      assert.equal(last?.userId, null);
    }
    const s = lab.state.serversOnHost(host)[0];
    assert.ok(s);
    const start = await request(`${lab.url}/compute/v2.1/servers/${s.id}/action`, { method: 'POST', token, body: { 'os-start': null } });
    assert.equal(start.status, 202);
    assert.equal(lab.faults.reachability(s.ip), 'ok');
    assert.equal((await admin('/hypervisors/krane-nowhere/facts')).status, 404);

    // The action log says who did what: the reboot's stops came from the host, the start from the admin user.
    const log = ((await admin('/actions')).body as Json).actions as Json[];
    const mine = log.filter((a: Json) => a.server.id === s.id);
    const hostStop = mine.find((a: Json) => a.action === 'stop' && a.byHost);
    const userStart = mine.find((a: Json) => a.action === 'start');
    assert.ok(hostStop, 'the stop during the reboot is logged as the host\'s');
    assert.ok(userStart && userStart.byHost === false && typeof userStart.userId === 'string', 'the start is logged with its user');
    assert.ok(Date.parse(userStart.at) >= Date.parse(hostStop.at));
    const later = ((await admin(`/actions?since=${encodeURIComponent(userStart.at)}`)).body as Json).actions as Json[];
    assert.ok(later.every((a: Json) => Date.parse(a.at) >= Date.parse(userStart.at)));
    assert.equal((await admin('/actions?since=yesterday')).status, 400);
  });
});
