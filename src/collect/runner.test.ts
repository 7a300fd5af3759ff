import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assembleSnapshot } from './assemble.js';
import { runCollectors } from './runner.js';
import type { Collector } from './types.js';

const servers: Collector = {
  id: 'servers',
  description: 'test',
  produces: ['servers'],
  async collect() {
    return { data: { servers: [{ id: 's1', name: 'a', status: 'ACTIVE' }] } };
  },
};

describe('collector runner', () => {
  it('runs collectors concurrently and merges their sections', async () => {
    const order: string[] = [];
    const slow = (id: string, ms: number): Collector => ({
      id,
      description: id,
      produces: ['alarms'],
      async collect() {
        order.push(`start ${id}`);
        await new Promise((r) => setTimeout(r, ms));
        order.push(`end ${id}`);
        return { data: { alarms: [{ ticketId: id, host: 'h', faultCode: 'FAN', raisedAt: '2026-01-01T00:00:00Z' }] } };
      },
    });
    const run = await runCollectors([slow('a', 30), slow('b', 5)], { timeoutMs: 1000 });
    assert.deepEqual(order, ['start a', 'start b', 'end b', 'end a']);
    assert.equal(run.data.alarms?.length, 2);
    assert.deepEqual(run.outcomes.map((o) => o.status), ['ok', 'ok']);
  });

  it('marks a collector that overruns its deadline failed, aborts its signal, and keeps the others', async () => {
    let aborted = false;
    const hang: Collector = {
      id: 'hang',
      description: 'never answers',
      produces: ['probes'],
      timeoutMs: 50,
      collect(ctx) {
        return new Promise(() => {
          ctx.signal.addEventListener('abort', () => (aborted = true));
        });
      },
    };
    const run = await runCollectors([hang, servers], { timeoutMs: 5000 });
    const [h, s] = run.outcomes;
    assert.equal(h?.status, 'failed');
    assert.match(h?.error ?? '', /timed out after 50 ms/);
    assert.equal(aborted, true);
    assert.equal(s?.status, 'ok');
    assert.equal(run.data.servers?.length, 1);
  });

  it('records a throwing collector as failed with its message', async () => {
    const bad: Collector = { id: 'bad', description: '', produces: ['servers'], collect: async () => { throw new Error('401 Unauthorized'); } };
    const run = await runCollectors([bad], { timeoutMs: 100 });
    assert.equal(run.outcomes[0]?.status, 'failed');
    assert.equal(run.outcomes[0]?.error, '401 Unauthorized');
  });

  it('fails a collector whose data does not fit the schema, naming the field, without losing other sections', async () => {
    const malformed: Collector = { id: 'm', description: '', produces: ['servers'], collect: async () => ({ data: { servers: [{ id: 1 } as never] } }) };
    const run = await runCollectors([malformed, { ...servers, id: 'good', produces: ['servers'] }], { timeoutMs: 100 });
    assert.equal(run.outcomes[0]?.status, 'failed');
    assert.match(run.outcomes[0]?.error ?? '', /servers\[0\]\.id/);
    assert.equal(run.data.servers?.length, 1);
  });

  it('fails a collector that produces a section it did not declare', async () => {
    const sneaky: Collector = { id: 's', description: '', produces: ['alarms'], collect: async () => ({ data: { servers: [] } }) };
    const run = await runCollectors([sneaky], { timeoutMs: 100 });
    assert.match(run.outcomes[0]?.error ?? '', /does not declare/);
  });

  it('keeps partial status and warnings, and the snapshot records every outcome', async () => {
    const partial: Collector = { ...servers, id: 'p', collect: async () => ({ data: { servers: [] }, status: 'partial', warnings: ['region b: 503'] }) };
    const run = await runCollectors([partial], { timeoutMs: 100 });
    const snap = assembleSnapshot(run, { collectedAt: new Date('2026-02-01T00:00:00Z'), version: '0.0.0' });
    assert.equal(snap.collection[0]?.status, 'partial');
    assert.deepEqual(snap.collection[0]?.warnings, ['region b: 503']);
    assert.equal(snap.collectedAt, '2026-02-01T00:00:00.000Z');
  });

  it('assembles the same frozen snapshot from checked sections as from a full validation', async () => {
    const complete = { id: 's2', name: 'b', status: 'ACTIVE', addresses: [], volumes: [], metadata: {} };
    const mixed: Collector = {
      ...servers,
      id: 'mixed',
      produces: ['servers', 'regions', 'kubernetes'],
      // One server the schema completes (defaults), one it keeps as it is, an unknown key it drops.
      collect: async () => ({
        data: { servers: [{ id: 's1', name: 'a', status: 'ACTIVE', extra: 1 } as never, complete], regions: [{ name: 'pg1', zone: 'prod' }], kubernetes: { clusters: [] } },
      }),
    };
    const run = await runCollectors([mixed, { ...servers, id: 'more' }], { timeoutMs: 1000 });
    const meta = { collectedAt: new Date('2026-02-01T00:00:00Z'), version: '0.0.0' };
    const fast = assembleSnapshot(run, meta);
    // A copy of the data is not known to the runner, so it is validated in full.
    const full = assembleSnapshot({ ...run, data: { ...run.data } }, meta);
    assert.deepStrictEqual(fast, full);
    assert.equal(JSON.stringify(fast), JSON.stringify(full));
    assert.deepEqual(fast.servers.map((s) => s.id), ['s1', 's2', 's1']);
    assert.equal('extra' in (fast.servers[0] as object), false);
    assert.ok(Object.isFrozen(fast) && Object.isFrozen(fast.servers) && Object.isFrozen(fast.servers[1]) && Object.isFrozen(fast.servers[1]?.addresses));
  });

  it('still validates a run it did not make when assembling', () => {
    const run = { data: { servers: [{ id: 1 } as never] }, outcomes: [] };
    assert.throws(() => assembleSnapshot(run, { collectedAt: new Date(), version: '0.0.0' }), /servers\[0\]\.id: Invalid input: expected string/);
  });
});

describe('collector dependencies', () => {
  /** Never answers; says nothing but how long it was given, through the runner's timeout message. */
  const hangs = (over: Partial<Collector>): Collector => ({
    id: 'hosts',
    description: '',
    produces: ['probes'],
    needs: ['servers'],
    collect: (ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error))),
    ...over,
  });
  const twoServers: Collector = { ...servers, collect: async () => ({ data: { servers: [{ id: 's1', name: 'a', status: 'ACTIVE' }, { id: 's2', name: 'b', status: 'ACTIVE' }] } }) };

  it('gives a collector the deadline it asks for its input, instead of the run default', async () => {
    const asked: number[] = [];
    const hosts = hangs({
      timeoutFor: (input) => {
        asked.push(input.servers?.length ?? -1);
        return 20 * (input.servers?.length ?? 0);
      },
    });
    const run = await runCollectors([hosts, twoServers], { timeoutMs: 5000 });
    assert.deepEqual(asked, [2], 'asked once, with what it needs');
    assert.equal(run.outcomes[0]?.status, 'failed');
    assert.match(run.outcomes[0]?.error ?? '', /^timed out after 40 ms$/);
  });

  it('keeps an explicit deadline over the one a collector would ask for', async () => {
    let asked = false;
    const hosts = hangs({
      timeoutMs: 30,
      timeoutFor: () => {
        asked = true;
        return 60_000;
      },
    });
    const run = await runCollectors([hosts, twoServers], { timeoutMs: 60_000 });
    assert.match(run.outcomes[0]?.error ?? '', /^timed out after 30 ms$/);
    assert.equal(asked, false);
  });

  it('starts a collector after the producers of what it needs and hands it their data', async () => {
    const seen: string[] = [];
    const probe: Collector = {
      id: 'probe',
      description: '',
      produces: ['probes'],
      needs: ['servers'],
      async collect(ctx) {
        seen.push(...(ctx.input.servers ?? []).map((s) => s.name));
        return { data: { probes: [] } };
      },
    };
    const slowServers: Collector = { ...servers, async collect() { await new Promise((r) => setTimeout(r, 20)); return servers.collect({} as never); } };
    const run = await runCollectors([probe, slowServers], { timeoutMs: 1000 });
    assert.deepEqual(seen, ['a']);
    assert.deepEqual(run.outcomes.map((o) => o.status), ['ok', 'ok']);
  });

  it('fails a dependant with the reason when its producer failed', async () => {
    const probe: Collector = { id: 'probe', description: '', produces: ['probes'], needs: ['servers'], collect: async () => ({ data: {} }) };
    const dead: Collector = { ...servers, collect: async () => { throw new Error('keystone 401'); } };
    const run = await runCollectors([probe, dead], { timeoutMs: 1000 });
    assert.equal(run.outcomes[0]?.status, 'failed');
    assert.match(run.outcomes[0]?.error ?? '', /needs servers, which was not collected \(servers: keystone 401\)/);
  });

  it('with needsFrom, waits only for the named producers and gets only their data', async () => {
    let started!: () => void;
    const dependantStarted = new Promise<void>((resolve) => (started = resolve));
    const list = (id: string, name: string, gate?: Promise<void>): Collector => ({
      id,
      description: '',
      produces: ['servers'],
      async collect() {
        await gate;
        return { data: { servers: [{ id: `${name}-1`, name, status: 'ACTIVE' }] } };
      },
    });
    const seen: string[] = [];
    const actions: Collector = {
      id: 'actions:b',
      description: '',
      produces: ['instanceActions'],
      needs: ['servers'],
      needsFrom: ['servers:b'],
      async collect(ctx) {
        started();
        seen.push(...(ctx.input.servers ?? []).map((s) => s.name));
        return { data: { instanceActions: [] } };
      },
    };
    // Region a finishes only once the dependant has started: waiting for it would deadlock until the deadline.
    const run = await runCollectors([list('servers:a', 'a', dependantStarted), list('servers:b', 'b'), actions], { timeoutMs: 2000 });
    assert.deepEqual(run.outcomes.map((o) => `${o.collector} ${o.status}`), ['servers:a ok', 'servers:b ok', 'actions:b ok']);
    assert.deepEqual(seen, ['b']);
    assert.deepEqual(run.data.servers?.map((s) => s.name), ['a', 'b']);
  });
});
