import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freshDatabase, startTestPostgres, type TestPostgres } from '../store/testing.js';
import { runFaultline } from './testing.js';

const EXAMPLE = resolve('examples/fleet-snapshot.json');
const MEMORY_RULES = ['part-judgement-over-time', 'hypervisor-replace-box', 'server-stopped-by-host-repeatedly', 'finding-recurrence'];

interface Report {
  incidents: { id: string; title: string }[];
  results: { detectorId: string; status: string; reason?: string; findings: { fingerprint: string; messageId: string; message: string }[] }[];
  collection: { collector: string }[];
}

let dir = '';
let pg: TestPostgres | undefined;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'faultline-store-cli-'));
  pg = await startTestPostgres();
});
after(async () => {
  await pg?.stop();
  await rm(dir, { recursive: true, force: true });
});

const scan = async (args: readonly string[]): Promise<{ code: number | null; report: Report; stderr: string }> => {
  const run = await runFaultline(['scan', '--format', 'json', '-o', '-', ...args], { cwd: dir });
  assert.ok(run.stdout.startsWith('{'), run.stderr);
  return { code: run.code, report: JSON.parse(run.stdout) as Report, stderr: run.stderr };
};

describe('faultline with a store', () => {
  it('without a store the memory rules are skipped and say why', async () => {
    const { code, report } = await scan(['--from', EXAMPLE]);
    assert.equal(code, 0);
    for (const id of MEMORY_RULES) {
      const r = report.results.find((x) => x.detectorId === id);
      assert.equal(r?.status, 'skipped', id);
      assert.match(r?.reason ?? '', /no store is configured/);
    }
  });

  it('records scans, sees a resolved finding come back, and tells its history', async () => {
    await writeFile(join(dir, 'faultline.yaml'), 'store:\n  path: ./state\n');
    const first = await scan(['--from', EXAMPLE]);
    // The first scan records every finding as new.
    const total = first.report.results.reduce((n, r) => n + r.findings.length, 0);
    assert.ok(total > 20);
    assert.match(first.stderr, new RegExp(`recorded as scan 1 in the store at .*state: ${total} new`));
    // The scan's incidents go into the store with it, the same ones its report shows.
    assert.match(first.stderr, new RegExp(`; incidents: ${first.report.incidents.length} new, 0 back, 0 resolved`));
    assert.ok(first.report.incidents.length > 0);
    assert.ok(first.report.collection.some((c) => c.collector === 'store'));
    for (const id of MEMORY_RULES) assert.notEqual(first.report.results.find((x) => x.detectorId === id)?.status, 'skipped', id);

    // The server in ERROR is deleted and rebuilt elsewhere: its finding resolves.
    const doc = JSON.parse(await readFile(EXAMPLE, 'utf8')) as { servers: { name: string }[] };
    doc.servers = doc.servers.filter((s) => s.name !== 'batch-runner-01');
    await writeFile(join(dir, 'fixed.json'), JSON.stringify(doc));
    const fixed = await scan(['--from', 'fixed.json', '--now', '2026-11-26T03:10:00Z']);
    assert.match(fixed.stderr, /recorded as scan 2 .*: \d+ new, 0 back after being resolved, [1-9]\d* resolved/);
    // batch-runner-01's own incident is gone with it, and the store counts it resolved.
    assert.match(fixed.stderr, /; incidents: \d+ new, 0 back, [1-9]\d* resolved/);
    assert.ok(first.report.incidents.some((i) => i.title.includes('batch-runner-01')));
    assert.ok(!fixed.report.incidents.some((i) => i.title.includes('batch-runner-01')));
    assert.deepEqual(fixed.report.results.find((r) => r.detectorId === 'server-error')?.findings, []);

    // --no-record reads the store and leaves it alone.
    const dry = await scan(['--from', EXAMPLE, '--now', '2026-12-20T03:10:00Z', '--no-record']);
    assert.match(dry.stderr, /not recorded \(--no-record\)/);
    assert.match(dry.report.results.find((r) => r.detectorId === 'finding-recurrence')?.findings[0]?.message ?? '', /server-error on batch-runner-01 is back/);

    const back = await scan(['--from', EXAMPLE, '--now', '2026-12-25T03:10:00Z']);
    assert.match(back.stderr, /recorded as scan \d+ .*: \d+ new, [1-9]\d* back after being resolved/);
    const recurrence = back.report.results.find((r) => r.detectorId === 'finding-recurrence');
    assert.equal(recurrence?.findings.length, 1);
    assert.match(recurrence?.findings[0]?.message ?? '', /resolved 1 time\(s\) before, last on 2026-11-26T03:10:00.000Z \(first seen 2026-11-25T03:10:00.000Z\)/);

    const history = await runFaultline(['history', 'batch-runner-01', '--format', 'json'], { cwd: dir });
    assert.equal(history.code, 0, history.stderr);
    const events = (JSON.parse(history.stdout) as { events: { at: string; kind: string; ref?: string }[] }).events.filter((e) => e.kind.startsWith('finding'));
    assert.deepEqual(
      events.filter((e) => e.ref === events[0]?.ref).map((e) => [e.at, e.kind]),
      [
        ['2026-11-25T03:10:00.000Z', 'finding-opened'],
        ['2026-11-26T03:10:00.000Z', 'finding-resolved'],
        ['2026-12-25T03:10:00.000Z', 'finding-opened'],
      ],
    );
    const table = await runFaultline(['history', 'batch-runner-01'], { cwd: dir });
    assert.match(table.stdout, /^AT +WHAT +SUBJECT +SUMMARY +REF\n/);
    const unknown = await runFaultline(['history', 'no-such-thing'], { cwd: dir });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /knows nothing about "no-such-thing"/);
  });

  it('moves the embedded store to a server with export and import', async () => {
    assert.ok(pg);
    const status = async (): Promise<{ engine: string; counts: Record<string, number>; where: string }> => {
      const r = await runFaultline(['store', 'status', '--format', 'json'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as { engine: string; counts: Record<string, number>; where: string };
    };
    const before = await status();
    const exported = await runFaultline(['store', 'export', '-o', 'dump.jsonl'], { cwd: dir });
    assert.equal(exported.code, 0, exported.stderr);
    const url = new URL(await freshDatabase(pg.url));
    await writeFile(join(dir, 'faultline.yaml'), `store:\n  url: ${url.toString()}\n`);
    const imported = await runFaultline(['store', 'import', 'dump.jsonl'], { cwd: dir });
    assert.equal(imported.code, 0, imported.stderr);
    const after = await status();
    assert.equal(after.engine, 'server');
    assert.deepEqual(after.counts, before.counts);
    // The server carries on where the embedded store stopped.
    const next = await scan(['--from', EXAMPLE, '--now', '2026-12-26T03:10:00Z']);
    assert.match(next.stderr, /recorded as scan \d+ in the store at postgres:\/\/postgres@127\.0\.0\.1:\d+\/t_\w+: /);
    const again = await runFaultline(['store', 'import', 'dump.jsonl'], { cwd: dir });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already holds data; import only into an empty store/);
  });

  it('a store that cannot be opened is a config error naming it, with the password hidden', async () => {
    await writeFile(join(dir, 'faultline.yaml'), 'store:\n  url: postgres://faultline:hunter2secret@127.0.0.1:1/faultline\n');
    const r = await runFaultline(['scan', '--from', EXAMPLE, '--format', 'json', '-o', '-'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /faultline\.yaml: store\.url: cannot open the store at postgres:\/\/faultline:\*\*\*@127\.0\.0\.1:1\/faultline/);
    assert.doesNotMatch(r.stderr + r.stdout, /hunter2secret/);
    await writeFile(join(dir, 'faultline.yaml'), 'store:\n  path: ./a\n  url: postgres://x@127.0.0.1/db\n');
    const both = await runFaultline(['store', 'status'], { cwd: dir });
    assert.equal(both.code, 2);
    assert.match(both.stderr, /faultline\.yaml: store: line 1: sets both path and url/);
  });
});
