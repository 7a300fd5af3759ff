/**
 * Fidelity: Debian's python3-sushy, the Redfish library OpenStack Ironic drives BMCs
 * with, powers a lab hypervisor off and on. sushy insists on fields real BMCs send
 * (a system's `Boot`, `Id`, `Actions`) and maps `PowerState` and the allowable
 * ResetTypes to its own enums, so a shape the lab got wrong fails here.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { startLab, type RunningLab } from '../openstack/lab.js';
import type { LabBmc } from './power.js';

// Debian's interpreter: the one python3-sushy is installed for (a pyenv python3 may come first on PATH).
const PYTHON = '/usr/bin/python3';

const SCRIPT = `
import json, sys, time
import sushy
from sushy import auth, exceptions
url, user, password = sys.argv[1], sys.argv[2], sys.argv[3]
try:
    sushy.Sushy(url + '/redfish/v1', auth=auth.BasicAuth(username=user, password=password + 'x')).get_system()
    refused = False
except exceptions.AccessError:
    refused = True
conn = sushy.Sushy(url + '/redfish/v1', auth=auth.BasicAuth(username=user, password=password))
system = conn.get_system()
out = {'refused': refused, 'version': conn.redfish_version, 'identity': system.identity, 'hostname': system.hostname,
       'allowed': sorted(v.value for v in system.get_allowed_reset_system_values()), 'before': system.power_state.value,
       'manager': conn.get_manager().manager_type.value}
def wait(goal):
    seen = []
    for _ in range(200):
        system.refresh()
        state = system.power_state.value
        if not seen or seen[-1] != state:
            seen.append(state)
        if state == goal:
            return seen
        time.sleep(0.05)
    return seen
system.reset_system(sushy.ResetType.FORCE_OFF)
out['off'] = wait('Off')
out['between'] = sys.stdin.readline().strip()
system.reset_system(sushy.ResetType.ON)
out['on'] = wait('On')
print(json.dumps(out))
`;

describe('python3-sushy against the lab BMC', () => {
  let lab: RunningLab;
  let bmc: LabBmc;
  before(async () => {
    lab = await startLab({ seed: 'sushy', size: 'small', sshHosts: false, kubernetes: false, actionDurationMs: 0, bmc: { powerDelayMs: 400 } });
    const busy = lab.bmc?.bmcs.list().find((b) => lab.state.serversOnHost(b.hostname).filter((s) => s.vmState === 'active').length >= 2);
    assert.ok(busy, 'a hypervisor with running servers');
    bmc = busy;
  });
  after(async () => {
    await lab.stop();
  });

  it('connects with basic auth, reads the power state and power-cycles the hypervisor with reset_system', async () => {
    const running = lab.state.serversOnHost(bmc.hostname).filter((s) => s.vmState === 'active');
    const child = execFile(PYTHON, ['-c', SCRIPT, lab.bmc?.url(bmc.hostname) as string, bmc.username, bmc.password], { timeout: 20_000 });
    // While sushy sees Off, the hypervisor and its servers must be down; the script waits for this line to go on.
    const offSeen = new Promise<string>((resolve) => {
      const check = setInterval(() => {
        if (lab.bmc?.bmcs.powerState(bmc.hostname) === 'Off') {
          clearInterval(check);
          const down = running.every((s) => lab.faults.reachability(s.ip) === 'down') && lab.faults.reachability(bmc.hypervisor.hostIp) === 'down';
          child.stdin?.write(`${down ? 'down' : 'up'}\n`);
          resolve('sent');
        }
      }, 20);
    });
    const output = await new Promise<{ stdout: string; stderr: string; code: number | null }>((resolve) => {
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ stdout, stderr, code }));
    });
    await offSeen;
    assert.equal(output.code, 0, output.stderr);
    const out = JSON.parse(output.stdout) as Record<string, unknown>;
    assert.equal(out['refused'], true, 'a wrong password is sushy AccessError (401)');
    assert.equal(out['version'], '1.6.0');
    assert.equal(out['identity'], '1');
    assert.equal(out['hostname'], bmc.hostname);
    assert.deepEqual(out['allowed'], ['ForceOff', 'ForceRestart', 'GracefulRestart', 'GracefulShutdown', 'On']);
    assert.equal(out['before'], 'On');
    assert.equal(out['manager'], 'BMC');
    assert.deepEqual(out['off'], ['PoweringOff', 'Off'], 'sushy saw the transition before Off');
    assert.equal(out['between'], 'down', 'the hypervisor and its servers were down while Off');
    assert.deepEqual(out['on'], ['PoweringOn', 'On']);
    assert.equal(lab.faults.reachability(bmc.hypervisor.hostIp), 'ok');
    for (const s of running) assert.equal(lab.state.server(s.id)?.vmState, 'stopped', `${s.name} is SHUTOFF after the host came back`);
    const resets = (lab.bmc?.bmcs.log() ?? []).filter((e) => e.resetType !== null);
    assert.deepEqual(resets.map((e) => [e.user, e.resetType, e.status]), [['admin', 'ForceOff', 204], ['admin', 'On', 204]]);
  });
});
