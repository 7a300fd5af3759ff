import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../core/errors.js';
import { configSchema } from '../config/schema.js';
import type { Incident } from '../correlate/types.js';
import { fleet } from '../snapshot/builders.js';
import { RunStore } from '../store/runs.js';
import type { Store } from '../store/store.js';
import { openTestStore, outboxRows, testEngines } from '../store/testing.js';
import { buildServer, type FaultlineServer } from './app.js';
import { hashToken, resolveTokens, type ApiToken } from './auth.js';
import { ServerMetrics } from './metrics.js';

const READ = 'read-token-0123456789abcdef';
const OPERATE = 'operate-token-0123456789abcdef';
const ADMIN = 'admin-token-0123456789abcdef';
const T0 = new Date('2026-12-04T03:00:00Z');

function incident(id: string, over: { region?: string; rootKind?: 'hypervisor' | 'server' | 'cluster'; rootName?: string; hypervisor?: string; clusters?: string[] } = {}): Incident {
  const kind = over.rootKind ?? 'hypervisor';
  const name = over.rootName ?? 'com001';
  return {
    id,
    title: `${name} does not answer`,
    case: kind === 'hypervisor' ? 'pm-hang' : 'vm-hang',
    severity: 'critical',
    ...(over.region ? { region: over.region } : {}),
    zone: 'prod',
    root: { resource: { kind, id: `${name}-id`, name }, detectorId: 'hypervisor-down', fingerprint: `fp-${id}` },
    chain: [{ resource: { kind, id: `${name}-id`, name }, summary: 'down' }],
    blastRadius: {
      servers: over.hypervisor ? [{ id: 's1', name: 'web-01', hypervisor: over.hypervisor, ips: [], owners: [], db: false, impacted: true }] : [],
      dbServers: [],
      clusters: over.clusters ?? [],
      projects: [],
      owners: [],
      counts: { servers: over.hypervisor ? 1 : 0, impactedServers: 0, dbServers: 0, clusters: over.clusters?.length ?? 0, projects: 0, owners: 0 },
    },
    findings: [`fp-${id}`],
    tickets: [],
  };
}

const suite = testEngines();

describe('the HTTP API: routes, bearer tokens and roles', { timeout: 90_000 }, () => {
  before(() => suite.setup());
  after(() => suite.teardown());
  for (const engine of suite.engines) {
    describe(engine.name, () => {
      let dir: string;
      let store: Store;
      let server: FaultlineServer;
      let tokens: ApiToken[];
      let runId: string;
      const logged: string[] = [];
      const latestIncidents = [incident('inc-spill', { rootKind: 'server', rootName: 'web-01', hypervisor: 'com007', clusters: ['k8s-prod'] })];

      before(async () => {
        dir = await mkdtemp(join(tmpdir(), 'fl-api-'));
        await writeFile(join(dir, 'read.token'), `${READ}\n`, { mode: 0o600 });
        store = await openTestStore(await engine.location());
        const config = configSchema.parse({
          server: {
            tokens: [
              { name: 'dashboard', role: 'read', tokenFile: 'read.token' },
              { name: 'night-shift', role: 'operate', tokenEnv: 'FL_OPERATE' },
              { name: 'root', role: 'admin', sha256: hashToken(ADMIN).toString('hex') },
            ],
          },
        });
        const secrets: string[] = [];
        tokens = await resolveTokens(config.server, { configFile: join(dir, 'faultline.yaml'), cwd: '/', env: { FL_OPERATE: OPERATE }, secret: (t) => secrets.push(t) });
        assert.deepEqual(secrets.sort(), [OPERATE, READ].sort(), 'every plaintext token read is handed to the redactor');

        const snapshot = fleet().hypervisor('com001').server('db-01', { on: 'com001', metadata: { role: 'db' } }).server('web-01', { on: 'com001' }).build();
        await store.scan(true, async (s) => {
          const { scanId } = await s.recordScan({ snapshot, results: [], evaluatedAt: T0, source: 'snapshot', version: 'test' });
          await s.recordIncidents(scanId, T0, [incident('inc-a', { region: 'seoul' }), incident('inc-b', { region: 'busan', rootName: 'com002' }), ...latestIncidents]);
        });
        await store.scan(true, async (s) => {
          const at = new Date(T0.getTime() + 60_000);
          const { scanId } = await s.recordScan({ snapshot, results: [], evaluatedAt: at, source: 'snapshot', version: 'test' });
          // inc-b is not seen again: resolved.
          await s.recordIncidents(scanId, at, [incident('inc-a', { region: 'seoul' }), ...latestIncidents]);
        });
        const run = await new RunStore(store.engine).create({
          runbook: 'pm-hang',
          context: { target: { kind: 'hypervisor', id: 'hv-1', name: 'com001' }, servers: [{ id: 'db1', name: 'db-01', db: true, serving: true }] },
          createdBy: 'test',
          at: T0,
          leaseTtlMs: 60_000,
          dedupWindowMs: 60_000,
        });
        runId = run.id;
        server = buildServer({
          engine: store.engine,
          tokens,
          latest: () => ({ scanId: 2, evaluatedAt: T0, snapshot, results: [], incidents: latestIncidents }),
          metrics: new ServerMetrics(store.engine),
          log: (m) => logged.push(m),
        });
        await server.app.ready();
      });
      after(async () => {
        await server?.app.close();
        await store?.close();
        await rm(dir, { recursive: true, force: true });
      });

      const get = (url: string, token?: string, headers: Record<string, string> = {}) =>
        server.app.inject({ method: 'GET', url, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });

      it('answers 401 with a JSON error and a Bearer challenge without a token, with a wrong one, or with another scheme', async () => {
        for (const headers of [{}, { authorization: 'Bearer not-a-token-at-all-xxxx' }, { authorization: `Basic ${Buffer.from(`x:${READ}`).toString('base64')}` }, { cookie: `token=${READ}` }]) {
          const res = await server.app.inject({ method: 'GET', url: '/api/v1/incidents', headers });
          assert.equal(res.statusCode, 401, JSON.stringify(headers));
          assert.match(String(res.headers['content-type']), /application\/json/);
          assert.equal(typeof res.json<{ error: string }>().error, 'string');
          assert.match(String(res.headers['www-authenticate']), /^Bearer/);
          assert.ok(!res.body.includes(READ));
        }
      });

      it('answers /healthz without a token, with nothing but that it is up', async () => {
        const res = await server.app.inject({ method: 'GET', url: '/healthz' });
        assert.equal(res.statusCode, 200);
        assert.deepEqual(res.json(), { ok: true });
      });

      it('lists open incidents to a read token and filters them by region, hypervisor (root or blast radius) and cluster', async () => {
        const open = await get('/api/v1/incidents', READ);
        assert.equal(open.statusCode, 200);
        assert.deepEqual(open.json<{ incidents: { id: string }[] }>().incidents.map((i) => i.id).sort(), ['inc-a', 'inc-spill']);
        const resolved = await get('/api/v1/incidents?status=resolved', READ);
        assert.deepEqual(resolved.json<{ incidents: { id: string; resolvedAt: string }[] }>().incidents.map((i) => i.id), ['inc-b']);
        assert.deepEqual((await get('/api/v1/incidents?region=seoul', READ)).json<{ incidents: { id: string }[] }>().incidents.map((i) => i.id), ['inc-a']);
        assert.deepEqual((await get('/api/v1/incidents?hypervisor=com001', READ)).json<{ incidents: { id: string }[] }>().incidents.map((i) => i.id), ['inc-a']);
        const spill = (await get('/api/v1/incidents?hypervisor=com007', READ)).json<{ incidents: { id: string; blastRadius?: { servers: unknown[] } }[] }>().incidents;
        assert.deepEqual(spill.map((i) => i.id), ['inc-spill'], 'a server incident whose blast radius is on com007');
        assert.equal(spill[0]?.blastRadius?.servers.length, 1, 'enriched with the newest scan’s blast radius');
        assert.deepEqual((await get('/api/v1/incidents?cluster=k8s-prod', READ)).json<{ incidents: { id: string }[] }>().incidents.map((i) => i.id), ['inc-spill']);
        assert.equal((await get('/api/v1/incidents/inc-b', READ)).statusCode, 200);
        assert.equal((await get('/api/v1/incidents/nope', READ)).statusCode, 404);
      });

      it('rejects bad query parameters with 400 before any handler runs', async () => {
        assert.equal((await get('/api/v1/incidents?status=maybe', READ)).statusCode, 400);
        assert.equal((await get('/api/v1/incidents?limit=0', READ)).statusCode, 400);
        assert.equal((await get('/api/v1/incidents?colour=red', READ)).statusCode, 400);
        assert.equal((await get('/api/v1/runbooks/pm-hang/plan', READ)).statusCode, 400, 'target is required');
      });

      it('serves runbooks, a plan from the newest scan, runs with steps, approvals and audit, the audit log and history', async () => {
        const books = (await get('/api/v1/runbooks', READ)).json<{ runbooks: { id: string; steps: unknown[] }[] }>().runbooks;
        assert.ok(books.some((b) => b.id === 'pm-hang' && b.steps.length > 0));
        const runs = (await get('/api/v1/runs', READ)).json<{ runs: { id: string }[] }>().runs;
        assert.deepEqual(runs.map((r) => r.id), [runId]);
        const one = (await get(`/api/v1/runs/${runId}`, READ)).json<{ run: { id: string }; steps: unknown[]; approvals: unknown[]; audit: unknown[] }>();
        assert.equal(one.run.id, runId);
        assert.ok(Array.isArray(one.steps) && Array.isArray(one.approvals) && Array.isArray(one.audit));
        assert.equal((await get('/api/v1/runs/run-nope', READ)).statusCode, 404);
        assert.equal((await get('/api/v1/runbooks/no-such/plan?target=x', READ)).statusCode, 404);
        const plan = (await get('/api/v1/runbooks/pm-hang/plan?target=com001', READ)).json<{ dryRun: boolean; target: { kind: string }; servers: { name: string; db: boolean }[]; steps: { id: string }[] }>();
        assert.equal(plan.dryRun, true);
        assert.equal(plan.target.kind, 'hypervisor');
        assert.deepEqual(plan.servers.map((x) => [x.name, x.db]), [['db-01', true], ['web-01', false]], 'the servers on it, DB servers marked');
        assert.ok(plan.steps.length > 0);
        assert.equal((await get('/api/v1/runbooks/pm-hang/plan?target=web-01', READ)).statusCode, 400, 'pm-hang acts on a hypervisor, not a server');
        assert.equal((await get('/api/v1/runbooks/pm-hang/plan?target=com999', READ)).statusCode, 404);
        const history = (await get('/api/v1/history/com001', READ)).json<{ events: { kind: string }[] }>();
        assert.ok(history.events.some((e) => e.kind === 'incident-opened'));
      });

      it('lets only operate and admin approve a gate, records the token holder as approver, and audits it', async () => {
        const body = { gate: 'db-servers', note: 'DBA agreed on the bridge' };
        const asRead = await server.app.inject({ method: 'POST', url: `/api/v1/runs/${runId}/approvals`, headers: { authorization: `Bearer ${READ}` }, payload: body });
        assert.equal(asRead.statusCode, 403);
        assert.match(asRead.json<{ error: string }>().error, /operate/);
        const asOperate = await server.app.inject({ method: 'POST', url: `/api/v1/runs/${runId}/approvals`, headers: { authorization: `Bearer ${OPERATE}` }, payload: body });
        assert.equal(asOperate.statusCode, 201, asOperate.body);
        assert.equal(asOperate.json<{ approval: { by: string } }>().approval.by, 'night-shift (api)');
        const audit = (await get(`/api/v1/audit?run=${runId}`, ADMIN)).json<{ audit: { what: string; actor: string }[] }>().audit;
        assert.ok(audit.some((a) => a.what === 'approve db-servers' && a.actor === 'night-shift (api)'));
        const again = await server.app.inject({ method: 'POST', url: `/api/v1/runs/${runId}/approvals`, headers: { authorization: `Bearer ${ADMIN}` }, payload: body });
        assert.equal(again.statusCode, 200, 'a repeat is answered with the approval already given');
        assert.equal(again.json<{ approval: { by: string } }>().approval.by, 'night-shift (api)');
        const audited = (await get(`/api/v1/audit?run=${runId}`, ADMIN)).json<{ audit: { what: string }[] }>().audit;
        assert.equal(audited.filter((a) => a.what === 'approve db-servers').length, 1, 'and audited once');
        const badGate = await server.app.inject({ method: 'POST', url: `/api/v1/runs/${runId}/approvals`, headers: { authorization: `Bearer ${OPERATE}` }, payload: { gate: 'everything' } });
        assert.equal(badGate.statusCode, 400);
        const noRun = await server.app.inject({ method: 'POST', url: '/api/v1/runs/run-nope/approvals', headers: { authorization: `Bearer ${ADMIN}` }, payload: { gate: 'operator' } });
        assert.equal(noRun.statusCode, 404);
      });

      it('is CSRF-safe: a state change needs the bearer header and a JSON body; forms, text/plain and cookies are refused', async () => {
        const url = `/api/v1/runs/${runId}/approvals`;
        const form = await server.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${OPERATE}`, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'gate=operator' });
        assert.equal(form.statusCode, 415);
        const text = await server.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${OPERATE}`, 'content-type': 'text/plain' }, payload: '{"gate":"operator"}' });
        assert.equal(text.statusCode, 415);
        const multipart = await server.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${OPERATE}`, 'content-type': 'multipart/form-data; boundary=x' }, payload: '--x--' });
        assert.equal(multipart.statusCode, 415);
        const cookieOnly = await server.app.inject({ method: 'POST', url, headers: { cookie: `authorization=Bearer ${OPERATE}`, 'content-type': 'application/json' }, payload: { gate: 'operator' } });
        assert.equal(cookieOnly.statusCode, 401);
        assert.equal((await new RunStore(store.engine).approval(runId, 'operator')), undefined, 'none of them recorded an approval');
        assert.equal(form.headers['access-control-allow-origin'], undefined, 'no CORS: other origins get no answer they may read');
      });

      it('never writes a token into what it logs or answers', async () => {
        await get('/api/v1/incidents', `${OPERATE}x`);
        await get('/api/v1/nothing-here', READ);
        for (const line of logged) for (const t of [READ, OPERATE, ADMIN]) assert.ok(!line.includes(t), line);
        const res = await get('/api/v1/nothing-here', READ);
        assert.equal(res.statusCode, 404);
        assert.ok(!res.body.includes(READ));
      });

      it('stores Alertmanager webhooks before answering, one row per fingerprint and start, updated when resolved', async () => {
        const url = '/api/v1/alerts/alertmanager';
        const alert = (status: 'firing' | 'resolved', fingerprint = 'a1b2c3d4e5f60718') => ({
          status,
          labels: { alertname: 'DiskFull', instance: 'com001' },
          annotations: {},
          startsAt: '2026-12-04T02:00:00Z',
          endsAt: status === 'firing' ? '0001-01-01T00:00:00Z' : '2026-12-04T02:30:00Z',
          generatorURL: 'http://prometheus/graph',
          fingerprint,
        });
        const body = (alerts: unknown[], status: 'firing' | 'resolved' = 'firing') => ({ version: '4', groupKey: '{}:{alertname="DiskFull"}', status, receiver: 'faultline', alerts });
        const send = (payload: unknown, token = OPERATE) => server.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}` }, payload: payload as object });
        assert.equal((await send(body([alert('firing')]), READ)).statusCode, 403, 'posting alerts is an operate call');
        assert.equal((await send({ ...body([alert('firing')]), version: '3' })).statusCode, 400);
        assert.equal((await send(body([{ ...alert('firing'), fingerprint: undefined }]))).statusCode, 400);
        assert.equal((await send(body([alert('firing')]))).statusCode, 200);
        assert.equal((await send(body([alert('firing')]))).statusCode, 200);
        type Rows = { alerts: { status: string; timesReceived: number; endsAt: string | null; resolvedAt: string | null }[] };
        let rows = (await get('/api/v1/alerts?alertname=DiskFull', READ)).json<Rows>().alerts;
        assert.equal(rows.length, 1);
        assert.equal(rows[0]?.timesReceived, 2);
        assert.equal(rows[0]?.endsAt, null);
        assert.equal((await send(body([alert('resolved')], 'resolved'))).statusCode, 200);
        rows = (await get('/api/v1/alerts?alertname=DiskFull', READ)).json<Rows>().alerts;
        assert.equal(rows.length, 1);
        assert.equal(rows[0]?.status, 'resolved');
        assert.equal(rows[0]?.endsAt, '2026-12-04T02:30:00.000Z');
        assert.notEqual(rows[0]?.resolvedAt, null);
        // Many webhooks at once: each answered 200 only with its alerts committed, none lost, repeats in one batch collapsed.
        const burst = await Promise.all(Array.from({ length: 60 }, (_, i) => send(body([alert('firing', `burst-${i % 50}`)]))));
        assert.ok(burst.every((r) => r.statusCode === 200));
        const stored = (await get('/api/v1/alerts?alertname=DiskFull&limit=500', READ)).json<{ alerts: { fingerprint: string }[] }>().alerts;
        assert.equal(stored.filter((a) => a.fingerprint.startsWith('burst-')).length, 50);
      });

      it('serves /metrics in the Prometheus text format to a read token only', async () => {
        assert.equal((await get('/metrics')).statusCode, 401);
        const res = await get('/metrics', READ);
        assert.equal(res.statusCode, 200);
        assert.match(String(res.headers['content-type']), /text\/plain/);
        assert.match(res.body, /faultline_open_incidents\{severity="critical",case="pm-hang"\} 1/);
        assert.match(res.body, /faultline_runbook_runs\{state="running"\} 1/);
        assert.match(res.body, /faultline_last_scan_timestamp_seconds \d+/);
      });

      it("counts the notices the store's outbox delivered, by sink and kind, and not those pending or failed", async () => {
        await outboxRows(store.engine, [
          { key: 'inc-a/e1/fault/slack', sink: 'slack', state: 'sent' },
          { key: 'inc-a/e1/fault/pagerduty', sink: 'pagerduty', state: 'sent' },
          { key: 'inc-a/e2/fault/slack', sink: 'slack', state: 'sent' },
          { key: `${runId}/fault-notice/slack`, sink: 'slack', state: 'sent' },
          { key: `${runId}/recovery-notice/slack`, sink: 'slack', state: 'failed' },
          { key: `${runId}/page/pagerduty`, sink: 'pagerduty', state: 'pending' },
          { key: 'inc-b/e1/recovery/slack', sink: 'slack', state: 'sent' },
        ]);
        const body = (await get('/metrics', READ)).body;
        const sent = body.split('\n').filter((l) => l.startsWith('faultline_notices_sent_total{')).sort();
        assert.deepEqual(sent, [
          'faultline_notices_sent_total{sink="pagerduty",kind="fault"} 1',
          'faultline_notices_sent_total{sink="slack",kind="fault"} 3',
          'faultline_notices_sent_total{sink="slack",kind="recovery"} 1',
        ]);
        assert.match(body, /# TYPE faultline_notices_sent_total counter/);
        // A second server on the same store (another faultline serve) reports the same counts: they are the store's.
        const other = buildServer({ engine: store.engine, tokens, latest: () => undefined, metrics: new ServerMetrics(store.engine) });
        try {
          const again = (await other.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${READ}` } })).body;
          assert.deepEqual(again.split('\n').filter((l) => l.startsWith('faultline_notices_sent_total{')).sort(), sent);
        } finally {
          await other.app.close();
        }
      });
    });
  }
});

describe('API tokens in faultline.yaml', () => {
  it('needs exactly one place for each token', () => {
    const r = configSchema.safeParse({ server: { tokens: [{ name: 'x', role: 'read', tokenEnv: 'A', sha256: 'a'.repeat(64) }] } });
    assert.equal(r.success, false);
    assert.match(JSON.stringify(r.error?.issues), /exactly one of tokenFile, tokenEnv and sha256/);
    assert.equal(configSchema.safeParse({ server: { tokens: [{ name: 'x', role: 'root', tokenEnv: 'A' }] } }).success, false, 'unknown role');
  });

  it('names the file, key and fix when a token cannot be read, and refuses short or duplicate ones', async () => {
    const server = (tokens: unknown[]) => configSchema.parse({ server: { tokens } }).server;
    const from = { configFile: '/etc/faultline/faultline.yaml', cwd: '/', env: { SHORT: 'abc' } };
    await assert.rejects(resolveTokens(server([{ name: 'a', role: 'read', tokenEnv: 'MISSING' }]), from), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /faultline\.yaml/);
      assert.match(e.message, /server\.tokens\[0\]\.tokenEnv/);
      assert.match(e.message, /export MISSING/);
      return true;
    });
    await assert.rejects(resolveTokens(server([{ name: 'a', role: 'read', tokenFile: 'nope.token' }]), from), /server\.tokens\[0\]\.tokenFile.*\/etc\/faultline\/nope\.token/s);
    await assert.rejects(resolveTokens(server([{ name: 'a', role: 'read', tokenEnv: 'SHORT' }]), from), (e: unknown) => e instanceof ConfigError && /shorter than 16/.test(e.message) && !e.message.includes('abc'));
    const digest = 'b'.repeat(64);
    await assert.rejects(resolveTokens(server([{ name: 'a', role: 'read', sha256: digest }, { name: 'a', role: 'admin', sha256: digest }]), from), /two tokens are named "a"/);
  });
});
