// npm run bench: faultline's collection and reachability sweep against references
// measured in the same run, on the lab's large fleet (100,000 servers).
// Writes .bench/results.json and prints a short table. Not part of the tests.
//
// BENCH_SIZE   lab size (default large; medium for a quicker run)
// BENCH_DIST   the build to measure and to run the lab from (default dist)
// BENCH_OUT    where results and the lab's files go (default .bench)
// BENCH_BASELINE_DIST  another build (e.g. of the previous commit) whose `faultline snapshot`
//              is timed too, against the same lab in the same run, for before/after figures
// BENCH_SKIP   comma-separated parts to leave out: osc, ssh, sweep, correlate, store, kubernetes
// BENCH_SSH_CONCURRENCY  hosts collected at once over SSH (default 32, faultline's default)
// BENCH_ROUNDS rounds of the plain fetch and the faultline collections (default 3): each round
//              times each of them once, in turn, and the figures are each one's median
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { parse, stringify } from 'yaml';
import { NOT_OPENSTACK, OPENSTACK_BESIDES_SERVERS, collectionPhaseSeconds, collectorDurations as durations, off, faultlineSnapshot as snapshotOf, plainFetch, run as runIn, time, timeRounds as timeRoundsOf, writeMaxRssHook } from './bench-lib.mjs';

const root = process.cwd();
const out = resolve(root, process.env.BENCH_OUT ?? '.bench');
const labDir = join(out, 'lab');
mkdirSync(labDir, { recursive: true });
const size = process.env.BENCH_SIZE ?? 'large';
const dist = resolve(root, process.env.BENCH_DIST ?? 'dist');
const main = join(dist, 'cli/main.js');
const baselineMain = process.env.BENCH_BASELINE_DIST ? join(resolve(root, process.env.BENCH_BASELINE_DIST), 'cli/main.js') : undefined;
const skip = new Set((process.env.BENCH_SKIP ?? '').split(',').filter(Boolean));
// Hosts collected at once over SSH (faultline's default).
const sshConcurrency = Number(process.env.BENCH_SSH_CONCURRENCY ?? 32);
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));

const rss = writeMaxRssHook(out);

function startLab() {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [main, 'lab', '--size', size, '--dir', labDir, '--seed', 'bench', '--ssh-port', '0', '--hosts-ssh-port', '0'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.on('data', (d) => {
      text += d.toString();
      if (text.includes('Stop with Ctrl-C')) res(child);
    });
    child.on('exit', (code) => rej(new Error(`lab exited early (${code}): ${text}`)));
  });
}

// Every client the bench runs (openstackclient, faultline) reads the bench's copy of clouds.yaml.
const labEnv = { OS_CLIENT_CONFIG_FILE: join(labDir, 'bench-clouds.yaml') };
const run = (cmd, args, env = {}) => runIn(cmd, args, { cwd: labDir, env: { ...labEnv, ...env } });
const timeRounds = (jobs) => timeRoundsOf(jobs, rounds);

/** `faultline snapshot` with a config, against the lab (see faultlineSnapshot in bench-lib.mjs). */
const faultlineSnapshot = (config, file, cli = main) => snapshotOf({ cli, cwd: labDir, config, file, env: labEnv, rss });

const lab = await startLab();
const results = {
  size,
  when: new Date().toISOString(),
  rounds,
  node: process.version,
  cores: availableParallelism(),
  loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))),
  measurements: [],
  ratios: {},
};
const byKey = {};
try {
  const clouds = parse(readFileSync(join(labDir, 'clouds.yaml'), 'utf8'));
  const cfg = parse(readFileSync(join(labDir, 'faultline.yaml'), 'utf8'));
  const auth = clouds.clouds.lab.auth;
  const regions = cfg.openstack.regions;
  console.error(`bench on the lab (${size}), regions: ${regions.join(', ')}; build ${dist}`);
  // openstackclient only accepts regions the cloud lists.
  clouds.clouds.lab.regions = regions;
  delete clouds.clouds.lab.region_name;
  writeFileSync(join(labDir, 'bench-clouds.yaml'), stringify(clouds));

  // The lab renders each server's JSON once and caches it: one untimed pass first, so that
  // every timed measurement below is served from the same warm cache.
  await time('warm-up pass over every page (not counted)', () => plainFetch(auth, regions));

  const base = `openstack:\n  cloud: lab\n  regions: [${regions.join(', ')}]\ncollectors:\n`;
  // Only the OpenStack collectors: probes, console logs and the rest are off.
  writeFileSync(join(labDir, 'bench.yaml'), base + off(NOT_OPENSTACK));
  writeFileSync(join(labDir, 'bench-servers.yaml'), base + off([...NOT_OPENSTACK, ...OPENSTACK_BESIDES_SERVERS]));
  const serversOnly = (file, cli) => () => {
    const { snap, timedSeconds, maxRssMiB, output } = faultlineSnapshot('bench-servers.yaml', file, cli);
    return { timedSeconds, collectionPhaseSeconds: collectionPhaseSeconds(snap), servers: snap.servers.length, maxRssMiB, collectors: durations(snap), output };
  };
  const fullCollection = (file, cli) => () => {
    const { snap, timedSeconds, maxRssMiB, output } = faultlineSnapshot('bench.yaml', file, cli);
    const actionServers = new Set(snap.instanceActions.map((a) => a.serverId)).size;
    return {
      timedSeconds,
      collectionPhaseSeconds: collectionPhaseSeconds(snap),
      servers: snap.servers.length,
      hypervisors: snap.hypervisors.length,
      instanceActions: snap.instanceActions.length,
      serversWithActions: actionServers,
      maxRssMiB,
      collectors: durations(snap),
      output,
    };
  };

  Object.assign(
    byKey,
    await timeRounds({
      // Reference 1: a plain sequential fetch of every page, no parsing beyond the next link.
      plain: ['plain page fetch (all regions)', () => plainFetch(auth, regions)],
      // The baseline build, on the same warm lab, for before/after figures from one run.
      ...(baselineMain
        ? {
            baselineServers: ['baseline build: faultline snapshot (servers only)', serversOnly('baseline-servers.json.gz', baselineMain)],
            baselineFull: ['baseline build: faultline snapshot (full OpenStack collection)', fullCollection('baseline-snapshot.json.gz', baselineMain)],
          }
        : {}),
      // faultline: servers only, then the full OpenStack collection (servers, hypervisors, services, agents, regions, instance actions).
      servers: ['faultline snapshot (servers only, every page of every region)', serversOnly('bench-servers.json.gz')],
      full: ['faultline snapshot (full OpenStack collection)', fullCollection('bench-snapshot.json.gz')],
    }),
  );

  // Host facts over SSH from every hypervisor (the hypervisor list comes from Nova first).
  if (!skip.has('ssh')) {
    const hosts = cfg.hosts;
    writeFileSync(
      join(labDir, 'bench-hosts.yaml'),
      base +
        off([...NOT_OPENSTACK.filter((id) => id !== 'host-ssh'), 'openstack-servers', ...OPENSTACK_BESIDES_SERVERS.filter((id) => id !== 'openstack-hypervisors')]) +
        // The run's default deadline per collector (2 minutes) is too short for 2,000 hosts.
        `  host-ssh:\n    timeoutSeconds: 900\n` +
        `hosts:\n  username: ${hosts.username}\n  port: ${hosts.port}\n  privateKey: ${hosts.privateKey}\n  knownHosts: ${hosts.knownHosts}\n  agent: false\n  address: ${hosts.address}\n  concurrency: ${sshConcurrency}\n`,
    );
    byKey.ssh = await time('faultline snapshot (host facts over SSH from every hypervisor)', async () => {
      const { snap, timedSeconds, maxRssMiB, output } = faultlineSnapshot('bench-hosts.yaml', 'bench-hosts.json.gz');
      const ssh = snap.collection.find((o) => o.collector === 'host-ssh');
      const hostsDone = snap.hostFacts.length;
      const seconds = (ssh?.durationMs ?? Number.NaN) / 1000;
      return {
        timedSeconds,
        hypervisors: snap.hypervisors.length,
        hosts: hostsDone,
        failed: (ssh?.warnings ?? []).filter((w) => w.includes(': failed:')).length,
        sshCollectorSeconds: seconds,
        hostsPerSecond: hostsDone / seconds,
        concurrency: sshConcurrency,
        maxRssMiB,
        collectors: durations(snap),
        output,
      };
    });
  }

  // Reference 2: the standard client.
  if (!skip.has('osc')) {
    byKey.osc = await time('openstack server list --all-projects --long -f json (all regions)', async () => {
      const t0 = performance.now();
      const outputs = regions.map((region) => run('openstack', ['--os-cloud', 'lab', '--os-region-name', region, 'server', 'list', '--all-projects', '--long', '-f', 'json', '--limit', '-1']).stdout);
      const timedSeconds = (performance.now() - t0) / 1000;
      return { timedSeconds, servers: outputs.reduce((n, out) => n + JSON.parse(out).length, 0) };
    });
  }
  results.measurements.push(...Object.values(byKey));
  const { plain, servers, full, osc } = byKey;
  if (osc) {
    results.ratios.collectionVsOpenstackclient = osc.seconds / full.seconds;
    results.ratios.serversVsOpenstackclient = osc.seconds / servers.seconds;
  }
  results.ratios.serversVsPlainFetch = servers.seconds / plain.seconds;
  results.ratios.collectionVsPlainFetch = full.seconds / plain.seconds;
  // The same, counting only the collection phase (no process start-up, no writing the snapshot).
  results.ratios.serversPhaseVsPlainFetch = servers.collectionPhaseSeconds / plain.seconds;
  results.ratios.collectionPhaseVsPlainFetch = full.collectionPhaseSeconds / plain.seconds;
  if (byKey.baselineServers) {
    // Same fleet, same lab: the sections must match, apart from the heartbeat times the lab's clock moves on.
    const read = (file) => JSON.parse(gunzipSync(readFileSync(join(labDir, file))).toString());
    const before = read('baseline-snapshot.json.gz');
    const after = read('bench-snapshot.json.gz');
    results.sameDataAsBaseline = Object.fromEntries(['regions', 'servers', 'hypervisors', 'instanceActions'].map((k) => [k, JSON.stringify(before[k]) === JSON.stringify(after[k])]));
    results.ratios.baselineServersVsPlainFetch = byKey.baselineServers.seconds / plain.seconds;
    results.ratios.baselineCollectionVsPlainFetch = byKey.baselineFull.seconds / plain.seconds;
    if (osc) results.ratios.baselineCollectionVsOpenstackclient = osc.seconds / byKey.baselineFull.seconds;
  }
} finally {
  lab.kill('SIGINT');
  await new Promise((r) => lab.once('exit', r));
}

// Correlation (incidents from findings) on the full collection's snapshot, against the scan it is part of:
// the collection (whole process, measured above) plus running every detector on that snapshot.
if (!skip.has('correlate') && byKey.full) {
  const { loadSnapshot } = await import(pathToFileURL(join(dist, 'snapshot/io.js')).href);
  const { indexOf } = await import(pathToFileURL(join(dist, 'snapshot/fleet-index.js')).href);
  const { runDetectors } = await import(pathToFileURL(join(dist, 'detect/engine.js')).href);
  const { detectors } = await import(pathToFileURL(join(dist, 'detect/rules/index.js')).href);
  const { correlate } = await import(pathToFileURL(join(dist, 'correlate/correlate.js')).href);
  const snap = await loadSnapshot(join(labDir, 'bench-snapshot.json.gz'));
  const now = new Date(snap.collectedAt);
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  const detectRuns = [];
  const correlateRuns = [];
  let findings = [];
  let correlation;
  for (let r = 0; r < Math.max(3, rounds); r++) {
    // Each round on a fresh index, as a scan builds it once.
    const fresh = { ...snap };
    const t0 = performance.now();
    indexOf(fresh);
    findings = runDetectors(fresh, detectors, { now }).flatMap((x) => x.findings);
    detectRuns.push((performance.now() - t0) / 1000);
    const t1 = performance.now();
    correlation = correlate(fresh, findings);
    correlateRuns.push((performance.now() - t1) / 1000);
  }
  const detectSeconds = median(detectRuns);
  const correlateSeconds = median(correlateRuns);
  const scanSeconds = byKey.full.seconds + detectSeconds;
  const m = {
    label: `correlation of ${findings.length} findings on ${snap.servers.length} servers`,
    seconds: correlateSeconds,
    runs: correlateRuns.map((x) => Number(x.toFixed(4))),
    findings: findings.length,
    incidents: correlation.incidents.length,
    explained: correlation.explained.size,
    detectSeconds,
    detectRuns: detectRuns.map((x) => Number(x.toFixed(3))),
    scanSeconds,
  };
  console.error(`  ${m.label}: ${correlateSeconds.toFixed(3)} s (detectors ${detectSeconds.toFixed(2)} s, ${m.incidents} incidents)`);
  results.measurements.push(m);
  // Target ≤ 0.10: correlating adds at most a tenth to a scan (collection + detection) of the large fleet.
  results.ratios.correlationVsScan = correlateSeconds / scanSeconds;
}

// The store: what recording a scan costs, on both engines, against the scan itself. The full
// collection's snapshot is judged again with --from: without a store, with the embedded store and
// with a PostgreSQL server (Debian's, started here as the store tests start it). Each store is
// written once before timing (creating PGlite's data directory is a one-off), so the rounds time
// the steady state: a scan whose findings the store already holds, as every scan after the first.
if (!skip.has('store') && byKey.full) {
  const { startTestPostgres, freshDatabase } = await import(pathToFileURL(join(dist, 'store/testing.js')).href);
  const pg = await startTestPostgres();
  try {
    rmSync(join(labDir, 'bench-store'), { recursive: true, force: true });
    writeFileSync(join(labDir, 'bench-store-none.yaml'), '{}\n');
    writeFileSync(join(labDir, 'bench-store-embedded.yaml'), 'store:\n  path: ./bench-store\n');
    writeFileSync(join(labDir, 'bench-store-server.yaml'), `store:\n  url: ${await freshDatabase(pg.url)}\n`);
    const scanWith = (config) => () => {
      const t0 = performance.now();
      const r = run(process.execPath, [main, 'scan', '--from', 'bench-snapshot.json.gz', '-c', config, '--format', 'json', '-o', 'bench-scan-report.json']);
      const timedSeconds = (performance.now() - t0) / 1000;
      const findings = JSON.parse(readFileSync(join(labDir, 'bench-scan-report.json'), 'utf8')).summary.findings;
      return { timedSeconds, findings, recorded: r.stderr.split('\n').find((l) => l.startsWith('recorded')) };
    };
    await time('first write into a new embedded store (not counted)', scanWith('bench-store-embedded.yaml'));
    await time('first write into a new server database (not counted)', scanWith('bench-store-server.yaml'));
    const store = await timeRounds({
      replay: ['faultline scan --from the full snapshot, no store', scanWith('bench-store-none.yaml')],
      embedded: ['faultline scan --from the full snapshot, recorded in the embedded store', scanWith('bench-store-embedded.yaml')],
      server: ['faultline scan --from the full snapshot, recorded in a PostgreSQL server', scanWith('bench-store-server.yaml')],
    });
    results.measurements.push(store.replay, store.embedded, store.server);
    // The scan a store records is the live one: collection (the full snapshot run) plus judging it.
    const scanSeconds = byKey.full.seconds + store.replay.seconds;
    results.store = { findings: store.replay.findings, scanSeconds, embeddedSeconds: store.embedded.seconds - store.replay.seconds, serverSeconds: store.server.seconds - store.replay.seconds };
    results.ratios.storeEmbeddedShareOfScan = results.store.embeddedSeconds / scanSeconds;
    results.ratios.storeServerShareOfScan = results.store.serverSeconds / scanSeconds;
  } finally {
    await pg.stop();
  }
}

// Reachability sweep of 10,000 loopback addresses.
if (!skip.has('sweep')) {
  const addrs = Array.from({ length: 10_000 }, (_, i) => `127.${100 + Math.floor(i / 65536)}.${Math.floor(i / 256) % 256}.${(i % 256) || 1}`);
  const uniq = [...new Set(addrs)];
  const { pingAll } = await import(pathToFileURL(join(dist, 'collect/probe/fping.js')).href);
  const sweep = await time(`faultline ping sweep (${uniq.length} addresses)`, async () => {
    const r = await pingAll(uniq, { timeoutMs: 500, retries: 1, intervalMs: 1, batchSize: 4096, concurrency: 2 });
    return { answered: [...r.results.values()].filter((x) => x.ok).length };
  });
  const fpingDirect = await time(`fping direct (${uniq.length} addresses)`, async () => {
    const r = spawnSync('fping', ['-C', '1', '-q', '-t', '500', '-r', '1', '-i', '1', '-f', '-'], { input: uniq.join('\n'), encoding: 'utf8', maxBuffer: 1 << 28 });
    return { lines: r.stderr.split('\n').filter(Boolean).length };
  });
  const sample = uniq.slice(0, 200);
  const pingLoop = await time('sequential ping -c 1 over 200 (extrapolated below)', async () => {
    for (const a of sample) spawnSync('ping', ['-c', '1', '-W', '1', a]);
    return {};
  });
  pingLoop.extrapolatedSeconds = (pingLoop.seconds / sample.length) * uniq.length;
  results.measurements.push(sweep, fpingDirect, pingLoop);
  results.ratios.sweepVsFping = sweep.seconds / fpingDirect.seconds;
  results.ratios.pingLoopVsSweep = pingLoop.extrapolatedSeconds / sweep.seconds;
}
// Kubernetes: 500 clusters / 10,000 nodes / 150,000 pods against the kubectl loop and a plain fetch
// (scripts/bench-kubernetes.mjs, its own lab, in its own process so its memory is its own).
if (!skip.has('kubernetes')) {
  const r = spawnSync(process.execPath, [join(root, 'scripts/bench-kubernetes.mjs'), '--json'], { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, BENCH_DIST: dist } });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !last.startsWith('{')) throw new Error(`bench-kubernetes failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
  const k = JSON.parse(last);
  for (const m of k.measurements) results.measurements.push({ ...m, label: `k8s: ${m.label}`, maxRssMiB: m.peakRssMiB, ...(m.scaledSeconds ? { seconds: m.scaledSeconds, measuredSeconds: m.seconds } : {}) });
  results.kubernetes = { clusters: k.clusters, nodes: k.measurements[0].nodes, pods: k.measurements[0].pods, extraPodsPerWorker: k.extraPodsPerWorker };
  Object.assign(results.ratios, { k8sKubectlLoopVsFaultline: k.ratios.kubectlLoopVsFaultline, k8sFaultlineVsPlainFetch: k.ratios.faultlineVsPlainFetch, k8sHungClusterRunVsDeadlinePlusCollection: k.ratios.hungClusterRunVsDeadlinePlusCollection });
}
results.loadAverageAtEnd = loadavg().map((l) => Number(l.toFixed(2)));

writeFileSync(join(out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nmeasurement${' '.repeat(56)}seconds  peak RSS  (runs; median shown)`);
for (const m of results.measurements) {
  const runs = m.runs && m.runs.length > 1 ? `  (${m.runs.map((x) => x.toFixed(2)).join(', ')})` : '';
  console.log(`${m.label.padEnd(66)} ${m.seconds.toFixed(2).padStart(8)}${m.maxRssMiB ? `${String(m.maxRssMiB).padStart(6)} MiB` : '          '}${runs}`);
  if (m.collectionPhaseSeconds !== undefined) {
    console.log(`${'  of which the collection phase'.padEnd(66)} ${m.collectionPhaseSeconds.toFixed(2).padStart(8)}            (${m.collectionPhaseRuns.map((x) => x.toFixed(2)).join(', ')})`);
  }
}
if (byKey.ssh) {
  const s = byKey.ssh;
  console.log(`\nSSH host facts: ${s.hosts} of ${s.hypervisors} hypervisors in ${s.sshCollectorSeconds.toFixed(2)} s (host-ssh collector), ${s.hostsPerSecond.toFixed(1)} hosts/s, ${s.failed} failed, peak RSS ${s.maxRssMiB} MiB`);
}
if (results.sameDataAsBaseline) console.log(`\nsame sections as the baseline build: ${JSON.stringify(results.sameDataAsBaseline)}`);
console.log('\nratios (targets: collection ≥ 5× faster than openstackclient, ≤ 1.3× plain fetch; sweep ≤ 1.5× fping; correlation ≤ 0.10 and store ≤ 0.2 of the scan; k8s: kubectl loop ≥ 10× faultline, faultline ≤ 1.5× plain fetch, hung cluster ≤ 1.0× deadline + collection)');
for (const [k, v] of Object.entries(results.ratios)) console.log(`  ${k.padEnd(32)} ${v.toFixed(2)}`);
console.log(`\nload average (1, 5, 15 min): ${results.loadAverageAtStart.join(', ')} at start, ${results.loadAverageAtEnd.join(', ')} at end; ${results.cores} cores`);
console.log(`written to ${join(out, 'results.json')}`);
