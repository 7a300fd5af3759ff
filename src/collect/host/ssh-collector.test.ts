import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import ssh2 from 'ssh2';
import { ConfigError } from '../../core/errors.js';
import { runCollectors, type CollectRun } from '../runner.js';
import type { CollectedData, Collector } from '../types.js';
import { BASE_COMMANDS, composeCommand, isAllowedCommand, render, SMART_SCAN, smartCommand, type CommandSpec } from './commands.js';
import { COMPOSE_PROJECTS } from './parsers/containers.js';
import { createHostCollector, DEFAULT_HOST_COLLECTOR, hostCollectorDeadline, INSECURE_HOST_KEY_WARNING, type HostCollectorOptions } from './ssh-collector.js';
import { ed25519, publicKeyField, startSilentServer, startSshServer, type Answer, type FakeSshServer, type KeyPair } from './test-ssh-server.js';
import { hypervisorAnswers, type FakeAnswer } from './test-support.js';

const DISKS = ['sda', 'sdb', 'nvme0n1'];

/** Command string → fixture answer, for every command the collector may send to the fake hypervisor. */
function answerTable(answers: Map<string, FakeAnswer>, sudo = false): Map<string, FakeAnswer> {
  const specs: CommandSpec[] = [...BASE_COMMANDS, SMART_SCAN, ...COMPOSE_PROJECTS.flatMap((p) => [composeCommand(p, 'v1'), composeCommand(p, 'v2')]), ...DISKS.map((d) => smartCommand(d, 'json'))];
  const table = new Map<string, FakeAnswer>();
  for (const s of specs) {
    const a = answers.get(s.id);
    if (a) table.set(render(s, sudo), a);
  }
  return table;
}

function hypervisorsCollector(names: readonly string[]): Collector {
  return {
    id: 'test-hypervisors',
    description: 'hypervisors for the host collector tests',
    produces: ['hypervisors'],
    async collect() {
      return { data: { hypervisors: names.map((n, i) => ({ id: `hv-${i}`, name: `${n}.dakao.io`, host: n, hostIp: '127.0.0.1' })) } as CollectedData };
    },
  };
}

async function run(collector: Collector, hosts: readonly string[], timeoutMs = 20_000): Promise<CollectRun> {
  return runCollectors([hypervisorsCollector(hosts), collector], { timeoutMs, now: () => new Date('2025-11-25T03:00:05Z') });
}

function outcome(result: CollectRun) {
  const o = result.outcomes.find((x) => x.collector === 'host-ssh');
  assert.ok(o);
  return o;
}

function hashedName(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('SSH host collector', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-ssh-'));
  const clientKey = ed25519('correct horse');
  // Loaded into a real ssh-agent for the agent test.
  const agentKey = ed25519();
  const keyPath = join(dir, 'id_ed25519');
  const hostKeys = [ed25519(), ed25519(), ed25519()];
  const servers: FakeSshServer[] = [];
  const ports = new Map<string, number>();
  const good = hypervisorAnswers();
  let hung: FakeSshServer;
  let silent: { port: number; close(): Promise<void> };
  let jump: FakeSshServer;
  const jumpKey = ed25519();

  const base = (extra: Partial<HostCollectorOptions> = {}): HostCollectorOptions => ({
    username: 'faultline',
    privateKeyPath: keyPath,
    passphrase: 'correct horse',
    agent: false,
    resolve: (h) => ({ host: '127.0.0.1', port: ports.get(h.host) ?? 1 }),
    hostTimeoutMs: 8_000,
    connectTimeoutMs: 3_000,
    commandTimeoutMs: 3_000,
    ...extra,
  });

  const knownHosts = (name: string, lines: string[]): string => {
    const file = join(dir, name);
    writeFileSync(file, `# test known_hosts\n${lines.join('\n')}\n`);
    return file;
  };
  const line = (host: string, pair: KeyPair, hashed = false): string => {
    const name = `[127.0.0.1]:${ports.get(host)}`;
    return `${hashed ? hashedName(name) : name} ${publicKeyField(pair)}`;
  };

  before(async () => {
    writeFileSync(keyPath, clientKey.private, { mode: 0o600 });
    const table = answerTable(good);
    for (const [i, name] of ['krane-hn1prod-com0001', 'krane-hn1prod-com0002', 'krane-hn1prod-com0003'].entries()) {
      const server = await startSshServer({ hostKey: hostKeys[i] as KeyPair, authorizedKeys: [clientKey.public, agentKey.public], answer: (c) => table.get(c) });
      servers.push(server);
      ports.set(name, server.port);
    }
    // Answers everything except dmesg, which never finishes.
    hung = await startSshServer({ hostKey: hostKeys[0] as KeyPair, authorizedKeys: [clientKey.public, agentKey.public], answer: (c): Answer | undefined => (c === 'dmesg -T' ? 'hang' : table.get(c)) });
    ports.set('krane-hn1prod-com0004', hung.port);
    silent = await startSilentServer();
    ports.set('krane-hn1prod-com0005', silent.port);
    jump = await startSshServer({ hostKey: jumpKey, authorizedKeys: [clientKey.public, agentKey.public], forwarding: true });
  });

  after(async () => {
    await Promise.all([...servers, hung, jump].map((s) => s.close()));
    await silent.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('collects several hosts, sending only allow-listed commands, with plain and hashed known_hosts entries', async () => {
    const file = knownHosts('kh-ok', [line('krane-hn1prod-com0001', hostKeys[0] as KeyPair), line('krane-hn1prod-com0002', hostKeys[1] as KeyPair, true), `[127.0.0.1]:${ports.get('krane-hn1prod-com0003')},10.0.0.3 ${publicKeyField(hostKeys[2] as KeyPair)}`]);
    const result = await run(createHostCollector(base({ knownHostsPath: file })), ['krane-hn1prod-com0001', 'krane-hn1prod-com0002', 'krane-hn1prod-com0003']);
    const o = outcome(result);
    assert.equal(o.status, 'ok', o.error ?? o.warnings.join('\n'));
    assert.deepEqual(o.warnings, ['krane-hn1prod-com0001: collected', 'krane-hn1prod-com0002: collected', 'krane-hn1prod-com0003: collected']);
    const facts = result.data.hostFacts ?? [];
    assert.deepEqual(facts.map((f) => f.host), ['krane-hn1prod-com0001', 'krane-hn1prod-com0002', 'krane-hn1prod-com0003']);
    assert.equal(facts[0]?.kernelEvents?.find((e) => e.kind === 'oops')?.process, 'qemu-system-x86');
    assert.equal(facts[0]?.virtualization?.iommuDefaultDomain, 'Passthrough');
    assert.equal((result.data.disks ?? []).length, 9);
    assert.ok((result.data.disks ?? []).some((d) => d.smr === true && d.holds?.includes('vm-images')));
    for (const s of servers) {
      assert.deepEqual(s.refused, []);
      assert.ok(s.commands.length >= BASE_COMMANDS.length + 3 + DISKS.length);
      for (const c of s.commands) assert.ok(isAllowedCommand(c), `sent ${c}`);
    }
  });

  it('fails a host whose key is not in known_hosts, and one whose key changed, and keeps the others', async () => {
    const file = knownHosts('kh-partial', [line('krane-hn1prod-com0001', hostKeys[0] as KeyPair), line('krane-hn1prod-com0002', hostKeys[0] as KeyPair)]);
    const result = await run(createHostCollector(base({ knownHostsPath: file })), ['krane-hn1prod-com0001', 'krane-hn1prod-com0002', 'krane-hn1prod-com0003']);
    const o = outcome(result);
    assert.equal(o.status, 'partial');
    assert.deepEqual((result.data.hostFacts ?? []).map((f) => f.host), ['krane-hn1prod-com0001']);
    const mismatch = o.warnings.find((w) => w.startsWith('krane-hn1prod-com0002'));
    assert.match(mismatch ?? '', /failed: host key mismatch for \[127\.0\.0\.1\]:\d+: offered ssh-ed25519 SHA256:\S+, .*kh-partial has ssh-ed25519 at line 3/);
    const unknown = o.warnings.find((w) => w.startsWith('krane-hn1prod-com0003'));
    assert.match(unknown ?? '', /failed: host \[127\.0\.0\.1\]:\d+ is not in .*kh-partial \(offered ssh-ed25519 SHA256:/);
    // What failed comes first, what was collected after it.
    assert.deepEqual(o.warnings.map((w) => (w.split(' ')[0] ?? '').replace(/:$/, '')), ['krane-hn1prod-com0002', 'krane-hn1prod-com0003', 'krane-hn1prod-com0001']);
  });

  it('asks for the key type on record, and fails clearly when the host does not have it', async () => {
    const ecdsa = ssh2.utils.generateKeyPairSync('ecdsa', { bits: 256 });
    const file = knownHosts('kh-type', [`[127.0.0.1]:${ports.get('krane-hn1prod-com0001')} ${ecdsa.public.split(' ').slice(0, 2).join(' ')}`, line('krane-hn1prod-com0002', hostKeys[1] as KeyPair)]);
    const result = await run(createHostCollector(base({ knownHostsPath: file })), ['krane-hn1prod-com0001', 'krane-hn1prod-com0002']);
    const o = outcome(result);
    assert.equal(o.status, 'partial');
    assert.match(o.warnings[0] ?? '', /^krane-hn1prod-com0001 .*failed: host key mismatch for \[127\.0\.0\.1\]:\d+: the host offers none of the key types .* has for it \(ecdsa-sha2-nistp256\)/);
  });

  it('accepts any host key only when asked, and says so', async () => {
    const result = await run(createHostCollector(base({ insecureSkipHostKeyCheck: true, knownHostsPath: join(dir, 'does-not-exist') })), ['krane-hn1prod-com0002']);
    const o = outcome(result);
    assert.equal(o.status, 'ok');
    assert.equal(o.warnings[0], INSECURE_HOST_KEY_WARNING);
    assert.equal(result.data.hostFacts?.length, 1);
  });

  it('refuses to run without a readable known_hosts unless the check is switched off', async () => {
    const result = await run(createHostCollector(base({ knownHostsPath: join(dir, 'does-not-exist') })), ['krane-hn1prod-com0002']);
    const o = outcome(result);
    assert.equal(o.status, 'failed');
    assert.match(o.error ?? '', /cannot read known_hosts to verify host keys/);
  });

  it('times out a host that never answers and a command that never finishes, without holding up the others', async () => {
    const file = knownHosts('kh-hang', [
      `[127.0.0.1]:${ports.get('krane-hn1prod-com0001')},[127.0.0.1]:${ports.get('krane-hn1prod-com0004')} ${publicKeyField(hostKeys[0] as KeyPair)}`,
      `[127.0.0.1]:${ports.get('krane-hn1prod-com0005')} ${publicKeyField(hostKeys[1] as KeyPair)}`,
    ]);
    const started = Date.now();
    const result = await run(
      createHostCollector(base({ knownHostsPath: file, concurrency: 3, hostTimeoutMs: 2_500, connectTimeoutMs: 1_500, commandTimeoutMs: 800 })),
      ['krane-hn1prod-com0005', 'krane-hn1prod-com0004', 'krane-hn1prod-com0001'],
    );
    const elapsed = Date.now() - started;
    const o = outcome(result);
    assert.equal(o.status, 'partial');
    assert.ok(elapsed < 4_000, `took ${elapsed} ms`);
    assert.match(o.warnings.find((w) => w.startsWith('krane-hn1prod-com0005')) ?? '', /failed: (no SSH handshake within 1500 ms|no answer within 2500 ms)/);
    const hosts = (result.data.hostFacts ?? []).map((f) => f.host);
    assert.deepEqual(hosts, ['krane-hn1prod-com0001', 'krane-hn1prod-com0004']);
    const slow = result.data.hostFacts?.find((f) => f.host === 'krane-hn1prod-com0004');
    assert.ok(slow?.warnings?.some((w) => w === 'dmesg -T: did not finish'), slow?.warnings?.join(' | '));
    // The journal still delivered kernel events.
    assert.ok((slow?.kernelEvents ?? []).length > 0);
  });

  it('cuts output at the cap and says so', async () => {
    const file = knownHosts('kh-cap', [line('krane-hn1prod-com0001', hostKeys[0] as KeyPair)]);
    const result = await run(createHostCollector(base({ knownHostsPath: file, outputCapBytes: 2_000 })), ['krane-hn1prod-com0001']);
    const facts = result.data.hostFacts?.[0];
    assert.ok(facts);
    assert.ok(facts.warnings?.some((w) => /^dmesg -T: output was cut at the size limit/.test(w)), facts.warnings?.join(' | '));
    // Short outputs are whole.
    assert.equal(facts.memory?.totalBytes, 16415051776);
    assert.match(outcome(result).warnings[0] ?? '', /^krane-hn1prod-com0001: collected with \d+ warning\(s\)/);
  });

  it('goes through a jump host (direct-tcpip), verifying both host keys', async () => {
    const file = knownHosts('kh-jump', [`[127.0.0.1]:${jump.port} ${publicKeyField(jumpKey)}`, line('krane-hn1prod-com0003', hostKeys[2] as KeyPair)]);
    const result = await run(createHostCollector(base({ knownHostsPath: file, jumpHost: { host: '127.0.0.1', port: jump.port } })), ['krane-hn1prod-com0003']);
    const o = outcome(result);
    assert.equal(o.status, 'ok', o.error ?? o.warnings.join('\n'));
    assert.deepEqual(jump.forwards, [`127.0.0.1:${ports.get('krane-hn1prod-com0003')}`]);
    assert.equal(jump.commands.length, 0);
    assert.equal(result.data.hostFacts?.[0]?.host, 'krane-hn1prod-com0003');
  });

  it('fails every host, clearly, when the jump host key is unknown', async () => {
    const file = knownHosts('kh-nojump', [line('krane-hn1prod-com0003', hostKeys[2] as KeyPair)]);
    const result = await run(createHostCollector(base({ knownHostsPath: file, jumpHost: { host: '127.0.0.1', port: jump.port } })), ['krane-hn1prod-com0003']);
    const o = outcome(result);
    assert.equal(o.status, 'failed');
    assert.match(o.error ?? '', /jump host 127\.0\.0\.1:\d+: host \[127\.0\.0\.1\]:\d+ is not in/);
  });

  it('authenticates through ssh-agent', { skip: spawnSync('ssh-agent', ['-h']).error ? 'ssh-agent not installed' : false }, async (t) => {
    const socket = join(dir, 'agent.sock');
    const agent: ChildProcess = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    t.after(() => {
      agent.kill();
    });
    for (let i = 0; i < 50 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
    const keyFile = join(dir, 'agent_key');
    writeFileSync(keyFile, agentKey.private, { mode: 0o600 });
    const added = spawnSync('ssh-add', [keyFile], { env: { ...process.env, SSH_AUTH_SOCK: socket }, encoding: 'utf8' });
    assert.equal(added.status, 0, added.stderr);
    const file = knownHosts('kh-agent', [line('krane-hn1prod-com0002', hostKeys[1] as KeyPair)]);
    const { privateKeyPath: _k, passphrase: _p, ...rest } = base({ knownHostsPath: file });
    const result = await run(createHostCollector({ ...rest, agent: socket }), ['krane-hn1prod-com0002']);
    const o = outcome(result);
    assert.equal(o.status, 'ok', o.error ?? o.warnings.join('\n'));
    assert.equal(result.data.hostFacts?.[0]?.host, 'krane-hn1prod-com0002');
  });

  it('limits hosts by pattern', async () => {
    const file = knownHosts('kh-pattern', [line('krane-hn1prod-com0001', hostKeys[0] as KeyPair)]);
    const result = await run(createHostCollector(base({ knownHostsPath: file, hostPattern: '^krane-[a-z0-9]+-com' })), ['krane-hn1prod-com0001', 'krane-hn1prod-api01']);
    const o = outcome(result);
    assert.equal(o.status, 'ok');
    assert.deepEqual((result.data.hostFacts ?? []).map((f) => f.host), ['krane-hn1prod-com0001']);
    assert.ok(o.warnings.includes('1 hypervisor(s) do not match the host pattern and were not collected'));
  });

  it('rejects a private key it cannot use, before connecting anywhere', async () => {
    const collector = createHostCollector(base({ passphrase: 'wrong', insecureSkipHostKeyCheck: true }));
    await assert.rejects(
      collector.collect({ signal: new AbortController().signal, now: () => new Date(), log: { debug() {}, info() {}, warn() {}, error() {} }, progress() {}, input: {} }),
      (err: unknown) => err instanceof ConfigError && /cannot use the SSH private key/.test(err.message),
    );
  });
});

describe('SSH host collector deadline', () => {
  const hypervisors = (n: number, prefix = 'krane-pg1-com'): CollectedData => ({
    hypervisors: Array.from({ length: n }, (_, i) => ({ id: `hv-${i}`, name: `${prefix}${String(i).padStart(4, '0')}`, host: `${prefix}${String(i).padStart(4, '0')}` })),
  });
  const options: HostCollectorOptions = { username: 'faultline', agent: false, insecureSkipHostKeyCheck: true };

  it('asks for the per-host time for every wave of hosts, at least 5 minutes, when none is configured', () => {
    const collector = createHostCollector(options);
    assert.equal(collector.timeoutMs, undefined);
    // 2,000 hypervisors, 32 at a time: 63 waves of up to 120 s each.
    assert.equal(collector.timeoutFor?.(hypervisors(2000)), 63 * DEFAULT_HOST_COLLECTOR.hostTimeoutMs);
    assert.equal(collector.timeoutFor?.(hypervisors(10)), 5 * 60_000);
    assert.equal(collector.timeoutFor?.({}), 5 * 60_000);
    assert.equal(createHostCollector({ ...options, concurrency: 100, hostTimeoutMs: 600_000 }).timeoutFor?.(hypervisors(2000)), 20 * 600_000);
  });

  it('counts only the hosts it will connect to', () => {
    const collector = createHostCollector({ ...options, concurrency: 10, hostTimeoutMs: 60_000, hostPattern: '-com' });
    const mixed = { hypervisors: [...(hypervisors(100).hypervisors ?? []), ...(hypervisors(400, 'krane-pg1-api').hypervisors ?? [])] };
    assert.equal(collector.timeoutFor?.(mixed), 10 * 60_000);
  });

  it('leaves an explicit deadline to win', () => {
    assert.equal(createHostCollector({ ...options, timeoutMs: 90_000 }).timeoutMs, 90_000);
    assert.equal(hostCollectorDeadline(65, 32, 120_000), 3 * 120_000);
  });
});
