import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startLab, type RunningLab } from '../openstack/lab.js';
import { login, request } from '../openstack/testing.js';
import { parseScenario } from './load.js';

const SCENARIO = parseScenario(
  {
    name: 'unreachable-test',
    title: 'unreachable set',
    description: 'one down server, then changes through the API and the faults',
    fleet: { seed: 'unreachable', size: 'small' },
    faults: [{ id: 'down', kind: 'vm-down', servers: { role: 'web' } }],
  },
  'inline',
);

// The firewall asks for this set every second, so it is kept between changes:
// these tests hold it to every kind of change that must rebuild it.
describe('lab faults: the unreachable address set', () => {
  let lab: RunningLab;
  let admin: string;
  before(async () => {
    lab = await startLab({ scenario: SCENARIO, clock: 'manual', actionDurationMs: 1000 });
    admin = await login(lab);
  });
  after(async () => {
    await lab.stop();
  });

  const healthyServer = () => {
    const s = lab.fleet.servers.find((x) => lab.faults.reachability(x.ip) === 'ok' && x.taskState === null && !x.locked);
    assert.ok(s);
    return s;
  };
  const downIp = (): string => lab.state.server(lab.faults.get('down')?.servers[0] ?? '')?.ip ?? '';

  it('hands back the same set while nothing changes', () => {
    const first = lab.faults.unreachableAddresses();
    assert.ok(first.has(downIp()));
    assert.equal(lab.faults.unreachableAddresses(), first);
  });

  it('takes in a server stopped through the Nova API once the stop has finished', async () => {
    const s = healthyServer();
    const before = lab.faults.unreachableAddresses();
    const stop = await request(`${lab.url}/compute/v2.1/servers/${s.id}/action`, { method: 'POST', token: admin, body: { 'os-stop': null } });
    assert.equal(stop.status, 202);
    // Powering off: the guest still runs.
    assert.equal(lab.faults.unreachableAddresses().has(s.ip), false);
    lab.state.clock.advance(1000);
    lab.state.settle();
    const after = lab.faults.unreachableAddresses();
    assert.notEqual(after, before);
    assert.ok(after.has(s.ip));
    // Started again: out of the set.
    const start = await request(`${lab.url}/compute/v2.1/servers/${s.id}/action`, { method: 'POST', token: admin, body: { 'os-start': null } });
    assert.equal(start.status, 202);
    lab.state.clock.advance(1000);
    lab.state.settle();
    assert.equal(lab.faults.unreachableAddresses().has(s.ip), false);
  });

  it('takes in a server its host stopped, and one put into ERROR', () => {
    const stopped = healthyServer();
    lab.state.stopFromHost(stopped.id);
    assert.ok(lab.faults.unreachableAddresses().has(stopped.ip));
    const failed = healthyServer();
    lab.state.failServer(failed.id, 'host gone');
    assert.ok(lab.faults.unreachableAddresses().has(failed.ip));
  });

  it('follows the faults: a cleared vm-down answers again', () => {
    const ip = downIp();
    assert.ok(lab.faults.unreachableAddresses().has(ip));
    lab.faults.clear('down');
    assert.equal(lab.faults.unreachableAddresses().has(ip), false);
  });
});
