// npm run bench:store: what writing one scan costs the store, on both engines, without a lab.
// A synthetic scan with BENCH_STORE_FINDINGS findings (default 100,000: one per server of the
// large lab, far more than a scan of it reports) is recorded BENCH_ROUNDS times (default 3)
// into a new embedded store and into a new database on a PostgreSQL server started here;
// the first round inserts every finding, the later ones update them (the steady state).
// Not part of the tests; `npm run bench` measures the store against a real scan of the lab.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const dist = resolve(process.env.BENCH_DIST ?? 'dist');
const count = Number(process.env.BENCH_STORE_FINDINGS ?? 100_000);
const rounds = Math.max(2, Number(process.env.BENCH_ROUNDS ?? 3));
const load = (p) => import(pathToFileURL(join(dist, p)).href);
const { Store } = await load('store/store.js');
const { startTestPostgres, freshDatabase } = await load('store/testing.js');
const { fleet } = await load('snapshot/builders.js');

const snapshot = fleet().build();
const findings = Array.from({ length: count }, (_, i) => ({
  detectorId: i % 2 ? 'server-unreachable' : 'server-error',
  messageId: 'm',
  message: `Server vm-${i} does not answer ping on krane-pg1-com${i % 2000}`,
  severity: 'high',
  resource: { kind: 'server', id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, name: `vm-${i}`, parent: { kind: 'hypervisor', id: `hv-${i % 2000}`, name: `krane-pg1-com${i % 2000}` } },
  evidence: [],
  explanation: '',
  remediation: { steps: [] },
  fingerprint: `bench-${i}`,
}));
// One result per detector, as a real scan has: a finding whose detector did not report a complete run is rewritten every scan.
const results = ['server-error', 'server-unreachable'].map((detectorId) => ({ detectorId, status: 'fail', durationMs: 0, findings: findings.filter((f) => f.detectorId === detectorId), suppressed: 0 }));

async function measure(location) {
  const t0 = performance.now();
  const store = await Store.open({ location, lockTimeoutMs: 10_000, connectTimeoutMs: 10_000, command: 'bench-store' });
  const openSeconds = (performance.now() - t0) / 1000;
  const runs = [];
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    await store.scan(true, (s) => s.recordScan({ snapshot, results, evaluatedAt: new Date(Date.now() + r * 1000), source: 'collected', version: 'bench' }));
    runs.push((performance.now() - t) / 1000);
  }
  await store.close();
  return { openSeconds, firstWrite: runs[0], laterWrites: runs.slice(1) };
}

const dir = mkdtempSync(join(tmpdir(), 'faultline-bench-store-'));
const pg = await startTestPostgres();
try {
  const embedded = await measure({ kind: 'embedded', path: join(dir, 'store') });
  const server = await measure({ kind: 'server', url: await freshDatabase(pg.url) });
  const show = (name, m) =>
    console.log(`${name.padEnd(9)} open ${m.openSeconds.toFixed(2)} s; first write ${m.firstWrite.toFixed(2)} s; later writes ${m.laterWrites.map((x) => x.toFixed(2)).join(', ')} s`);
  console.log(`${count} findings per scan, ${rounds} scans`);
  show('embedded', embedded);
  show('server', server);
} finally {
  await pg.stop();
  rmSync(dir, { recursive: true, force: true });
}
