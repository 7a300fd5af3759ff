// npm run bench:real-openstack: faultline's server collection against a real Nova
// (scripts/real-openstack.sh: Debian's Zed Keystone and Nova, fake-driver hypervisors),
// compared with the plain page fetch measured in the same run against the same Nova.
// The lab's benchmark (scripts/bench.mjs) measures 100,000 servers served from a cache;
// here Nova builds every page from its database, as it does in production.
// Writes .bench/real-openstack.json and prints a short table. Not part of the tests.
//
// BENCH_REAL_SERVERS  bulk servers to have besides the seeded fleet (default 600; created
//                     once, 100 per multi-create request, and kept while the cloud runs)
// BENCH_ROUNDS        rounds of the plain fetch and the faultline run (default 5)
// BENCH_DIST          the build to measure (default dist)
// BENCH_OUT           where results go (default .bench)
// LAB                 the real cloud's directory (default /tmp/faultline-real-openstack)
// BENCH_REAL_KEEP=1   leave the cloud running at the end (it is reused when it answers)
// REAL_OS_HTTP_ROUTER Keystone and Placement behind uwsgi's HTTP router when the bench starts
//                     the cloud (default 1; 0 for the recipe's default, whose keep-alive
//                     stalls of 2-4 s are described in docs/benchmarks.md)
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parse } from 'yaml';
import { NOT_OPENSTACK, OPENSTACK_BESIDES_SERVERS, collectionPhaseSeconds, collectorDurations, faultlineSnapshot, off, plainFetch, time, timeRounds, writeMaxRssHook } from './bench-lib.mjs';

const root = process.cwd();
const out = resolve(root, process.env.BENCH_OUT ?? '.bench');
const workDir = join(out, 'real-openstack');
mkdirSync(workDir, { recursive: true });
const lab = resolve(process.env.LAB ?? '/tmp/faultline-real-openstack');
const bulk = Number(process.env.BENCH_REAL_SERVERS ?? 600);
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
const cli = join(resolve(root, process.env.BENCH_DIST ?? 'dist'), 'cli/main.js');
const keep = process.env.BENCH_REAL_KEEP === '1';
const script = join(root, 'scripts/real-openstack.sh');

/** The control script and seeding, with their output passed through. */
function step(args, what) {
  const r = spawnSync(args[0], args.slice(1), { stdio: 'inherit', env: { ...process.env, LAB: lab, REAL_OS_HTTP_ROUTER: process.env.REAL_OS_HTTP_ROUTER ?? '1' } });
  if (r.status !== 0) throw new Error(`${what} failed (${r.status})`);
}

const answers = await fetch('http://127.0.0.1:5000/v3', { signal: AbortSignal.timeout(3000) }).then(
  (r) => r.ok,
  () => false,
);
const startedHere = !answers;
if (startedHere) step(['bash', script, 'start'], 'starting the real OpenStack');
try {
  const seeded = await time(`real Nova: ${bulk} bulk servers (created once, not counted)`, () => {
    step(['/usr/bin/python3', join(root, 'scripts/real-openstack/seed.py'), 'bulk', String(bulk)], 'creating bulk servers');
    return {};
  });
  const clouds = parse(readFileSync(join(lab, 'clouds.yaml'), 'utf8'));
  const auth = { ...clouds.clouds.real.auth };
  const regions = [clouds.clouds.real.region_name];
  const env = { OS_CLIENT_CONFIG_FILE: join(lab, 'clouds.yaml') };
  writeFileSync(join(workDir, 'servers.yaml'), `openstack:\n  cloud: real\ncollectors:\n${off([...NOT_OPENSTACK, ...OPENSTACK_BESIDES_SERVERS])}`);
  const rss = writeMaxRssHook(workDir);

  // One pass each first (not counted): Keystone's token cache, Nova's first queries and
  // Python's imports are warm for every timed run alike. The counting pass tells how
  // many servers Nova lists, which every faultline run must match.
  const warm = await time('warm-up: counting pass over every page (not counted)', () => plainFetch(auth, regions, { count: true }));
  const servers = () => {
    const { snap, timedSeconds, maxRssMiB, output } = faultlineSnapshot({ cli, cwd: workDir, config: 'servers.yaml', file: 'servers.json.gz', env, rss });
    if (snap.servers.length !== warm.servers) throw new Error(`faultline collected ${snap.servers.length} servers, Nova lists ${warm.servers}: ${output}`);
    return { timedSeconds, collectionPhaseSeconds: collectionPhaseSeconds(snap), servers: snap.servers.length, maxRssMiB, collectors: collectorDurations(snap), output };
  };
  await time('warm-up: faultline snapshot (not counted)', servers);

  const t0 = performance.now();
  const byKey = await timeRounds(
    {
      plain: [`plain page fetch (${warm.pages} pages, ${warm.servers} servers)`, () => plainFetch(auth, regions)],
      servers: ['faultline snapshot (servers only)', servers],
    },
    rounds,
  );
  const results = {
    when: new Date().toISOString(),
    rounds,
    node: process.version,
    cores: availableParallelism(),
    loadAverageAtEnd: loadavg().map((l) => Number(l.toFixed(2))),
    bulkServersSeconds: seeded.seconds,
    roundsSeconds: (performance.now() - t0) / 1000,
    nova: { servers: warm.servers, pages: warm.pages, bytes: warm.bytes },
    measurements: [byKey.plain, byKey.servers],
    ratios: {
      serversVsPlainFetch: byKey.servers.seconds / byKey.plain.seconds,
      serversPhaseVsPlainFetch: byKey.servers.collectionPhaseSeconds / byKey.plain.seconds,
    },
  };
  writeFileSync(join(out, 'real-openstack.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nreal Nova, ${warm.servers} servers in ${warm.pages} pages (${(warm.bytes / 1e6).toFixed(1)} MB)`);
  for (const m of results.measurements) console.log(`${m.label.padEnd(52)} ${m.seconds.toFixed(2).padStart(7)} s  (${m.runs.map((x) => x.toFixed(2)).join(', ')})`);
  console.log(`faultline's collection phase (median)                ${byKey.servers.collectionPhaseSeconds.toFixed(2).padStart(7)} s`);
  console.log(`faultline ÷ plain fetch: ${results.ratios.serversVsPlainFetch.toFixed(2)} whole process, ${results.ratios.serversPhaseVsPlainFetch.toFixed(2)} collection phase (target ≤ 1.3)`);
  console.log(`written to ${join(out, 'real-openstack.json')}`);
} finally {
  if (startedHere && !keep) step(['bash', script, 'stop'], 'stopping the real OpenStack');
}
