/** The lab's node VMs and faultline's node collector agree: what the lab renders assembles into the facts it was rendered from. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateFleet } from '../lab/fleet/generate.js';
import { runHostCommand } from '../lab/hosts/host-commands.js';
import { healthyNodeFacts, isNodeServer, kubeadmPreflightFailure, type NodeFacts } from '../lab/hosts/node-facts.js';
import { hostFactsSchema } from '../snapshot/schema.js';
import { isAllowedCommand, NODE_COMMANDS, render } from '../collect/host/commands.js';
import type { CommandOutput } from '../collect/host/facts.js';
import { assembleNode } from '../collect/host/node-facts.js';

const NOW = Date.parse('2026-11-25T03:00:00Z');
const fleet = generateFleet({ seed: 'node-facts', size: 'small' });
const server = fleet.servers.find(isNodeServer)!;

function node(patch: (f: NodeFacts) => void = () => undefined): NodeFacts {
  const f = healthyNodeFacts(server, 8192, 80, NOW - 5 * 86_400_000, NOW);
  patch(f);
  return f;
}

/** Every node command answered by the lab's renderers, as the collector would receive it. */
function collect(facts: NodeFacts): ReturnType<typeof assembleNode> {
  const outputs = new Map<string, CommandOutput>();
  for (const spec of NODE_COMMANDS) {
    const command = render(spec, false);
    assert.ok(isAllowedCommand(command), command);
    const r = runHostCommand(command, { facts, now: NOW, vcpus: 4, guests: [] });
    outputs.set(spec.id, { command, stdout: r.stdout, stderr: r.stderr, exitCode: r.code });
  }
  return assembleNode(server.name, outputs, { collectedAt: new Date(NOW) });
}

describe('node facts from the node commands', () => {
  it('reads a healthy node without a warning: units active, socket there, no swap, jumbo storage NIC, every path up', () => {
    const facts = hostFactsSchema.parse(collect(node()));
    assert.deepEqual(facts.warnings, []);
    assert.equal(facts.role, 'node');
    assert.deepEqual(facts.services, { kubelet: 'active', containerd: 'active' });
    assert.equal(facts.containerdSocket, true);
    assert.equal(facts.memory?.swapTotalBytes, 0);
    assert.deepEqual(facts.interfaces?.map((n) => [n.name, n.mtu, n.role]), [['lo', 65536, 'other'], ['ens3', 1500, 'service'], ['stor0', 9000, 'storage'], ['tunl0', 1480, 'other']]);
    assert.equal(facts.iscsi?.sessions.length, 2);
    assert.equal(facts.iscsi?.nodes.length, 2);
    assert.deepEqual(facts.multipath?.[0]?.paths.map((p) => p.state), ['ready', 'ready']);
    assert.equal(facts.nodeJoinErrors, undefined);
    assert.equal(facts.virtualization, undefined);
  });

  it('sees a node that never joined: containerd inactive, socket missing, the kubeadm preflight error', () => {
    const facts = collect(
      node((f) => {
        f.services['containerd'] = 'inactive';
        f.node.containerdSocket = false;
        f.node.journal = kubeadmPreflightFailure(NOW - 3600_000).map((message, i) => ({ unit: 'kubeadm-join', ident: 'kubeadm[2210]', at: NOW - 3600_000 + i, message }));
      }),
    );
    assert.equal(facts.services?.['containerd'], 'inactive');
    assert.equal(facts.containerdSocket, false);
    assert.match(facts.nodeJoinErrors?.[0] ?? '', /^\[ERROR CRI\]: container runtime is not running: .*containerd\.sock/);
  });

  it('sees swap, a storage NIC at 1500, a failed path and no iSCSI sessions', () => {
    const facts = collect(
      node((f) => {
        f.memory.swapTotalBytes = 4 * 1024 ** 3;
        f.node.interfaces.find((n) => n.name === 'stor0')!.mtu = 1500;
        const p = f.node.multipath[0]!.paths[1]!;
        p.dmState = 'failed';
        p.checker = 'faulty';
        f.node.iscsiSessions = [];
      }),
    );
    assert.deepEqual(facts.warnings, []);
    assert.ok((facts.memory?.swapTotalBytes ?? 0) > 4 * 1024 ** 3 - 1024 * 1024);
    assert.equal(facts.interfaces?.find((n) => n.name === 'stor0')?.mtu, 1500);
    assert.deepEqual((facts.multipath?.[0]?.paths ?? []).map((p) => `${p.device}:${p.dmState}/${p.state}`), ['sda:active/ready', 'sdb:failed/faulty']);
    // iscsiadm exits 21 with "No active sessions.": none, not unknown.
    assert.deepEqual(facts.iscsi?.sessions ?? null, []);
  });

  it('leaves out what a node could not answer and says which command', () => {
    const outputs = new Map<string, CommandOutput>([['multipath', { command: 'multipath -ll', stdout: '', stderr: 'bash: line 1: multipath: command not found\n', exitCode: 127 }]]);
    const facts = assembleNode(server.name, outputs, { collectedAt: new Date(NOW) });
    assert.equal(facts.multipath, undefined);
    assert.match((facts.warnings ?? []).join('\n'), /multipath -ll: not installed/);
  });
});
