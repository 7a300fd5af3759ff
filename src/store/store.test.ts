import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../core/errors.js';
import type { DetectorResult, Finding } from '../core/findings.js';
import type { Incident } from '../correlate/types.js';
import { fleet } from '../snapshot/builders.js';
import type { Snapshot } from '../snapshot/schema.js';
import { MIGRATIONS } from './migrations.js';
import type { ScanToRecord } from './record.js';
import { Store } from './store.js';
import { openTestStore, testEngines } from './testing.js';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const at = (hours: number): Date => new Date(T0 + hours * 3_600_000);

function finding(detectorId: string, resourceId: string, extra: Partial<Finding> = {}): Finding {
  return {
    detectorId,
    messageId: 'm',
    message: `${detectorId} on ${resourceId}`,
    severity: 'high',
    resource: { kind: 'server', id: resourceId, name: `name-${resourceId}`, parent: { kind: 'hypervisor', id: 'hv-1', name: 'cmp-1' } },
    evidence: [],
    explanation: '',
    remediation: { steps: [] },
    fingerprint: `${detectorId}:${resourceId}`,
    ...extra,
  };
}

function result(detectorId: string, findings: readonly Finding[], status?: DetectorResult['status']): DetectorResult {
  return { detectorId, status: status ?? (findings.length ? 'fail' : 'pass'), durationMs: 1, findings, suppressed: 0 };
}

function scanOf(snapshot: Snapshot, hours: number, results: readonly DetectorResult[]): ScanToRecord {
  return { snapshot, results, evaluatedAt: at(hours), source: 'snapshot', version: 'test' };
}

function incident(id: string, rootId: string): Incident {
  const none = { servers: [], dbServers: [], clusters: [], projects: [], owners: [], counts: { servers: 0, impactedServers: 0, dbServers: 0, clusters: 0, projects: 0, owners: 0 } };
  return {
    id,
    title: `hypervisor ${rootId} is down`,
    case: 'pm-hang',
    severity: 'critical',
    zone: 'prod',
    root: { resource: { kind: 'hypervisor', id: rootId, name: rootId }, detectorId: 'hypervisor-down', fingerprint: `fp-${rootId}` },
    chain: [],
    blastRadius: none,
    findings: [`fp-${rootId}`],
    tickets: ['T-1'],
  };
}

const empty = fleet().at(at(0).toISOString()).build();
const suite = testEngines();
before(() => suite.setup());
after(() => suite.teardown());

for (const engine of suite.engines) {
  describe(`store (${engine.name})`, () => {
    it('creates the schema at open and reopens without migrating again', async () => {
      const location = await engine.location();
      const first = await openTestStore(location);
      assert.deepEqual(first.migration.applied.map((m) => m.version), MIGRATIONS.map((m) => m.version));
      await first.close();
      const second = await openTestStore(location);
      assert.deepEqual(second.migration.applied, []);
      assert.equal((await second.status()).schemaVersion, MIGRATIONS.at(-1)?.version);
      await second.close();
    });

    it('refuses a store written by a newer faultline, naming it and the fix', async () => {
      const location = await engine.location();
      const store = await openTestStore(location);
      await store.engine.query("INSERT INTO faultline_migrations (version, name) VALUES (999, 'from the future')");
      await store.close();
      await assert.rejects(openTestStore(location), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /schema version 999, newer than this faultline knows/);
        assert.match(err.message, /fix: run a faultline at least as new/);
        assert.equal(err.key, location.kind === 'embedded' ? 'store.path' : 'store.url');
        return true;
      });
    });

    it('a scan of some regions resolves only their findings and incidents, and is a sighting only there', async () => {
      const store = await openTestStore(await engine.location());
      const inPg1 = finding('server-error', 'p', { resource: { kind: 'server', id: 'p', name: 'p', region: 'pg1' } });
      const inHn1 = finding('server-error', 'h', { resource: { kind: 'server', id: 'h', name: 'h', region: 'hn1' } });
      const regional = (hours: number, regions: string[], found: Finding[]): ScanToRecord => ({ ...scanOf(empty, hours, [result('server-error', found)]), regions });
      const incidentIn = (id: string, region: string): Incident => ({ ...incident(id, `hv-${region}`), region });
      await store.scan(true, async (s) => {
        const { scanId } = await s.recordScan(regional(0, ['pg1'], [inPg1]));
        await s.recordIncidents(scanId, at(0), [incidentIn('inc-pg1', 'pg1')], ['pg1']);
      });
      await store.scan(true, async (s) => {
        const { scanId } = await s.recordScan(regional(1, ['hn1'], [inHn1]));
        await s.recordIncidents(scanId, at(1), [incidentIn('inc-hn1', 'hn1')], ['hn1']);
      });
      // pg1's process scans again at 5 h: its finding is gone, hn1's is not its to judge.
      const later = await store.scan(true, async (s) => {
        const r = await s.recordScan(regional(5, ['pg1'], []));
        return { r, inc: await s.recordIncidents(r.scanId, at(5), [], ['pg1']) };
      });
      assert.equal(later.r.resolvedFindings, 1);
      assert.equal(later.inc.resolvedIncidents, 1);
      const open = await store.engine.query<{ fingerprint: string; last_seen: Date | string }>('SELECT fingerprint, last_seen FROM finding_state WHERE resolved_at IS NULL');
      assert.deepEqual(open.map((r) => r.fingerprint), [inHn1.fingerprint]);
      assert.equal(new Date(open[0]!.last_seen).toISOString(), at(1).toISOString(), "pg1's run at 5 h is no sighting of hn1's finding");
      const incidents = await store.engine.query<{ id: string }>('SELECT id FROM incidents WHERE resolved_at IS NULL');
      assert.deepEqual(incidents.map((r) => r.id), ['inc-hn1']);
      // A scan of the whole fleet judges every region again.
      const whole = await store.scan(true, (s) => s.recordScan(scanOf(empty, 6, [result('server-error', [])])));
      assert.equal(whole.resolvedFindings, 1);
      await store.close();
    });

    it('keeps findings by fingerprint: first seen, last seen, resolved, back again', async () => {
      const store = await openTestStore(await engine.location());
      const a = finding('server-error', 'a');
      const b = finding('server-error', 'b');
      const c = finding('hung-task', 'c');
      const r1 = await store.scan(true, (s) => s.recordScan(scanOf(empty, 0, [result('server-error', [a, b]), result('hung-task', [c])])));
      assert.deepEqual([r1.newFindings, r1.reopenedFindings, r1.resolvedFindings], [3, 0, 0]);
      // b is gone; hung-task was skipped, so its silence does not resolve c.
      const r2 = await store.scan(true, (s) => s.recordScan(scanOf(empty, 1, [result('server-error', [a]), result('hung-task', [], 'skipped')])));
      assert.deepEqual([r2.newFindings, r2.reopenedFindings, r2.resolvedFindings], [0, 0, 1]);
      const r3 = await store.scan(true, (s) => s.recordScan(scanOf(empty, 2, [result('server-error', [a, b])])));
      assert.deepEqual([r3.newFindings, r3.reopenedFindings, r3.resolvedFindings], [0, 1, 0]);
      const rows = await store.engine.query<{ fingerprint: string; first_seen: string; last_seen: string; resolved_at: string | null; episodes: number }>(
        'SELECT fingerprint, first_seen, last_seen, resolved_at, episodes FROM finding_state ORDER BY fingerprint',
      );
      assert.deepEqual(rows, [
        // Only seen at 0: hung-task was skipped at 1 and did not run at 2.
        { fingerprint: 'hung-task:c', first_seen: at(0).toISOString(), last_seen: at(0).toISOString(), resolved_at: null, episodes: 1 },
        { fingerprint: 'server-error:a', first_seen: at(0).toISOString(), last_seen: at(2).toISOString(), resolved_at: null, episodes: 1 },
        { fingerprint: 'server-error:b', first_seen: at(0).toISOString(), last_seen: at(2).toISOString(), resolved_at: null, episodes: 2 },
      ]);
      // A resolved finding was last seen at the last complete run that still reported it.
      await store.scan(true, (s) => s.recordScan(scanOf(empty, 3, [result('server-error', [a])])));
      await store.scan(true, (s) => s.recordScan(scanOf(empty, 4, [result('server-error', [])])));
      const gone = await store.engine.query('SELECT fingerprint, last_seen, resolved_at FROM finding_state WHERE detector_id = $1 ORDER BY fingerprint', ['server-error']);
      assert.deepEqual(gone, [
        { fingerprint: 'server-error:a', last_seen: at(3).toISOString(), resolved_at: at(4).toISOString() },
        { fingerprint: 'server-error:b', last_seen: at(2).toISOString(), resolved_at: at(3).toISOString() },
      ]);
      const spells = await store.engine.query('SELECT opened_at, closed_at FROM finding_episodes WHERE fingerprint = $1 ORDER BY opened_at', ['server-error:b']);
      assert.deepEqual(spells, [
        { opened_at: at(0).toISOString(), closed_at: at(1).toISOString() },
        { opened_at: at(2).toISOString(), closed_at: at(3).toISOString() },
      ]);
      const scans = await store.engine.query<{ partial: boolean; summary: { findings: number; skipped: string[] } }>('SELECT partial, summary FROM scans ORDER BY id');
      assert.equal(scans.length, 5);
      assert.deepEqual(scans[1]?.summary.skipped, ['hung-task']);
      await store.close();
    });

    it('a scan with commit false reads its own writes and leaves the store as it was', async () => {
      const store = await openTestStore(await engine.location());
      const seen = await store.scan(false, async (s) => {
        const rec = await s.recordScan(scanOf(empty, 0, [result('server-error', [finding('server-error', 'a')])]));
        const h = await s.readHistory({ now: at(0), lookbackDays: 30, episodeDetectors: ['server-error'], scanId: rec.scanId });
        return h.findingEpisodes.length;
      });
      assert.equal(seen, 1);
      assert.equal((await store.status()).counts['findings'], 0);
      assert.equal((await store.status()).counts['scans'], 0);
      await store.close();
    });

    it('keeps incidents by id like findings', async () => {
      const store = await openTestStore(await engine.location());
      const id = await store.scan(true, async (s) => {
        const { scanId } = await s.recordScan(scanOf(empty, 0, []));
        assert.deepEqual(await s.recordIncidents(scanId, at(0), [incident('inc-1', 'cmp-1'), incident('inc-2', 'cmp-2')]), { newIncidents: 2, reopenedIncidents: 0, resolvedIncidents: 0 });
        return scanId;
      });
      assert.ok(id > 0);
      await store.scan(true, async (s) => {
        const { scanId } = await s.recordScan(scanOf(empty, 5, []));
        assert.deepEqual(await s.recordIncidents(scanId, at(5), [incident('inc-1', 'cmp-1')]), { newIncidents: 0, reopenedIncidents: 0, resolvedIncidents: 1 });
      });
      await store.scan(true, async (s) => {
        const { scanId } = await s.recordScan(scanOf(empty, 9, []));
        assert.deepEqual(await s.recordIncidents(scanId, at(9), [incident('inc-1', 'cmp-1'), incident('inc-2', 'cmp-2')]), { newIncidents: 0, reopenedIncidents: 1, resolvedIncidents: 0 });
      });
      const rows = await store.engine.query('SELECT id, incident_case, root_id, first_seen, last_seen, resolved_at, episodes, tickets FROM incidents ORDER BY id');
      assert.deepEqual(rows, [
        { id: 'inc-1', incident_case: 'pm-hang', root_id: 'cmp-1', first_seen: at(0).toISOString(), last_seen: at(9).toISOString(), resolved_at: null, episodes: 1, tickets: ['T-1'] },
        { id: 'inc-2', incident_case: 'pm-hang', root_id: 'cmp-2', first_seen: at(0).toISOString(), last_seen: at(9).toISOString(), resolved_at: null, episodes: 2, tickets: ['T-1'] },
      ]);
      await store.close();
    });

    it('keeps ticket counts over time (a row per change, not per read) and stops Nova did on its own', async () => {
      const store = await openTestStore(await engine.location());
      const feed = (count: number, hours: number) =>
        fleet()
          .at(at(hours).toISOString())
          .hypervisor('cmp-1')
          .server('vm-1', { host: 'cmp-1' })
          .alarm('cmp-1', 'MEM_SBE', { ticketId: 'T-9', count, raisedAt: at(0).toISOString() })
          .action('vm-1', { action: 'stop', userId: null, projectId: null, requestId: `req-${hours}`, startTime: at(hours).toISOString() })
          .build();
      for (const [count, hours] of [[2, 0], [2, 1], [5, 2]] as const) await store.scan(true, (s) => s.recordScan(scanOf(feed(count, hours), hours, [])));
      const counts = await store.engine.query('SELECT count, observed_at FROM alarm_counts ORDER BY observed_at');
      assert.deepEqual(counts, [
        { count: 2, observed_at: at(0).toISOString() },
        { count: 5, observed_at: at(2).toISOString() },
      ]);
      const history = await store.scan(false, (s) => s.readHistory({ now: at(3), lookbackDays: 30, episodeDetectors: [] }));
      assert.deepEqual(
        history.alarmTickets.map((t) => [t.ticketId, t.maxCount, t.firstSeen, t.lastSeen]),
        [['T-9', 5, at(0).toISOString(), at(2).toISOString()]],
      );
      assert.deepEqual(history.hostStops.map((s) => [s.requestId, s.serverName, s.host]), [['req-0', 'vm-1', 'cmp-1'], ['req-1', 'vm-1', 'cmp-1'], ['req-2', 'vm-1', 'cmp-1']]);
      await store.close();
    });

    it('a finding that came back carries its earlier spells and what operators did then', async () => {
      const store = await openTestStore(await engine.location());
      const a = finding('server-error', 'srv-a');
      await store.scan(true, (s) => s.recordScan(scanOf(empty, 0, [result('server-error', [a])])));
      await store.recordActions([
        { at: at(1).toISOString(), actor: 'alice as admin', command: 'faultline restart', action: 'reboot-hard', target: { kind: 'server', id: 'srv-a', name: 'name-srv-a', host: 'cmp-1' }, result: 'ok', detail: 'rebooted', requestId: 'req-x' },
        // Long after the spell: not part of that fix.
        { at: at(200).toISOString(), actor: 'bob', command: 'faultline stop', action: 'stop', target: { kind: 'server', id: 'srv-a' }, result: 'ok', detail: 'stopped' },
      ]);
      await store.scan(true, (s) => s.recordScan(scanOf(empty, 2, [result('server-error', [])])));
      const history = await store.scan(true, async (s) => {
        const { scanId } = await s.recordScan(scanOf(empty, 300, [result('server-error', [a])]));
        return s.readHistory({ now: at(300), lookbackDays: 30, episodeDetectors: [], scanId });
      });
      assert.equal(history.recurrences.length, 1);
      const back = history.recurrences[0];
      assert.deepEqual(back?.previous, [{ openedAt: at(0).toISOString(), closedAt: at(2).toISOString() }]);
      assert.deepEqual(back?.actions.map((x) => [x.action, x.actor, x.requestId]), [['reboot-hard', 'alice as admin', 'req-x']]);
      await store.close();
    });

    it('prunes by the retention settings', async () => {
      const store = await openTestStore(await engine.location());
      await store.scan(true, (s) => s.recordScan(scanOf(empty, 0, [result('server-error', [finding('server-error', 'old')])])));
      await store.scan(true, (s) => s.recordScan(scanOf(fleet().at(at(24 * 40).toISOString()).build(), 24 * 40, [result('server-error', [])])));
      const pruned = await store.prune(at(24 * 45), { scansDays: 30, resolvedDays: 3, actionsDays: 30 });
      assert.deepEqual(pruned, { scans: 1, findings: 1, incidents: 0, actions: 0 });
      const status = await store.status();
      assert.equal(status.counts['scans'], 1);
      assert.equal(status.counts['finding_episodes'], 0);
      await store.close();
    });
  });
}

describe('store errors', () => {
  it('a server that does not answer is a config error with the password redacted', async () => {
    const err = await Store.open({ location: { kind: 'server', url: 'postgres://faultline:s3cretpw@127.0.0.1:1/db' }, lockTimeoutMs: 100, connectTimeoutMs: 2000, command: 'test', configFile: '/etc/faultline.yaml' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ConfigError);
    assert.doesNotMatch(err.message, /s3cretpw/);
    assert.match(err.message, /^\/etc\/faultline\.yaml: store\.url: cannot open the store at postgres:\/\/faultline:\*\*\*@127\.0\.0\.1:1\/db/);
    assert.match(err.message, /fix: start the PostgreSQL server/);
  });
});
