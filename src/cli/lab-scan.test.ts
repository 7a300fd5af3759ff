import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { runFaultline, startLabProcess, stopLabProcess } from './testing.js';

const run = (args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) => runFaultline(args, { cwd, env });

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
    lab = (await startLabProcess(dir, ['--seed', 'ci', '--token-ttl', '2'])).child;
  });
  after(async () => {
    if (lab) await stopLabProcess(lab);
  });

  it('collects the whole fleet through Keystone and Nova and runs the OpenStack detectors on it', async () => {
    const r = await run(['scan', '--format', 'json', '--out', '-', '--skip', 'part-non-urgent,part-needs-judgement,part-urgent,disk-data-loss'], dir, {
      OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml'),
    });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as Report;
    assert.equal(report.snapshot.counts['servers'], 60, 'the small lab fleet has 60 servers across both regions');
    assert.equal(report.snapshot.counts['hypervisors'], 8 + 6, 'eight compute hypervisors and three forfault spares in each of the two centers');
    for (const o of report.collection.filter((c) => c.collector.startsWith('openstack-'))) assert.equal(o.status, 'ok', `${o.collector}: ${o.error ?? ''}`);
    for (const id of ['server-error', 'server-stuck-task', 'hypervisor-down', 'network-agents-down', 'server-unrequested-shutoff']) {
      const res = report.results.find((x) => x.detectorId === id);
      assert.ok(res && (res.status === 'pass' || res.status === 'fail'), `${id} was evaluated: ${res?.status} ${res?.reason ?? ''}`);
    }
  });

  it('writes a kubeconfig (0600) with a context per cluster that kubectl uses as it is', async () => {
    const file = join(dir, 'kubeconfig');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const config = parse(await readFile(file, 'utf8')) as { contexts: { name: string; context: { cluster: string } }[]; clusters: { name: string; cluster: { server: string } }[] };
    assert.ok(config.contexts.length > 0);
    for (const c of config.contexts) assert.equal(c.context.cluster, c.name, 'each context is named after its cluster');
    const first = config.contexts[0]!.name;
    assert.match(config.clusters.find((c) => c.name === first)!.cluster.server, new RegExp(`^https://127\\.0\\.0\\.1:\\d+/clusters/${first}$`));
    const out = await new Promise<string>((resolve, reject) =>
      execFile('/usr/lib/google-cloud-sdk/bin/kubectl.1.33', ['--kubeconfig', file, '--context', first, 'get', 'nodes', '-o', 'name'], { env: { PATH: '/usr/bin:/bin', HOME: dir } }, (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout))),
    );
    assert.ok(out.trim().split('\n').every((l) => l.startsWith(`node/${first}-`)), out);
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

describe('faultline demo', () => {
  it('starts the lab with the mixed scenario, scans it, writes report.html and stops the lab', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fl-demo-'));
    const started = Date.now();
    const r = await runFaultline(['demo', '--out', 'report.html'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(Date.now() - started < 60_000, 'the demo takes under a minute');
    assert.match(r.stderr, /scenario mixed/);
    assert.match(r.stderr, /finding\(s\): .*report written to/);
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    for (const id of ['hypervisor-mass-impact', 'server-unreachable', 'part-needs-judgement', 'swap-enabled']) assert.match(html, new RegExp(id));
    // The Kubernetes half of the bad day: the hung PM's nodes, calico, the node that never joined, swap on a node.
    for (const id of ['node-not-ready', 'system-pod-unhealthy', 'node-never-joined', 'container-runtime-down', 'kubelet-down']) assert.match(html, new RegExp(`data-detector="${id}"|>${id}<`), id);
    // A partial collection's warning leads with its failures and says how many it did not print.
    const nodeWarning = r.stderr.split('\n').find((l) => l.startsWith('warning: collector node-ssh partial: ')) ?? '';
    assert.match(nodeWarning, /^warning: collector node-ssh partial: k8s-\S+ \(\S+\): failed: /, r.stderr);
    assert.match(nodeWarning, /; and \d+ more \(all in the report's collection section\)$/, nodeWarning);
    assert.match(r.stderr, /lab stopped/);
  });
});
