import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startLab, type RunningLab } from '../openstack/lab.js';
import { parseScenario } from '../scenarios/load.js';
import { openFirewall, tableName } from './firewall.js';
import { SSH_BANNER } from './guest-network.js';

type Outcome = { kind: 'banner'; text: string } | { kind: 'silent' } | { kind: 'refused'; error: string } | { kind: 'closed' };

/** Connects to ip:port and reports what the "server" did within `waitMs`. */
function probe(ip: string, port: number, waitMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect({ host: ip, port });
    let data = '';
    let settled = false;
    const done = (o: Outcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(o);
    };
    const timer = setTimeout(() => done(data ? { kind: 'banner', text: data } : { kind: 'silent' }), waitMs);
    socket.on('data', (d: Buffer) => {
      data += d.toString();
      if (data.includes('\n')) done({ kind: 'banner', text: data });
    });
    socket.on('error', (err) => done({ kind: 'refused', error: err.message }));
    socket.on('close', () => done(data ? { kind: 'banner', text: data } : { kind: 'closed' }));
  });
}

function fping(ips: string[]): Promise<Map<string, boolean>> {
  return new Promise((resolve) => {
    execFile('fping', ['-t', '300', '-r', '0', ...ips], (_err, stdout, stderr) => {
      const out = new Map<string, boolean>();
      for (const line of `${stdout}\n${stderr}`.split('\n')) {
        const m = /^(\S+) is (alive|unreachable)/.exec(line);
        if (m) out.set(m[1] as string, m[2] === 'alive');
      }
      resolve(out);
    });
  });
}

const SCENARIO = parseScenario(
  {
    name: 'network-test',
    title: 'network test',
    description: 'one of each reachability',
    fleet: { seed: 'net', size: 'small' },
    faults: [
      { id: 'hang', kind: 'vm-hang', servers: { role: 'web' } },
      { id: 'down', kind: 'vm-down', servers: { role: 'k8s-worker' } },
      { id: 'pm', kind: 'pm-hang', hypervisor: { minServers: 2 } },
    ],
  },
  'inline',
);

describe('guest network', () => {
  let lab: RunningLab;
  let port: number;
  const ipOf = (faultId: string): string => {
    const f = lab.faults.get(faultId);
    const s = lab.state.server(f?.servers[0] ?? '');
    assert.ok(s, faultId);
    return s.ip;
  };
  before(async () => {
    lab = await startLab({ scenario: SCENARIO, clock: 'manual', guestNetwork: { sshPort: 0, idleTimeoutMs: 2_000, hangTimeoutMs: 5_000 } });
    assert.ok(lab.network);
    port = lab.network.sshPort;
  });
  after(async () => {
    // Also removes the nftables table when there is one, whether the tests passed or not.
    await lab.stop();
  });

  it('gives every server and hypervisor its own loopback address, shown by Nova', () => {
    const all = [...lab.fleet.servers.map((s) => s.ip), ...lab.fleet.hypervisors.map((h) => h.hostIp)];
    assert.equal(new Set(all).size, all.length);
    for (const ip of all) assert.match(ip, /^127\.(?!0\.0\.)\d+\.\d+\.\d+$/);
  });

  it('sends an OpenSSH banner for a healthy ACTIVE server and for a healthy hypervisor', async () => {
    const healthy = lab.fleet.servers.find((s) => lab.faults.reachability(s.ip) === 'ok');
    assert.ok(healthy);
    const out = await probe(healthy.ip, port, 2_000);
    assert.deepEqual(out, { kind: 'banner', text: SSH_BANNER });
    const hv = lab.fleet.hypervisors.find((h) => lab.faults.reachability(h.hostIp) === 'ok');
    assert.ok(hv);
    assert.equal((await probe(hv.hostIp, port, 2_000)).kind, 'banner');
  });

  it('accepts and then says nothing for an "ssh hangs" server', async () => {
    const out = await probe(ipOf('hang'), port, 1_200);
    assert.equal(out.kind, 'silent');
  });

  it('does not answer SSH for a down server, a server on a hung hypervisor, or the hung hypervisor', async () => {
    const pm = lab.faults.get('pm');
    const hv = lab.state.hypervisorByHost.get(pm?.hypervisor ?? '');
    assert.ok(hv);
    const onHung = lab.state.serversOnHost(hv.hostname)[0];
    assert.ok(onHung);
    for (const ip of [ipOf('down'), onHung.ip, hv.hostIp]) {
      const out = await probe(ip, port, 1_500);
      // nftables: the SYN is dropped (silent, never connected); without it: reset or closed at once.
      assert.notEqual(out.kind, 'banner', ip);
      if (lab.network?.firewall.mode === 'none') assert.ok(out.kind === 'closed' || out.kind === 'refused', `${ip}: ${out.kind}`);
    }
  });

  it('follows server state changes: a stopped server goes quiet, a started one answers again', async () => {
    const s = lab.fleet.servers.find((x) => lab.faults.reachability(x.ip) === 'ok' && !x.roles.includes('amphora'));
    assert.ok(s);
    lab.state.stopFromHost(s.id);
    assert.equal(lab.faults.reachability(s.ip), 'down');
    assert.notEqual((await probe(s.ip, port, 800)).kind, 'banner');
  });

  it('drops ping to unreachable addresses when nftables is available (real fping)', async (t) => {
    if (lab.network?.firewall.mode !== 'nftables') {
      // As root (CI installs nftables) the real firewall must work; elsewhere the lab degrades by design.
      assert.notEqual(process.getuid?.(), 0, `running as root but nftables is not in use: ${lab.network?.firewall.reason ?? ''}`);
      t.skip(`no nftables here: ${lab.network?.firewall.reason ?? ''}`);
      return;
    }
    await lab.network.sync();
    const healthy = lab.fleet.servers.find((s) => lab.faults.reachability(s.ip) === 'ok');
    assert.ok(healthy);
    const result = await fping([healthy.ip, ipOf('down'), ipOf('hang')]);
    assert.equal(result.get(healthy.ip), true);
    assert.equal(result.get(ipOf('hang')), true, 'a hanging server still answers ping');
    assert.equal(result.get(ipOf('down')), false);
  });

  it('answers ping for every lab address when there is no firewall (documented degradation)', async (t) => {
    if (lab.network?.firewall.mode !== 'none') {
      t.skip('nftables drops addresses here');
      return;
    }
    const result = await fping([ipOf('down'), ipOf('hang')]);
    assert.equal(result.get(ipOf('down')), true);
    assert.match(lab.network.warning ?? '', /ping still answers/);
  });
});

describe('nftables firewall', () => {
  it('degrades with a reason when nft is missing', async () => {
    const fw = await openFirewall(65001, { nft: '/nonexistent/nft' });
    assert.equal(fw.mode, 'none');
    assert.match(fw.reason ?? '', /nft failed|not running as root/);
  });

  it('creates a table with a drop set on lo, updates the set by difference, and deletes the table on close', async (t) => {
    if (typeof process.getuid === 'function' && process.getuid() !== 0) {
      t.skip('needs root');
      return;
    }
    // A stand-in nft that records what it was asked, so the script is checked without touching the host.
    const dir = mkdtempSync(join(tmpdir(), 'fake-nft-'));
    try {
      const log = join(dir, 'log');
      const fake = join(dir, 'nft');
      writeFileSync(fake, `#!/bin/sh\necho "ARGS $*" >> ${log}\ncat >> ${log}\necho "--" >> ${log}\n`);
      chmodSync(fake, 0o755);
      const fw = await openFirewall(2999, { nft: fake });
      assert.equal(fw.mode, 'nftables');
      await fw.sync(new Set(['127.0.1.5', '127.0.1.6']));
      await fw.sync(new Set(['127.0.1.6', '127.0.1.7']));
      await fw.sync(new Set(['127.0.1.6', '127.0.1.7']));
      await fw.close();
      const text = readFileSync(log, 'utf8');
      const table = tableName(2999);
      assert.match(text, new RegExp(`table inet ${table} \\{`));
      assert.match(text, /set dropped \{ type ipv4_addr; \}/);
      assert.match(text, /iifname "lo" ip daddr @dropped meta l4proto \{ icmp, tcp, udp \} drop/);
      assert.match(text, new RegExp(`add element inet ${table} dropped \\{ 127\\.0\\.1\\.5, 127\\.0\\.1\\.6 \\}`));
      assert.match(text, new RegExp(`delete element inet ${table} dropped \\{ 127\\.0\\.1\\.5 \\}`));
      assert.match(text, new RegExp(`add element inet ${table} dropped \\{ 127\\.0\\.1\\.7 \\}`));
      assert.equal(text.match(/ARGS -f -/g)?.length, 3, 'create plus two real updates; an unchanged set sends nothing');
      assert.match(text, new RegExp(`ARGS delete table inet ${table}`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
