import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { runCollectors } from '../runner.js';
import type { Collector } from '../types.js';
import { createProbeCollector } from './collector.js';
import { parseFpingOutput, pingAll } from './fping.js';
import { probeSsh } from './ssh-banner.js';

function listen(onConnection: (s: Socket) => void, host = '127.0.0.1'): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer(onConnection);
    server.listen(0, host, () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

describe('fping output', () => {
  it('reads round-trip times, unreachable targets and odd lines without throwing', () => {
    const { results, warnings } = parseFpingOutput('127.0.0.1    : 0.109\n127.0.0.9 : -\nICMP Host Unreachable from 127.0.0.1\n127.0.0.3 : 1.5 2.0\n');
    assert.deepEqual(results.get('127.0.0.1'), { ok: true, rttMs: 0.109 });
    assert.deepEqual(results.get('127.0.0.9'), { ok: false });
    assert.deepEqual(results.get('127.0.0.3'), { ok: true, rttMs: 1.5 });
    assert.equal(warnings.length, 1);
  });

  it('pings loopback addresses for real with fping, in several batches', async () => {
    const addrs = Array.from({ length: 12 }, (_, i) => `127.0.3.${i + 1}`);
    const r = await pingAll(addrs, { timeoutMs: 300, retries: 0, batchSize: 5, concurrency: 2 });
    assert.equal(r.results.size, 12);
    for (const a of addrs) assert.equal(r.results.get(a)?.ok, true, `${a} answers`);
  });

  it('says clearly when fping is missing', async () => {
    await assert.rejects(pingAll(['127.0.0.1'], { timeoutMs: 100, retries: 0, batchSize: 1, concurrency: 1, binary: 'fping-not-here' }), /fping is not installed/);
  });
});

describe('ssh banner probe', () => {
  const servers: Server[] = [];
  let okPort = 0;
  let hangPort = 0;
  let closedPort = 0;
  before(async () => {
    const ok = await listen((s) => s.write('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n'));
    const hang = await listen(() => {});
    const closed = await listen(() => {});
    closedPort = closed.port;
    await new Promise((r) => closed.server.close(r));
    okPort = ok.port;
    hangPort = hang.port;
    servers.push(ok.server, hang.server);
  });
  after(() => {
    for (const s of servers) s.close();
  });

  it('reports ok with the banner when the server identifies itself', async () => {
    const r = await probeSsh('127.0.0.1', { port: okPort, connectTimeoutMs: 1000, bannerTimeoutMs: 1000 });
    assert.equal(r.state, 'ok');
    assert.equal(r.banner, 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3');
  });

  it('reports hang when TCP is accepted but no banner comes within the limit', async () => {
    const r = await probeSsh('127.0.0.1', { port: hangPort, connectTimeoutMs: 1000, bannerTimeoutMs: 150 });
    assert.equal(r.state, 'hang');
    assert.ok(r.elapsedMs >= 140);
  });

  it('reports refused when nothing listens', async () => {
    const r = await probeSsh('127.0.0.1', { port: closedPort, connectTimeoutMs: 1000, bannerTimeoutMs: 1000 });
    assert.equal(r.state, 'refused');
  });

  it('probes servers from the server list: amphorae by ping only, hypervisors too', async () => {
    const inventory: Collector = {
      id: 'openstack',
      description: '',
      produces: ['servers', 'hypervisors'],
      collect: async () => ({
        data: {
          servers: [
            { id: 's-ok', name: 'web-1', status: 'ACTIVE', addresses: [{ network: 'n', addr: '127.0.0.1' }] },
            { id: 's-lb', name: 'amphora-1234', status: 'ACTIVE', addresses: [{ network: 'n', addr: '127.0.0.2' }] },
            { id: 's-off', name: 'off-1', status: 'SHUTOFF', addresses: [{ network: 'n', addr: '127.0.0.3' }] },
          ],
          hypervisors: [{ id: 'h1', name: 'com1', host: 'com1', hostIp: '127.0.0.1' }],
        },
      }),
    };
    const run = await runCollectors([inventory, createProbeCollector({ sshPort: okPort, sshHangMs: 500, ping: { timeoutMs: 300, retries: 0, batchSize: 100, concurrency: 1 } })], { timeoutMs: 5000 });
    assert.equal(run.outcomes[1]?.status, 'ok', run.outcomes[1]?.error);
    const probes = run.data.probes ?? [];
    assert.deepEqual(probes.map((p) => [p.targetKind, p.targetId, p.ping?.ok, p.ssh?.state]), [
      ['server', 's-ok', true, 'ok'],
      ['server', 's-lb', true, 'not-expected'],
      ['hypervisor', 'com1', true, 'ok'],
    ]);
  });
});
