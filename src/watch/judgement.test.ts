import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DetectorResult } from '../core/findings.js';
import { correlate } from '../correlate/correlate.js';
import type { Suppression } from '../detect/engine.js';
import { runDetectors } from '../detect/engine.js';
import type { JudgementScope } from '../detect/scoped.js';
import { detectors } from '../detect/rules/index.js';
import { fleet, resetIds } from '../snapshot/builders.js';
import type { Hypervisor, InstanceAction, Server, Snapshot } from '../snapshot/schema.js';
import { Judgement } from './judgement.js';
import { Placement } from './placement.js';
import { seededRandom } from '../core/seeded-random.js';

/**
 * Judging only what changed must say what judging the whole fleet says. A fleet the
 * size of the medium lab (4 regions, 200 hypervisors, 5,000 servers) goes through
 * rounds of random changes of the kinds the watch sees (host stops and user stops,
 * starts, ERROR, tasks that start and end, moves between hypervisors, servers created
 * and deleted, hypervisors re-listed with a change); after each round the watch's
 * incremental judgement and a judgement of the whole snapshot must agree on every
 * detector's verdict, every finding (message, severity, evidence) and the incidents.
 */

const HYPERVISORS = 200;
const SERVERS = 5000;
const REGIONS = ['pg1', 'pg2', 'hn1', 'hn1dev'] as const;
const START = Date.parse('2026-12-04T12:00:00Z');


const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The held fleet of a watch, changed at random round by round. */
class RandomFleet {
  readonly servers = new Map<string, Server>();
  readonly actions = new Map<string, InstanceAction[]>();
  hypervisors: Hypervisor[];
  readonly base: Snapshot;
  now = START;
  #seq = 0;
  readonly #r: () => number;

  constructor(seed: number) {
    this.#r = seededRandom(seed);
    resetIds();
    const b = fleet().at(iso(START));
    REGIONS.forEach((r) => b.region(r, r.endsWith('dev') ? 'dev' : 'prod'));
    for (let h = 0; h < HYPERVISORS; h++) b.hypervisor(this.#hvName(h), { region: REGIONS[h % REGIONS.length] as string, host: `com${h}` });
    for (let i = 0; i < SERVERS; i++) {
      const h = this.#int(HYPERVISORS);
      b.server(`srv-${i}`, { on: `com${h}`, hypervisorHostname: this.#hvName(h), region: REGIONS[h % REGIONS.length] as string, updatedAt: iso(START - this.#int(86_400_000)) });
    }
    b.history({ hostStops: [] });
    this.base = b.build({ collected: ['instanceActions'] });
    this.hypervisors = [...this.base.hypervisors];
    for (const s of this.base.servers) this.servers.set(s.id, s);
    // A fleet with a past: host stops across days on some servers, a few already flapping or in ERROR.
    for (const s of this.base.servers) {
      const roll = this.#r();
      if (roll < 0.02) for (let k = 0; k < 1 + this.#int(4); k++) this.#act(s, 'stop', true, START - (1 + this.#int(20)) * 86_400_000);
      else if (roll < 0.03) this.servers.set(s.id, { ...s, status: 'ERROR', fault: { code: 500, message: 'No valid host was found' } as Server['fault'] });
    }
  }

  #hvName(h: number): string {
    return `com${h}.${REGIONS[h % REGIONS.length]}.example`;
  }

  #int(n: number): number {
    return Math.floor(this.#r() * n);
  }

  #pick(): Server {
    const all = [...this.servers.values()];
    return all[this.#int(all.length)] as Server;
  }

  #act(s: Server, action: string, byHost: boolean, at = this.now): void {
    const list = this.actions.get(s.id) ?? [];
    list.unshift({ serverId: s.id, requestId: `req-${++this.#seq}`, action, startTime: iso(at), userId: byHost ? null : 'user-1', projectId: byHost ? null : 'project-1', events: [] });
    this.actions.set(s.id, list);
  }

  snapshot(): Snapshot {
    return {
      ...this.base,
      collectedAt: iso(this.now),
      servers: [...this.servers.values()],
      instanceActions: [...this.actions.values()].flat(),
      hypervisors: this.hypervisors,
    };
  }

  /** One round of changes; returns them as a change feed reports them. */
  round(): { changed: Server[]; removed: Server[] } {
    this.now += 10_000;
    const changed = new Map<string, Server>();
    const removed: Server[] = [];
    const put = (s: Server, fields: Partial<Server>): void => {
      const next = { ...s, ...fields, updatedAt: iso(this.now) };
      this.servers.set(s.id, next);
      changed.set(s.id, next);
    };
    const n = 1 + this.#int(25);
    for (let i = 0; i < n; i++) {
      const s = this.servers.get(this.#pick().id) as Server;
      const kind = this.#int(10);
      if (kind <= 2) {
        // Stopped by its host (most often) or by a user.
        const byHost = this.#r() < 0.8;
        this.#act(s, 'stop', byHost);
        put(s, { status: 'SHUTOFF', powerState: 4 });
      } else if (kind === 3) {
        this.#act(s, 'start', false);
        put(s, { status: 'ACTIVE', powerState: 1 });
      } else if (kind === 4) {
        put(s, { status: this.#r() < 0.5 ? 'ERROR' : 'ACTIVE' });
      } else if (kind === 5) {
        // A task that began a while ago: some cross their limit while nothing else about them changes.
        const next = { ...s, taskState: this.#r() < 0.5 ? 'powering-on' : null, updatedAt: iso(this.now - (14 * 60_000 + this.#int(120_000))) };
        this.servers.set(s.id, next);
        changed.set(s.id, next);
      } else if (kind === 6) {
        const h = this.#int(HYPERVISORS);
        put(s, { host: `com${h}`, hypervisorHostname: this.#hvName(h), region: REGIONS[h % REGIONS.length] as string });
      } else if (kind === 7) {
        this.servers.delete(s.id);
        this.actions.delete(s.id);
        changed.delete(s.id);
        removed.push(s);
      } else if (kind === 8) {
        const h = this.#int(HYPERVISORS);
        const fresh: Server = { ...s, id: `00000000-0000-4000-9000-${String(++this.#seq).padStart(12, '0')}`, name: `new-${this.#seq}`, status: 'SHUTOFF', host: `com${h}`, hypervisorHostname: this.#hvName(h), region: REGIONS[h % REGIONS.length] as string, updatedAt: iso(this.now) };
        this.#act(fresh, 'stop', true);
        this.servers.set(fresh.id, fresh);
        changed.set(fresh.id, fresh);
      } else {
        // A host that keeps stopping the same guest.
        for (let k = 0; k < 3; k++) this.#act(s, 'stop', true, this.now - k * 3_600_000);
        put(s, { status: 'SHUTOFF' });
      }
    }
    // Now and then a feed lists its hypervisors again, one of them renamed in Nova (its servers fall off it).
    if (this.#r() < 0.15) {
      const h = this.#int(this.hypervisors.length);
      this.hypervisors = this.hypervisors.map((x, i) => (i === h ? { ...x, name: `${x.name}-renamed`, host: `${x.host}-renamed` } : { ...x }));
    }
    return { changed: [...changed.values()], removed };
  }
}

/** What a judgement says, without the timings. */
function verdicts(results: readonly DetectorResult[]): unknown[] {
  return results.map((r) => ({
    detector: r.detectorId,
    status: r.status,
    suppressed: r.suppressed,
    reason: r.reason ?? null,
    findings: [...r.findings].sort((a, b) => a.fingerprint.localeCompare(b.fingerprint)),
  }));
}

const tasksSet = (s: Snapshot): Server[] => s.servers.filter((x) => x.taskState !== null && x.taskState !== undefined && x.taskState !== '');

/**
 * Plays `rounds` rounds; after each, compares the incremental judgement with a whole one.
 * Returns the rounds where they disagree, and how busy the comparison was.
 */
function play(seed: number, rounds: number, narrowScope: boolean): { disagree: string[]; moved: number; scopedRounds: number; incidentsSeen: number; hostIncidents: number } {
  const f = new RandomFleet(seed);
  const suppressions: Suppression[] = [
    { parent: 'com7.*', reason: 'hypervisor in maintenance' },
    { detector: 'server-error', resource: 'srv-1*', reason: 'known', until: iso(START + (rounds / 2) * 10_000) },
  ];
  const judgement = new Judgement();
  const placement = new Placement();
  let snapshot = f.snapshot();
  const byId = (id: string): Server | undefined => f.servers.get(id);
  placement.update({ snapshot, changed: snapshot.servers, removed: [], serverById: byId });
  judgement.judge(snapshot, detectors, { now: new Date(f.now), suppressions });
  const disagree: string[] = [];
  let moved = 0;
  let scopedRounds = 0;
  let incidentsSeen = 0;
  let hostIncidents = 0;
  let last = '';
  for (let round = 1; round <= rounds; round++) {
    const { changed, removed } = f.round();
    snapshot = f.snapshot();
    const run = { now: new Date(f.now), suppressions };
    let scope: JudgementScope = placement.update({ snapshot, changed, removed, alsoJudge: tasksSet(snapshot), serverById: byId });
    if (narrowScope) {
      // Only the changed servers, not their hypervisors' other servers: a hypervisor's findings go stale.
      const ids = new Set([...changed, ...removed].map((s) => s.id));
      scope = { servers: changed, serverIds: ids, hypervisorIds: scope.hypervisorIds };
    }
    const incremental = judgement.judge(snapshot, detectors, run, scope);
    if (judgement.lastMode.scoped > 0) scopedRounds++;
    const whole = runDetectors(snapshot, detectors, run);
    const a = JSON.stringify(verdicts(incremental));
    const b = JSON.stringify(verdicts(whole));
    if (a !== b) {
      const va = verdicts(incremental);
      const vb = verdicts(whole);
      const which = va.filter((v, i) => JSON.stringify(v) !== JSON.stringify(vb[i])).map((v) => (v as { detector: string }).detector);
      disagree.push(`round ${round}: ${which.join(', ')}`);
      continue;
    }
    if (a !== last) moved++;
    last = a;
    const findings = whole.flatMap((r) => r.findings);
    const full = correlate(snapshot, findings).incidents;
    const viewed = correlate(placement.correlationView(snapshot, findings, byId), findings).incidents;
    assert.deepEqual(viewed, full, `round ${round}: incidents over the correlation view differ from the whole snapshot's`);
    incidentsSeen += full.length;
    // Incidents about a whole host list servers nothing is wrong with: the view must hold them too.
    hostIncidents += full.filter((i) => i.blastRadius.counts.servers > i.blastRadius.counts.impactedServers).length;
  }
  return { disagree, moved, scopedRounds, incidentsSeen, hostIncidents };
}

describe('incremental judgement (faultline watch)', () => {
  it('agrees with a judgement of the whole fleet after every round of random changes', () => {
    const started = Date.now();
    for (const seed of [15, 7]) {
      const r = play(seed, 20, false);
      assert.deepEqual(r.disagree, [], `seed ${seed}: rounds where judging only the changes disagreed with judging the whole fleet`);
      // The comparison must have had something to compare: verdicts that moved, over scoped rounds, with incidents.
      assert.ok(r.moved >= 15, `seed ${seed}: findings moved in only ${r.moved} rounds`);
      assert.equal(r.scopedRounds, 20, `seed ${seed}: every round after the first judges a scope`);
      assert.ok(r.incidentsSeen > 0, `seed ${seed}: no incident to compare`);
      assert.ok(r.hostIncidents > 0, `seed ${seed}: no incident about a whole host to compare`);
    }
    assert.ok(Date.now() - started < 30_000, 'fast enough for the suite');
  });

  it('the comparison catches a scope that leaves out the other servers of a touched hypervisor', () => {
    const r = play(15, 20, true);
    assert.ok(r.disagree.some((d) => d.includes('hypervisor-mass-impact')), `a too-narrow scope must make the two judgements disagree: ${r.disagree.join('; ')}`);
  });
});
