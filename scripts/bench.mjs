// npm run bench: faultline's collection and reachability sweep against references
// measured in the same run, on the lab's large fleet (100,000 servers).
// Writes .bench/results.json and prints a short table. Not part of the tests.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parse, stringify } from 'yaml';
import { readFileSync } from 'node:fs';

const root = process.cwd();
const out = resolve(root, '.bench');
const labDir = join(out, 'lab');
mkdirSync(labDir, { recursive: true });
const size = process.env.BENCH_SIZE ?? 'large';
const main = join(root, 'dist/cli/main.js');

function startLab() {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [main, 'lab', '--size', size, '--dir', labDir, '--seed', 'bench'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d) => {
      text += d.toString();
      if (text.includes('Stop with Ctrl-C')) res(child);
    });
    child.on('exit', (code) => rej(new Error(`lab exited early (${code}): ${text}`)));
  });
}

async function time(label, fn) {
  const t0 = performance.now();
  const detail = await fn();
  const seconds = (performance.now() - t0) / 1000;
  console.error(`  ${label}: ${seconds.toFixed(2)} s`);
  return { label, seconds, ...(detail ?? {}) };
}

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { cwd: labDir, env: { ...process.env, OS_CLIENT_CONFIG_FILE: join(labDir, 'bench-clouds.yaml'), ...env }, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr?.slice(0, 500)}`);
  return r;
}

async function token(authUrl) {
  const a = parse(readFileSync(join(labDir, 'clouds.yaml'), 'utf8')).clouds.lab.auth;
  const body = {
    auth: {
      identity: { methods: ['password'], password: { user: { name: a.username, domain: { name: a.user_domain_name }, password: a.password } } },
      scope: { project: { name: a.project_name, domain: { name: a.project_domain_name } } },
    },
  };
  const r = await fetch(`${authUrl}/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { token: r.headers.get('x-subject-token'), body: await r.json() };
}

const lab = await startLab();
const results = { size, when: new Date().toISOString(), node: process.version, measurements: [] };
try {
  const clouds = parse(readFileSync(join(labDir, 'clouds.yaml'), 'utf8'));
  const cfg = parse(readFileSync(join(labDir, 'faultline.yaml'), 'utf8'));
  const authUrl = clouds.clouds.lab.auth.auth_url;
  const regions = cfg.openstack.regions;
  console.error(`bench on the lab (${size}), regions: ${regions.join(', ')}`);
  // openstackclient only accepts regions the cloud lists.
  clouds.clouds.lab.regions = regions;
  delete clouds.clouds.lab.region_name;
  writeFileSync(join(labDir, 'bench-clouds.yaml'), stringify(clouds));

  // Reference 1: a plain sequential fetch of every page, no parsing beyond the next link.
  const plain = await time('plain page fetch (all regions)', async () => {
    const { token: t, body } = await token(authUrl);
    let pages = 0;
    let bytes = 0;
    for (const region of regions) {
      const ep = body.token.catalog.find((s) => s.type === 'compute').endpoints.find((e) => e.region_id === region && e.interface === 'public').url;
      let url = `${ep}/servers/detail?all_tenants=1&limit=1000`;
      while (url) {
        const r = await fetch(url, { headers: { 'x-auth-token': t, 'openstack-api-version': 'compute 2.88' } });
        const text = await r.text();
        bytes += text.length;
        pages += 1;
        // Only the tail is parsed: the links follow the list, and the pages are not to be read.
        const at = text.lastIndexOf('"servers_links"');
        const links = at === -1 ? [] : JSON.parse(`{${text.slice(at)}`).servers_links;
        url = links.find((l) => l.rel === 'next')?.href ?? null;
      }
    }
    return { pages, bytes };
  });

  // faultline: the full OpenStack collection (servers, hypervisors, services, agents, regions, instance actions).
  writeFileSync(join(labDir, 'bench.yaml'), `openstack:\n  cloud: lab\n  regions: [${regions.join(', ')}]\ncollectors:\n  probes:\n    enabled: false\n`);
  writeFileSync(join(labDir, 'bench-servers.yaml'), `openstack:\n  cloud: lab\n  regions: [${regions.join(', ')}]\ncollectors:\n  probes:\n    enabled: false\n  openstack-instance-actions:\n    enabled: false\n  openstack-hypervisors:\n    enabled: false\n  openstack-compute-services:\n    enabled: false\n  openstack-network-agents:\n    enabled: false\n  openstack-regions:\n    enabled: false\n`);
  const serversOnly = await time('faultline snapshot (servers only, every page of every region)', async () => {
    run(process.execPath, [main, 'snapshot', '--config', 'bench-servers.yaml', '--out', 'bench-servers.json']);
    return {};
  });
  const full = await time('faultline snapshot (full OpenStack collection)', async () => {
    const r = run(process.execPath, [main, 'snapshot', '--config', 'bench.yaml', '--out', 'bench-snapshot.json.gz']);
    const { gunzipSync } = await import('node:zlib');
    const snap = JSON.parse(gunzipSync(readFileSync(join(labDir, 'bench-snapshot.json.gz'))).toString());
    return { servers: snap.servers.length, collectors: Object.fromEntries(snap.collection.map((o) => [o.collector, o.durationMs])), output: r.stderr.trim().split('\n').pop() };
  });

  // Reference 2: the standard client.
  const osc = await time('openstack server list --all-projects --long -f json (all regions)', async () => {
    let n = 0;
    for (const region of regions) {
      const r = run('openstack', ['--os-cloud', 'lab', '--os-region-name', region, 'server', 'list', '--all-projects', '--long', '-f', 'json', '--limit', '-1']);
      n += JSON.parse(r.stdout).length;
    }
    return { servers: n };
  });
  results.measurements.push(plain, serversOnly, full, osc);
  results.ratios = {
    collectionVsOpenstackclient: osc.seconds / full.seconds,
    serversVsOpenstackclient: osc.seconds / serversOnly.seconds,
    serversVsPlainFetch: serversOnly.seconds / plain.seconds,
    collectionVsPlainFetch: full.seconds / plain.seconds,
  };
} finally {
  lab.kill('SIGINT');
}

// Reachability sweep of 10,000 loopback addresses.
const addrs = Array.from({ length: 10_000 }, (_, i) => `127.${100 + Math.floor(i / 65536)}.${Math.floor(i / 256) % 256}.${(i % 256) || 1}`);
const uniq = [...new Set(addrs)];
const { pingAll } = await import('../dist/collect/probe/fping.js');
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

writeFileSync(join(out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log('\nmeasurement                                                        seconds');
for (const m of results.measurements) console.log(`${m.label.padEnd(66)} ${m.seconds.toFixed(2).padStart(8)}`);
console.log('\nratios (targets: collection ≥ 5× faster than openstackclient, ≤ 1.3× plain fetch; sweep ≤ 1.5× fping)');
for (const [k, v] of Object.entries(results.ratios)) console.log(`  ${k.padEnd(32)} ${v.toFixed(2)}`);
console.log(`\nwritten to ${join(out, 'results.json')}`);
