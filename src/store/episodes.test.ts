import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import hypervisorReplaceBox from '../detect/rules/hypervisor-replace-box.js';
import partNeedsJudgement from '../detect/rules/part-needs-judgement.js';
import { fleet } from '../snapshot/builders.js';
import { openEmbedded } from './embedded.js';
import type { SqlEngine } from './engine.js';
import { MIGRATIONS, migrate } from './migrations.js';
import { detectWithStore } from './scan.js';
import { openServer } from './server.js';
import type { Store, StoreLocation } from './store.js';
import { openTestStore, testEngines } from './testing.js';
import { timelineOf } from './timeline.js';

const HV = 'krane-hn1prod-com0369';
const at = (day: number): Date => new Date(Date.parse('2026-11-01T00:00:00Z') + day * 86_400_000);

/** The hypervisor's feed on one day: one open ticket needing the swap, or none. */
function feed(day: number, alarm?: { code: string; ticket: string }) {
  const f = fleet()
    .at(at(day).toISOString())
    .region('hn1prod', 'prod')
    .hypervisor(HV, { id: 'hv-369', region: 'hn1prod' })
    .server('web-1', { on: HV })
    .reach('web-1', true)
    .inventory({ match: { serverName: 'unrelated' }, roles: [] });
  return (alarm ? f.alarm(HV, alarm.code, { ticketId: alarm.ticket, count: 12, raisedAt: at(day).toISOString() }) : f).build({ collected: ['alarms'] });
}

async function scanDays(store: Store, days: readonly [number, { code: string; ticket: string } | undefined][]) {
  let last;
  for (const [day, alarm] of days) {
    last = await detectWithStore(store, {
      snapshot: feed(day, alarm),
      detectors: [partNeedsJudgement, hypervisorReplaceBox],
      run: { now: at(day) },
      commit: true,
      lookbackDays: 62,
      source: 'snapshot',
      version: 'test',
    });
  }
  return last;
}

function openRaw(location: StoreLocation): Promise<SqlEngine> {
  return location.kind === 'embedded'
    ? openEmbedded({ path: location.path, lockTimeoutMs: 5_000, command: 'faultline test' })
    : openServer({ url: location.url, connectTimeoutMs: 5_000, applicationName: 'faultline test' });
}

const evidence = (f: { evidence: readonly { label: string; value: unknown }[] } | undefined, label: string): unknown => f?.evidence.find((e) => e.label === label)?.value;

const suite = testEngines();
before(() => suite.setup());
after(() => suite.teardown());

for (const engine of suite.engines) {
  describe(`finding episodes keep their own alarm (${engine.name})`, () => {
    it('three spells opened by different alarms in a month replace the box, each with its own message id and ticket', async () => {
      const store = await openTestStore(await engine.location());
      try {
        const last = await scanDays(store, [
          [0, { code: 'MEM_SBE', ticket: 'T-1' }],
          [3, undefined],
          [10, { code: 'DISK_SMART_ERROR', ticket: 'T-2' }],
          [13, undefined],
          // The first finding again, from a new ticket: its spell must say T-3, and the first spell still T-1.
          [20, { code: 'MEM_SBE', ticket: 'T-3' }],
        ]);
        const box = last?.results.find((r) => r.detectorId === 'hypervisor-replace-box')?.findings[0];
        assert.equal(box?.messageId, 'replaceBox');
        assert.equal(evidence(box, 'times_in_window'), 3);
        assert.equal(evidence(box, 'message_ids'), 'announceAndWork, announceDiskSwap, announceAndWork');
        assert.equal(evidence(box, 'tickets'), 'T-1, T-2, T-3');
        const opened = (await timelineOf(store.engine, HV)).events.filter((e) => e.kind === 'finding-opened' && e.summary.startsWith('part-needs-judgement/'));
        assert.deepEqual(
          opened.map((e) => [e.at.slice(0, 10), /\/(\w+) /.exec(e.summary)?.[1], /\[ticket ([^\]]+)\]/.exec(e.summary)?.[1]]),
          [
            ['2026-11-01', 'announceAndWork', 'T-1'],
            ['2026-11-11', 'announceDiskSwap', 'T-2'],
            ['2026-11-21', 'announceAndWork', 'T-3'],
          ],
        );
        assert.match(opened[0]?.summary ?? '', /ticket T-1\b/, 'the first spell keeps the wording it opened with');
      } finally {
        await store.close();
      }
    });

    it('migration 3 gives the spells of a schema-2 store their finding\'s message id and wording, and drops spells with no finding', async () => {
      const db = await openRaw(await engine.location());
      try {
        await migrate(db, MIGRATIONS.filter((m) => m.version <= 2));
        await db.exec(`
          INSERT INTO findings (fingerprint, detector_id, message_id, severity, message, resource_kind, resource_id, signature, first_seen, last_seen, first_scan_id, last_scan_id, episodes)
          VALUES ('fp-1', 'part-needs-judgement', 'announceAndWork', 'high', 'swap the DIMM', 'hypervisor', 'hv-1', 's', '2026-11-01Z', '2026-11-05Z', 1, 2, 2);
          INSERT INTO finding_episodes (fingerprint, opened_at, closed_at) VALUES
            ('fp-1', '2026-11-01Z', '2026-11-02Z'), ('fp-1', '2026-11-04Z', NULL), ('fp-pruned', '2026-10-01Z', NULL);`);
        const report = await migrate(db);
        assert.deepEqual(report.applied.map((m) => m.version), MIGRATIONS.filter((m) => m.version > 2).map((m) => m.version), 'migration 3 and every later one');
        const rows = await db.query<{ fingerprint: string; message_id: string; message: string; alarm_ticket: string | null }>(
          'SELECT fingerprint, message_id, message, alarm_ticket FROM finding_episodes ORDER BY opened_at',
        );
        assert.deepEqual(rows.map((r) => ({ ...r })), [
          { fingerprint: 'fp-1', message_id: 'announceAndWork', message: 'swap the DIMM', alarm_ticket: null },
          { fingerprint: 'fp-1', message_id: 'announceAndWork', message: 'swap the DIMM', alarm_ticket: null },
        ]);
      } finally {
        await db.close();
      }
    });

    it('one alarm that comes and goes three times is one time, not three', async () => {
      const store = await openTestStore(await engine.location());
      try {
        const sameAlarm = { code: 'MEM_SBE', ticket: 'T-9' };
        const last = await scanDays(store, [
          [0, sameAlarm],
          [3, undefined],
          [10, sameAlarm],
          [13, undefined],
          [20, sameAlarm],
        ]);
        const rule = last?.results.find((r) => r.detectorId === 'hypervisor-replace-box');
        assert.equal(rule?.status, 'pass');
        assert.deepEqual(rule?.findings, []);
        const [spells] = await store.engine.query<{ n: number }>("SELECT count(*)::int AS n FROM finding_episodes WHERE alarm_ticket = 'T-9'");
        assert.equal(spells?.n, 3, 'every spell is still kept; only the rule folds them');
      } finally {
        await store.close();
      }
    });
  });
}
