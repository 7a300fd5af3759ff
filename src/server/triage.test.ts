import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { correlate } from '../correlate/correlate.js';
import { runDetectors, selectDetectors } from '../detect/engine.js';
import { detectors } from '../detect/rules/index.js';
import { runbookPlan } from '../runbook/plan.js';
import pmHang from '../runbook/runbooks/pm-hang.js';
import { fleet } from '../snapshot/builders.js';
import { loadSnapshot, saveSnapshot } from '../snapshot/io.js';
import { runFaultline } from '../cli/testing.js';
import { buildServer, type FaultlineServer } from './app.js';
import { hashToken } from './auth.js';
import type { LatestScan } from './latest.js';
import { ServerMetrics } from './metrics.js';
import { noDatabase } from './testing.js';

/**
 * GET /api/v1/triage/{target} through the app's HTTP layer, on a scan of a hung
 * prod hypervisor whose DB server is down: the answer must be the one
 * `faultline triage --format json` gives for the same snapshot.
 */
const READ = 'triage-read-token-0123456789abcdef';
const HV = 'krane-pg1-com009';
const TICKET = '721440';

interface TriageAnswer {
  target: { kind: string; id: string; name: string };
  case: string;
  incident?: { id: string; severity: string };
  gates: { id: string; status: string }[];
  reasons: string[];
  steps: unknown[];
  runbook: { id: string; commands: string[] } | null;
  notChecked: { detectorId: string }[];
  dryRun: boolean;
  scanId: number | null;
  asOf: string;
}

describe('GET /api/v1/triage/{target}', { timeout: 60_000 }, () => {
  let dir = '';
  let server: FaultlineServer;
  let latest: LatestScan | undefined;
  let scan: LatestScan;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-api-triage-'));
    const at = '2026-01-01T00:00:00.000Z';
    const b = fleet().at(at).region('pg1', 'prod').hypervisor(HV, { region: 'pg1', hostIp: '10.0.0.9' }).computeService(HV);
    for (const [i, name] of ['web-1', 'web-2', 'api-1', 'orders-db-1'].entries()) {
      b.server(name, { on: HV, region: 'pg1', ip: `10.1.0.${i + 1}` });
      b.reach(name, false, 'timeout');
    }
    // Two healthy servers that share a name elsewhere: triage by that name cannot pick one.
    b.hypervisor('krane-pg1-com010', { region: 'pg1', hostIp: '10.0.0.10' }).computeService('krane-pg1-com010');
    for (const ip of ['10.1.1.1', '10.1.1.2']) b.server('twin', { on: 'krane-pg1-com010', region: 'pg1', ip }).reach('twin', true, 'ok');
    b.probe({ targetKind: 'hypervisor', targetId: HV, address: '10.0.0.9', probedAt: at, ping: { ok: false }, ssh: { state: 'timeout' } });
    b.inventory({ match: { serverName: 'orders-db-1' }, roles: ['db'], owners: ['dba.oncall'] });
    b.alarm(HV, 'PING_FAIL', { ticketId: TICKET, ips: ['10.0.0.9'], message: 'CRITICAL - Plugin timed out' });
    await saveSnapshot(b.build({ collected: ['networkAgents', 'instanceActions'] }), join(dir, 'snap.json'));

    // What faultline serve holds after a scan: the snapshot as read back, every detector judged at its time, the incidents correlated.
    const snapshot = await loadSnapshot(join(dir, 'snap.json'));
    const evaluatedAt = new Date(snapshot.collectedAt);
    const results = runDetectors(snapshot, selectDetectors(detectors, { settings: {} }), { now: evaluatedAt });
    scan = { scanId: 7, evaluatedAt, snapshot, results, incidents: correlate(snapshot, results.flatMap((r) => r.findings)).incidents };
    latest = scan;
    server = buildServer({ engine: noDatabase, tokens: [{ name: 'dashboard', role: 'read', sha256: hashToken(READ) }], latest: () => latest, metrics: new ServerMetrics(noDatabase) });
    await server.app.ready();
  });
  after(async () => {
    await server?.app.close();
    await rm(dir, { recursive: true, force: true });
  });

  const get = (target: string, token = READ) =>
    server.app.inject({ method: 'GET', url: `/api/v1/triage/${encodeURIComponent(target)}`, headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('answers for a ticket exactly what faultline triage --format json prints for the same snapshot, plus the scan it judged', async () => {
    const res = await get(TICKET);
    assert.equal(res.statusCode, 200, res.body);
    const { scanId, asOf, ...answer } = res.json<TriageAnswer>();
    assert.equal(scanId, 7);
    assert.equal(asOf, '2026-01-01T00:00:00.000Z');
    const cli = await runFaultline(['triage', TICKET, '--from', 'snap.json', '--format', 'json'], { cwd: dir });
    assert.equal(cli.code, 0, cli.stderr);
    assert.deepEqual(answer, JSON.parse(cli.stdout));
    assert.equal(answer.case, 'pm-hang');
    assert.equal(answer.target.kind, 'ticket');
    assert.equal(answer.dryRun, true);
  });

  it('triages the hypervisor and a server on it (by address) to the incident of the scan, with the pm-hang plan and its gates', async () => {
    const incidentId = scan.incidents.find((i) => i.case === 'pm-hang')?.id;
    assert.ok(incidentId, 'the scan found the PM hang');
    for (const target of [HV, '10.1.0.2']) {
      const res = await get(target);
      assert.equal(res.statusCode, 200, res.body);
      const t = res.json<TriageAnswer>();
      assert.equal(t.incident?.id, incidentId, target);
      assert.equal(t.runbook?.id, 'pm-hang');
      assert.deepEqual(t.runbook?.commands, [`faultline run pm-hang ${HV}`]);
      assert.deepEqual(t.steps, runbookPlan(pmHang), 'the steps are the runbook’s own plan');
      assert.equal(t.gates.find((g) => g.id === 'db-servers')?.status, 'notify', 'the DB server is down with the host: tell the DB on-call and go on');
      assert.equal(t.gates.find((g) => g.id === 'fault-notice')?.status, 'blocking');
    }
    assert.equal((await get('10.1.0.2')).json<TriageAnswer>().target.kind, 'server');
  });

  it('says nothing was found for a target the scan knows but no incident is about', async () => {
    const res = await get('krane-pg1-com010');
    assert.equal(res.statusCode, 200, res.body);
    const t = res.json<TriageAnswer>();
    assert.equal(t.case, 'nothing-found');
    assert.equal(t.incident, undefined);
    assert.equal(t.runbook, null);
  });

  it('answers 404 naming an unknown target, 400 for a name two servers share or a blank target, 401 without a token', async () => {
    const unknown = await get('com404');
    assert.equal(unknown.statusCode, 404);
    assert.match(unknown.json<{ error: string }>().error, /"com404" is not a ticket in the alarm feed, a hypervisor or a server .*2026-01-01T00:00:00\.000Z/);
    const twin = await get('twin');
    assert.equal(twin.statusCode, 400);
    assert.match(twin.json<{ error: string }>().error, /2 servers are named "twin"; give the server's id instead/);
    const blank = await get('  ');
    assert.equal(blank.statusCode, 400, 'refused by the schema before triage runs');
    assert.match(blank.json<{ error: string }>().error, /^invalid request: /);
    assert.equal((await get(HV, '')).statusCode, 401);
    assert.equal((await get(HV, 'not-the-read-token-0123456789')).statusCode, 401);
  });

  it('answers 503 until the first scan has finished', async () => {
    latest = undefined;
    try {
      const res = await get(HV);
      assert.equal(res.statusCode, 503);
      assert.match(res.json<{ error: string }>().error, /no scan has finished yet/);
    } finally {
      latest = scan;
    }
  });
});
