import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runFaultline, startLabProcess, stopLabProcess, type CliRun } from './testing.js';
import { replayPast, type Lab, type ReplayedMoment } from './testing-past.js';

/**
 * The memory rules end to end: the lab replays aged-month's past, a real
 * `faultline scan --record --now <lab time>` records each moment into an
 * embedded store (and `faultline restart` runs in that past), then a scan of
 * the present reads what the store remembers.
 */
const RULES = [
  'part-needs-judgement',
  'part-judgement-over-time',
  'hypervisor-replace-box',
  'server-unrequested-shutoff',
  'server-shutoff-flapping',
  'server-stopped-by-host-repeatedly',
  'finding-recurrence',
];

interface Finding {
  detectorId: string;
  messageId: string;
  message: string;
  severity: string;
  resource: { kind: string; id: string; name?: string };
  evidence: { label: string; value: unknown }[];
}
interface Report {
  results: { detectorId: string; status: string; reason?: string; findings: Finding[] }[];
}
interface Fault {
  id: string;
  hypervisor: string | null;
  servers: { id: string; name: string | null; host: string | null }[];
}

const findings = (r: CliRun | undefined, detectorId: string): Finding[] => {
  assert.ok(r, 'a scan ran');
  return (JSON.parse(r.stdout) as Report).results.find((x) => x.detectorId === detectorId)?.findings ?? [];
};
const short = (h: string | null | undefined): string => (h ?? '').split('.')[0]!.toLowerCase();
const on = (host: string | null) => (f: Finding) => short(f.resource.name ?? f.resource.id) === short(host);
const evidence = (f: Finding, label: string): unknown => f.evidence.find((e) => e.label === label)?.value;
const HOUR = 3_600_000;

describe('aged-month: the memory rules through faultline scan against a lab that replayed its past', () => {
  let dir: string;
  let child: ChildProcess | undefined;
  let lab: Lab;
  let moments: ReplayedMoment[];
  let present: CliRun;
  let presentAt: number;
  let faults: Map<string, Fault>;
  const env = (): NodeJS.ProcessEnv => ({ OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml') });
  const at = (ago: string): ReplayedMoment => {
    const m = moments.find((x) => x.moment.ago === ago);
    assert.ok(m, `moment ${ago}`);
    return m;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-aged-'));
    const started = await startLabProcess(dir, ['--scenario', 'aged-month']);
    child = started.child;
    lab = { admin: started.admin, token: started.token };
    // Every command of the replay (scans and the restart) shares one embedded store.
    await appendFile(join(dir, 'faultline.yaml'), `store:\n  path: ${JSON.stringify(join(dir, 'store'))}\n`);
    const scanArgs = ['--only', RULES.join(',')];
    const replay = await replayPast(lab, { dir, env: env(), scanArgs, run: runFaultline });
    moments = replay.moments;
    presentAt = replay.present;
    present = await runFaultline(['scan', '--record', '--format', 'json', '--out', '-', ...scanArgs], { cwd: dir, env: env() });
    assert.equal(present.code, 0, present.stderr);
    const list = (await (await fetch(`${lab.admin}/faults`, { headers: { 'x-lab-admin': lab.token } })).json()) as { faults: Fault[] };
    faults = new Map(list.faults.map((f) => [f.id, f]));
  });
  after(async () => {
    if (child) await stopLabProcess(child);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('replays every moment of the past, oldest first, and records a scan at each one that asks for it', () => {
    assert.deepEqual(
      moments.filter((m) => m.scan).map((m) => m.moment.ago),
      ['41d', '40d', '20d', '19d', '10d', '9d', '30h', '20h', '16h', '12h'],
    );
    const times = moments.map((m) => Date.parse(m.at));
    assert.deepEqual([...times].sort((a, b) => a - b), times);
    // The scan judged at the lab's time, not the wall clock: 41 days back.
    assert.ok(Math.abs(presentAt - 41 * 24 * HOUR - Date.parse(at('41d').at)) < HOUR, `${at('41d').at} vs present ${new Date(presentAt).toISOString()}`);
    assert.match(at('41d').scan!.stderr, /recorded as scan 1 /);
  });

  it('part-judgement-over-time: under 10 tickets is watched and says when it may be closed, and after 24 h says to close it', () => {
    const host = faults.get('sbe-watch')!.hypervisor;
    const then = findings(at('20h').scan, 'part-judgement-over-time').filter(on(host));
    assert.deepEqual(then.map((f) => f.messageId), ['watch']);
    const firstSeen = Date.parse(at('30h').at);
    assert.equal(Date.parse(String(evidence(then[0]!, 'may_close_at'))), firstSeen + 24 * HOUR, 'may close 24 h after faultline first saw it');
    const now = findings(present, 'part-judgement-over-time').filter(on(host));
    assert.deepEqual(now.map((f) => f.messageId), ['closeWithoutAction']);
    assert.match(now[0]!.message, /fired only 5 times in 24 h of watching/);
  });

  it('part-judgement-over-time: the count reaches 10 over two tickets, though no feed read shows 10', () => {
    const host = faults.get('sbe-first')!.hypervisor;
    assert.deepEqual(findings(at('12h').scan, 'part-judgement-over-time').filter(on(host)).map((f) => f.messageId), ['watch'], 'still under the count 12 h ago');
    const now = findings(present, 'part-judgement-over-time').filter(on(host));
    assert.deepEqual(now.map((f) => f.messageId), ['workOverTime']);
    assert.match(now[0]!.message, /fired 11 times over 2 ticket\(s\).*this feed read shows 6/);
    // The feed alone says to watch: part-needs-judgement sees one ticket of count 6.
    assert.ok(findings(present, 'part-needs-judgement').filter(on(host)).every((f) => f.messageId !== 'announceAndWork'));
  });

  it('hypervisor-replace-box: the third memory swap in a month replaces the box', () => {
    const host = faults.get('swap-1')!.hypervisor;
    assert.deepEqual(findings(at('10d').scan, 'hypervisor-replace-box').filter(on(host)), [], 'twice is not yet the box');
    const now = findings(present, 'hypervisor-replace-box').filter(on(host));
    assert.equal(now.length, 1);
    assert.match(now[0]!.message, /needed the part swap 3 separate times in 30 days/);
    assert.equal(findings(present, 'hypervisor-replace-box').length, 1, 'no other hypervisor');
  });

  it("server-stopped-by-host-repeatedly: three days of host stops, none of them in what the scan read from Nova", () => {
    const server = faults.get('stops-1')!.servers[0]!;
    const now = findings(present, 'server-stopped-by-host-repeatedly').filter((f) => f.resource.id === server.id);
    assert.equal(now.length, 1, JSON.stringify(findings(present, 'server-stopped-by-host-repeatedly')));
    assert.match(now[0]!.message, /stopped by its host 3 times on 3 different days.*still holds 0 of them/);
    assert.equal(evidence(now[0]!, 'only_in_store'), 3);
    // Without memory nothing shows: it is ACTIVE, and Nova-based flapping sees no stops.
    assert.deepEqual(findings(present, 'server-shutoff-flapping').filter((f) => f.resource.id === server.id), []);
    assert.deepEqual(findings(present, 'server-unrequested-shutoff').filter((f) => f.resource.id === server.id), []);
  });

  it('finding-recurrence: the host stop is back, and says when it was resolved and the restart done then through faultline', () => {
    const server = faults.get('stopped-before')!.servers[0]!;
    const restart = at('40d').commands;
    assert.equal(restart.length, 1);
    const audit = JSON.parse(restart[0]!.stdout) as { ok: boolean; records: { at: string; requestId?: string }[] };
    assert.equal(audit.ok, true);
    // The restart ran in the replayed past: its audit record carries the lab's time then.
    assert.ok(Math.abs(Date.parse(audit.records[0]!.at) - Date.parse(at('40d').at)) < 5 * 60_000, `${audit.records[0]!.at} vs ${at('40d').at}`);
    const back = findings(present, 'finding-recurrence').filter((f) => f.resource.id === server.id);
    assert.equal(back.length, 1, JSON.stringify(findings(present, 'finding-recurrence').map((f) => f.message)));
    assert.equal(back[0]!.messageId, 'cameBack');
    const resolvedAt = at('40d').at;
    assert.match(back[0]!.message, new RegExp(`server-unrequested-shutoff on .* is back: it was resolved 1 time\\(s\\) before, last on ${resolvedAt.replace(/[.]/g, '\\.')}`));
    assert.match(back[0]!.message, /Done then: .*start .* ok/);
    const requestId = audit.records.find((r) => r.requestId)?.requestId;
    assert.ok(requestId && back[0]!.message.includes(requestId), 'names the Nova request id of the restart');
  });
});
