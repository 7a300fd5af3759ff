import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runFaultline, startChatHook, startLabProcess, stopLabProcess, type ChatHook, type CliRun } from '../testing.js';

/**
 * The part runbooks through the real CLI against the lab (scenario part-urgent): part-urgent
 * posts the fault notice, stops every server, powers the hypervisor off over Redfish, waits at
 * the swap gate naming the spare, and after `faultline approve` powers it on and starts every
 * server once; a hypervisor with a DB server that still serves waits for the DBA; killed right
 * after the power off was begun, the resumed run sends one ForceOff, not two; disk-data-loss
 * posts the fixed data-loss notice and never a recovery notice. The witnesses are the lab's
 * BMC request log, its Nova action log and a chat webhook this test runs.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

interface LabAction {
  action: string;
  server: { id: string; name: string | null };
  byHost: boolean;
}

describe('faultline run part-urgent / disk-data-loss against the lab', { timeout: 240_000 }, () => {
  let dir: string;
  let lab: ChildProcess;
  let admin: string;
  let token: string;
  let chat: ChatHook | undefined;
  const used = new Set<string>();

  const faultline = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> =>
    runFaultline(args, { cwd: dir, env: { OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml'), OS_CLOUD: 'lab', USER: 'night-shift', ...env } });
  const adminCall = async (path: string, init: { method?: string; body?: unknown } = {}): Promise<Json> => {
    const res = await fetch(`${admin}${path}`, { method: init.method ?? 'GET', headers: { 'x-lab-admin': token, 'content-type': 'application/json' }, ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
    assert.ok(res.status < 300, `${init.method ?? 'GET'} ${path}: ${res.status} ${await res.clone().text()}`);
    return res.json();
  };
  /** Raises an alarm on a dev hypervisor with servers; `db`: one whose DB server still serves, else one without. */
  const alarmedHost = async (id: string, code: string, db: boolean): Promise<{ host: string; servers: string[] }> => {
    // Each alarm takes a hypervisor no other fault has; one that does not fit is skipped and stays taken.
    for (let tries = 0; tries < 8; tries++) {
      const body = { id: `${id}-${tries}`, kind: 'alarm', code, hypervisor: { minServers: 2, ...(db ? { withRole: 'db' } : {}) } };
      await adminCall('/faults', { method: 'POST', body });
      const f = ((await adminCall('/faults')) as { faults: { id: string; hypervisor: string | null }[] }).faults.find((x) => x.id === body.id);
      if (!f?.hypervisor || used.has(f.hypervisor)) continue;
      const plan = await faultline(['run', 'part-urgent', f.hypervisor, '--format', 'json']);
      assert.equal(plan.code, 0, plan.stderr);
      const servers = (JSON.parse(plan.stdout) as Json).context.servers as { id: string; db: boolean; serving: boolean | null }[];
      if (servers.some((s) => s.db && s.serving === true) !== db) continue;
      used.add(f.hypervisor);
      return { host: f.hypervisor, servers: servers.map((s) => s.id) };
    }
    assert.fail(`no hypervisor ${db ? 'with' : 'without'} a serving DB server for ${id}`);
  };
  const resets = async (host: string): Promise<Json[]> => ((await adminCall('/bmc/log')) as { requests: Json[] }).requests.filter((r) => r.bmc === host && r.resetType !== null && r.status < 300);
  const actions = async (ids: readonly string[], action: string): Promise<Map<string, number>> => {
    const log = ((await adminCall('/actions')) as { actions: LabAction[] }).actions.filter((a) => !a.byHost && a.action === action);
    return new Map(ids.map((id) => [id, log.filter((a) => a.server.id === id).length]));
  };
  const once = (counts: Map<string, number>): boolean => [...counts.values()].every((n) => n === 1);
  const flags = ['--yes', '--action-timeout', '60', '--wait-timeout', '30', '--storm-fraction', '1'];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-run-parts-'));
    const started = await startLabProcess(dir, ['--scenario', 'part-urgent', '--action-seconds', '0.3']);
    lab = started.child;
    ({ admin, token } = started);
    chat = await startChatHook(dir);
  });
  after(async () => {
    if (lab) await stopLabProcess(lab);
    await chat?.close();
  });

  it('part-urgent: notice, one stop per server, ForceOff until Off, the swap gate naming the spare; approved: On, every server started once', async () => {
    const { host, servers } = await alarmedHost('cpu-a', 'CPU', false);
    const store = join(dir, 'store-urgent');
    const first = await faultline(['run', 'part-urgent', host, '--execute', ...flags, '--store', store, '--format', 'json']);
    assert.equal(first.code, 1, first.stderr);
    const waiting = JSON.parse(first.stdout) as Json;
    assert.equal(waiting.run.status, 'waiting', first.stderr);
    // The spare pool's own answer for this box (the lab's pool may hold no match for its model): never the fallback.
    assert.match(waiting.run.reason, /gate part-swapped: .* Spare: (\S+-forfault-\S+ \(priority [12]|no matching spare for \S+ \(.*spare)/);
    const runId = waiting.run.id as string;

    const off = await resets(host);
    assert.deepEqual(off.map((r) => r.resetType), ['ForceOff'], `one ForceOff reached ${host}'s BMC`);
    assert.ok(once(await actions(servers, 'stop')), 'every server stopped once');
    assert.ok([...(await actions(servers, 'start')).values()].every((n) => n === 0), 'none started while the part is out');
    const shownOff = await faultline(['show', host, '--format', 'json']);
    assert.equal(shownOff.code, 0, shownOff.stderr);
    assert.ok(((JSON.parse(shownOff.stdout) as Json).servers as Json[]).every((s) => s.ping === false), 'the hypervisor is really off: nothing on it answers');
    const notice = chat!.posted.find((p) => /\\?\[fault\\?\]/.test(p.text) && p.text.includes(host));
    assert.ok(notice, JSON.stringify(chat!.posted));
    assert.ok(notice.at <= Date.parse(off[0].at), 'the fault notice went out before the power off');
    const audit = waiting.audit as Json[];
    assert.ok(audit.some((a) => a.what.startsWith(`hypervisor.power-off ${host}`) && /ForceOff sent.*PowerState Off/.test(a.result)), JSON.stringify(audit.map((a) => a.what)));

    const approved = await faultline(['approve', runId, 'part-swapped', '--by', 'alice', '--store', store]);
    assert.equal(approved.code, 0, approved.stderr);
    const resumed = await faultline(['resume', runId, ...flags, '--store', store, '--format', 'json']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal((JSON.parse(resumed.stdout) as Json).run.status, 'done');
    assert.deepEqual((await resets(host)).map((r) => r.resetType), ['ForceOff', 'On']);
    assert.ok(once(await actions(servers, 'stop')) && once(await actions(servers, 'start')), 'one stop and one start per server');
    const shown = await faultline(['show', host, '--format', 'json']);
    for (const s of (JSON.parse(shown.stdout) as Json).servers as Json[]) assert.ok(s.status === 'ACTIVE' && s.ping === true, JSON.stringify(s));
  });

  it('part-urgent on a hypervisor whose DB server still serves: waits for the DBA, nothing stopped, no reset', async () => {
    const { host, servers } = await alarmedHost('cpu-db', 'CPU', true);
    const r = await faultline(['run', 'part-urgent', host, '--execute', ...flags, '--store', join(dir, 'store-db'), '--format', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const body = JSON.parse(r.stdout) as Json;
    assert.equal(body.run.status, 'waiting');
    assert.match(body.run.reason, /gate db-servers/);
    assert.deepEqual(await resets(host), []);
    assert.ok([...(await actions(servers, 'stop')).values()].every((n) => n === 0), 'no server stopped');
  });

  it('part-urgent killed right after the power off was begun: the resumed run asks the BMC and sends ForceOff once', async () => {
    const { host, servers } = await alarmedHost('nic-k', 'NIC', false);
    const store = join(dir, 'store-kill');
    // Writes: 1 running, 2-3 the notice, 4 past it, 5 past the DBA gate, 6-8 the look at the host and past it,
    // then a begin and a finish per server stopped, one to move on, and the power off's begin.
    const n = 8 + 2 * servers.length + 2;
    const crashed = await faultline(['run', 'part-urgent', host, '--execute', ...flags, '--store', store], { FAULTLINE_TEST_CRASH_AFTER_WRITES: String(n) });
    assert.equal(crashed.code, null, `killed, not ended: ${crashed.stderr}`);
    // The run id from its own first line, rather than another store open (each costs seconds on a loaded machine).
    const runId = /run (\S+) started/.exec(crashed.stderr)?.[1] ?? '';
    assert.ok(runId, crashed.stderr);
    assert.match(crashed.stderr, new RegExp(`${runId} power-off: Power the hypervisor off`), 'it died in the power off step');
    assert.deepEqual(await resets(host), [], 'killed before the reset went out');
    const resumed = await faultline(['resume', runId, ...flags, '--store', store, '--format', 'json']);
    assert.equal(resumed.code, 1, resumed.stderr);
    assert.match((JSON.parse(resumed.stdout) as Json).run.reason, /gate part-swapped/);
    assert.deepEqual((await resets(host)).map((r) => r.resetType), ['ForceOff'], 'one ForceOff');
    assert.ok(once(await actions(servers, 'stop')), 'each server stopped once');
  });

  it('disk-data-loss: the fixed data-loss notice, the swap and reinstall gates, the owners told, never a recovery notice', async () => {
    const { host, servers } = await alarmedHost('disk', 'DISK_FAILED', false);
    const store = join(dir, 'store-disk');
    const r = await faultline(['run', 'disk-data-loss', host, '--execute', ...flags, '--store', store, '--format', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const body = JSON.parse(r.stdout) as Json;
    assert.match(body.run.reason, /gate disk-swapped: .* Spare: (\S+-forfault-\S+ \(priority [12]|no matching spare for \S+ \(.*spare)/);
    const mine = (): string[] => chat!.posted.filter((p) => p.text.includes(host)).map((p) => p.text);
    const loss = mine().find((t) => /data-loss/.test(t));
    assert.ok(loss, JSON.stringify(mine()));
    for (const words of [/all data on it is lost/, /cannot be recovered/, /deleted within 2 days/, /re-added to their clusters/]) assert.match(loss, words);
    const runId = body.run.id as string;
    for (const gate of ['disk-swapped', 'os-reinstalled']) assert.equal((await faultline(['approve', runId, gate, '--by', 'alice', '--store', store])).code, 0);
    const done = await faultline(['resume', runId, ...flags, '--store', store, '--format', 'json']);
    assert.equal(done.code, 0, done.stderr);
    assert.ok(mine().some((t) => /\\?\[owners\\?\]/.test(t)), 'the owners are told');
    assert.ok(!mine().some((t) => /\\?\[recovery\\?\]/.test(t)), 'no recovery notice');
    assert.deepEqual(await resets(host), [], 'no power action');
    assert.ok([...(await actions(servers, 'stop')).values(), ...(await actions(servers, 'start')).values()].every((n) => n === 0), 'no server action');
  });
});
