import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Incident } from '../correlate/types.js';
import findingRecurrence from '../detect/rules/finding-recurrence.js';
import serverError from '../detect/rules/server-error.js';
import { fleet } from '../snapshot/builders.js';
import { detectWithStore } from './scan.js';
import { openTestStore, testEngines } from './testing.js';

const at = (day: number): Date => new Date(Date.parse('2026-10-01T00:00:00Z') + day * 86_400_000);
const broken = (day: number, status: 'ERROR' | 'ACTIVE') =>
  fleet().at(at(day).toISOString()).hypervisor('cmp-1').server('db-7', { id: 'srv-db-7', on: 'cmp-1', status, ...(status === 'ERROR' ? { fault: { message: 'disk gone', code: 500 } } : {}) }).build();

function incidentFor(fingerprint: string): Incident {
  const none = { servers: [], dbServers: [], clusters: [], projects: [], owners: [], counts: { servers: 0, impactedServers: 0, dbServers: 0, clusters: 0, projects: 0, owners: 0 } };
  return { id: `inc-${fingerprint}`, title: 'db-7 in ERROR', case: 'other', severity: 'high', zone: 'prod', root: { resource: { kind: 'server', id: 'db-7' }, detectorId: 'server-error', fingerprint }, chain: [], blastRadius: none, findings: [fingerprint], tickets: [] };
}

const suite = testEngines();
before(() => suite.setup());
after(() => suite.teardown());

for (const engine of suite.engines) {
  describe(`a scan with a store (${engine.name})`, () => {
    it("runs the memory rules after the others, on this scan's findings, and records incidents in the same transaction", async () => {
      const store = await openTestStore(await engine.location());
      try {
        const scanAt = async (day: number, status: 'ERROR' | 'ACTIVE', commit = true) =>
          detectWithStore(store, {
            snapshot: broken(day, status),
            detectors: [findingRecurrence, serverError],
            run: { now: at(day) },
            commit,
            lookbackDays: 62,
            source: 'snapshot',
            version: 'test',
            correlate: (_snapshot, results) => results.flatMap((r) => r.findings).filter((f) => f.detectorId === 'server-error').map((f) => incidentFor(f.fingerprint)),
          });
        const first = await scanAt(0, 'ERROR');
        // Results keep the detectors' order, whichever pass ran them.
        assert.deepEqual(first.results.map((r) => [r.detectorId, r.status]), [['finding-recurrence', 'pass'], ['server-error', 'fail']]);
        assert.deepEqual(first.recorded.incidents, { newIncidents: 1, reopenedIncidents: 0, resolvedIncidents: 0 });
        assert.ok(first.snapshot.collection.some((c) => c.collector === 'store' && c.produces.includes('history')));
        const fixed = await scanAt(3, 'ACTIVE');
        assert.equal(fixed.recorded.resolvedFindings, 1);
        assert.deepEqual(fixed.recorded.incidents, { newIncidents: 0, reopenedIncidents: 0, resolvedIncidents: 1 });
        const again = await scanAt(40, 'ERROR');
        const back = again.results.find((r) => r.detectorId === 'finding-recurrence');
        assert.equal(back?.findings.length, 1);
        assert.match(back?.findings[0]?.message ?? '', /server-error on db-7 is back: it was resolved 1 time\(s\) before, last on 2026-10-04T00:00:00.000Z/);
        assert.deepEqual(again.recorded.incidents, { newIncidents: 0, reopenedIncidents: 1, resolvedIncidents: 0 });
        assert.equal(again.recorded.later.newFindings, 1, 'the recurrence finding is recorded too');
      } finally {
        await store.close();
      }
    });

    it('a scan whose detectors did not judge an incident\'s root leaves it open; one that judged it and saw nothing resolves it', async () => {
      const store = await openTestStore(await engine.location());
      try {
        const scanAt = (day: number, status: 'ERROR' | 'ACTIVE', detectors: Parameters<typeof detectWithStore>[1]['detectors']) =>
          detectWithStore(store, {
            snapshot: broken(day, status),
            detectors,
            run: { now: at(day) },
            commit: true,
            lookbackDays: 62,
            source: 'snapshot',
            version: 'test',
            correlate: (_snapshot, results) => results.flatMap((r) => r.findings).filter((f) => f.detectorId === 'server-error').map((f) => incidentFor(f.fingerprint)),
          });
        assert.equal((await scanAt(0, 'ERROR', [serverError])).recorded.incidents?.newIncidents, 1);
        // A scan (a watch round, say) without server-error among its judged detectors.
        assert.equal((await scanAt(1, 'ACTIVE', [findingRecurrence])).recorded.incidents?.resolvedIncidents, 0);
        assert.equal((await scanAt(2, 'ACTIVE', [serverError])).recorded.incidents?.resolvedIncidents, 1);
      } finally {
        await store.close();
      }
    });
  });
}
