import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RegionLeases } from '../store/region-leases.js';
import type { Store } from '../store/store.js';
import { openTestStore, testEngines } from '../store/testing.js';
import { LeasedRegions, REGIONLESS, WholeFleet, type LeaseEvent } from './region-scope.js';

/**
 * What a `faultline serve` believes it holds, against the region leases of a real
 * store (embedded; the leases themselves are tested on both engines in
 * store/region-leases.test.ts): two instances split the regions and the
 * region-less lease; the store's epoch fences an instance whose region moved; an
 * instance that cannot renew stops trusting its leases before they run out; a
 * clean stop gives them back.
 */
const { engines, teardown } = testEngines();
const REGIONS = ['pg1', 'hn1dev'];

class FailingLeases extends RegionLeases {
  failing = false;
  override async balance(regions: readonly string[], now: Date): ReturnType<RegionLeases['balance']> {
    if (this.failing) throw new Error('connection to the store lost');
    return super.balance(regions, now);
  }
}

describe('region scope of faultline serve', { timeout: 30_000 }, () => {
  let store: Store;
  before(async () => {
    store = await openTestStore(await (engines.find((e) => e.name === 'embedded') ?? engines[0]!).location());
  });
  after(async () => {
    await store.close();
    await teardown();
  });

  it('two instances split the regions and the region-less lease; each region and the region-less work is held by exactly one', async () => {
    const events: LeaseEvent[] = [];
    const a = new LeasedRegions({ leases: new RegionLeases(store.engine, 'a', 60_000), regions: REGIONS, renewEveryMs: 20_000, emit: (e) => events.push(e) });
    const b = new LeasedRegions({ leases: new RegionLeases(store.engine, 'b', 60_000), regions: REGIONS, renewEveryMs: 20_000, emit: (e) => events.push(e) });
    await a.renew();
    assert.deepEqual([...a.held()].sort(), [REGIONLESS, ...REGIONS].sort(), 'alone, one instance holds everything');
    await b.renew();
    assert.deepEqual([...b.held()], [], 'nothing is free until the first gives back');
    await a.renew();
    await b.renew();
    const ha = a.held();
    const hb = b.held();
    assert.equal(ha.size + hb.size, 3);
    assert.ok([...ha].every((r) => !hb.has(r)), `no region held twice: ${[...ha]} / ${[...hb]}`);
    assert.ok(ha.has(REGIONLESS) !== hb.has(REGIONLESS), 'the region-less work is one instance’s');
    assert.ok([...hb].some((r) => r !== REGIONLESS), 'the newcomer has a real region');
    assert.ok(events.some((e) => e.type === 'lease.released' && e.regions.length === 1));
    assert.deepEqual([...(await a.confirm([...REGIONS, REGIONLESS], new Date()))].sort(), [...ha].sort(), 'the store agrees with what it holds');
    await a.run(AbortSignal.abort());
    await b.run(AbortSignal.abort());
    assert.deepEqual(await new RegionLeases(store.engine, 'x', 1000).all(), [], 'a clean stop gives every lease back');
    assert.equal(a.held().size, 0);
  });

  it('the epoch fences an instance whose region was taken over: confirm() says no before it records, and its next renewal says it lost it', async () => {
    const t0 = Date.now();
    let aNow = new Date(t0);
    const events: LeaseEvent[] = [];
    const a = new LeasedRegions({ leases: new RegionLeases(store.engine, 'slow-a', 3_000), regions: ['pg1'], renewEveryMs: 1_000, emit: (e) => events.push(e), now: () => aNow });
    const b = new LeasedRegions({ leases: new RegionLeases(store.engine, 'b2', 3_000), regions: ['pg1'], renewEveryMs: 1_000, emit: () => undefined, now: () => new Date(t0 + 4_000) });
    await a.renew();
    assert.ok(a.held().has('pg1'));
    // b comes along after a's leases ran out (a stalled): it takes them, with a new epoch.
    await b.renew();
    assert.ok(b.held().has('pg1'));
    assert.ok(a.held().has('pg1'), 'a has not heard yet (its own trust window has not closed)');
    assert.deepEqual([...(await a.confirm(['pg1', REGIONLESS], new Date(t0 + 4_100)))], [], 'but the store says the lease is b’s');
    aNow = new Date(t0 + 4_200);
    await a.renew();
    assert.equal(a.held().has('pg1'), false);
    assert.ok(events.some((e) => e.type === 'lease.lost' && e.regions.includes('pg1')), JSON.stringify(events));
    await a.run(AbortSignal.abort());
    await b.run(AbortSignal.abort());
  });

  it('an instance that cannot renew stops trusting its leases a renewal period before they would run out', async () => {
    const leases = new FailingLeases(store.engine, 'cut-off', 600);
    const events: LeaseEvent[] = [];
    const a = new LeasedRegions({ leases, regions: ['pg1'], renewEveryMs: 200, emit: (e) => events.push(e) });
    const renewedAt = Date.now();
    await a.renew();
    assert.ok(a.held().has('pg1'));
    leases.failing = true;
    await a.renew();
    assert.ok(events.some((e) => e.type === 'lease.failed'));
    if (Date.now() - renewedAt < 350) assert.ok(a.held().has('pg1'), 'still trusted inside TTL less one renewal');
    await new Promise((r) => setTimeout(r, 450 - (Date.now() - renewedAt)));
    assert.equal(a.held().size, 0, 'no longer trusted after TTL less one renewal (400 ms), before the lease runs out (600 ms)');
    assert.ok(events.some((e) => e.type === 'lease.lost' && e.regions.includes('pg1')));
    leases.failing = false;
    await leases.leave();
  });

  it('renewals must come more often than the TTL; the embedded store holds the whole fleet', () => {
    assert.throws(() => new LeasedRegions({ leases: new RegionLeases(store.engine, 'x', 1000), regions: [], renewEveryMs: 1000, emit: () => undefined }), /more often than their TTL/);
    assert.deepEqual([...new WholeFleet(REGIONS).held()].sort(), [REGIONLESS, ...REGIONS].sort());
  });
});
