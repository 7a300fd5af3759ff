import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import serverError from '../detect/rules/server-error.js';
import { fleet } from '../snapshot/builders.js';
import type { Server } from '../snapshot/schema.js';
import { listFindings } from '../store/lists.js';
import type { Store } from '../store/store.js';
import { openTestStore, testEngines } from '../store/testing.js';
import type { RegionScope } from './region-scope.js';
import type { FeedRound, ServerFeed } from './server-feed.js';
import { Watch, type WatchEvent } from './watch.js';

/**
 * The watch loop under a region scope (what `faultline serve` gives it): it reads
 * only the feeds of the regions held, records scoped to them (so another
 * instance's region keeps its open findings), lists a region whole again when it
 * comes back, and records nothing for a region the store says was lost mid-round.
 */

/** A region's server feed without Nova: the servers a test sets, all "changed" every round. */
class FakeFeed {
  reads = 0;
  resyncs = 0;
  list: Server[];
  readonly instanceActions = [];
  readonly hypervisors = undefined;
  constructor(
    readonly region: string,
    list: Server[],
  ) {
    this.list = list;
  }
  get servers(): Server[] {
    return this.list;
  }
  get size(): number {
    return this.list.length;
  }
  /** The watch spreads real feeds' full listings over the rounds; this one lists whole when told to. */
  staggerResync(): void {}
  async round(): Promise<FeedRound> {
    this.reads++;
    return { full: this.resyncs > 0 || this.reads === 1, changed: this.list, removed: [], shutoff: [], requests: 1, warnings: [] };
  }
  resyncNext(): void {
    this.resyncs++;
  }
  server(id: string): Server | undefined {
    return this.list.find((s) => s.id === id);
  }
  actionsOf(): [] {
    return [];
  }
}

class TestScope implements RegionScope {
  regions = new Set<string>();
  /** Regions the store no longer vouches for, though the process still believes it holds them. */
  lostInStore = new Set<string>();
  held(): ReadonlySet<string> {
    return this.regions;
  }
  async confirm(regions: readonly string[]): Promise<ReadonlySet<string>> {
    return new Set(regions.filter((r) => this.regions.has(r) && !this.lostInStore.has(r)));
  }
}

function servers(): { ra: Server; rb: Server } {
  const snap = fleet()
    .hypervisor('cmp-a')
    .hypervisor('cmp-b')
    .server('web-a', { id: 'srv-a', on: 'cmp-a', region: 'ra', status: 'ERROR', fault: { message: 'disk gone', code: 500 } })
    .server('web-b', { id: 'srv-b', on: 'cmp-b', region: 'rb', status: 'ERROR', fault: { message: 'disk gone', code: 500 } })
    .build();
  return { ra: snap.servers[0] as Server, rb: snap.servers[1] as Server };
}

const { engines, teardown } = testEngines();

describe('the watch loop under a region scope', { timeout: 30_000 }, () => {
  let store: Store;
  before(async () => {
    store = await openTestStore(await (engines.find((e) => e.name === 'embedded') ?? engines[0]!).location());
  });
  after(async () => {
    await store.close();
    await teardown();
  });

  it('reads and records only the held regions; the other region keeps its open findings; a region back is listed whole; a region lost mid-round is not recorded', async () => {
    const s = servers();
    const fa = new FakeFeed('ra', [s.ra]);
    const fb = new FakeFeed('rb', [s.rb]);
    const scope = new TestScope();
    const events: WatchEvent[] = [];
    const watch = new Watch({
      feeds: [fa, fb] as unknown as ServerFeed[],
      detectors: [serverError],
      run: {},
      store,
      lookbackDays: 62,
      version: 'test',
      intervalMs: 1000,
      zones: {},
      emit: (e) => events.push(e),
      scope,
    });
    const open = async (): Promise<string[]> => (await listFindings(store.engine, { status: 'open', limit: 100 })).map((f) => f.resource.id).sort();
    const signal = new AbortController().signal;
    const lastRound = (): Extract<WatchEvent, { type: 'round' }> => events.filter((e): e is Extract<WatchEvent, { type: 'round' }> => e.type === 'round').at(-1)!;

    scope.regions = new Set(['ra', 'rb']);
    await watch.round(signal);
    assert.deepEqual(await open(), ['srv-a', 'srv-b'], 'both regions judged');

    // rb moves to another instance: this one reads ra only, and a fixed srv-a is resolved without touching srv-b.
    scope.regions = new Set(['ra']);
    fa.list = [{ ...s.ra, status: 'ACTIVE', fault: undefined } as Server];
    const readsB = fb.reads;
    await watch.round(signal);
    assert.equal(fb.reads, readsB, 'the region not held is not read');
    assert.ok(fb.resyncs > 0, 'and it will be listed whole when it comes back');
    assert.equal(lastRound().servers, 1);
    assert.deepEqual(await open(), ['srv-b'], 'srv-a resolved in its region; srv-b is the other instance’s to judge');

    // ra is lost in the store between the round's start and its recording: nothing is written for it.
    fa.list = [s.ra];
    scope.lostInStore = new Set(['ra']);
    await watch.round(signal);
    assert.equal(lastRound().recorded, null, 'not recorded');
    assert.deepEqual(await open(), ['srv-b'], 'srv-a is not reopened by a process that lost its region');

    // rb comes back: its feed was told to list whole, and its findings are judged here again.
    scope.lostInStore = new Set();
    scope.regions = new Set(['ra', 'rb']);
    fb.list = [{ ...s.rb, status: 'ACTIVE', fault: undefined } as Server];
    await watch.round(signal);
    assert.equal(lastRound().full, true);
    assert.deepEqual(await open(), ['srv-a'], 'srv-b resolved by its new holder; srv-a in ERROR again');
  });
});
