import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';

const MAIN = resolve('dist/cli/main.js');

function run(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd, env: { PATH: process.env['PATH'], HOME: cwd, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

/** Starts `faultline lab` in `dir` and resolves once it has written its config files. */
function startLab(dir: string, extra: string[] = []): Promise<ChildProcess> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [MAIN, 'lab', '--dir', '.', '--seed', 'ci', ...extra], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Stop with Ctrl-C')) res(child);
    });
    child.on('exit', (code) => rej(new Error(`lab exited (${code}): ${out}`)));
  });
}

function stopLab(child: ChildProcess): Promise<void> {
  return new Promise((res) => {
    child.once('exit', () => res());
    child.kill('SIGINT');
  });
}

interface Report {
  snapshot: { counts: Record<string, number> };
  collection: { collector: string; status: string; error?: string }[];
  results: { detectorId: string; status: string; reason?: string; findings: { resource: { name?: string } }[] }[];
}

describe('faultline scan against the lab', () => {
  let dir: string;
  let lab: ChildProcess;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-lab-'));
    // A two-second token lifetime: every scan outlives its first token.
    lab = await startLab(dir, ['--token-ttl', '2']);
  });
  after(async () => {
    if (lab) await stopLab(lab);
  });

  it('collects the whole fleet through Keystone and Nova and runs the OpenStack detectors on it', async () => {
    const r = await run(['scan', '--format', 'json', '--out', '-', '--skip', 'part-non-urgent,part-needs-judgement,part-urgent,disk-data-loss'], dir, {
      OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml'),
    });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as Report;
    assert.equal(report.snapshot.counts['servers'], 60, 'the small lab fleet has 60 servers across both regions');
    assert.equal(report.snapshot.counts['hypervisors'], 8);
    for (const o of report.collection.filter((c) => c.collector.startsWith('openstack-'))) assert.equal(o.status, 'ok', `${o.collector}: ${o.error ?? ''}`);
    for (const id of ['server-error', 'server-stuck-task', 'hypervisor-down', 'network-agents-down', 'server-unrequested-shutoff']) {
      const res = report.results.find((x) => x.detectorId === id);
      assert.ok(res && (res.status === 'pass' || res.status === 'fail'), `${id} was evaluated: ${res?.status} ${res?.reason ?? ''}`);
    }
  });

  it('survives token expiry mid-collection without the user noticing', async () => {
    // Two scans back to back, each longer than the 2 s token lifetime in total.
    for (let i = 0; i < 2; i++) {
      const r = await run(['snapshot', '--out', `s${i}.json`, '--fail-on-partial'], dir, { OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml') });
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /401|Unauthorized|failed/);
      await new Promise((res) => setTimeout(res, 2100));
    }
  });

  it('names the cloud problem when the configured cloud does not exist', async () => {
    await writeFile(join(dir, 'nope.yaml'), 'openstack:\n  cloud: nope\n');
    const r = await run(['scan', '--config', 'nope.yaml', '--format', 'json', '--out', '-', '--fail-on-skipped'], dir, { OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml') });
    assert.equal(r.code, 1, 'skipped detectors with --fail-on-skipped exit 1');
    const report = JSON.parse(r.stdout) as Report;
    const se = report.results.find((x) => x.detectorId === 'server-error');
    assert.equal(se?.status, 'skipped');
    const detectors = await run(['detectors', '--config', 'nope.yaml', '--format', 'json'], dir, { OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml') });
    const row = (JSON.parse(detectors.stdout) as { id: string; missing: { reason: string }[] }[]).find((x) => x.id === 'server-error');
    assert.match(row?.missing[0]?.reason ?? '', /nope/, 'the reason names the missing cloud');
  });
});
