import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../core/errors.js';
import { Store, type StoreLocation } from './store.js';
import { FINDINGS_PER_SCAN } from './testing-writer.js';
import { testEngines } from './testing.js';

const WRITER = fileURLToPath(new URL('./testing-writer.js', import.meta.url));

/** Starts the writer; resolves once it holds the store. */
function startWriter(location: StoreLocation): Promise<{ child: ReturnType<typeof fork>; committed: () => number }> {
  return new Promise((res, rej) => {
    const child = fork(WRITER, [JSON.stringify(location)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let committed = 0;
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('message', (m: { ready?: boolean; committed?: number }) => {
      if (m.ready) res({ child, committed: () => committed });
      if (m.committed) committed = m.committed;
    });
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') rej(new Error(`writer exited (${code ?? signal}): ${stderr}`));
    });
  });
}

function kill9(child: ReturnType<typeof fork>): Promise<void> {
  return new Promise((res) => {
    child.once('exit', () => res());
    child.kill('SIGKILL');
  });
}

const open = (location: StoreLocation, lockTimeoutMs = 5000): Promise<Store> => Store.open({ location, lockTimeoutMs, connectTimeoutMs: 5000, command: 'faultline test' });

const suite = testEngines();
before(() => suite.setup());
after(() => suite.teardown());

describe('embedded store: one process at a time', () => {
  const embedded = suite.engines.find((e) => e.name === 'embedded');
  it('a second process fails after the deadline, naming the holder; it gets in once the holder is gone', async () => {
    assert.ok(embedded);
    const location = await embedded.location();
    const writer = await startWriter(location);
    const started = Date.now();
    const err = await open(location, 600).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ConfigError, String(err));
    assert.ok(Date.now() - started >= 600, 'gave up before the deadline');
    assert.match(err.message, new RegExp(`in use by process ${writer.child.pid} on .* \\(kill test writer, since `));
    assert.match(err.message, /fix: let the other faultline finish, or raise store\.lockTimeoutSeconds/);
    // Waiting: the holder goes away within the deadline, and the waiter takes over.
    const waiting = open(location, 10_000);
    await sleep(300);
    const committed = writer.committed();
    await kill9(writer.child);
    const store = await waiting;
    // The waiter got the store the holder died in, with the holder's work in it.
    assert.ok((store.migration.applied.length === 0) && ((await store.status()).counts['scans'] ?? 0) >= committed);
    await store.close();
  });
});

for (const engine of suite.engines) {
  describe(`kill -9 during writes (${engine.name})`, () => {
    it('loses at most the scan being written and never damages the store', async () => {
      const location = await engine.location();
      let reported = 0;
      // Each new writer reopens the store the last one died in; the test then reopens it once more and checks it.
      for (let round = 0; round < 2; round++) {
        const writer = await startWriter(location);
        // Kill at a different point in each round: right away, and in the middle of later scans.
        const target = writer.committed() + 1 + round * 2;
        while (writer.committed() < target) await sleep(5);
        await sleep(round * 7);
        reported += writer.committed();
        await kill9(writer.child);
      }
      const store = await open(location);
      try {
        const scans = await store.engine.query<{ id: number; n: number; findings: number }>(
          `SELECT s.id, (s.summary->>'findings')::int AS n, (SELECT count(*) FROM findings f WHERE f.first_scan_id = s.id) AS findings FROM scans s ORDER BY s.id`,
        );
        assert.ok(scans.length >= reported, `the store holds ${scans.length} scans, the writers reported ${reported} commits`);
        for (const s of scans) assert.deepEqual([s.id, s.n, s.findings], [s.id, FINDINGS_PER_SCAN, FINDINGS_PER_SCAN]);
        const [orphans] = await store.engine.query<{ n: number }>('SELECT count(*) AS n FROM findings f WHERE NOT EXISTS (SELECT 1 FROM scans s WHERE s.id = f.first_scan_id)');
        assert.equal(orphans?.n, 0);
      } finally {
        await store.close();
      }
    });
  });
}
