import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openstackJson, runFaultline, startLabProcess, stopLabProcess, type CliRun } from '../testing.js';

/**
 * The VM-hang runbook through the real CLI against the lab, with the lab's own
 * action log as the witness: end to end on a hung worker, killed with SIGKILL
 * after every write of a run and resumed, and held at the DBA's gate.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const exhaustiveTimeout = (): number => (process.env['FAULTLINE_CRASH_POINTS'] === 'all' ? 300_000 : 180_000);

interface LabAction {
  action: string;
  server: { id: string; name: string | null };
  byHost: boolean;
}

describe('faultline run vm-hang against the lab', { timeout: exhaustiveTimeout() }, () => {
  let dir: string;
  let lab: ChildProcess;
  let admin: string;
  let token: string;
  let hung: string;
  let spare: { id: string; name: string }[] = [];
  let db: { id: string; name: string };

  const faultline = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> =>
    runFaultline(args, { cwd: dir, env: { OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml'), OS_CLOUD: 'lab', USER: 'night-shift', ...env } });
  const labActions = async (serverId: string): Promise<LabAction[]> => {
    const res = await fetch(`${admin}/actions`, { headers: { 'x-lab-admin': token } });
    return ((await res.json()) as { actions: LabAction[] }).actions.filter((a) => a.server.id === serverId && !a.byHost);
  };
  const count = (log: LabAction[], action: string): number => log.filter((a) => a.action === action).length;
  const fast = ['--yes', '--action-timeout', '30', '--wait-timeout', '1'];
  // A healthy server answers SSH soon after its start, but four runs at once on a loaded two-core machine can take
  // seconds: the wait ends as soon as it answers, so a long one costs nothing and a 1 s one turns a slow boot into a reboot.
  const healthy = ['--yes', '--action-timeout', '30', '--wait-timeout', '20'];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-run-vmhang-'));
    const started = await startLabProcess(dir, ['--scenario', 'vm-hang', '--action-seconds', '0.3']);
    lab = started.child;
    ({ admin, token } = started);
    hung = /fault\s+hung-worker \(vm-hang\) active servers (\S+)/.exec(started.banner)?.[1] ?? '';
    assert.ok(hung, `the hung worker is named in the banner:\n${started.banner}`);
    const all: { ID: string; Name: string; Status: string; Properties?: Record<string, string> }[] = [];
    for (const region of ['pg1', 'hn1dev']) all.push(...(await openstackJson<typeof all>(['--os-region-name', region, 'server', 'list', '--all-projects', '--long', '-f', 'json'], { cwd: dir })));
    const active = all.filter((s) => s.Status === 'ACTIVE' && !s.Name.startsWith('amphora-'));
    const dbs = active.filter((s) => s.Properties?.['role'] === 'db');
    assert.ok(dbs[0], 'the small fleet has a DB server');
    db = { id: dbs[0].ID, name: dbs[0].Name };
    spare = active.filter((s) => s.Properties?.['role'] !== 'db' && s.Name !== hung).map((s) => ({ id: s.ID, name: s.Name }));
  });
  after(async () => {
    if (lab) await stopLabProcess(lab);
  });

  it('a hung worker: stop, no ping, start, still silent, restart, still silent: escalated, each action sent once', async () => {
    const plan = await faultline(['run', 'vm-hang', hung]);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /plan only: nothing was changed/);
    const r = await faultline(['run', 'vm-hang', hung, '--execute', ...fast, '--format', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const body = JSON.parse(r.stdout) as Json;
    assert.equal(body.run.status, 'escalated', r.stderr);
    assert.deepEqual(
      body.steps.filter((s: Json) => s.status === 'ok' || s.status === 'failed').map((s: Json) => `${s.stepId}:${s.status}`),
      ['stop:ok', 'confirm-no-ping:ok', 'start:ok', 'ssh-check:failed', 'restart:ok', 'ssh-check-after-restart:failed', 'escalate:ok'],
    );
    const stop = body.audit.find((a: Json) => a.stepId === 'stop');
    assert.ok(stop.requestIds[0]?.startsWith('req-'), 'the audit keeps Nova request ids');
    const id = body.run.context.target.id as string;
    const log = await labActions(id);
    assert.deepEqual([count(log, 'stop'), count(log, 'start'), count(log, 'reboot')], [1, 1, 1]);
    // The escalation went through the outbox to the lab's sinks: a prod zone pages (one PagerDuty trigger keyed by the
    // run, plus a chat line); a dev zone only mentions the on-call in chat (CATALOG §4.2).
    const sent = (await (await fetch(`${admin}/notify`, { headers: { 'x-lab-admin': token } })).json()) as Json;
    const dev = body.run.context.zone === 'dev';
    const pages = sent.pagerduty.filter((p: Json) => p.accepted && p.body.dedup_key === body.run.id);
    assert.deepEqual(pages.map((p: Json) => p.body.event_action), dev ? [] : ['trigger'], JSON.stringify(sent.pagerduty));
    assert.equal(sent.slack.filter((p: Json) => p.accepted && (p.body.text as string).includes(body.run.id)).length, 1, 'one chat line for the escalation');
    assert.match(body.audit.find((a: Json) => a.stepId === 'escalate').result, dev ? /mentioned in chat: slack: sent/ : /paged: slack: sent; pagerduty: sent/);
    const again = await faultline(['run', 'vm-hang', hung, '--execute', ...fast]);
    assert.equal(again.code, 2, 'the same runbook on the same target is refused inside the dedup window');
    assert.match(again.stderr, new RegExp(body.run.id));
  });

  // A clean VM-hang run writes: 1 running, 2 past the DBA gate, 3-4 stop begun/ended, 5 past it, 6-8 the ping check,
  // 9-10 start begun/ended, 11 past it, 12-14 the ssh check and done. The default suite kills at the writes around the
  // two actions; FAULTLINE_CRASH_POINTS=all kills after every write until a run finishes untouched (about 100 s).
  const exhaustive = process.env['FAULTLINE_CRASH_POINTS'] === 'all';
  it(`killed with SIGKILL after ${exhaustive ? 'every write' : 'the writes around stop and start'}, then resumed: exactly one stop and one start per server`, async () => {
    let finishedClean = false;
    const batches = exhaustive ? [1, 8, 15, 22].map((first) => Array.from({ length: 7 }, (_, i) => first + i)) : [[3, 4, 9, 10]];
    for (const ns of batches) {
      if (finishedClean) break;
      assert.ok(spare.length >= ns.length, `enough healthy servers left for crash points ${ns.join(', ')}`);
      const targets = ns.map(() => spare.shift() as { id: string; name: string });
      const results = await Promise.all(
        ns.map(async (n, i) => {
          const target = targets[i] as { id: string; name: string };
          const store = join(dir, `store-${n}`);
          const crashed = await faultline(['run', 'vm-hang', target.id, '--execute', ...healthy, '--store', store], { FAULTLINE_TEST_CRASH_AFTER_WRITES: String(n) });
          if (crashed.code === 0) return { n, target, clean: true };
          assert.equal(crashed.code, null, `crash point ${n}: killed, not failed (${crashed.stderr})`);
          const listed = JSON.parse((await faultline(['runs', '--store', store, '--format', 'json'])).stdout) as Json;
          const runId = listed.runs[0]?.id as string;
          assert.ok(runId, `crash point ${n}: the run was recorded before anything was done`);
          const resumed = await faultline(['resume', runId, ...healthy, '--store', store]);
          assert.equal(resumed.code, 0, `crash point ${n}: ${resumed.stderr}`);
          return { n, target, clean: false };
        }),
      );
      for (const { n, target, clean } of results) {
        if (!exhaustive) assert.equal(clean, false, `crash point ${n} lies inside the run`);
        const log = await labActions(target.id);
        assert.equal(count(log, 'stop'), 1, `crash point ${n} (${target.name}): one stop`);
        assert.equal(count(log, 'start'), 1, `crash point ${n} (${target.name}): one start`);
        assert.equal(count(log, 'reboot'), 0, `crash point ${n} (${target.name}): no reboot`);
      }
      finishedClean = results.some((r) => r.clean);
    }
    if (exhaustive) assert.ok(finishedClean, 'some crash point lies past the end of a run');
  });

  it('without a terminal and without --yes a disruptive step is refused, the run waits, and abort ends it', async () => {
    const target = spare.shift() as { id: string; name: string };
    const r = await faultline(['run', 'vm-hang', target.id, '--execute', '--wait-timeout', '1', '--format', 'json']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /refusing "Stop the server and wait for SHUTOFF\." .* stdin is not a terminal\. Pass --yes/);
    const body = JSON.parse(r.stdout) as Json;
    assert.equal(body.run.status, 'waiting');
    assert.deepEqual(await labActions(target.id), []);
    const aborted = await faultline(['abort', body.run.id, '--by', 'night-shift', '--why', 'wrong server']);
    assert.equal(aborted.code, 0, aborted.stderr);
    const resumed = await faultline(['resume', body.run.id, '--yes']);
    assert.equal(resumed.code, 1, 'an aborted run does nothing more');
    assert.match(resumed.stderr, /already ended \(aborted: aborted by night-shift: wrong server\)/);
    assert.deepEqual(await labActions(target.id), []);
  });

  it('a DB server that still serves waits for the DBA; approve, resume, done', async () => {
    const waiting = await faultline(['run', 'vm-hang', db.id, '--execute', ...fast, '--format', 'json']);
    assert.equal(waiting.code, 1, waiting.stderr);
    const body = JSON.parse(waiting.stdout) as Json;
    assert.equal(body.run.status, 'waiting');
    assert.match(body.run.reason, /db-servers/);
    assert.deepEqual(await labActions(db.id), [], 'nothing was sent to Nova');
    const early = await faultline(['approve', body.run.id, 'db-servers']);
    assert.equal(early.code, 2, 'an approval names who gave it');
    const ok = await faultline(['approve', body.run.id, 'db-servers', '--by', 'dba-kim', '--note', 'replica took over']);
    assert.equal(ok.code, 0, ok.stderr);
    const resumed = await faultline(['resume', body.run.id, ...fast]);
    assert.equal(resumed.code, 0, resumed.stderr);
    const log = await labActions(db.id);
    assert.deepEqual([count(log, 'stop'), count(log, 'start')], [1, 1]);
    const shown = await faultline(['runs', body.run.id]);
    assert.match(shown.stdout, /approve db-servers/);
    assert.match(shown.stdout, /dba-kim/);
  });
});
