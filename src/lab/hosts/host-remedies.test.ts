import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateFleet } from '../fleet/generate.js';
import { LabClock } from '../openstack/clock.js';
import { LabState } from '../openstack/state.js';
import { LabFaults } from '../scenarios/faults.js';
import { parseFault } from '../scenarios/load.js';
import { runHostCommand, type CommandResult } from './host-commands.js';
import { isNodeServer } from './node-facts.js';

/**
 * The remedy commands against the lab's own host state: what a hypervisor prints for
 * them and what they change, read back with the same read-only commands the
 * collector sends (and Nova's view of nova-compute).
 */
function lab(): { faults: LabFaults; state: LabState } {
  const state = new LabState(generateFleet({ seed: 'faultline', size: 'small' }), { clock: new LabClock({ mode: 'manual', start: Date.UTC(2026, 11, 4, 3, 0, 0) }) });
  return { state, faults: new LabFaults(state) };
}

function shell(faults: LabFaults, host: string): (command: string) => CommandResult {
  return (command) => {
    const out = runHostCommand(command, { facts: faults.hostFacts(host), now: faults.state.now(), vcpus: 32, guests: [], act: faults.hostActions(host) });
    return out;
  };
}

const swapLine = (free: string): string => free.split('\n').find((l) => l.startsWith('Swap:')) ?? '';

describe('remedy commands on lab hypervisors', () => {
  it('docker-compose host: compose restart brings one project back, restarting docker brings the rest; Nova sees nova-compute up', () => {
    const { faults, state } = lab();
    const f = faults.add(parseFault({ id: 'down', kind: 'agent-down', hypervisor: { runtime: 'docker-compose' }, containers: ['nova-compute', 'neutron-dhcp-agent'] }));
    const host = f.hypervisor as string;
    const sh = shell(faults, host);
    const service = state.computeService(host);
    assert.ok(service);
    assert.equal(state.serviceIsUp(service), false, 'nova-compute is down in Nova');
    assert.match(sh('cd /opt/krane/neutron && docker-compose ps').stdout, /neutron_neutron-dhcp-agent_1 .* Exit 137/);

    const restarted = sh("sudo -n sh -c 'cd /opt/krane/neutron && docker-compose restart'");
    assert.equal(restarted.code, 0);
    assert.match(restarted.stderr, /^Restarting neutron_neutron-dhcp-agent_1 \.\.\. done$/m);
    assert.doesNotMatch(sh('cd /opt/krane/neutron && docker-compose ps').stdout, /Exit/);
    assert.match(sh('cd /opt/krane/nova && docker-compose ps').stdout, /Exit 137/, 'the nova project was not restarted');
    assert.equal(f.status, 'active');

    assert.deepEqual(sh('systemctl restart docker'), { stdout: '', stderr: '', code: 0 });
    assert.doesNotMatch(sh('cd /opt/krane/nova && docker-compose ps').stdout, /Exit/);
    assert.equal(f.status, 'cleared', 'every container is back: the fault is over');
    assert.equal(state.serviceIsUp(service), true, 'nova-compute reports again');
    assert.deepEqual(faults.hostCommands().map((c) => c.command), [], 'logging is the SSH server’s job, not the renderer’s');
  });

  it('a persistent fault survives every restart', () => {
    const { faults } = lab();
    const f = faults.add(parseFault({ id: 'broken', kind: 'agent-down', hypervisor: { runtime: 'docker-compose' }, containers: ['neutron-dhcp-agent'], persistent: true }));
    const sh = shell(faults, f.hypervisor as string);
    sh('systemctl restart docker');
    sh('cd /opt/krane/neutron && docker compose restart');
    assert.match(sh('cd /opt/krane/neutron && docker-compose ps').stdout, /Exit 137/);
    assert.equal(f.status, 'active');
  });

  it('containerd host with swap on: kubelet does not come up until swapoff -a, then restarting it brings the agents back', () => {
    const { faults } = lab();
    const f = faults.add(parseFault({ id: 'down', kind: 'agent-down', hypervisor: { runtime: 'containerd' }, containers: ['nova-compute', 'bird'] }));
    const host = f.hypervisor as string;
    faults.add(parseFault({ id: 'swap', kind: 'host-facts', hypervisor: { sameAs: 'down' }, facts: { memory: { swapTotalGb: 8, swapUsedGb: 1 } } }));
    const sh = shell(faults, host);
    assert.match(swapLine(sh('free -b').stdout), /^Swap:\s+8589930496\s+1073741824/);

    assert.equal(sh('systemctl restart kubelet').code, 0);
    assert.equal(sh('systemctl is-active docker containerd kubelet libvirtd nova-compute').stdout.split('\n')[2], 'activating', 'kubelet exits at start while swap is on');
    assert.equal(sh('systemctl restart containerd').code, 0);
    const before = JSON.parse(sh('crictl ps -a -o json').stdout) as { containers: { id: string; metadata: { name: string }; state: string }[] };
    assert.equal(before.containers.find((c) => c.metadata.name === 'nova-compute')?.state, 'CONTAINER_EXITED');

    assert.deepEqual(sh('swapoff -a'), { stdout: '', stderr: '', code: 0 });
    assert.match(swapLine(sh('free -b').stdout), /^Swap:\s+0\s+0\s+0$/);
    assert.equal(sh('cat /proc/swaps').stdout, 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n');
    sh('systemctl restart kubelet');
    assert.equal(sh('systemctl is-active docker containerd kubelet libvirtd nova-compute').stdout.split('\n')[2], 'active');
    const after = JSON.parse(sh('crictl ps -a -o json').stdout) as typeof before;
    assert.ok(after.containers.every((c) => c.state === 'CONTAINER_RUNNING'), JSON.stringify(after.containers.map((c) => [c.metadata.name, c.state])));
    assert.equal(f.status, 'cleared');

    // kubelet starts a stopped container again; crictl prints the id, and an unknown id is NotFound.
    const id = after.containers[0]?.id as string;
    assert.deepEqual(sh(`crictl stop ${id}`), { stdout: `${id}\n`, stderr: '', code: 0 });
    assert.equal((JSON.parse(sh('crictl ps -a -o json').stdout) as typeof before).containers[0]?.state, 'CONTAINER_RUNNING');
    const unknown = sh('crictl stop 0123456789abcdef');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /code = NotFound/);

    // A reboot starts over: swap comes back from fstab.
    faults.rebootHypervisor(host);
    assert.match(swapLine(sh('free -b').stdout), /^Swap:\s+8589930496/);
  });

  it('refuses a restart of anything else, and docker where there is none', () => {
    const { faults } = lab();
    const f = faults.add(parseFault({ id: 'down', kind: 'agent-down', hypervisor: { runtime: 'containerd' }, containers: ['nova-compute'] }));
    const sh = shell(faults, f.hypervisor as string);
    for (const c of ['systemctl restart sshd', 'systemctl stop kubelet', 'swapoff /swap.img', 'cd /opt/krane/glance && docker-compose restart']) assert.equal(sh(c).code, 127, c);
    assert.equal(sh('systemctl restart docker').code, 5);
    assert.equal(sh('cd /opt/krane/nova && docker-compose restart').code, 1);
    // Without the actions (a caller that only renders facts), a remedy is not allowed at all.
    assert.equal(runHostCommand('swapoff -a', { facts: faults.hostFacts(f.hypervisor as string), now: 0, vcpus: 1, guests: [] }).code, 127);
  });

  it('a Kubernetes node with swap on (scenario node-swap): kubelet stays failed until swapoff -a, then a restart makes it active and the node renews its Lease', () => {
    const { faults, state } = lab();
    const f = faults.add(
      parseFault({ id: 'swap-node', kind: 'node-facts', servers: { role: 'k8s-worker' }, facts: { swap: { totalGb: 4, usedGb: 0.2 }, services: { kubelet: 'failed' } } }),
    );
    const id = f.servers[0] as string;
    const server = state.server(id);
    assert.ok(server && isNodeServer(server));
    const sh = (command: string): CommandResult => runHostCommand(command, { facts: faults.nodeFacts(id), now: state.now(), vcpus: 4, guests: [], act: faults.nodeActions(id) });
    assert.equal(faults.kubeletStopped(id), true);
    assert.equal(sh('systemctl restart kubelet').code, 0);
    assert.equal(sh('systemctl is-active kubelet containerd').stdout, 'failed\nactive\n', 'kubelet refuses to start with swap on');
    assert.equal(faults.kubeletStopped(id), true);
    sh("sudo -n sh -c 'swapoff -a'");
    assert.match(sh('free -b').stdout, /\nSwap: +0 +0 +0\n/);
    sh('systemctl restart kubelet');
    assert.equal(sh('systemctl is-active kubelet containerd').stdout, 'active\nactive\n');
    assert.equal(faults.kubeletStopped(id), false, 'the node renews its Lease again');
    assert.equal(sh('systemctl restart docker').code, 5, 'a node has no docker');
    assert.equal(sh('systemctl restart sshd').code, 127);
  });
});
