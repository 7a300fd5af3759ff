import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RegionLeases } from './region-leases.js';
import type { Store } from './store.js';
import { openTestStore, testEngines } from './testing.js';

const T0 = new Date('2026-12-04T00:00:00Z');
const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);
const TTL = 30_000;
const REGIONS = ['pg1', 'pg2', 'hn1', 'hn1dev', 'kr1', 'kr2', 'jp1', 'jp2', 'us1', 'us2', 'eu1'];

const { engines, setup, teardown } = testEngines();

describe('region leases shared by faultline instances', { timeout: 60_000 }, () => {
  before(setup);
  after(teardown);
  for (const engine of engines) {
    describe(engine.name, () => {
      let store: Store;
      before(async () => {
        store = await openTestStore(await engine.location());
      });
      after(() => store.close());

      it('one instance alone holds every region and keeps it by renewing', async () => {
        const a = new RegionLeases(store.engine, 'solo', TTL);
        const first = await a.balance(REGIONS, at(0));
        assert.deepEqual(first.held, [...REGIONS].sort());
        assert.deepEqual(first.taken, [...REGIONS].sort());
        assert.equal(first.instances, 1);
        assert.ok(Object.values(first.epochs).every((e) => e === 1));
        const later = await a.balance(REGIONS, at(25));
        assert.deepEqual(later.taken, []);
        assert.deepEqual(later.held, first.held);
        // Renewed at 25 s, so still held at 50 s, beyond the first lease's end.
        assert.ok(await a.holds('pg1', 1, at(50)));
        await a.leave();
      });

      it('a second instance gets a fair share: the first gives back its surplus, no region is held twice', async () => {
        const a = new RegionLeases(store.engine, 'a', TTL);
        const b = new RegionLeases(store.engine, 'b', TTL);
        await a.balance(REGIONS, at(100));
        const bFirst = await b.balance(REGIONS, at(101));
        assert.deepEqual(bFirst.held, [], 'everything is held and unexpired: nothing to take yet');
        const aSecond = await a.balance(REGIONS, at(105));
        assert.equal(aSecond.instances, 2);
        assert.equal(aSecond.held.length, 6);
        assert.equal(aSecond.released.length, 5);
        const bSecond = await b.balance(REGIONS, at(106));
        assert.deepEqual([...bSecond.taken].sort(), [...aSecond.released].sort());
        const all = await a.all();
        assert.equal(all.length, REGIONS.length);
        assert.deepEqual(all.map((l) => l.region).sort(), [...REGIONS].sort());
        assert.equal(new Set(all.map((l) => l.region)).size, REGIONS.length);
        // Steady state: another round moves nothing.
        assert.deepEqual((await a.balance(REGIONS, at(110))).taken.concat((await b.balance(REGIONS, at(111))).taken), []);
        await a.leave();
        await b.leave();
      });

      it('takes over the regions of an instance that stopped renewing once its leases run out, with a new epoch', async () => {
        const a = new RegionLeases(store.engine, 'a2', TTL);
        const b = new RegionLeases(store.engine, 'b2', TTL);
        await a.balance(REGIONS, at(200));
        await b.balance(REGIONS, at(201));
        const aKept = await a.balance(REGIONS, at(202));
        await b.balance(REGIONS, at(203));
        const epochBefore = aKept.epochs[aKept.held[0]!]!;
        // a is killed at 202 s: its leases last until 232 s. Before that b takes nothing of it.
        assert.deepEqual((await b.balance(REGIONS, at(220))).taken, []);
        const after = await b.balance(REGIONS, at(240));
        assert.deepEqual([...after.taken].sort(), [...aKept.held].sort());
        assert.deepEqual(after.held, [...REGIONS].sort());
        assert.equal(after.instances, 1, 'the dead instance no longer counts');
        assert.equal(after.epochs[aKept.held[0]!], epochBefore + 1);
        assert.equal(await a.holds(aKept.held[0]!, epochBefore, at(240)), false, 'the old holder\'s work is stale now');
        await b.leave();
      });

      it('a clean leave frees the regions at once, without waiting for the TTL', async () => {
        const a = new RegionLeases(store.engine, 'a3', TTL);
        const b = new RegionLeases(store.engine, 'b3', TTL);
        await a.balance(REGIONS, at(300));
        await b.balance(REGIONS, at(301));
        await a.leave();
        const taken = await b.balance(REGIONS, at(302));
        assert.deepEqual(taken.held, [...REGIONS].sort());
        assert.equal(taken.instances, 1);
        await b.leave();
      });

      it('drops the lease of a region no longer configured', async () => {
        const a = new RegionLeases(store.engine, 'a4', TTL);
        await a.balance(REGIONS, at(400));
        const fewer = await a.balance(REGIONS.slice(0, 3), at(401));
        assert.deepEqual(fewer.held, REGIONS.slice(0, 3).sort());
        assert.equal((await a.all()).length, 3);
        await a.leave();
      });

      it('never gives one region to two instances balancing at the same moment', async () => {
        const ids = ['c1', 'c2', 'c3'];
        const leases = ids.map((id) => new RegionLeases(store.engine, id, TTL));
        for (let round = 0; round < 5; round++) {
          await Promise.all(leases.map((l, i) => l.balance(REGIONS, at(500 + round * 5 + i * 0.001))));
          const all = await leases[0]!.all();
          assert.equal(new Set(all.map((l) => l.region)).size, all.length);
        }
        const counts = await Promise.all(leases.map(async (l) => (await l.balance(REGIONS, at(530))).held.length));
        assert.equal(counts.reduce((x, y) => x + y, 0), REGIONS.length);
        assert.ok(Math.max(...counts) <= Math.ceil(REGIONS.length / ids.length), `shares ${counts.join('/')}`);
        for (const l of leases) await l.leave();
      });
    });
  }
});
