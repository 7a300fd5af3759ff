import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { runFaultline, startChatHook, startLabProcess, stopLabProcess, type ChatHook, type CliRun } from '../testing.js';

/**
 * The PM-hang runbook through the real CLI, with nothing done by hand: `faultline run
 * pm-hang <hypervisor> --execute` posts the fault notice, power-cycles the hypervisor
 * through its Redfish BMC, waits for it, starts every server and checks ping and SSH.
 * The witnesses are the lab's BMC request log, its Nova action log and a chat webhook
 * this test runs. Then SIGKILL around the power cycle and the starts, and resume: one
 * power cycle and one start per server, never two.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

interface LabAction {
  action: string;
  server: { id: string; name: string | null };
  byHost: boolean;
}

interface Posted {
  at: number;
  text: string;
}

describe('faultline run pm-hang against the lab, power-cycled over Redfish', { timeout: 240_000 }, () => {
  let dir: string;
  let lab: ChildProcess;
  let admin: string;
  let token: string;
  let chat: ChatHook | undefined;
  let posted: Posted[] = [];

  const faultline = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> =>
    runFaultline(args, { cwd: dir, env: { OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml'), OS_CLOUD: 'lab', USER: 'night-shift', ...env } });
  const adminCall = async (path: string, init: { method?: string; body?: unknown } = {}): Promise<Json> => {
    const res = await fetch(`${admin}${path}`, { method: init.method ?? 'GET', headers: { 'x-lab-admin': token, 'content-type': 'application/json' }, ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
    assert.ok(res.status < 300, `${init.method ?? 'GET'} ${path}: ${res.status} ${await res.clone().text()}`);
    return res.json();
  };
  const hungHypervisor = async (faultId: string): Promise<{ host: string; servers: string[] }> => {
    const f = ((await adminCall('/faults')) as { faults: { id: string; hypervisor: string | null }[] }).faults.find((x) => x.id === faultId);
    assert.ok(f?.hypervisor, `fault ${faultId} hangs a hypervisor`);
    const shown = await faultline(['show', f.hypervisor, '--format', 'json']);
    assert.equal(shown.code, 0, shown.stderr);
    const servers = ((JSON.parse(shown.stdout) as Json).servers as Json[]).map((s) => s.id as string);
    assert.ok(servers.length >= 2, `${f.hypervisor} carries servers`);
    return { host: f.hypervisor, servers };
  };
  const resets = async (host: string): Promise<Json[]> => ((await adminCall('/bmc/log')) as { requests: Json[] }).requests.filter((r) => r.bmc === host && r.resetType !== null && r.status < 300);
  const starts = async (ids: string[]): Promise<Map<string, number>> => {
    const log = ((await adminCall('/actions')) as { actions: LabAction[] }).actions.filter((a) => !a.byHost && a.action === 'start');
    return new Map(ids.map((id) => [id, log.filter((a) => a.server.id === id).length]));
  };
  const run = ['--yes', '--action-timeout', '60', '--wait-timeout', '30', '--storm-fraction', '1'];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-run-pmhang-'));
    const started = await startLabProcess(dir, ['--scenario', 'pm-hang', '--action-seconds', '0.3']);
    lab = started.child;
    ({ admin, token } = started);
    assert.ok((parse(await readFile(join(dir, 'faultline.yaml'), 'utf8')) as Json).bmc, 'faultline lab configures the BMCs');
    // The notices go to this test's webhook, as they would go to the team's chat.
    chat = await startChatHook(dir);
    posted = chat.posted;
  });
  after(async () => {
    if (lab) await stopLabProcess(lab);
    await chat?.close();
  });

  it('notice first, one Redfish power cycle, every server started once and back with ping and SSH', async () => {
    const { host, servers } = await hungHypervisor('hung-pm');
    const plan = await faultline(['run', 'pm-hang', host]);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /plan only: nothing was changed/);
    assert.deepEqual(await resets(host), [], 'the plan touched nothing');

    const r = await faultline(['run', 'pm-hang', host, '--execute', ...run, '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const body = JSON.parse(r.stdout) as Json;
    assert.equal(body.run.status, 'done', r.stderr);
    const ok = body.steps.filter((s: Json) => s.status === 'ok').map((s: Json) => s.stepId as string);
    for (const step of ['fault-notice', 'power-cycle', 'hypervisor-up', 'start-all', 'show']) assert.ok(ok.includes(step), `${step} done: ${ok.join(', ')}`);
    assert.ok(!ok.includes('escalate'), 'nothing left to escalate');

    const cycled = await resets(host);
    assert.equal(cycled.length, 1, `one reset reached ${host}'s BMC: ${JSON.stringify(cycled)}`);
    // Chat markdown escapes the brackets.
    const notice = posted.find((p) => /\\?\[fault\\?\]/.test(p.text) && p.text.includes(host));
    assert.ok(notice, `the fault notice was posted: ${JSON.stringify(posted)}`);
    assert.ok(notice.at <= Date.parse(cycled[0].at), 'the notice was posted before the power cycle');
    assert.ok([...(await starts(servers)).values()].every((n) => n === 1), 'every server was started exactly once');

    // What the night shift checks afterwards: every server ACTIVE, answering ping and SSH.
    const shown = await faultline(['show', host, '--format', 'json']);
    assert.equal(shown.code, 0, shown.stderr);
    const rows = (JSON.parse(shown.stdout) as Json).servers as Json[];
    assert.equal(rows.length, servers.length);
    // A server that is not expected to answer SSH (no SSH key, a Windows image) counts by its ping.
    for (const s of rows) assert.ok(s.status === 'ACTIVE' && s.ping === true && (s.ssh === 'ok' || s.ssh === 'not-expected'), JSON.stringify(s));
  });

  it('killed around the power cycle and the starts, then resumed: one power cycle, one start per server', async () => {
    // One hung hypervisor per crash point; each run has its own store. The writes: 1 running, 2 the notice begun,
    // 3 posted, 4 past it, 5 past the DBA gate, 6 the power cycle begun, 7 ended, ...; found by reading a clean
    // run's steps, so the crash points below are checked to lie where this says.
    const points = [6, 7];
    const hosts: { host: string; servers: string[]; n: number }[] = [];
    for (const n of points) {
      await adminCall('/faults', { method: 'POST', body: { id: `hang-${n}`, kind: 'pm-hang', hypervisor: { minServers: 2 } } });
      hosts.push({ ...(await hungHypervisor(`hang-${n}`)), n });
    }
    await Promise.all(
      hosts.map(async ({ host, servers, n }) => {
        const store = join(dir, `store-${n}`);
        const crashed = await faultline(['run', 'pm-hang', host, '--execute', ...run, '--store', store], { FAULTLINE_TEST_CRASH_AFTER_WRITES: String(n) });
        assert.equal(crashed.code, null, `crash point ${n}: killed, not ended (${crashed.stderr})`);
        const listed = JSON.parse((await faultline(['runs', '--store', store, '--format', 'json'])).stdout) as Json;
        const runId = listed.runs[0]?.id as string;
        assert.ok(runId, `crash point ${n}: the run is in the store`);
        const shown = JSON.parse((await faultline(['runs', runId, '--store', store, '--format', 'json'])).stdout) as Json;
        const cycle = shown.steps.find((s: Json) => s.stepId === 'power-cycle');
        // 6 dies with the power cycle begun and the reset not sent, 7 right after the BMC took it.
        assert.equal(cycle?.status, n === 6 ? 'started' : 'ok', `crash point ${n}: ${JSON.stringify(shown.steps)}`);
        const resumed = await faultline(['resume', runId, ...run, '--store', store]);
        assert.equal(resumed.code, 0, `crash point ${n}: ${resumed.stderr}`);
        assert.equal((await resets(host)).length, 1, `crash point ${n}: one power cycle of ${host}`);
        assert.ok([...(await starts(servers)).values()].every((c) => c === 1), `crash point ${n}: each server started once`);
      }),
    );
  });
});

describe('faultline run pm-hang in a storm (scenario storm)', { timeout: 120_000 }, () => {
  let dir: string;
  let lab: ChildProcess;
  let admin: string;
  let token: string;
  let chat: ChatHook | undefined;
  let posted: Posted[] = [];
  const faultline = (args: string[]): Promise<CliRun> => runFaultline(args, { cwd: dir, env: { OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml'), OS_CLOUD: 'lab', USER: 'night-shift' } });
  const adminGet = async (path: string): Promise<Json> => (await fetch(`${admin}${path}`, { headers: { 'x-lab-admin': token } })).json();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-run-storm-'));
    const started = await startLabProcess(dir, ['--scenario', 'storm', '--action-seconds', '0.3']);
    lab = started.child;
    ({ admin, token } = started);
    chat = await startChatHook(dir);
    posted = chat.posted;
  });
  after(async () => {
    if (lab) await stopLabProcess(lab);
    await chat?.close();
  });

  it('stops at the storm check: one chat mention, no power cycle, no server touched', async () => {
    const faults = ((await adminGet('/faults')) as { faults: { id: string; hypervisor: string }[] }).faults;
    const host = faults.find((f) => f.id === 'storm-a')!.hypervisor;
    const r = await faultline(['run', 'pm-hang', host, '--execute', '--yes', '--action-timeout', '30', '--wait-timeout', '10', '--format', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const body = JSON.parse(r.stdout) as Json;
    assert.equal(body.run.status, 'storm', r.stderr);
    assert.match(body.run.reason, /3 of \d+ hypervisors down/);
    // hn1dev is a dev zone: the storm is said once, as a mention of the on-call, not a page.
    const said = posted.filter((p) => /Storm/.test(p.text));
    assert.equal(said.length, 1, JSON.stringify(posted));
    assert.match(said[0]!.text, /mention, dev zone: no page/);
    assert.ok(!posted.some((p) => /\\?\[page\\?\]/.test(p.text)), 'nobody is paged for a dev zone');
    const resets = ((await adminGet('/bmc/log')) as { requests: Json[] }).requests.filter((q) => q.resetType !== null);
    assert.deepEqual(resets, [], 'no BMC was asked to reset anything');
    const actions = ((await adminGet('/actions')) as { actions: LabAction[] }).actions.filter((a) => !a.byHost);
    assert.deepEqual(actions, [], 'Nova was asked to do nothing');
  });
});
