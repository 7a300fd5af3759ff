import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { runFaultline, startChatHook, startLabProcess, stopLabProcess, type ChatHook, type CliRun } from '../testing.js';

/**
 * part-needs-judgement through the real CLI against the lab (scenario memory-sbe): a scan
 * records the alarm feed in the store, and the run reads the ticket count from there. 14
 * single-bit tickets: announced, then held until runbooks.advanceNoticeHours after the
 * announcement (a few seconds here), and only then are the servers stopped. 3 tickets:
 * watched, nothing announced, nothing stopped.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const ADVANCE_HOURS = 0.002; // 7.2 s

describe('faultline run part-needs-judgement against the lab', { timeout: 240_000 }, () => {
  let dir: string;
  let lab: ChildProcess;
  let admin: string;
  let token: string;
  let chat: ChatHook | undefined;
  let store: string;

  const faultline = (args: string[]): Promise<CliRun> => runFaultline(args, { cwd: dir, env: { OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml'), OS_CLOUD: 'lab', USER: 'day-shift' } });
  const adminGet = async (path: string): Promise<Json> => (await fetch(`${admin}${path}`, { headers: { 'x-lab-admin': token } })).json();
  const hostOf = async (faultId: string): Promise<string> => {
    const f = ((await adminGet('/faults')) as { faults: { id: string; hypervisor: string | null }[] }).faults.find((x) => x.id === faultId);
    assert.ok(f?.hypervisor, faultId);
    return f.hypervisor;
  };
  const stops = async (): Promise<{ at: string; server: { id: string } }[]> => ((await adminGet('/actions')) as { actions: Json[] }).actions.filter((a) => !a.byHost && a.action === 'stop');
  const flags = ['--yes', '--action-timeout', '60', '--wait-timeout', '30', '--storm-fraction', '1'];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-run-judgement-'));
    const started = await startLabProcess(dir, ['--scenario', 'memory-sbe', '--action-seconds', '0.3']);
    lab = started.child;
    ({ admin, token } = started);
    chat = await startChatHook(dir);
    const file = join(dir, 'faultline.yaml');
    const config = parse(await readFile(file, 'utf8')) as Json;
    config.runbooks = { ...config.runbooks, advanceNoticeHours: ADVANCE_HOURS };
    await writeFile(file, stringify(config));
    store = join(dir, 'store');
    // The store learns the tickets from a recorded scan, as it does every night.
    const scanned = await faultline(['scan', '--store', store, '--record', '--format', 'json', '--out', join(dir, 'scan.json')]);
    assert.ok(scanned.code === 0 || scanned.code === 1, scanned.stderr);
  });
  after(async () => {
    if (lab) await stopLabProcess(lab);
    await chat?.close();
  });

  it('14 tickets over time: announce, hold until the advance notice has passed, then stop the servers', async () => {
    const host = await hostOf('sbe-many');
    const first = await faultline(['run', 'part-needs-judgement', host, '--execute', ...flags, '--store', store, '--format', 'json']);
    assert.equal(first.code, 1, first.stderr);
    const body = JSON.parse(first.stdout) as Json;
    assert.equal(body.run.status, 'waiting');
    const ticketStep = (body.steps as Json[]).find((s) => s.stepId === 'ticket-count');
    assert.match(ticketStep?.detail ?? '', /ticket count 14 over 1 ticket\(s\)/);
    const until = /hold advance-notice: .*Not before (\S+);/.exec(body.run.reason)?.[1];
    assert.ok(until, body.run.reason);
    const announced = (body.steps as Json[]).find((s) => s.stepId === 'announce' && s.status === 'ok');
    assert.ok(announced, JSON.stringify(body.steps));
    assert.equal(Date.parse(until) - Date.parse(announced.finishedAt), ADVANCE_HOURS * 3_600_000, 'the deadline is the announcement plus the advance notice');
    assert.ok(chat!.posted.some((p) => /\\?\[announce\\?\]/.test(p.text) && p.text.includes(host)), JSON.stringify(chat!.posted));
    assert.equal((await stops()).length, 0, 'nothing stopped before the deadline');

    const runId = body.run.id as string;
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(until) - Date.now() + 200)));
    let resumed = await faultline(['resume', runId, ...flags, '--store', store, '--format', 'json']);
    assert.equal(resumed.code, 1, resumed.stderr);
    // A prod hypervisor may carry a DB server that still serves: the DBA acknowledges, then the work goes on.
    if (/gate db-servers/.test((JSON.parse(resumed.stdout) as Json).run.reason)) {
      assert.equal((await stops()).length, 0, 'nothing stopped before the DBA acknowledged');
      assert.equal((await faultline(['approve', runId, 'db-servers', '--by', 'dba', '--store', store])).code, 0);
      resumed = await faultline(['resume', runId, ...flags, '--store', store, '--format', 'json']);
    }
    assert.match((JSON.parse(resumed.stdout) as Json).run.reason, /gate part-swapped/, resumed.stderr);
    const done = await stops();
    assert.ok(done.length >= 1, 'the servers were stopped');
    for (const s of done) assert.ok(Date.parse(s.at) >= Date.parse(until), `stopped at ${s.at}, after ${until}`);
    assert.equal(chat!.posted.filter((p) => /\\?\[announce\\?\]/.test(p.text) && p.text.includes(host)).length, 1, 'announced once');
  });

  it('part-non-urgent at night: waits for business hours with nothing posted or stopped; in the daytime: announced, then stopped', async () => {
    const res = await fetch(`${admin}/faults`, {
      method: 'POST',
      headers: { 'x-lab-admin': token, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'fan', kind: 'alarm', code: 'FAN', hypervisor: { zone: 'dev', minServers: 2 } }),
    });
    assert.ok(res.status < 300, await res.text());
    const host = await hostOf('fan');
    const file = join(dir, 'faultline.yaml');
    const config = parse(await readFile(file, 'utf8')) as Json;
    const open = config.runbooks.businessHours;
    // "Night": every day but today (UTC) is a business day.
    const today = ((new Date().getUTCDay() + 6) % 7) + 1;
    await writeFile(file, stringify({ ...config, runbooks: { ...config.runbooks, businessHours: { ...open, days: [1, 2, 3, 4, 5, 6, 7].filter((d) => d !== today) } } }));
    const before = (await stops()).length;
    const night = await faultline(['run', 'part-non-urgent', host, '--execute', ...flags, '--store', store, '--format', 'json']);
    assert.equal(night.code, 1, night.stderr);
    const body = JSON.parse(night.stdout) as Json;
    assert.match(body.run.reason, /hold business-hours: .*they open at \S+T00:00:00\.000Z/);
    assert.ok(!chat!.posted.some((p) => p.text.includes(host)), 'no notice at night');
    assert.equal((await stops()).length, before, 'nothing stopped at night');

    await writeFile(file, stringify({ ...config, runbooks: { ...config.runbooks, businessHours: open } }));
    const day = await faultline(['resume', body.run.id, ...flags, '--store', store, '--format', 'json']);
    assert.equal(day.code, 1, day.stderr);
    const reason = (JSON.parse(day.stdout) as Json).run.reason as string;
    assert.match(reason, /gate (part-swapped|db-servers)/);
    if (/part-swapped/.test(reason)) assert.ok((await stops()).length > before, 'its servers were stopped for the work');
    const announce = chat!.posted.find((p) => /\\?\[announce\\?\]/.test(p.text) && p.text.includes(host));
    assert.ok(announce, JSON.stringify(chat!.posted));
    for (const s of (await stops()).slice(before)) assert.ok(Date.parse(s.at) >= announce.at - 1000, 'stopped after the announcement');
  });

  it('3 tickets: watched for 24 h; nothing announced, nothing stopped', async () => {
    const host = await hostOf('sbe-few');
    const r = await faultline(['run', 'part-needs-judgement', host, '--execute', ...flags, '--store', store, '--format', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const body = JSON.parse(r.stdout) as Json;
    assert.match(body.run.reason, /hold monitor: .*Not before/);
    assert.match((body.steps as Json[]).find((s) => s.stepId === 'ticket-count')?.detail ?? '', /ticket count 3 over 1 ticket\(s\) \(limit 10\)/);
    assert.ok(!chat!.posted.some((p) => p.text.includes(host)), 'no notice for it');
  });
});
