// Pieces the benchmarks share: timing, rounds with medians, the plain page fetch
// that collection is compared with, and one timed `faultline snapshot`.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** Times `fn`; a job that reads its results after the part being measured returns that part's own `timedSeconds`. */
export async function time(label, fn) {
  const t0 = performance.now();
  const { timedSeconds, ...detail } = (await fn()) ?? {};
  const seconds = timedSeconds ?? (performance.now() - t0) / 1000;
  console.error(`  ${label}: ${seconds.toFixed(2)} s`);
  return { label, seconds, ...detail };
}

/**
 * Times each of `jobs` ({ key: [label, fn] }) once per round, in turn, so that a busy spell
 * on the machine falls on all of them alike; each result is its median run, with every run's seconds.
 */
export async function timeRounds(jobs, rounds) {
  const runs = Object.fromEntries(Object.keys(jobs).map((k) => [k, []]));
  for (let r = 1; r <= rounds; r++) {
    console.error(`round ${r} of ${rounds}`);
    for (const [key, [label, fn]] of Object.entries(jobs)) runs[key].push(await time(label, fn));
  }
  return Object.fromEntries(
    Object.entries(runs).map(([key, list]) => {
      const sorted = [...list].sort((a, b) => a.seconds - b.seconds);
      const median = sorted[Math.floor((sorted.length - 1) / 2)];
      const result = { ...median, runs: list.map((m) => Number(m.seconds.toFixed(3))) };
      // A faultline run's collection phase has its own median (the median run by wall time may not hold it).
      const phases = list.map((m) => m.collectionPhaseSeconds);
      if (phases.every((x) => typeof x === 'number')) {
        result.collectionPhaseRuns = phases.map((x) => Number(x.toFixed(3)));
        result.collectionPhaseSeconds = [...phases].sort((a, b) => a - b)[Math.floor((phases.length - 1) / 2)];
      }
      return [key, result];
    }),
  );
}

/** Runs a command to completion; throws with its stderr when it fails. */
export function run(cmd, args, { cwd, env = {} } = {}) {
  const r = spawnSync(cmd, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr?.slice(0, 500)}`);
  return r;
}

/**
 * A hook that makes a faultline process write its own peak RSS (worker threads
 * included) to BENCH_MAX_RSS_FILE when it exits.
 */
export function writeMaxRssHook(dir) {
  const hook = join(dir, 'max-rss.mjs');
  writeFileSync(
    hook,
    "import { writeFileSync } from 'node:fs';\n" +
      "process.on('exit', () => { if (process.env.BENCH_MAX_RSS_FILE) writeFileSync(process.env.BENCH_MAX_RSS_FILE, String(process.resourceUsage().maxRSS)); });\n",
  );
  return { hook, rssFile: join(dir, 'max-rss.txt') };
}

/**
 * `faultline snapshot` with a config, timed from process start to exit; then (not timed)
 * the snapshot it wrote and the run's peak RSS.
 */
export function faultlineSnapshot({ cli, cwd, config, file, env = {}, rss }) {
  rmSync(rss.rssFile, { force: true });
  const t0 = performance.now();
  const r = run(process.execPath, ['--import', pathToFileURL(rss.hook).href, cli, 'snapshot', '--config', config, '--out', file], {
    cwd,
    env: { ...env, BENCH_MAX_RSS_FILE: rss.rssFile },
  });
  const timedSeconds = (performance.now() - t0) / 1000;
  const snap = JSON.parse(gunzipSync(readFileSync(join(cwd, file))).toString());
  const maxRssMiB = Number(readFileSync(rss.rssFile, 'utf8')) / 1024;
  return { snap, timedSeconds, maxRssMiB: Math.round(maxRssMiB), output: r.stderr.trim().split('\n').pop() };
}

/** Collectors a collection benchmark leaves out: every one that is not OpenStack's. */
export const NOT_OPENSTACK = ['probes', 'console-logs', 'host-ssh', 'alarms', 'inventory', 'kubernetes'];
/** And the OpenStack ones besides the server list, for servers-only runs. */
export const OPENSTACK_BESIDES_SERVERS = ['openstack-instance-actions', 'openstack-hypervisors', 'openstack-compute-services', 'openstack-network-agents', 'openstack-regions'];
/** Config lines (under `collectors:`) that switch collectors off. */
export const off = (ids) => ids.map((id) => `  ${id}:\n    enabled: false\n`).join('');

/**
 * The collection phase of a run, from its snapshot's records: the first collector's start
 * to the last one's end. It leaves out what comes before (Node, loading the CLI, the
 * config) and after (assembling, freezing and writing the snapshot).
 */
export function collectionPhaseSeconds(snap) {
  const starts = snap.collection.map((o) => Date.parse(o.startedAt));
  const ends = snap.collection.map((o) => Date.parse(o.startedAt) + o.durationMs);
  return (Math.max(...ends) - Math.min(...starts)) / 1000;
}

/** Each collector's duration in a snapshot, by collector id. */
export const collectorDurations = (snap) => Object.fromEntries(snap.collection.map((o) => [o.collector, o.durationMs]));

/**
 * A project-scoped token and its catalog for the `auth` section of a clouds.yaml entry;
 * asked for again once if the server had just closed the idle keep-alive connection fetch picked.
 */
export async function token(auth) {
  try {
    return await tokenOnce(auth);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    return tokenOnce(auth);
  }
}

async function tokenOnce(a) {
  const body = {
    auth: {
      identity: { methods: ['password'], password: { user: { name: a.username, domain: { name: a.user_domain_name }, password: a.password } } },
      scope: { project: { name: a.project_name, domain: { name: a.project_domain_name } } },
    },
  };
  const r = await fetch(`${a.auth_url}/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (r.status !== 201) throw new Error(`login at ${a.auth_url} failed: HTTP ${r.status}`);
  return { token: r.headers.get('x-subject-token'), body: await r.json() };
}

/**
 * The reference for collection: every /servers/detail page of every region, one after
 * another, with fetch; only the tail of each page is parsed (for the next link).
 * With `count` (for an untimed pass) each page is parsed whole and its servers counted.
 */
export async function plainFetch(auth, regions, { microversion = '2.88', count = false } = {}) {
  const { token: t, body } = await token(auth);
  let pages = 0;
  let bytes = 0;
  let servers = 0;
  for (const region of regions) {
    const ep = body.token.catalog.find((s) => s.type === 'compute').endpoints.find((e) => e.region_id === region && e.interface === 'public').url;
    let url = `${ep}/servers/detail?all_tenants=1&limit=1000`;
    while (url) {
      const r = await fetch(url, { headers: { 'x-auth-token': t, 'openstack-api-version': `compute ${microversion}` } });
      if (r.status !== 200) throw new Error(`GET ${url}: HTTP ${r.status}`);
      const text = await r.text();
      bytes += Buffer.byteLength(text);
      pages += 1;
      if (count) servers += JSON.parse(text).servers.length;
      const at = text.lastIndexOf('"servers_links"');
      const links = at === -1 ? [] : JSON.parse(`{${text.slice(at)}`).servers_links;
      url = links.find((l) => l.rel === 'next')?.href ?? null;
    }
  }
  return count ? { pages, bytes, servers } : { pages, bytes };
}
