import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openEmbedded } from './embedded.js';
import { MIGRATIONS, migrate } from './migrations.js';

describe('store migrations', { timeout: 60_000 }, () => {
  it('applies a step a store lacks even when it holds a later one (numbers are reserved before they ship)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fl-migrate-'));
    const db = await openEmbedded({ path: join(dir, 'store'), lockTimeoutMs: 5_000, command: 'faultline test' });
    try {
      const latest = Math.max(...MIGRATIONS.map((m) => m.version));
      // A store written by a build that had every step but the alerts table (6).
      await migrate(db, MIGRATIONS.filter((m) => m.version !== 6));
      assert.deepEqual(await db.query("SELECT to_regclass('alerts') AS t"), [{ t: null }]);
      const report = await migrate(db);
      assert.deepEqual(report.applied.map((m) => m.version), [6]);
      assert.equal(report.to, latest);
      assert.equal((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM alerts'))[0]?.n, 0, 'the alerts table is there');
      assert.deepEqual((await migrate(db)).applied, [], 'and nothing is applied twice');
    } finally {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
