#!/usr/bin/env node
// The watch loop on a large lab fleet (not part of the test suite): time from a server
// stopped by its host to the watch's finding and to the start it sends (p50/p99), and the
// Nova requests per minute the watch sends, next to the cron script of seed 002 (one
// `openstack server show` per watched server per minute).
//
//   node scripts/bench-watch.mjs            # large fleet (100,000 servers)
//   BENCH_SIZE=medium BENCH_STOPS=10 node scripts/bench-watch.mjs
//   BENCH_BASELINE_DIST=dist-before node scripts/bench-watch.mjs
//
// BENCH_BASELINE_DIST: another build (e.g. of the commit before a change) whose watch is measured
// first, against the same lab in the same run, then this build's: before/after figures taken
// minutes apart on the same fleet rather than in runs of their own. Run it in a network namespace
// of its own (`unshare -n sh -c 'ip link set lo up && exec node scripts/bench-watch.mjs'`): labs on
// one machine share their loopback addresses.
//
// Needs a build (dist/). Writes .bench/watch.json and prints a table.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const main = join(resolve(root, process.env.BENCH_DIST ?? 'dist'), 'cli/main.js');
const baselineMain = process.env.BENCH_BASELINE_DIST ? join(resolve(root, process.env.BENCH_BASELINE_DIST), 'cli/main.js') : undefined;
const size = process.env.BENCH_SIZE ?? 'large';
const stops = Number(process.env.BENCH_STOPS ?? 20);
const intervalSeconds = Number(process.env.BENCH_INTERVAL ?? 1);
const steadySeconds = Number(process.env.BENCH_STEADY_SECONDS ?? 60);
const out = resolve(root, process.env.BENCH_OUT ?? '.bench');
const dir = mkdtempSync(join(tmpdir(), 'fl-bench-watch-'));

function startLab() {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [main, 'lab', '--size', size, '--dir', dir, '--seed', 'bench', '--ssh-port', '0', '--hosts-ssh-port', '0', '--action-seconds', '0.3', '--no-prometheus'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.on('data', (d) => {
      text += d.toString();
      if (text.includes('Stop with Ctrl-C')) res({ child, banner: text });
    });
    child.on('exit', (code) => rej(new Error(`lab exited early (${code}): ${text}`)));
  });
}

function startWatch(cli, store) {
  const child = spawn(process.execPath, [cli, 'watch', '--format', 'json', '--interval', String(intervalSeconds), '--store', join(dir, store), '--wait-timeout', '20', '--action-timeout', '60'], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: dir, OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml'), OS_CLOUD: 'lab', USER: 'bench' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events = [];
  let buffer = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    buffer += d.toString();
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.trim()) events.push({ ...JSON.parse(line), seenAt: Date.now() });
    }
  });
  child.stderr.on('data', (d) => (stderr += d.toString()));
  const exited = new Promise((res) => child.on('close', res));
  return { child, events, stderr: () => stderr, exited };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, test, timeoutMs) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await test();
    if (v) return v;
    if (Date.now() > end) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await sleep(50);
  }
}
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};

const { child: lab, banner } = await startLab();
const m = /admin\s+(\S+)\s+header X-Lab-Admin: (\S+)/.exec(banner);
if (!m) throw new Error(`no admin URL in the lab banner:\n${banner}`);
const [, admin, token] = m;
const labGet = async (path) => (await fetch(`${admin}${path}`, { headers: { 'x-lab-admin': token } })).json();
// The lab writes its own faultline.yaml (runbooks: among it): the bench's settings go into it, not after it.
const config = parse(readFileSync(join(dir, 'faultline.yaml'), 'utf8')) ?? {};
config.watch = { ...(config.watch ?? {}), autoRun: { 'host-stopped-server': { enabled: true, flapLimit: { restarts: 100, windowMinutes: 60 } } } };
config.runbooks = { ...(config.runbooks ?? {}), stormSample: 20 };
writeFileSync(join(dir, 'faultline.yaml'), stringify(config));
// The lab's clock may run ahead of or behind this one: stops are timed on it, the watch's events on ours.
const state = await labGet('/state');
const labOffsetMs = Date.parse(state.clock.now) - Date.now();
const servers = state.fleet.servers;

const results = { size, servers, when: new Date().toISOString(), node: process.version, cores: availableParallelism(), loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))), intervalSeconds };
results.cron = {
  note: "seed 002's script: one `openstack server show` per watched server per minute (plus a start when SHUTOFF)",
  novaRequestsPerMinuteForTwoWorkers: 2,
  novaRequestsPerMinuteForWholeFleet: servers,
  detectMs: { p50: 30_000, worst: 60_000 },
};

/** One build's watch against the lab: its first round, a steady minute, then the host stops one at a time. */
async function measure(cli, store) {
  const watchStartedAt = Date.now();
  const w = startWatch(cli, store);
  const r = { build: dirname(dirname(cli)), loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))) };
  try {
    const first = await until('first round', () => {
      if (w.child.exitCode !== null) throw new Error(`faultline watch exited (${w.child.exitCode}): ${w.stderr()}`);
      return w.events.find((e) => e.type === 'round');
    }, 600_000);
    r.firstRound = { seconds: (first.seenAt - watchStartedAt) / 1000, durationMs: first.durationMs, novaRequests: first.novaRequests };

    // Steady state: nothing breaks; count what the watch asks Nova per minute.
    const steadyFrom = new Date(Date.now() + labOffsetMs).toISOString();
    await sleep(steadySeconds * 1000);
    const steady = (await labGet(`/requests?service=compute&since=${encodeURIComponent(steadyFrom)}`)).requests;
    const listings = steady.filter((q) => q.path.endsWith('/servers/detail'));
    r.steady = {
      byKind: byKind(steady),
      seconds: steadySeconds,
      novaRequestsPerMinute: (steady.length / steadySeconds) * 60,
      fullListingsPerMinute: (listings.filter((q) => !q.query.includes('changes-since')).length / steadySeconds) * 60,
      changeListingsPerMinute: (listings.filter((q) => q.query.includes('changes-since')).length / steadySeconds) * 60,
    };

    // Host stops, one at a time: detection is the watch's finding; the start is the lab's record of it.
    const detect = [];
    const start = [];
    const stopsFrom = new Date(Date.now() + labOffsetMs).toISOString();
    const stopsStartedAt = Date.now();
    const roundsFrom = w.events.length;
    for (let i = 0; i < stops; i++) {
      const res = await fetch(`${admin}/faults`, { method: 'POST', headers: { 'x-lab-admin': token, 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'unrequested-shutoff', servers: { role: 'k8s-worker' } }) });
      const body = await res.json();
      if (res.status !== 201) throw new Error(`fault not applied: ${JSON.stringify(body)}`);
      const id = body.fault.servers[0].id;
      const stoppedAt = Date.parse(body.fault.appliedAt) - labOffsetMs;
      const found = await until(`finding for ${id}`, () => w.events.find((e) => e.type === 'finding.new' && e.finding.resource.id === id), 120_000);
      detect.push(Date.parse(found.at) - stoppedAt);
      // The start as the lab recorded it, not the end of the run (which waits for the server to answer ssh).
      const sent = await until(`start of ${id}`, async () => {
        const actions = (await labGet(`/actions?since=${encodeURIComponent(stopsFrom)}`)).actions;
        return actions.find((a) => a.server.id === id && a.action === 'start' && !a.byHost);
      }, 120_000);
      start.push(Date.parse(sent.at) - labOffsetMs - stoppedAt);
      await sleep(500);
    }
    const stopsSeconds = (Date.now() - stopsStartedAt) / 1000;
    const during = (await labGet(`/requests?service=compute&since=${encodeURIComponent(stopsFrom)}`)).requests;
    const judged = w.events.slice(roundsFrom).filter((e) => e.type === 'round' && e.recorded !== null);
    r.stops = {
      count: stops,
      detectMs: { p50: pct(detect, 50), p99: pct(detect, 99), max: Math.max(...detect) },
      startMs: { p50: pct(start, 50), p99: pct(start, 99), max: Math.max(...start) },
      novaRequestsPerMinute: (during.length / stopsSeconds) * 60,
      byKind: byKind(during),
      // Judged rounds while the stops went on, by how they judged (the build before the change has no `judged`).
      judgedRounds: judged.reduce((acc, e) => ((acc[e.judged ?? 'whole'] = (acc[e.judged ?? 'whole'] ?? 0) + 1), acc), {}),
      judgedRoundMs: { p50: pct(judged.map((e) => e.durationMs), 50), p99: pct(judged.map((e) => e.durationMs), 99) },
      // Where a judged round's time goes (builds that report it): p50 of each part.
      judgedRoundPartsMs: judged[0]?.timingsMs ? Object.fromEntries(Object.keys(judged[0].timingsMs).map((k) => [k, pct(judged.map((e) => e.timingsMs[k]), 50)])) : null,
      judgedRoundsDetail: judged.map((e) => ({ judged: e.judged ?? 'whole', servers: e.judgedServers ?? e.servers, ms: e.durationMs, parts: e.timingsMs ?? null })),
      samples: { detect, start },
    };
  } finally {
    w.child.kill('SIGINT');
    await Promise.race([w.exited, sleep(30_000)]);
    r.loadAverageAtEnd = loadavg().map((l) => Number(l.toFixed(2)));
  }
  return r;
}

const kind = (q) => (q.path.endsWith('/servers/detail') ? (q.query.includes('changes-since') ? 'servers/detail?changes-since' : q.query.includes('status=') ? 'servers/detail?status' : 'servers/detail (full)') : q.path.replace(/\/v2\.1\//, '').replace(/[0-9a-f-]{36}/g, '<id>').replace(/req-[0-9a-f-]+/g, '<req>'));
const byKind = (list) => Object.fromEntries(Object.entries(list.reduce((acc, q) => ((acc[kind(q)] = (acc[kind(q)] ?? 0) + 1), acc), {})).sort((a, b) => b[1] - a[1]));

try {
  if (baselineMain) results.baseline = await measure(baselineMain, 'store-baseline');
  results.watch = await measure(main, 'store');
  results.requestLogDropped = (await labGet('/requests?since=2999-01-01T00:00:00Z')).dropped;
} finally {
  lab.kill('SIGINT');
  await new Promise((r) => lab.on('exit', r));
  results.loadAverageAtEnd = loadavg().map((l) => Number(l.toFixed(2)));
  rmSync(dir, { recursive: true, force: true });
}
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'watch.json'), `${JSON.stringify(results, null, 2)}\n`);
function print(label, r) {
  const s = r.stops;
  console.log(`${label} (${r.build}): first round ${r.firstRound.seconds.toFixed(1)} s after start, load ${r.loadAverageAtStart[0]} → ${r.loadAverageAtEnd[0]}`);
  console.log(`  host stop → finding: p50 ${(s.detectMs.p50 / 1000).toFixed(2)} s, p99 ${(s.detectMs.p99 / 1000).toFixed(2)} s (${s.count} stops)`);
  console.log(`  host stop → start sent: p50 ${(s.startMs.p50 / 1000).toFixed(2)} s, p99 ${(s.startMs.p99 / 1000).toFixed(2)} s`);
  console.log(`  judged rounds during the stops: ${JSON.stringify(s.judgedRounds)}, p50 ${s.judgedRoundMs.p50} ms, p99 ${s.judgedRoundMs.p99} ms${s.judgedRoundPartsMs ? ` (p50 by part: ${JSON.stringify(s.judgedRoundPartsMs)})` : ''}`);
  console.log(`  Nova requests/min: idle ${r.steady.novaRequestsPerMinute.toFixed(0)}, during the stops ${s.novaRequestsPerMinute.toFixed(0)}`);
}
console.log(`fleet ${servers} servers, interval ${intervalSeconds} s; cron script: ${servers} Nova requests/min for the whole fleet (2 for two workers)`);
if (results.baseline) print('baseline', results.baseline);
print('watch', results.watch);
