import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { silentLogger } from '../../core/log.js';
import { fixture } from '../host/test-support.js';
import { runCollectors } from '../runner.js';
import type { CollectContext, CollectedData, Collector } from '../types.js';
import { OpenStackClient } from './client.js';
import { consoleTargets, createConsoleLogCollector, type ConsoleLogOptions } from './console-logs.js';
import { FAKE_PASSWORD, startFakeCloud, type CannedAnswer, type FakeCloud, type Recorded } from './fake-cloud.js';

type ServerIn = NonNullable<CollectedData['servers']>[number];
type ProbeIn = NonNullable<CollectedData['probes']>[number];

const clouds: FakeCloud[] = [];
after(async () => {
  await Promise.all(clouds.map((c) => c.close()));
});

const server = (id: string, fields: Partial<ServerIn> = {}): ServerIn => ({ id, name: `vm-${id}`, status: 'ACTIVE', host: 'com1', hostStatus: 'UP', addresses: [], ...fields });
const probe = (id: string, ping: boolean | null, ssh: NonNullable<ProbeIn['ssh']>['state']): ProbeIn => ({
  targetKind: 'server',
  targetId: id,
  address: '10.0.0.1',
  probedAt: '2026-01-01T00:00:00Z',
  ping: ping === null ? null : { ok: ping },
  ssh: { state: ssh },
});

const HEALTHY_CONSOLE = '[    3.118220] cloud-init[512]: Cloud-init v. 23.3.3 running \'init\'\n\nweb-1 login: \n';

/** A cloud whose consoles are `consoles[id]` (a string, or a canned answer for failures); every other request falls through. */
async function setup(consoles: Record<string, string | CannedAnswer>, options: ConsoleLogOptions = {}, region?: string): Promise<{ cloud: FakeCloud; collector: Collector }> {
  const intercept = (r: Recorded): CannedAnswer | undefined => {
    const m = /\/servers\/([^/]+)\/action$/.exec(r.path);
    if (!m || r.method !== 'POST') return undefined;
    const answer = consoles[decodeURIComponent(m[1] ?? '')];
    if (answer === undefined) return { status: 404, body: { itemNotFound: { code: 404, message: 'Instance could not be found.' } } };
    return typeof answer === 'string' ? { status: 200, body: { output: answer } } : answer;
  };
  const cloud = await startFakeCloud({ intercept, ...(region ? { region } : {}) });
  clouds.push(cloud);
  const client = new OpenStackClient({
    auth: { authUrl: cloud.authUrl, username: 'admin', password: FAKE_PASSWORD, projectName: 'admin', interface: 'public' },
    retry: { retries: 0, backoffBaseMs: 1, backoffMaxMs: 2, timeoutMs: 5000 },
  });
  return { cloud, collector: createConsoleLogCollector(client, options) };
}

function ctx(input: CollectedData, progress: string[] = []): CollectContext {
  return { signal: new AbortController().signal, now: () => new Date('2026-01-01T00:00:00Z'), log: silentLogger, progress: (m) => progress.push(m), input };
}

const consoleCalls = (cloud: FakeCloud): string[] =>
  cloud
    .calls(/\/servers\/[^/]+\/action$/, 'POST')
    .map((c) => /\/servers\/([^/]+)\/action$/.exec(c.path)?.[1] ?? '')
    .sort();

describe('console logs: which servers', () => {
  it('picks servers that failed ping or SSH and servers in ERROR, not healthy or ping-only ones', () => {
    const servers = [server('a'), server('b'), server('c'), server('d'), server('e', { status: 'ERROR' }), server('f', { status: 'ERROR', host: null }), server('g', { name: 'amphora-1' })];
    const probes = [probe('a', true, 'ok'), probe('b', false, 'timeout'), probe('c', true, 'hang'), probe('d', true, 'refused'), probe('g', true, 'not-expected')];
    const { targets, hostDown, overLimit } = consoleTargets({ servers, probes }, undefined, 100);
    assert.deepEqual(targets.map((t) => `${t.server.id}:${t.reason}`), ['b:ping', 'c:ssh', 'd:ssh', 'e:error']);
    assert.deepEqual(hostDown, []);
    assert.deepEqual(overLimit, []);
  });

  it('leaves out servers whose compute host is down, other regions, and those over the limit', () => {
    const servers = [server('a', { hostStatus: 'UNKNOWN' }), server('b', { region: 'hn1dev' }), server('c', { region: 'pg1' }), server('d'), server('e')];
    const probes = ['a', 'b', 'c', 'd', 'e'].map((id) => probe(id, false, 'timeout'));
    const { targets, hostDown, overLimit } = consoleTargets({ servers, probes }, 'pg1', 2);
    assert.deepEqual(targets.map((t) => t.server.id), ['c', 'd']);
    assert.deepEqual(hostDown.map((s) => s.id), ['a']);
    assert.deepEqual(overLimit.map((s) => s.id), ['e']);
  });
});

describe('console logs: reading and parsing', () => {
  it('reads the last lines of each picked console and records the panics it finds (seed 002 consoles)', async () => {
    const { cloud, collector } = await setup({ pf: fixture('seed-002-console-async-pf.txt'), root: fixture('seed-002-console-root-mount.txt'), ok: HEALTHY_CONSOLE }, { lines: 80 });
    const input = { servers: [server('pf'), server('root', { status: 'ERROR' }), server('ok'), server('fine')], probes: [probe('pf', false, 'timeout'), probe('ok', false, 'timeout'), probe('fine', true, 'ok')] };
    const result = await collector.collect(ctx(input));
    assert.deepEqual(consoleCalls(cloud), ['ok', 'pf', 'root'], 'never the healthy server');
    // 80 lines wanted: Nova spends one of `length` on the empty piece after the final newline.
    for (const call of cloud.calls(/\/action$/, 'POST')) assert.deepEqual(JSON.parse(call.body), { 'os-getConsoleOutput': { length: 81 } });
    assert.deepEqual(
      result.data.consoleLogs?.map((e) => [e.serverId, e.kind, e.line]),
      [
        ['pf', 'async-pf-panic', '[ 3121.583458] Kernel panic - not syncing: Host injected async #PF in kernel mode'],
        ['root', 'root-mount-panic', '[    1.233824] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)'],
      ],
    );
    assert.equal(result.status, undefined);
    assert.deepEqual(result.warnings, []);
  });

  it('records one server failing without stopping the others, as partial', async () => {
    const { collector } = await setup({ pf: fixture('seed-002-console-async-pf.txt'), gone: { status: 409, body: { conflictingRequest: { code: 409, message: 'Instance gone is not ready' } } } });
    const result = await collector.collect(ctx({ servers: [server('pf'), server('gone')], probes: [probe('pf', false, 'timeout'), probe('gone', false, 'timeout')] }));
    assert.equal(result.status, 'partial');
    assert.deepEqual(result.data.consoleLogs?.map((e) => e.serverId), ['pf']);
    assert.equal(result.warnings?.length, 1);
    assert.match(result.warnings?.[0] ?? '', /^1 of 2 console log\(s\) could not be read: vm-gone: .*HTTP 409/);
  });

  it('fails when no console could be read, so the panic detectors are skipped rather than passed', async () => {
    const forbidden = { status: 403, body: { forbidden: { code: 403, message: 'Policy does not allow os_compute_api:os-console-output to be performed.' } } };
    const { collector } = await setup({ a: forbidden, b: forbidden });
    await assert.rejects(collector.collect(ctx({ servers: [server('a'), server('b')], probes: [probe('a', false, 'timeout'), probe('b', true, 'hang')] })), /could not read any of 2 console log\(s\): vm-a: .*HTTP 403/);
  });

  it('reads nothing and passes when every server answers', async () => {
    const { cloud, collector } = await setup({});
    const result = await collector.collect(ctx({ servers: [server('a')], probes: [probe('a', true, 'ok')] }));
    assert.deepEqual(result.data.consoleLogs, []);
    assert.deepEqual(consoleCalls(cloud), []);
  });

  it('names the servers it skipped because their host is down or the limit was reached', async () => {
    const { collector } = await setup({ b: HEALTHY_CONSOLE }, { maxServers: 1 });
    const input = { servers: [server('a', { hostStatus: 'DOWN' }), server('b'), server('c')], probes: ['a', 'b', 'c'].map((id) => probe(id, false, 'timeout')) };
    const result = await collector.collect(ctx(input));
    assert.equal(result.status, 'partial');
    assert.deepEqual(result.warnings, [
      '1 console log(s) not read because the compute host does not answer (host_status DOWN or UNKNOWN): vm-a',
      '1 console log(s) not read: more than consoleLogs.maxServers (1) servers need one: vm-c',
    ]);
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const ids = Array.from({ length: 12 }, (_, i) => `s${i}`);
    const cloud = await startFakeCloud({
      intercept: async (r) => {
        if (!r.path.endsWith('/action')) return undefined;
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 15));
        inFlight -= 1;
        return { status: 200, body: { output: HEALTHY_CONSOLE } };
      },
    });
    clouds.push(cloud);
    const client = new OpenStackClient({ auth: { authUrl: cloud.authUrl, username: 'admin', password: FAKE_PASSWORD, projectName: 'admin', interface: 'public' } });
    const collector = createConsoleLogCollector(client, { concurrency: 3 });
    await collector.collect(ctx({ servers: ids.map((id) => server(id)), probes: ids.map((id) => probe(id, false, 'timeout')) }));
    assert.equal(peak, 3);
  });

  it('runs after the servers and probes, through the runner', async () => {
    const { collector } = await setup({ pf: fixture('seed-002-console-async-pf.txt') }, {}, 'pg1');
    const servers: Collector = { id: 'servers', description: '', produces: ['servers'], collect: async () => ({ data: { servers: [server('pf', { region: 'pg1' })] } }) };
    const probes: Collector = { id: 'probes', description: '', produces: ['probes'], needs: ['servers'], collect: async () => ({ data: { probes: [probe('pf', false, 'timeout')] } }) };
    const run = await runCollectors([collector, servers, probes], { timeoutMs: 5000 });
    assert.deepEqual(run.outcomes.map((o) => `${o.collector}:${o.status}`), ['console-logs:ok', 'servers:ok', 'probes:ok']);
    assert.equal(run.data.consoleLogs?.[0]?.kind, 'async-pf-panic');
    const failedProbes: Collector = { ...probes, collect: () => Promise.reject(new Error('fping missing')) };
    const without = await runCollectors([collector, servers, failedProbes], { timeoutMs: 5000 });
    assert.match(without.outcomes[0]?.error ?? '', /needs probes, which was not collected \(probes: fping missing\)/);
  });
});
