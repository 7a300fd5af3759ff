import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Incident } from '../correlate/types.js';
import { fleet } from '../snapshot/builders.js';
import { RunStore } from '../store/runs.js';
import type { Store } from '../store/store.js';
import { openTestStore } from '../store/testing.js';
import { buildServer, type FaultlineServer } from './app.js';
import { hashToken, type ApiToken } from './auth.js';
import { ServerMetrics } from './metrics.js';

/**
 * The dashboard's routes with injected requests and a real embedded store: the
 * shell page holds no data and allows only its own script, the view needs a
 * token and draws Approve only for operate, an approval through the API hands
 * the run to the resume the CLI passes in (once, however often it is clicked),
 * and the event stream says so.
 */

const READ = 'dash-read-token-0123456789';
const OPERATE = 'dash-operate-token-0123456789';
const T0 = new Date('2026-12-04T03:00:00Z');
const HOSTILE = '<img src=x onerror=alert(1)>';

const incident: Incident = {
  id: 'inc-1',
  title: `com001 does not answer`,
  case: 'pm-hang',
  severity: 'critical',
  zone: 'prod',
  root: { resource: { kind: 'hypervisor', id: 'hv-1', name: 'com001' }, detectorId: 'hypervisor-down', fingerprint: 'fp-1' },
  chain: [{ resource: { kind: 'hypervisor', id: 'hv-1', name: 'com001' }, summary: 'down' }],
  blastRadius: {
    servers: [{ id: 's-db', name: `db-${HOSTILE}`, hypervisor: 'com001', ips: [], owners: [], db: true, impacted: true }],
    dbServers: [],
    clusters: [],
    projects: [],
    owners: [],
    counts: { servers: 1, impactedServers: 1, dbServers: 1, clusters: 0, projects: 0, owners: 0 },
  },
  findings: ['fp-1'],
  tickets: [],
};

describe('the dashboard routes', { timeout: 30_000 }, () => {
  let dir: string;
  let store: Store;
  let server: FaultlineServer;
  let runId: string;
  const resumed: string[] = [];
  let release: () => void = () => undefined;
  const tokens: ApiToken[] = [
    { name: 'wall', role: 'read', sha256: hashToken(READ) },
    { name: 'night-shift', role: 'operate', sha256: hashToken(OPERATE) },
  ];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-dash-'));
    store = await openTestStore({ kind: 'embedded', path: join(dir, 'store') });
    const snapshot = fleet().hypervisor('com001').server(`db-${HOSTILE}`, { on: 'com001', metadata: { role: 'db' } }).build();
    const runs = new RunStore(store.engine);
    const run = await runs.create({
      runbook: 'pm-hang',
      context: { target: { kind: 'hypervisor', id: 'hv-1', name: 'com001' }, hypervisor: { id: 'hv-1', name: 'com001', host: 'com001' }, servers: [{ id: 's-db', name: 'db', db: true, serving: true }] },
      createdBy: 'test',
      at: T0,
      leaseTtlMs: 60_000,
      dedupWindowMs: 60_000,
    });
    runId = run.id;
    await runs.advance(runId, 1, 'waiting', `gate db-servers: DB server(s) db still serve; the DBA must acknowledge first: faultline approve ${runId} db-servers --by <name>`, T0.toISOString());
    server = buildServer({
      engine: store.engine,
      tokens,
      latest: () => ({ scanId: 7, evaluatedAt: T0, snapshot, results: [], incidents: [incident] }),
      metrics: new ServerMetrics(store.engine),
      eventPollMs: 100,
      resumeRun: async (id) => {
        resumed.push(id);
        await new Promise<void>((res) => (release = res));
      },
    });
    await server.app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    release();
    await server?.app.close();
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the shell page without a token, with no data and a CSP that allows only its own script and style', async () => {
    const r = await server.app.inject({ method: 'GET', url: '/' });
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /^text\/html/);
    const csp = String(r.headers['content-security-policy']);
    const script = /<script>([\s\S]*?)<\/script>/.exec(r.body)?.[1] ?? '';
    const style = /<style>([\s\S]*?)<\/style>/.exec(r.body)?.[1] ?? '';
    const hash = (t: string): string => `'sha256-${createHash('sha256').update(t, 'utf8').digest('base64')}'`;
    assert.ok(csp.includes(`script-src ${hash(script)}`), csp);
    assert.ok(csp.includes(`style-src ${hash(style)}`), csp);
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.ok(!r.body.includes('com001'), 'the shell carries no fleet data');
  });

  it('refuses the view and the events without a token', async () => {
    for (const url of ['/api/v1/dashboard', '/api/v1/events']) assert.equal((await server.app.inject({ method: 'GET', url })).statusCode, 401, url);
  });

  it('renders the incident with its run and gate, escapes names, and draws Approve only for the operate role', async () => {
    const view = async (token: string): Promise<{ html: string; role: string; scanId: number }> =>
      (await server.app.inject({ method: 'GET', url: '/api/v1/dashboard', headers: { authorization: `Bearer ${token}` } })).json();
    const read = await view(READ);
    assert.equal(read.role, 'read');
    assert.equal(read.scanId, 7);
    assert.ok(read.html.includes('data-incident="inc-1"'));
    assert.ok(read.html.includes('waits at gate <strong>db-servers</strong>'));
    assert.ok(read.html.includes('⚠ DB'));
    assert.ok(read.html.includes('show com001'), 'the hypervisor table');
    assert.ok(!read.html.includes(HOSTILE), 'the hostile name is not markup');
    assert.ok(read.html.includes('db-&lt;img src=x onerror=alert(1)&gt;'));
    assert.ok(!read.html.includes('data-approve-run'), 'no Approve for a read token');
    const operate = await view(OPERATE);
    assert.ok(operate.html.includes(`data-approve-run="${runId}" data-gate="db-servers"`), 'Approve for an operate token');
  });

  it('an approval hands the run to the resume once, and the event stream reports the change', async () => {
    const { port } = server.app.server.address() as AddressInfo;
    const base = `http://127.0.0.1:${port}`;
    const stream = await fetch(`${base}/api/v1/events`, { headers: { authorization: `Bearer ${READ}` } });
    assert.equal(stream.status, 200);
    assert.match(String(stream.headers.get('content-type')), /^text\/event-stream/);
    const reader = stream.body!.getReader();
    let seen = '';
    const changeSeen = (async () => {
      const decoder = new TextDecoder();
      while (!/event: change\ndata: \{"what":"runs"\}/.test(seen)) {
        const chunk = await reader.read();
        if (chunk.done) break;
        seen += decoder.decode(chunk.value);
      }
    })();
    const approve = () => fetch(`${base}/api/v1/runs/${runId}/approvals`, { method: 'POST', headers: { authorization: `Bearer ${OPERATE}`, 'content-type': 'application/json' }, body: JSON.stringify({ gate: 'db-servers' }) });
    const [a, b] = await Promise.all([approve(), approve()]);
    // One records the approval (201); the other finds it recorded (200) or, racing, records nothing new (201).
    assert.ok([a.status, b.status].includes(201) && [a.status, b.status].every((st) => st === 200 || st === 201), `${a.status} ${b.status}`);
    const nexts = [((await a.json()) as { next: string }).next, ((await b.json()) as { next: string }).next].sort();
    assert.deepEqual(nexts, [`this server is already resuming run ${runId}`, `this server resumes run ${runId} now`]);
    assert.deepEqual(resumed, [runId], 'resumed once');
    await changeSeen;
    assert.match(seen, /event: change\ndata: \{"what":"runs"\}/);
    const readOnly = await fetch(`${base}/api/v1/runs/${runId}/approvals`, { method: 'POST', headers: { authorization: `Bearer ${READ}`, 'content-type': 'application/json' }, body: JSON.stringify({ gate: 'db-servers' }) });
    assert.equal(readOnly.status, 403);
    await reader.cancel();
    release();
  });
});
