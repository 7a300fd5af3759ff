import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { render, type CommandSpec } from '../../collect/host/commands.js';
import type { CommandOutput } from '../../collect/host/facts.js';
import type { ItemRef } from '../../runbook/ports.js';
import { hostEffects } from './host-effects.js';
import type { HostShell, RemedyRecord } from './remedy.js';
import { remedyText, type RemedyCommand } from './remedy-commands.js';

/**
 * The host effects against a containerd hypervisor kept in memory, answering the
 * collector's commands in the tools' formats (free -b, systemctl is-active, crictl
 * JSON; compose absent). What matters: which remedies go out, and what a resumed run
 * decides from the host's state alone.
 */
interface Host {
  swapBytes: number;
  kubelet: 'active' | 'activating';
  agents: Map<string, { id: string; running: boolean }>;
  /** A restart of kubelet with swap off brings the agents back unless this is set. */
  stuck: boolean;
  failKubelet: boolean;
  sent: string[];
}

const AGENTS = ['nova-compute', 'neutron-dhcp-agent', 'neutron-lb-agent', 'neutron-metadata-agent', 'hostroute-bird', 'hostroute-bird-exporter'];

function host(patch: Partial<Host> = {}): Host {
  return {
    swapBytes: 0,
    kubelet: 'active',
    agents: new Map(AGENTS.map((n, i) => [n, { id: `${(i + 10).toString(16)}${'0'.repeat(62)}`, running: true }])),
    stuck: false,
    failKubelet: false,
    sent: [],
    ...patch,
  };
}

function answer(h: Host, spec: CommandSpec): CommandOutput {
  const out = (stdout: string, exitCode = 0, stderr = ''): CommandOutput => ({ command: render(spec, false), stdout, stderr, exitCode });
  switch (spec.id) {
    case 'free':
      return out(`               total        used        free      shared  buff/cache   available\nMem:    270000000000 100000000000 100000000000   100000000 70000000000 160000000000\nSwap:   ${h.swapBytes} 0 ${h.swapBytes}\n`);
    case 'services':
      return out(['inactive', 'active', h.kubelet, 'active', 'inactive'].join('\n') + '\n', 3);
    case 'crictl':
      return out(JSON.stringify({ containers: [...h.agents].map(([name, a]) => ({ id: a.id, metadata: { name, attempt: 0 }, state: a.running ? 'CONTAINER_RUNNING' : 'CONTAINER_EXITED' })) }));
    default:
      return out('', 127, 'bash: line 1: docker-compose: command not found');
  }
}

function shellOf(h: Host): HostShell {
  return {
    host: 'krane-hn1-com002',
    async read(specs) {
      return new Map(specs.map((s) => [s.id, answer(h, s)]));
    },
    async remedy(c: RemedyCommand): Promise<RemedyRecord> {
      const command = remedyText(c);
      h.sent.push(command);
      let code = 0;
      if (c.kind === 'swapoff') h.swapBytes = 0;
      if (c.kind === 'restart-unit' && c.unit === 'kubelet') {
        if (h.failKubelet) code = 1;
        else h.kubelet = h.swapBytes > 0 ? 'activating' : 'active';
        if (code === 0 && h.kubelet === 'active' && !h.stuck) for (const a of h.agents.values()) a.running = true;
      }
      return { host: 'krane-hn1-com002', command, exitCode: code, output: code ? 'Job for kubelet.service failed.' : '', at: '2026-12-04T03:00:00.000Z' };
    },
    close() {},
  };
}

const ITEM: ItemRef = { kind: 'hypervisor', id: 'hv-2', name: 'krane-hn1-com002' };
const effectsFor = (h: Host) => hostEffects({ open: async () => shellOf(h), target: async () => ({ host: ITEM.name, address: '127.0.0.1', port: 22, knownNames: [] }), settleMs: 0, pollMs: 1 });

describe('host effects (compute agents down)', () => {
  it('containerd: restarts containerd and kubelet, stops the running agents by id, and reports the containers, every command recorded', async () => {
    const h = host();
    h.agents.get('nova-compute')!.running = false;
    const r = await effectsFor(h).perform('host.restart-runtime', ITEM, { alreadySent: false });
    assert.equal(r.ok, true, r.detail);
    const running = [...h.agents.values()].map((a) => `crictl stop ${a.id}`);
    assert.deepEqual(h.sent, ['systemctl restart containerd', 'systemctl restart kubelet', ...running]);
    assert.deepEqual(r.commands?.map((c) => c.command), h.sent);
    assert.equal(r.detail, 'containerd: nova 1/1, neutron 3/3, hostroute 2/2 running');
  });

  it('agents that stay down fail the try, saying which; all up sends nothing', async () => {
    const h = host({ stuck: true });
    h.agents.get('hostroute-bird')!.running = false;
    const r = await effectsFor(h).perform('host.restart-runtime', ITEM, { alreadySent: false });
    assert.equal(r.ok, false);
    assert.match(r.detail, /hostroute 1\/2 running; down: hostroute-bird \(exited\)/);
    const up = host();
    const again = await effectsFor(up).perform('host.restart-runtime', ITEM, { alreadySent: false });
    assert.equal(again.ok, true);
    assert.deepEqual(up.sent, [], 'nothing to restart');
  });

  it('a failing command stops the sequence and fails the try with its exit status and output', async () => {
    const h = host({ failKubelet: true });
    h.agents.get('nova-compute')!.running = false;
    const r = await effectsFor(h).perform('host.restart-runtime', ITEM, { alreadySent: false });
    assert.equal(r.ok, false);
    assert.deepEqual(h.sent, ['systemctl restart containerd', 'systemctl restart kubelet']);
    assert.equal(r.detail, 'systemctl restart kubelet exited 1 (Job for kubelet.service failed.)');
  });

  it('swapoff only when swap is on; kubelet with swap on does not count as restarted', async () => {
    const off = host();
    assert.equal((await effectsFor(off).perform('host.swapoff', ITEM, { alreadySent: false })).ok, true);
    assert.deepEqual(off.sent, [], 'swap already 0B: nothing sent');
    const on = host({ swapBytes: 8 * 1024 ** 3 });
    const fx = effectsFor(on);
    const k = await fx.perform('host.restart-kubelet', ITEM, { alreadySent: false });
    assert.equal(k.ok, false, 'kubelet keeps exiting while swap is on');
    assert.match(k.detail, /kubelet activating; swap 8589934592 bytes \(must be 0B\)/);
    assert.equal((await fx.perform('host.swapoff', ITEM, { alreadySent: false })).ok, true);
    assert.equal((await fx.perform('host.restart-kubelet', ITEM, { alreadySent: false })).ok, true);
    assert.deepEqual(on.sent, ['systemctl restart kubelet', 'swapoff -a', 'systemctl restart kubelet']);
  });

  it('a resumed run asks the host: done is not sent again, unknown is', async () => {
    const h = host({ swapBytes: 1024, kubelet: 'activating' });
    const fx = effectsFor(h);
    assert.equal(await fx.sentSince('host.swapoff', ITEM, null), false);
    const kubeletBefore = await fx.baseline('host.restart-kubelet', ITEM);
    assert.equal(kubeletBefore, JSON.stringify({ kubelet: 'activating' }));
    h.swapBytes = 0;
    assert.equal(await fx.sentSince('host.swapoff', ITEM, null), true, 'swap shows 0B: the swapoff arrived');
    assert.equal(await fx.sentSince('host.restart-kubelet', ITEM, kubeletBefore), false, 'kubelet still activating: no restart seen');
    h.kubelet = 'active';
    assert.equal(await fx.sentSince('host.restart-kubelet', ITEM, kubeletBefore), true, 'active now, not before: it was restarted');
    assert.equal(await fx.sentSince('host.restart-kubelet', ITEM, JSON.stringify({ kubelet: 'active' })), false, 'active both times proves nothing: send it');
    const resumed = await fx.perform('host.swapoff', ITEM, { alreadySent: true });
    assert.equal(resumed.ok, true);
    assert.deepEqual(h.sent, [], 'nothing was sent by the resumed checks');
  });

  it('an unreachable host fails the check and the try, not the run', async () => {
    const fx = hostEffects({ open: async () => Promise.reject(new Error('no SSH handshake within 3000 ms')), target: async () => ({ host: ITEM.name, address: '127.0.0.1', port: 22, knownNames: [] }), settleMs: 0 });
    const c = await fx.check('host.agents-up', [ITEM], 0);
    assert.deepEqual(c, { ok: false, failing: ['hv-2'], detail: 'krane-hn1-com002: no SSH handshake within 3000 ms' });
    const p = await fx.perform('host.swapoff', ITEM, { alreadySent: false });
    assert.equal(p.ok, false);
    assert.match(p.detail, /no SSH handshake/);
  });
});
