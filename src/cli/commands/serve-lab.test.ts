import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { runbookPlan } from '../../runbook/plan.js';
import pmHang from '../../runbook/runbooks/pm-hang.js';
import { MAIN, runFaultline, startLabProcess, stopLabProcess } from '../testing.js';

const READ = 'serve-lab-read-token-0123456789';

interface Triaged {
  case: string;
  target: { kind: string; name: string };
  incident?: { id: string };
  gates: { id: string; status: string }[];
  steps: unknown[];
  runbook: { id: string; commands: string[] } | null;
  scanId?: number | null;
}

interface Incidents {
  incidents: { id: string; case: string; root: { name: string | null }; blastRadius?: { servers: unknown[] } }[];
  latestScan: string | null;
}

describe('faultline serve against the lab', { timeout: 120_000 }, () => {
  let dir: string;
  let lab: ChildProcess;
  let serve: ChildProcess;
  let url = '';
  let stdout = '';
  let stderr = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-serve-'));
    lab = (await startLabProcess(dir, ['--scenario', 'pm-hang'])).child;
    const config = parse(await readFile(join(dir, 'faultline.yaml'), 'utf8')) as Record<string, unknown>;
    config['server'] = { tokens: [{ name: 'dashboard', role: 'read', tokenFile: 'read.token' }] };
    await writeFile(join(dir, 'faultline.yaml'), stringify(config));
    await writeFile(join(dir, 'read.token'), `${READ}\n`, { mode: 0o600 });
    serve = spawn(process.execPath, [MAIN, 'serve', '--listen', '127.0.0.1:0', '--store', 'store', '--scan-interval', '3600'], {
      cwd: dir,
      env: { PATH: process.env['PATH'], HOME: dir, NO_COLOR: '1', OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    serve.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    url = await new Promise<string>((res, rej) => {
      serve.stdout?.on('data', (d: Buffer) => {
        stdout += d.toString();
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
        if (m) res(m[1] as string);
      });
      serve.once('exit', (code) => rej(new Error(`faultline serve exited (${code}): ${stderr}`)));
    });
  });
  after(async () => {
    if (serve && serve.exitCode === null) {
      serve.kill('SIGKILL');
    }
    if (lab) await stopLabProcess(lab);
    await rm(dir, { recursive: true, force: true });
  });

  it('prints its URL, answers 401 without a token, and serves the incident its first scan of the lab recorded', async () => {
    const anonymous = await fetch(`${url}/api/v1/incidents`);
    assert.equal(anonymous.status, 401);
    assert.equal(typeof ((await anonymous.json()) as { error: string }).error, 'string');
    const deadline = Date.now() + 90_000;
    let body: Incidents | undefined;
    while (Date.now() < deadline) {
      const r = await fetch(`${url}/api/v1/incidents`, { headers: { authorization: `Bearer ${READ}` } });
      assert.equal(r.status, 200);
      body = (await r.json()) as Incidents;
      if (body.latestScan !== null) break;
      await new Promise((res) => setTimeout(res, 500));
    }
    assert.ok(body?.latestScan, `a scan finished: ${stderr}`);
    const pm = body.incidents.find((i) => i.case === 'pm-hang');
    assert.ok(pm, `the lab's hung hypervisor is an open pm-hang incident: ${JSON.stringify(body.incidents.map((i) => i.case))}`);
    assert.ok((pm.blastRadius?.servers.length ?? 0) > 0, 'with the servers on it, from the scan');
    const metrics = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${READ}` } })).text();
    assert.match(metrics, /faultline_scans_total\{result="recorded"\} 1/);
    assert.match(metrics, /faultline_open_incidents\{severity="[a-z]+",case="pm-hang"\} [1-9]/);
    assert.ok(!`${stdout}${stderr}`.includes(READ), 'the token is never printed');
  });

  it('triages the hung lab hypervisor over the API to its incident and the pm-hang runbook plan, as faultline triage does', async () => {
    const auth = { headers: { authorization: `Bearer ${READ}` } };
    const { incidents } = (await (await fetch(`${url}/api/v1/incidents`, auth)).json()) as Incidents;
    const pm = incidents.find((i) => i.case === 'pm-hang');
    const host = pm?.root.name;
    assert.ok(pm && host, 'the first test saw the pm-hang incident');
    const res = await fetch(`${url}/api/v1/triage/${encodeURIComponent(host)}`, auth);
    assert.equal(res.status, 200);
    const api = (await res.json()) as Triaged;
    assert.equal(api.case, 'pm-hang');
    assert.equal(api.target.kind, 'hypervisor');
    assert.equal(api.incident?.id, pm.id, 'the incident the store holds');
    assert.deepEqual(api.runbook?.commands, [`faultline run pm-hang ${host}`]);
    assert.deepEqual(api.steps, runbookPlan(pmHang), "the runbook's own plan");
    assert.equal(api.gates.find((g) => g.id === 'fault-notice')?.status, 'blocking', 'the fault notice before the power cycle');
    assert.equal(typeof api.scanId, 'number');
    // The CLI collects the lab again and judges it on its own: the same case, incident, gates and plan.
    const cli = await runFaultline(['triage', host, '--format', 'json'], { cwd: dir, env: { OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml') } });
    assert.equal(cli.code, 0, cli.stderr);
    const fresh = JSON.parse(cli.stdout) as Triaged;
    const judged = (t: Triaged) => ({ case: t.case, incident: t.incident, gates: t.gates, steps: t.steps, runbook: t.runbook });
    assert.deepEqual(judged(api), judged(fresh));
    const unknown = await fetch(`${url}/api/v1/triage/no-such-host`, auth);
    assert.equal(unknown.status, 404);
    assert.match(((await unknown.json()) as { error: string }).error, /"no-such-host" is not a ticket in the alarm feed, a hypervisor or a server/);
  });

  it('stops on SIGTERM with exit code 0', async () => {
    const code = await new Promise<number | null>((res) => {
      serve.once('exit', (c) => res(c));
      serve.kill('SIGTERM');
    });
    assert.equal(code, 0, stderr);
  });
});
