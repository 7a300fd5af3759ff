import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MAIN, runFaultline, startLabProcess, stopLabProcess, type CliRun } from '../testing.js';

/**
 * `faultline watch` through the real CLI against the lab, with the lab's own
 * request log and action log as the witnesses: rounds after the first ask Nova
 * only what changed; a server its host stopped is started by the watch (through
 * the durable runbook engine, audited); a server the host keeps stopping is
 * started N times, then escalated once and left alone, and a restarted watch
 * keeps that budget because it lives in the store.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

interface LabAction {
  action: string;
  server: { id: string; name: string | null };
  byHost: boolean;
}

/** A running `faultline watch --format json`: its events as they come, and a way to wait for one. */
class WatchProcess {
  readonly events: Json[] = [];
  stderr = '';
  readonly #child: ChildProcess;
  readonly #exit: Promise<number | null>;
  #waiters: (() => void)[] = [];

  constructor(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv) {
    this.#child = spawn(process.execPath, [MAIN, 'watch', '--format', 'json', ...args], { cwd, env: { PATH: process.env['PATH'], HOME: cwd, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let buffer = '';
    this.#child.stdout?.on('data', (d: Buffer) => {
      buffer += d.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.trim()) this.events.push(JSON.parse(line));
      }
      for (const w of this.#waiters) w();
    });
    this.#child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.#exit = new Promise((res) => this.#child.on('close', (code) => res(code)));
  }

  async waitFor(what: string, test: (e: Json) => boolean, timeoutMs = 20_000): Promise<Json> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.events.find(test);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms; events: ${JSON.stringify(this.events.map((e) => e.type))}; stderr: ${this.stderr}`);
      await new Promise<void>((res) => {
        const t = setTimeout(res, 250);
        this.#waiters.push(() => {
          clearTimeout(t);
          res();
        });
      });
      this.#waiters = [];
    }
  }

  roundsSince(index: number): number {
    return this.events.slice(index).filter((e) => e.type === 'round').length;
  }

  /** Ctrl-C, as an operator stops it; resolves with the exit code. */
  stop(): Promise<number | null> {
    this.#child.kill('SIGINT');
    return this.#exit;
  }

  exited(): Promise<number | null> {
    return this.#exit;
  }
}

const ALERTMANAGER = process.env['ALERTMANAGER_BIN'] ?? '/usr/bin/prometheus-alertmanager';

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

/** Debian's prometheus-alertmanager on loopback, alone (no cluster), with a receiver that sends nowhere. */
async function startAlertmanager(dir: string): Promise<{ url: string; child: ChildProcess }> {
  await mkdir(join(dir, 'am-data'), { recursive: true });
  await writeFile(join(dir, 'alertmanager.yml'), 'route:\n  receiver: nowhere\n  group_wait: 1s\nreceivers:\n  - name: nowhere\n');
  const port = await freePort();
  const child = spawn(ALERTMANAGER, [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'am-data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break;
    const ok = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ok) return { url, child };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error(`alertmanager did not become ready: ${log}`);
}

describe('faultline watch against the lab', { timeout: 120_000 }, () => {
  let dir: string;
  let lab: ChildProcess;
  let admin: string;
  let token: string;
  let stopped: { id: string; name: string; host: string; faultId: string };
  let labConfig: string;
  /** The lab's faultline.yaml with this test's watch: section. */
  const watchConfig = (yaml: string): Promise<void> => writeFile(join(dir, 'faultline.yaml'), `${labConfig}\nwatch:\n${yaml}`);
  const env = (): NodeJS.ProcessEnv => ({ OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml'), OS_CLOUD: 'lab', USER: 'night-shift' });
  const faultline = (args: string[]): Promise<CliRun> => runFaultline(args, { cwd: dir, env: env() });
  const labGet = async (path: string): Promise<Json> => (await fetch(`${admin}${path}`, { headers: { 'x-lab-admin': token } })).json();
  const starts = async (serverId: string): Promise<number> =>
    ((await labGet('/actions')).actions as LabAction[]).filter((a) => a.server.id === serverId && !a.byHost && a.action === 'start').length;
  /** The lab's host stops the server again: the earlier fault is cleared (the server is running by then) and a new one stops it. */
  const hostStops = async (name: string): Promise<void> => {
    await fetch(`${admin}/faults/${stopped.faultId}`, { method: 'DELETE', headers: { 'x-lab-admin': token } });
    const res = await fetch(`${admin}/faults`, { method: 'POST', headers: { 'x-lab-admin': token, 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'unrequested-shutoff', servers: { name }, evidence: ['nvme-error-log'] }) });
    const body = (await res.json()) as Json;
    assert.equal(res.status, 201, JSON.stringify(body));
    stopped.faultId = body.fault.id;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-watch-'));
    const started = await startLabProcess(dir, ['--scenario', 'unrequested-shutoff', '--action-seconds', '0.3']);
    lab = started.child;
    ({ admin, token } = started);
    const fault = ((await labGet('/faults')).faults as Json[]).find((f) => f.kind === 'unrequested-shutoff');
    assert.ok(fault?.servers[0], 'the scenario stops one server from its host');
    stopped = { id: fault.servers[0].id, name: fault.servers[0].name, host: fault.servers[0].host, faultId: fault.id };
    labConfig = await readFile(join(dir, 'faultline.yaml'), 'utf8');
  });
  after(async () => {
    if (lab) await stopLabProcess(lab);
  });

  it('without watch.autoRun it reports the host-stopped server and starts nothing; rounds after the first ask Nova only for changes', async () => {
    const since = new Date().toISOString();
    const r = await faultline(['watch', '--rounds', '4', '--interval', '0.3', '--store', 'store', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Json);
    const rounds = events.filter((e) => e.type === 'round');
    assert.deepEqual(rounds.map((e) => e.full), [true, false, false, false]);
    const shutoff = events.find((e) => e.type === 'server.shutoff' && e.server.id === stopped.id);
    assert.equal(shutoff?.cause, 'host', 'the instance actions say no user stopped it');
    assert.ok(events.some((e) => e.type === 'finding.open' && e.finding.detectorId === 'server-unrequested-shutoff' && e.finding.resource.id === stopped.id));
    assert.equal(rounds[0].recorded !== null, true, 'the first round is recorded in the store like a scan');
    assert.equal(await starts(stopped.id), 0, 'auto-runs are opt-in');
    const listings = ((await labGet(`/requests?service=compute&since=${encodeURIComponent(since)}`)).requests as Json[]).filter((q) => q.path.endsWith('/servers/detail'));
    const whole = listings.filter((q) => !q.query.includes('changes-since'));
    const changes = listings.filter((q) => q.query.includes('changes-since'));
    // Two regions: one full listing each in round 1, then only change feeds.
    assert.equal(whole.length, 2, JSON.stringify(whole));
    assert.equal(changes.length, 6, JSON.stringify(listings.map((q) => q.query)));
    assert.ok(changes.every((q) => q.query.includes('all_tenants=1')));
  });

  it('starts a server its host stopped, N times, then escalates once pointing at the hypervisor; a restarted watch keeps the budget', async () => {
    await watchConfig('  autoRun:\n    host-stopped-server: { enabled: true, flapLimit: { restarts: 2, windowMinutes: 60 } }\n');
    // A server its host stopped two hours ago was left so: it is reported, not started.
    const oldRes = await fetch(`${admin}/faults`, { method: 'POST', headers: { 'x-lab-admin': token, 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'unrequested-shutoff', servers: { role: 'k8s-worker' }, minutesAgo: 120 }) });
    const oldFault = (await oldRes.json()) as Json;
    assert.equal(oldRes.status, 201, JSON.stringify(oldFault));
    const old = oldFault.fault.servers[0] as { id: string };
    const args = ['--interval', '0.5', '--store', 'store', '--wait-timeout', '20', '--action-timeout', '30'];
    const w = new WatchProcess(args, dir, env());
    let first: Json;
    try {
      first = await w.waitFor('the first start', (e) => e.type === 'autorun.finished' && e.server.id === stopped.id);
      assert.equal(first.status, 'done', JSON.stringify(first));
      assert.equal(await starts(stopped.id), 1);
      const refused = await w.waitFor('the old stop refused', (e) => e.type === 'autorun.refused' && e.server.id === old.id);
      assert.match(refused.reason, /maxStopAgeMinutes: reported, not started/);
      assert.equal(await starts(old.id), 0);
      await w.waitFor('the resolved finding', (e) => e.type === 'finding.resolved' && e.finding.resource.id === stopped.id);

      await hostStops(stopped.name);
      const second = await w.waitFor('the second start', (e) => e.type === 'autorun.finished' && e.server.id === stopped.id && e.runId !== first.runId);
      assert.equal(second.status, 'done');
      assert.equal(await starts(stopped.id), 2);

      await hostStops(stopped.name);
      const escalated = await w.waitFor('the escalation', (e) => e.type === 'autorun.escalated' && e.server.id === stopped.id);
      assert.match(escalated.text, new RegExp(`stopped by its host ${stopped.host}`));
      assert.match(escalated.text, new RegExp(`faultline check-host ${stopped.host}`));
      assert.match(escalated.text, /left SHUTOFF/);
      // Through the outbox to the lab's chat (and PagerDuty in a prod zone), keyed by the server and the
      // stop, escaped as chat Markdown (the brackets too) like every other notice.
      assert.match(escalated.delivery, /^(paged|mentioned in chat): /, escalated.delivery);
      const told = (await labGet('/notify')) as { slack: { body: { text: string } }[]; alerts: { dedupKey: string; summary: string }[] };
      const chats = told.slack.filter((m) => m.body.text.includes('host-stopped-server') && m.body.text.includes(stopped.id));
      assert.equal(chats.length, 1, JSON.stringify(told.slack.map((m) => m.body.text)));
      assert.match(chats[0]!.body.text, escalated.delivery.startsWith('paged') ? /^\\\[page\\\] host-stopped-server: / : /^\\\[mention, dev zone: no page\\\] host-stopped-server: /);
      if (escalated.delivery.startsWith('paged')) assert.deepEqual(told.alerts.filter((a) => a.dedupKey === `host-stopped-server/${stopped.id}`).length, 1, 'one PagerDuty alert for the server');
      const mark = w.events.length;
      await w.waitFor('three more rounds', () => w.roundsSince(mark) >= 3);
      assert.equal(await starts(stopped.id), 2, 'not started a third time');
      assert.equal(w.events.filter((e) => e.type === 'autorun.escalated').length, 1, 'escalated once');
      assert.equal(await w.stop(), 0, w.stderr);
      assert.match(w.stderr, /SIGINT: stopping/);
    } finally {
      await w.stop();
    }

    // The embedded store is the watch's while it runs; the audit is read once it has stopped.
    const audit = JSON.parse((await faultline(['runs', first.runId, '--store', 'store', '--format', 'json'])).stdout) as Json;
    const start = audit.audit.find((a: Json) => a.stepId === 'start');
    assert.match(start.actor, /night-shift .*faultline watch/);
    assert.ok(start.requestIds[0]?.startsWith('req-'), 'the audit keeps the Nova request id of the start');

    const again = await faultline(['watch', '--rounds', '3', '--interval', '0.3', ...args.slice(2), '--format', 'json']);
    assert.equal(again.code, 0, again.stderr);
    const events = again.stdout.trim().split('\n').map((l) => JSON.parse(l) as Json);
    assert.ok(events.some((e) => e.type === 'finding.open' && e.finding.resource.id === stopped.id), 'still SHUTOFF and still reported');
    assert.deepEqual(events.filter((e) => e.type.startsWith('autorun.') && e.server.id === stopped.id), [], 'the budget in the store holds: no start and no second escalation');
    assert.equal(await starts(stopped.id), 2);
  });

  it('a new firing Alertmanager alert naming a server wakes a round for it at once (real prometheus-alertmanager)', async () => {
    const am = await startAlertmanager(dir);
    try {
      await watchConfig(`  alertmanager:\n    url: ${am.url}\n    timeoutSeconds: 2\n`);
      // Rounds 30 s apart: only the alert can bring the second one this soon.
      const w = new WatchProcess(['--interval', '30', '--store', 'store'], dir, env());
      try {
        await w.waitFor('the first round', (e) => e.type === 'round');
        const mark = Date.now();
        const since = new Date().toISOString();
        const posted = await fetch(`${am.url}/api/v2/alerts`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify([{ labels: { alertname: 'NodeDown', server: stopped.name, severity: 'critical' }, annotations: { summary: 'kubelet stopped posting' }, startsAt: new Date().toISOString() }]),
        });
        assert.equal(posted.status, 200, await posted.text());
        const trigger = await w.waitFor('the trigger', (e) => e.type === 'trigger', 15_000);
        assert.equal(trigger.source, 'alertmanager');
        assert.equal(trigger.target, stopped.name);
        assert.match(trigger.detail, /NodeDown firing/);
        const round = await w.waitFor('the triggered round', (e) => e.type === 'round' && e.trigger !== null, 15_000);
        assert.ok(Date.now() - mark < 20_000, 'well before the 30 s interval');
        assert.match(round.trigger, /alertmanager: NodeDown/);
        const reads = ((await labGet(`/requests?service=compute&since=${encodeURIComponent(since)}`)).requests as Json[]).filter((q) => q.path.includes(`/servers/${stopped.id}`));
        assert.ok(reads.length >= 1, 'the round read the named server (or its instance actions) itself');
        const count = w.events.filter((e) => e.type === 'trigger').length;
        await new Promise((r) => setTimeout(r, 3000));
        assert.equal(w.events.filter((e) => e.type === 'trigger').length, count, 'an alert still firing is not a new trigger');
      } finally {
        assert.equal(await w.stop(), 0, w.stderr);
      }
    } finally {
      am.child.kill();
    }
  });
});
