import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startLab, type RunningLab } from '../openstack/lab.js';
import { request, type Json } from '../openstack/testing.js';
import { loadScenario } from '../scenarios/load.js';
import type { LabBmc } from './power.js';

const DELAY = 3_000;

describe('lab Redfish BMCs', () => {
  let lab: RunningLab;
  let hung: string;
  let healthy: LabBmc;
  const basic = (b: LabBmc, password = b.password) => `Basic ${Buffer.from(`${b.username}:${password}`).toString('base64')}`;
  const get = (b: LabBmc, path: string, password?: string) =>
    request(`http://${b.address}:${lab.bmc?.port}${path}`, { headers: password === undefined ? {} : { Authorization: basic(b, password) } });
  const reset = (b: LabBmc, body: unknown) =>
    request(`http://${b.address}:${lab.bmc?.port}/redfish/v1/Systems/1/Actions/ComputerSystem.Reset`, { method: 'POST', headers: { Authorization: basic(b), 'Content-Type': 'application/json' }, body });
  const powerOf = async (b: LabBmc) => ((await get(b, '/redfish/v1/Systems/1', b.password)).body as Json).PowerState as string;

  before(async () => {
    lab = await startLab({ scenario: loadScenario('pm-hang'), clock: 'manual', actionDurationMs: 0, sshHosts: false, kubernetes: false, bmc: { powerDelayMs: DELAY } });
    hung = lab.faults.get('hung-pm')?.hypervisor as string;
    const busy = lab.bmc?.bmcs.list().find((b) => b.hostname !== hung && lab.state.serversOnHost(b.hostname).some((s) => s.vmState === 'active'));
    assert.ok(busy, 'the small fleet has a second hypervisor with running servers');
    healthy = busy;
  });
  after(async () => {
    await lab.stop();
  });

  it('gives every hypervisor its own address and password', () => {
    const bmcs = lab.bmc?.bmcs.list() ?? [];
    assert.equal(bmcs.length, lab.state.hypervisors.length);
    assert.equal(new Set(bmcs.map((b) => b.address)).size, bmcs.length);
    assert.equal(new Set(bmcs.map((b) => b.password)).size, bmcs.length);
    for (const b of bmcs) assert.ok(!lab.state.hypervisors.some((hv) => hv.hostIp === b.address), `${b.address} is not a hypervisor's own address`);
  });

  it('serves the service root without credentials and nothing else', async () => {
    const root = await get(healthy, '/redfish/v1/');
    assert.equal(root.status, 200);
    assert.equal((root.body as Json)['@odata.id'], '/redfish/v1/');
    assert.deepEqual((root.body as Json).Systems, { '@odata.id': '/redfish/v1/Systems' });
    const anonymous = await get(healthy, '/redfish/v1/Systems');
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic /);
    assert.equal((await get(healthy, '/redfish/v1/Systems', 'wrong')).status, 401);
    // Another BMC's password does not open this one.
    const other = lab.bmc?.bmcs.list().find((b) => b !== healthy) as LabBmc;
    assert.equal((await get(healthy, '/redfish/v1/Systems', other.password)).status, 401);
    const log = lab.bmc?.bmcs.log() ?? [];
    assert.ok(log.some((e) => e.bmc === healthy.hostname && e.status === 401 && e.user === 'admin'));
    assert.ok(!JSON.stringify(log).includes(healthy.password), 'the log never holds a password');
  });

  it('describes the system as Redfish does, and 404s an unknown one', async () => {
    const systems = (await get(healthy, '/redfish/v1/Systems', healthy.password)).body as Json;
    assert.deepEqual(systems.Members, [{ '@odata.id': '/redfish/v1/Systems/1' }]);
    assert.equal(systems['Members@odata.count'], 1);
    const system = (await get(healthy, '/redfish/v1/Systems/1', healthy.password)).body as Json;
    assert.equal(system['@odata.type'], '#ComputerSystem.v1_13_0.ComputerSystem');
    assert.equal(system.Id, '1');
    assert.equal(system.HostName, healthy.hostname);
    assert.equal(system.PowerState, 'On');
    const action = system.Actions['#ComputerSystem.Reset'];
    assert.equal(action.target, '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset');
    assert.deepEqual(action['ResetType@Redfish.AllowableValues'], ['On', 'ForceOff', 'GracefulShutdown', 'GracefulRestart', 'ForceRestart']);
    const manager = (await get(healthy, '/redfish/v1/Managers/1', healthy.password)).body as Json;
    assert.equal(manager.ManagerType, 'BMC');
    const missing = await get(healthy, '/redfish/v1/Systems/2', healthy.password);
    assert.equal(missing.status, 404);
    assert.equal((missing.body as Json).error['@Message.ExtendedInfo'][0].MessageId, 'Base.1.8.ResourceMissingAtURI');
  });

  it('refuses a ResetType outside the allowable values with 400 and ExtendedInfo', async () => {
    const bad = await reset(healthy, { ResetType: 'PowerCycle' });
    assert.equal(bad.status, 400);
    const info = (bad.body as Json).error['@Message.ExtendedInfo'][0];
    assert.equal(info.MessageId, 'Base.1.8.ActionParameterValueNotInList');
    assert.match(info.Message, /PowerCycle/);
    assert.equal((await reset(healthy, {})).status, 400);
    assert.equal(await powerOf(healthy), 'On');
  });

  it('ForceOff takes the host and its servers down after the delay; On brings it back with its servers SHUTOFF', async () => {
    const hv = healthy.hypervisor;
    const running = lab.state.serversOnHost(hv.hostname).filter((s) => s.vmState === 'active');
    assert.equal((await reset(healthy, { ResetType: 'ForceOff' })).status, 204);
    // Answered, not done: the host still answers until the BMC gets to it.
    assert.equal(await powerOf(healthy), 'PoweringOff');
    assert.equal(lab.faults.reachability(hv.hostIp), 'ok');
    assert.equal((await reset(healthy, { ResetType: 'On' })).status, 409, 'no second reset while one is under way');
    lab.state.advance(DELAY);
    assert.equal(await powerOf(healthy), 'Off');
    assert.equal(lab.faults.reachability(hv.hostIp), 'down');
    for (const s of running) assert.equal(lab.faults.reachability(s.ip), 'down', `${s.name} went down with its host`);
    const compute = lab.state.services.find((s) => s.host === hv.hostname && s.binary === 'nova-compute');
    assert.notEqual(compute?.lastHeartbeatAt, null, 'nova-compute stopped reporting');
    assert.equal((await reset(healthy, { ResetType: 'ForceOff' })).status, 409);

    assert.equal((await reset(healthy, { ResetType: 'On' })).status, 204);
    assert.equal(await powerOf(healthy), 'PoweringOn');
    assert.equal(lab.faults.reachability(hv.hostIp), 'down');
    lab.state.advance(DELAY);
    assert.equal(await powerOf(healthy), 'On');
    assert.equal(lab.faults.reachability(hv.hostIp), 'ok');
    assert.equal(compute?.lastHeartbeatAt, null, 'nova-compute reports again');
    for (const s of running) assert.equal(lab.state.server(s.id)?.vmState, 'stopped', `${s.name} stays SHUTOFF until started`);

    const admin = await request(`${lab.adminUrl}/bmc/log`, { headers: { 'X-Lab-Admin': lab.adminToken } });
    const resets = ((admin.body as Json).requests as Json[]).filter((e) => e.bmc === healthy.hostname && e.resetType !== null);
    assert.deepEqual(
      resets.map((e) => [e.resetType, e.status]),
      [['PowerCycle', 400], ['ForceOff', 204], ['On', 409], ['ForceOff', 409], ['On', 204]],
    );
  });

  it('a hung hypervisor ignores a graceful restart and is fixed by a forced one', async () => {
    const bmc = lab.bmc?.bmcs.ofHost(hung) as LabBmc;
    const hv = bmc.hypervisor;
    assert.equal(lab.faults.reachability(hv.hostIp), 'down');
    assert.equal(await powerOf(bmc), 'On', 'a hung box is still powered');
    assert.equal((await reset(bmc, { ResetType: 'GracefulRestart' })).status, 204);
    lab.state.advance(DELAY * 3);
    assert.equal(lab.faults.reachability(hv.hostIp), 'down', 'the ACPI request went unheard');
    const before = ((await get(bmc, '/redfish/v1/Systems/1', bmc.password)).body as Json).LastResetTime;
    assert.equal(before, undefined);

    assert.equal((await reset(bmc, { ResetType: 'ForceRestart' })).status, 204);
    assert.equal(await powerOf(bmc), 'On', 'a restart reads On until the power is cut');
    lab.state.advance(DELAY);
    assert.equal(await powerOf(bmc), 'PoweringOn');
    lab.state.advance(DELAY);
    const system = (await get(bmc, '/redfish/v1/Systems/1', bmc.password)).body as Json;
    assert.equal(system.PowerState, 'On');
    assert.ok(system.LastResetTime, 'LastResetTime says the reset happened');
    assert.equal(lab.faults.reachability(hv.hostIp), 'ok');
    assert.equal(lab.faults.get('hung-pm')?.status, 'cleared');
  });
});
