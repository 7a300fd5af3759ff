import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { OutboxStore } from '../../store/outbox.js';
import { RegionLeases } from '../../store/region-leases.js';
import type { Store } from '../../store/store.js';
import { freshDatabase, openTestStore, startTestPostgres, type TestPostgres } from '../../store/testing.js';
import { REGIONLESS } from '../../watch/region-scope.js';
import { MAIN, startLabProcess, stopLabProcess } from '../testing.js';

/**
 * Two `faultline serve` on one PostgreSQL against a two-region lab (issue 16 §7):
 * they split the regions by lease; kill -9 of one hands its regions to the other
 * within the lease TTL (measured); the auto-run the killed one had begun is
 * resumed by the survivor without a second start (the lab's action log is the
 * witness); every Alertmanager webhook posted around the kill is in the store;
 * the outbox rows both delivery loops saw arrived once each.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const READ = 'multi-read-token-0123456789abcdef';
const OPERATE = 'multi-operate-token-0123456789abcdef';
const TTL_S = 3;

class ServeProcess {
  stderr = '';
  url = '';
  instance = '';
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly exit: Promise<number | null>;

  constructor(dir: string) {
    this.child = spawn(process.execPath, [MAIN, 'serve', '--listen', '127.0.0.1:0', '--scan-interval', '3600'], {
      cwd: dir,
      env: { PATH: process.env['PATH'], HOME: dir, NO_COLOR: '1', USER: 'night-shift', OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exit = new Promise((res) => this.child.once('exit', (code) => res(code)));
    let out = '';
    this.ready = new Promise((res, rej) => {
      this.child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+).*instance (\S+), region leases/.exec(out);
        if (m) {
          this.url = m[1] as string;
          this.instance = (m[2] as string).replace(/,$/, '');
          res();
        }
      });
      void this.exit.then((code) => rej(new Error(`faultline serve exited (${code}): ${this.stderr}`)));
    });
  }

  /** The first stderr line matching `re`, waited for. */
  async line(what: string, re: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(this.stderr);
      if (m) return m;
      if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms: ${this.stderr}`);
      await sleep(100);
    }
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('two faultline serve on one PostgreSQL', { timeout: 90_000 }, () => {
  let dir: string;
  let pg: TestPostgres;
  let lab: ChildProcess;
  let store: Store;
  let admin = '';
  let labToken = '';
  const serves: ServeProcess[] = [];
  const labGet = async (path: string): Promise<Json> => (await fetch(`${admin}${path}`, { headers: { 'x-lab-admin': labToken } })).json();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-multi-'));
    pg = await startTestPostgres();
    const url = await freshDatabase(pg.url);
    const started = await startLabProcess(dir, ['--scenario', 'healthy', '--action-seconds', '4']);
    lab = started.child;
    ({ admin, token: labToken } = started);
    const config = parse(await readFile(join(dir, 'faultline.yaml'), 'utf8')) as Record<string, unknown>;
    config['store'] = { url };
    config['server'] = {
      leaseTtlSeconds: TTL_S,
      outboxIntervalSeconds: 0.3,
      tokens: [
        { name: 'dashboard', role: 'read', tokenFile: 'read.token' },
        { name: 'alertmanager', role: 'operate', tokenFile: 'operate.token' },
      ],
    };
    config['watch'] = { intervalSeconds: 1, autoRun: { 'host-stopped-server': { enabled: true } } };
    await writeFile(join(dir, 'faultline.yaml'), stringify(config));
    await writeFile(join(dir, 'read.token'), `${READ}\n`, { mode: 0o600 });
    await writeFile(join(dir, 'operate.token'), `${OPERATE}\n`, { mode: 0o600 });
    store = await openTestStore({ kind: 'server', url });
  });
  after(async () => {
    for (const s of serves) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    await store?.close();
    if (lab) await stopLabProcess(lab);
    await pg?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('split the regions; kill -9 of one: the other takes its regions within the TTL, resumes its run without a second start, loses no alert and sends no notice twice', async () => {
    const leases = new RegionLeases(store.engine, 'test-observer', 1000);
    const holders = async (): Promise<Map<string, string>> => new Map((await leases.all()).filter((l) => Date.parse(l.expiresAt) > Date.now()).map((l) => [l.region, l.holder]));

    const a = new ServeProcess(dir);
    serves.push(a);
    await a.ready;
    const b = new ServeProcess(dir);
    serves.push(b);
    await b.ready;
    assert.notEqual(a.instance, b.instance);

    // Each holds at least one real region once the second has had a renewal or two.
    let split = new Map<string, string>();
    for (let deadline = Date.now() + 15_000; Date.now() < deadline; await sleep(200)) {
      split = await holders();
      const of = (who: string): string[] => [...split].filter(([r, h]) => h === who && r !== REGIONLESS).map(([r]) => r);
      if (split.size === 3 && of(a.instance).length >= 1 && of(b.instance).length >= 1) break;
    }
    const regionsOf = (who: string): string[] => [...split].filter(([r, h]) => h === who && r !== REGIONLESS).map(([r]) => r);
    assert.equal(regionsOf(a.instance).length, 1, `A holds one region: ${JSON.stringify([...split])}; A: ${a.stderr}`);
    assert.equal(regionsOf(b.instance).length, 1, `B holds one region: ${JSON.stringify([...split])}; B: ${b.stderr}`);
    assert.ok([a.instance, b.instance].includes(split.get(REGIONLESS) ?? ''), 'exactly one of them holds the region-less lease');

    // Either API says who holds what, the same as the store.
    for (const s of [a, b]) {
      const r = await fetch(`${s.url}/api/v1/leases`, { headers: { authorization: `Bearer ${READ}` } });
      assert.equal(r.status, 200);
      const body = (await r.json()) as { instance: string; leases: { region: string; holder: string }[] };
      assert.equal(body.instance, s.instance);
      assert.deepEqual(new Map(body.leases.map((l) => [l.region, l.holder])), split);
    }

    // Outbox rows for both delivery loops to race for.
    const outbox = new OutboxStore(store.engine);
    const notices = Array.from({ length: 8 }, (_, i) => `multi-notice-${i}`);
    for (const text of notices) await outbox.enqueue({ key: `${text}/fault/slack`, sink: 'slack', payload: { text }, at: new Date() });

    // Alertmanager webhooks to both instances, each to the other when one does not answer (as a load balancer retries).
    let posting = true;
    let posted = 0;
    let refused = 0;
    const poster = (async () => {
      for (let i = 0; posting; i++) {
        const body = {
          version: '4',
          groupKey: `{}:{alertname="Multi${i}"}`,
          status: 'firing',
          receiver: 'faultline',
          alerts: [{ status: 'firing', labels: { alertname: `Multi${i}`, severity: 'warning' }, annotations: {}, startsAt: new Date().toISOString(), fingerprint: `multi${String(i).padStart(6, '0')}` }],
        };
        for (let attempt = 0; ; attempt++) {
          const target = serves[(i + attempt) % 2] as ServeProcess;
          const ok = await fetch(`${target.url}/api/v1/alerts/alertmanager`, { method: 'POST', headers: { authorization: `Bearer ${OPERATE}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
            (r) => r.status === 200,
            () => false,
          );
          if (ok) break;
          refused++;
          assert.ok(attempt < 50, `alert ${i} was refused by both instances 50 times`);
          await sleep(50);
        }
        posted++;
        await sleep(40);
      }
    })();

    // The lab's host stops a server in the region A holds; A's watch starts it through the runbook engine.
    const victimRegion = regionsOf(a.instance)[0] as string;
    const res = await fetch(`${admin}/faults`, { method: 'POST', headers: { 'x-lab-admin': labToken, 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'unrequested-shutoff', servers: { region: victimRegion, role: 'web' } }) });
    const fault = (await res.json()) as Json;
    assert.equal(res.status, 201, JSON.stringify(fault));
    const server = fault.fault.servers[0] as { id: string; name: string };
    const startsOf = async (): Promise<number> => ((await labGet('/actions')).actions as Json[]).filter((x) => x.server.id === server.id && !x.byHost && x.action === 'start').length;
    const started = await a.line('the auto-run of A', new RegExp(`autorun\\.started (\\S+) host-stopped-server on ${server.name} `));
    const runId = started[1] as string;
    for (let deadline = Date.now() + 20_000; (await startsOf()) === 0; await sleep(50)) assert.ok(Date.now() < deadline, `A's start reached the lab: ${a.stderr}`);
    const run = (await store.engine.query<{ status: string }>('SELECT status FROM runbook_runs WHERE id = $1', [runId]))[0];
    assert.equal(run?.status, 'running', 'A is killed while its run waits for the server to come up');

    const killedAt = Date.now();
    const postedBeforeKill = posted;
    a.child.kill('SIGKILL');
    await a.exit;
    let takeoverMs = -1;
    for (let deadline = killedAt + 20_000; Date.now() < deadline; await sleep(50)) {
      const now = await holders();
      if (now.size === 3 && [...now.values()].every((h) => h === b.instance)) {
        takeoverMs = Date.now() - killedAt;
        break;
      }
    }
    // A's last renewal was before the kill, so its leases end within the TTL of it; B renews every third of the TTL.
    const bound = TTL_S * 1000 + (TTL_S * 1000) / 3 + 1000;
    assert.ok(takeoverMs >= 0 && takeoverMs <= bound, `B holds every region ${takeoverMs} ms after the kill (bound ${bound} ms): ${b.stderr}`);
    process.stderr.write(`# takeover after kill -9: ${takeoverMs} ms (TTL ${TTL_S} s)\n`);
    assert.ok(posted > postedBeforeKill, 'alerts were posted between the kill and the takeover');

    const after = (await (await fetch(`${b.url}/api/v1/leases`, { headers: { authorization: `Bearer ${READ}` } })).json()) as { leases: { region: string; holder: string }[] };
    assert.deepEqual(after.leases.map((l) => l.holder), [b.instance, b.instance, b.instance], 'the survivor’s API says it holds everything');
    await b.line('the resumed run', new RegExp(`autorun\\.started ${runId} host-stopped-server on ${server.name} \\S+ resumed`));
    await b.line('the resumed run finished', new RegExp(`autorun\\.finished ${runId} on ${server.name}: done`), 30_000);
    assert.equal(await startsOf(), 1, 'one start of the server in all: the survivor did not start it again');
    const byFaultline = ((await labGet('/actions')).actions as Json[]).filter((x) => x.server.id === server.id && !x.byHost).map((x) => x.action);
    assert.deepEqual(byFaultline, ['start'], 'and no other action on it');
    assert.doesNotMatch(b.stderr, new RegExp(`autorun\\.started (?!${runId})\\S+ host-stopped-server on ${server.name} `), 'no second run for the server');

    // A few more alerts after the takeover, then count.
    const mark = posted;
    while (posted < mark + 10) await sleep(50);
    posting = false;
    await poster;
    const [count] = await store.engine.query<{ n: string | number }>("SELECT count(*) AS n FROM alerts WHERE fingerprint LIKE 'multi%'");
    assert.equal(Number(count?.n), posted, `every alert answered 200 is in the store (${posted} posted)`);
    assert.ok(refused > 0, 'some posts met the dead instance and went to the survivor');

    for (let deadline = Date.now() + 15_000; ; await sleep(200)) {
      const states = await Promise.all(notices.map(async (t) => (await outbox.get(`${t}/fault/slack`))?.state));
      if (states.every((s) => s === 'sent')) break;
      assert.ok(Date.now() < deadline, `every notice sent: ${JSON.stringify(states)}`);
    }
    const arrived = ((await labGet('/notify')).slack as Json[]).map((r) => r.body?.text as string);
    for (const text of notices) assert.equal(arrived.filter((t) => t === text).length, 1, `${text} arrived once: ${JSON.stringify(arrived)}`);

    b.child.kill('SIGINT');
    assert.equal(await b.exit, 0, b.stderr);
    assert.deepEqual((await leases.all()).filter((l) => l.holder === b.instance), [], 'a clean stop gives the leases back');
    for (const s of [a, b]) {
      assert.ok(!s.stderr.includes(READ) && !s.stderr.includes(OPERATE), 'no token in the logs');
    }
  });
});
