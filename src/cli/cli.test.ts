import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runFaultline } from './testing.js';

const EXAMPLE = resolve('examples/fleet-snapshot.json');

function faultline(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  // Outside a temp dir, HOME still points away from the real one so no user config leaks in.
  return runFaultline(args, { cwd: opts.cwd ?? process.cwd(), env: { ...(opts.cwd ? {} : { HOME: tmpdir() }), ...opts.env } });
}

const tmp = () => mkdtemp(join(tmpdir(), 'fl-cli-'));

/** Drops the fields that legitimately change between runs. */
function stable(json: string): unknown {
  const doc = JSON.parse(json) as Record<string, unknown> & { results: { durationMs: number }[] };
  delete doc['generatedAt'];
  for (const r of doc.results) r.durationMs = 0;
  return doc;
}

describe('faultline CLI: help, version and usage errors', () => {
  for (const args of [['--help'], ['scan', '--help'], ['snapshot', '--help'], ['detectors', '--help'], ['schema', '--help'], ['help', 'scan']]) {
    it(`${args.join(' ')} exits 0 and prints usage`, async () => {
      const r = await faultline(args);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Usage: faultline/);
    });
  }

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    const r = await faultline(['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), pkg.version);
  });

  it('an unknown flag exits 2 with a did-you-mean hint', async () => {
    const r = await faultline(['scan', '--formt', 'json']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown option '--formt'/);
    assert.match(r.stderr, /Did you mean --format\?/);
  });

  it('an unknown command exits 2 with a hint', async () => {
    const r = await faultline(['scna']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Did you mean scan\?/);
  });

  it('an unknown detector in --only exits 2 with a hint', async () => {
    const r = await faultline(['scan', '--from', EXAMPLE, '--only', 'server-eror', '--format', 'json']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown detector "server-eror" \(did you mean "server-error"\?\)/);
  });

  it('a bad --fail-on value exits 2 naming the allowed severities', async () => {
    const r = await faultline(['scan', '--from', EXAMPLE, '--fail-on', 'urgent', '--format', 'json']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /info, low, medium, high, critical/);
  });

  it('a config error names the file, the key and the fix, and exits 2', async () => {
    const dir = await tmp();
    await writeFile(join(dir, 'faultline.yaml'), 'detectors:\n  server-error:\n    severity: urgent\n');
    const r = await faultline(['scan', '--from', EXAMPLE, '--format', 'json'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /faultline\.yaml/);
    assert.match(r.stderr, /detectors\.server-error\.severity/);
  });

  it('an unreadable snapshot exits 2 with the path', async () => {
    const r = await faultline(['scan', '--from', '/nonexistent/snap.json', '--format', 'json']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot read snapshot \/nonexistent\/snap\.json/);
  });
});

describe('faultline scan: replay', () => {
  it('replaying a saved snapshot twice gives identical JSON reports apart from timestamps', async () => {
    const a = await faultline(['scan', '--from', EXAMPLE, '--format', 'json', '--out', '-']);
    const b = await faultline(['scan', '--from', EXAMPLE, '--format', 'json', '--out', '-']);
    assert.equal(a.code, 0, a.stderr);
    assert.deepEqual(stable(a.stdout), stable(b.stdout));
    const report = JSON.parse(a.stdout) as { summary: { findings: number }; evaluatedAt: string };
    assert.ok(report.summary.findings > 0, 'the example fleet carries failures');
    assert.equal(report.evaluatedAt, '2026-11-25T03:10:00.000Z', 'a replay is judged at the snapshot time');
  });

  it('--fail-on sets exit 1 only when a finding reaches the threshold', async () => {
    const high = await faultline(['scan', '--from', EXAMPLE, '--format', 'json', '--out', '-', '--fail-on', 'high']);
    assert.equal(high.code, 1);
    const only = await faultline(['scan', '--from', EXAMPLE, '--format', 'json', '--out', '-', '--only', 'server-error', '--fail-on', 'critical']);
    assert.equal(only.code, 0, only.stderr);
  });

  it('writes the HTML report to report.html by default and the snapshot round-trips through --save-snapshot', async () => {
    const dir = await tmp();
    const r = await faultline(['scan', '--from', EXAMPLE, '--save-snapshot', 'copy.json.gz'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    assert.match(html, /<!doctype html>/i);
    assert.match(r.stderr, /report written to report\.html/);
    const again = await faultline(['scan', '--from', 'copy.json.gz', '--format', 'json', '--out', '-'], { cwd: dir });
    const first = await faultline(['scan', '--from', EXAMPLE, '--format', 'json', '--out', '-']);
    assert.deepEqual(stable(again.stdout), stable(first.stdout));
  });

  it('--baseline marks findings unchanged against the same scan and lists resolved ones', async () => {
    const dir = await tmp();
    await faultline(['scan', '--from', EXAMPLE, '--format', 'json', '--out', 'prev.json'], { cwd: dir });
    const same = await faultline(['scan', '--from', EXAMPLE, '--format', 'json', '--out', '-', '--baseline', 'prev.json'], { cwd: dir });
    const s = JSON.parse(same.stdout) as { summary: { new: number; resolved: number; unchanged: number; findings: number } };
    assert.equal(s.summary.new, 0);
    assert.equal(s.summary.resolved, 0);
    assert.equal(s.summary.unchanged, s.summary.findings);
    const fewer = await faultline(['scan', '--from', EXAMPLE, '--format', 'json', '--out', '-', '--baseline', 'prev.json', '--now', '2027-06-01T00:00:00Z'], { cwd: dir });
    assert.equal(fewer.code, 0, fewer.stderr);
  });

  it('a baseline that is not a faultline report exits 2', async () => {
    const dir = await tmp();
    await writeFile(join(dir, 'x.json'), '{"hello": 1}');
    const r = await faultline(['scan', '--from', EXAMPLE, '--format', 'json', '--out', '-', '--baseline', 'x.json'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not a faultline JSON report/);
  });
});

describe('faultline scan: a dead or slow collector', () => {
  let server: Server;
  let base: string;
  const SECRET = 'Sup3r-S3cret-T0ken-xyz';
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/slow') return; // never answers
      // A badly behaved feed that echoes the credentials it was sent in its error.
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`internal error for ${req.headers['authorization'] ?? ''}`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  for (const format of ['json', 'table', 'markdown', 'html'] as const) {
    it(`a timed-out alarm feed makes the alarm detectors skipped with the reason (${format})`, async () => {
      const dir = await tmp();
      await writeFile(join(dir, 'faultline.yaml'), `alarms:\n  source: ${base}/slow\n  timeoutSeconds: 0.5\n`);
      const live = await faultline(['scan', '--format', format, '--out', 'live', '--fail-on-skipped'], { cwd: dir });
      assert.equal(live.code, 1, 'skipped detectors with --fail-on-skipped exit 1');
      assert.match(live.stderr, /collector alarms:tickets failed: .*timed out/);
      const text = await readFile(join(dir, 'live'), 'utf8');
      assert.match(text, /part-urgent/);
      assert.match(text, /alarms collector failed/);
      assert.match(text, /timed out/);
    });
  }

  it('the exit code follows --fail-on, not the skipped detectors, unless asked', async () => {
    const dir = await tmp();
    await writeFile(join(dir, 'faultline.yaml'), `alarms:\n  source: ${base}/slow\n  timeoutSeconds: 0.5\n`);
    const r = await faultline(['scan', '--format', 'json', '--out', '-', '--fail-on', 'low'], { cwd: dir });
    assert.equal(r.code, 0, 'nothing was found, so --fail-on low passes');
    const report = JSON.parse(r.stdout) as { results: { detectorId: string; status: string; reason?: string }[] };
    const alarmResults = report.results.filter((x) => x.detectorId.startsWith('part-'));
    assert.ok(alarmResults.length >= 3);
    for (const x of alarmResults) {
      assert.equal(x.status, 'skipped');
      assert.match(x.reason ?? '', /timed out after 500 ms/);
    }
  });

  it('a secret from config never appears in reports, logs or error output', async () => {
    const dir = await tmp();
    await writeFile(
      join(dir, 'faultline.yaml'),
      `alarms:\n  source: ${base}/fail\n  headers:\n    Authorization: Bearer ${SECRET}\n`,
    );
    await writeFile(
      join(dir, 'clouds.yaml'),
      `clouds:\n  pg1:\n    auth:\n      auth_url: http://127.0.0.1:1/v3\n      username: admin\n      password: ${SECRET}-pw\n      project_name: admin\n      user_domain_name: Default\n      project_domain_name: Default\n`,
    );
    const outputs: string[] = [];
    // One collecting run (its logs and the errors it kept); the other formats render what it saved, errors included.
    const collected = await faultline(['scan', '--format', 'json', '--out', 'r.json', '--save-snapshot', 'saved.json', '--verbose'], { cwd: dir, env: { OS_CLOUD: 'pg1' } });
    outputs.push(collected.stdout, collected.stderr, await readFile(join(dir, 'r.json'), 'utf8'), await readFile(join(dir, 'saved.json'), 'utf8'));
    for (const format of ['table', 'markdown', 'html']) {
      const r = await faultline(['scan', '--from', 'saved.json', '--format', format, '--out', `r.${format}`, '--verbose'], { cwd: dir });
      outputs.push(r.stdout, r.stderr, await readFile(join(dir, `r.${format}`), 'utf8'));
    }
    assert.match(await readFile(join(dir, 'r.html'), 'utf8'), /ECONNREFUSED/, 'the replayed report still carries the collection errors');
    const snap = await faultline(['snapshot', '--out', 's.json', '--verbose'], { cwd: dir, env: { OS_CLOUD: 'pg1' } });
    outputs.push(snap.stdout, snap.stderr, await readFile(join(dir, 's.json'), 'utf8'));
    const all = outputs.join('\n');
    assert.match(all, /alarms/, 'the failing collector is reported');
    assert.doesNotMatch(all, new RegExp(SECRET));
  });
});

describe('faultline detectors', () => {
  it('lists every detector with what it needs and whether this config can provide it', async () => {
    const r = await faultline(['detectors', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { id: string; canRun: boolean; missing: { input: string; reason: string }[] }[];
    const se = rows.find((x) => x.id === 'server-error');
    assert.ok(se);
    assert.equal(se.canRun, false);
    assert.match(se.missing[0]?.reason ?? '', /OpenStack/);
    const table = await faultline(['detectors']);
    assert.match(table.stdout, /server-error\s+openstack\s+high/);
  });

  it('says alarm detectors can run once an alarm feed is configured', async () => {
    const dir = await tmp();
    await writeFile(join(dir, 'faultline.yaml'), 'alarms:\n  source: alarms.json\n');
    const r = await faultline(['detectors', '--format', 'json'], { cwd: dir });
    const rows = JSON.parse(r.stdout) as { id: string; canRun: boolean }[];
    assert.equal(rows.find((x) => x.id === 'part-urgent')?.canRun, true);
  });
});
