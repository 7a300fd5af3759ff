// npm run bench:alerts (by hand; not part of the tests): Alertmanager-shaped webhooks into a real
// `faultline serve`, at BENCH_RATE alerts a second (default 1,000) for BENCH_SECONDS (default 60),
// BENCH_BATCH alerts per webhook (default 1: the hardest case, one request per alert). The sender is
// open-loop: it keeps to the schedule whether or not answers come back, so a slow server shows as
// latency, not as a lower rate. Afterwards the server is stopped and the store is opened to count
// what it holds: every alert that got a 200 must be there (zero lost). Prints JSON with the p50, p99
// and max latency. BENCH_STORE_URL=postgres://… measures a PostgreSQL store instead of the embedded one;
// BENCH_STORE=server starts Debian's PostgreSQL here for that (as the store tests do).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const dist = resolve(process.env.BENCH_DIST ?? 'dist');
const rate = Number(process.env.BENCH_RATE ?? 1000);
const seconds = Number(process.env.BENCH_SECONDS ?? 60);
const batch = Math.max(1, Number(process.env.BENCH_BATCH ?? 1));
const { Store } = await import(pathToFileURL(join(dist, 'store/store.js')).href);
let postgres;
if (process.env.BENCH_STORE === 'server' && !process.env.BENCH_STORE_URL) {
  const { startTestPostgres, freshDatabase } = await import(pathToFileURL(join(dist, 'store/testing.js')).href);
  postgres = await startTestPostgres();
  postgres.database = await freshDatabase(postgres.url);
}
const storeUrl = process.env.BENCH_STORE_URL ?? postgres?.database;

const dir = mkdtempSync(join(tmpdir(), 'fl-bench-alerts-'));
const token = `bench-${Math.random().toString(36).slice(2)}-${Date.now()}`;
writeFileSync(join(dir, 'faultline.yaml'), `server:\n  tokens:\n    - {name: bench, role: operate, tokenEnv: BENCH_TOKEN}\n${storeUrl ? `store:\n  url: ${JSON.stringify(storeUrl)}\n` : ''}`);
const location = storeUrl ? { kind: 'server', url: storeUrl } : { kind: 'embedded', path: join(dir, 'store') };

const serve = spawn(process.execPath, [join(dist, 'cli/main.js'), 'serve', '--listen', '127.0.0.1:0', '--no-scan', ...(storeUrl ? [] : ['--store', 'store'])], {
  cwd: dir,
  env: { PATH: process.env.PATH, HOME: dir, BENCH_TOKEN: token },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const base = await new Promise((res, rej) => {
  let out = '';
  serve.stdout.on('data', (d) => {
    out += d;
    const m = /listening on (http:\/\/[^ ]+)/.exec(out);
    if (m) res(new URL(m[1]));
  });
  serve.once('exit', (code) => rej(new Error(`faultline serve exited (${code})`)));
});

const agent = new Agent({ keepAlive: true, maxSockets: 256 });
const startsAt = new Date().toISOString();
const runTag = Date.now().toString(36);
const latencies = [];
let sent = 0;
let acknowledged = 0;
let failed = 0;
let inFlight = 0;
const failures = new Map();

function send(first) {
  const alerts = Array.from({ length: batch }, (_, k) => ({
    status: 'firing',
    labels: { alertname: 'BenchAlert', instance: `host-${(first + k) % 5000}`, n: String(first + k) },
    annotations: { summary: 'bench' },
    startsAt,
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus.invalid/graph',
    fingerprint: `${runTag}-${first + k}`,
  }));
  const body = JSON.stringify({ version: '4', groupKey: `{}:{n="${first}"}`, truncatedAlerts: 0, status: 'firing', receiver: 'faultline', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am.invalid', alerts });
  const t0 = performance.now();
  inFlight++;
  const req = request(
    { agent, host: base.hostname, port: base.port, method: 'POST', path: '/api/v1/alerts/alertmanager', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
    (res) => {
      res.resume();
      res.on('end', () => {
        inFlight--;
        latencies.push(performance.now() - t0);
        if (res.statusCode === 200) acknowledged += batch;
        else {
          failed += batch;
          failures.set(res.statusCode, (failures.get(res.statusCode) ?? 0) + 1);
        }
      });
    },
  );
  req.on('error', (err) => {
    inFlight--;
    failed += batch;
    failures.set(err.code ?? err.message, (failures.get(err.code ?? err.message) ?? 0) + 1);
  });
  req.end(body);
}

console.error(`sending ${rate} alerts/s for ${seconds} s, ${batch} per webhook, to ${base.origin} (${storeUrl ? 'PostgreSQL' : 'embedded'} store)`);
const total = Math.round(rate * seconds);
const t0 = performance.now();
await new Promise((res) => {
  const tick = setInterval(() => {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
    while (sent + batch <= due || (sent < due && due === total)) {
      send(sent);
      sent += batch;
    }
    if (sent >= total) {
      clearInterval(tick);
      res();
    }
  }, 5);
});
const sendSeconds = (performance.now() - t0) / 1000;
while (inFlight > 0) await new Promise((r) => setTimeout(r, 50));
const drainSeconds = (performance.now() - t0) / 1000;

await new Promise((res) => {
  serve.once('exit', res);
  serve.kill('SIGTERM');
});
agent.destroy();
const store = await Store.open({ location, lockTimeoutMs: 30_000, connectTimeoutMs: 10_000, command: 'bench-alerts' });
const [row] = await store.engine.query('SELECT count(*) AS n FROM alerts WHERE fingerprint LIKE $1', [`${runTag}-%`]);
await store.close();
const stored = Number(row.n);
rmSync(dir, { recursive: true, force: true });
await postgres?.stop();

latencies.sort((a, b) => a - b);
const pct = (p) => Number((latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] ?? NaN).toFixed(1));
const result = {
  rate,
  seconds,
  batch,
  store: storeUrl ? 'server' : 'embedded',
  sent,
  acknowledged,
  failed,
  failures: Object.fromEntries(failures),
  stored,
  lost: acknowledged - Math.min(stored, acknowledged),
  achievedPerSecond: Math.round(sent / sendSeconds),
  drainSeconds: Number(drainSeconds.toFixed(2)),
  latencyMs: { p50: pct(50), p90: pct(90), p99: pct(99), max: pct(100) },
};
console.log(JSON.stringify(result, null, 2));
if (result.lost > 0 || stored < acknowledged) process.exitCode = 1;
