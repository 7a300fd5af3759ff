// npm run bench:kubernetes — faultline's Kubernetes collection against two references on
// the same lab clusters, in the same run: (a) `kubectl get pods,nodes,events -A -o json`
// per cluster one after another (a sample, scaled), (b) a plain keep-alive fetch of every
// list page the collector reads (JSON.parse, nothing else). Then the same collection with
// one dead cluster, to show it costs the per-cluster deadline and no more. Not a test.
//
// BENCH_K8S_SIZE     lab fleet: fleet500 (default: 518 clusters of at most 20 nodes, 10,078 nodes,
//                    with BENCH_K8S_PODS about 150,000 pods), or a lab size name (small, medium, large)
// BENCH_K8S_PODS     extra pods per worker node (default 14 for fleet500, about 153,000 pods; else 0)
// BENCH_KUBECTL_N    clusters in the kubectl sample (default 20)
// BENCH_DIST         build to measure (default dist)
// With --json the last line of stdout is the results object alone (npm run bench reads it).
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dist = resolve(process.env.BENCH_DIST ?? 'dist');
const sizeName = process.env.BENCH_K8S_SIZE ?? 'fleet500';
// 16 regions x 30 projects, clusters capped at 20 servers: the issue's 500 clusters and 10,000 nodes.
const size = sizeName === 'fleet500' ? { regions: 16, hypervisors: 800, servers: 19_600, clusterNodes: 20 } : sizeName;
const extraPods = Number(process.env.BENCH_K8S_PODS ?? (sizeName === 'fleet500' ? 14 : 0));
const kubectlN = Number(process.env.BENCH_KUBECTL_N ?? 20);
const jsonOnly = process.argv.includes('--json');
const load = (p) => import(pathToFileURL(join(dist, p)).href);
const { startLab } = await load('lab/openstack/lab.js');
const { generateFleet } = await load('lab/fleet/generate.js');
const { KubeConfig } = await import('@kubernetes/client-node');
const { createKubernetesCollector } = await load('collect/kubernetes/index.js');
const { LISTED_RESOURCES, listPath } = await load('collect/kubernetes/resources.js');

// The lab runs in a child process of its own, as a real API server never shares the
// collector's process: the collector's CPU and peak RSS are then its own, and the lab's
// serialisation does not count against it (nor against kubectl, which reads the same lab).
if (process.argv.includes('--lab-child')) {
  const lab = await startLab({ fleet: generateFleet({ seed: 'bench', size }), clock: 'manual', sshHosts: false, bmc: false, kubernetesShape: { extraPodsPerWorker: extraPods } });
  const kube = lab.kubernetes;
  process.send({ url: kube.url, caPem: kube.caPem, kubeconfig: kube.kubeconfig(), clusters: kube.clusters.clusters.map((c) => ({ name: c.name, token: c.token })) });
  process.on('disconnect', () => lab.stop().then(() => process.exit(0)));
  await new Promise(() => {});
}

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
const mib = (b) => Math.round(b / 2 ** 20);

const labChild = fork(fileURLToPath(import.meta.url), ['--lab-child'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: ['--max-old-space-size=8192'] });
const kube = await new Promise((res, rej) => {
  labChild.once('message', res);
  labChild.once('exit', (code) => rej(new Error(`the lab process exited (${code}) before it was ready`)));
});
kube.serverUrl = (name) => `${kube.url}/clusters/${encodeURIComponent(name)}`;
const names = kube.clusters.map((c) => c.name);
const dir = mkdtempSync(join(tmpdir(), 'fl-bench-k8s-'));
const kubeconfigFile = join(dir, 'kubeconfig');
writeFileSync(kubeconfigFile, kube.kubeconfig, { mode: 0o600 });
const kc = new KubeConfig();
kc.loadFromFile(kubeconfigFile);
const ctx = (signal = new AbortController().signal) => ({ signal, now: () => new Date(), log: { debug() {}, info() {}, warn() {}, error() {} }, progress() {}, input: {} });

async function timed(label, fn) {
  peakRss = process.memoryUsage().rss;
  const t = performance.now();
  const extra = await fn();
  const seconds = (performance.now() - t) / 1000;
  const m = { label, seconds, peakRssMiB: mib(peakRss), ...extra };
  console.error(`${label}: ${seconds.toFixed(2)} s, peak RSS ${m.peakRssMiB} MiB`);
  return m;
}

async function faultline(kubeConfig, contexts, clusterTimeoutMs = 60_000) {
  const collector = createKubernetesCollector({ kubeConfig, contexts, concurrency: 16, clusterTimeoutMs, pageSize: 500 });
  const r = await collector.collect(ctx());
  const clusters = r.data.kubernetes.clusters;
  return { clusters: clusters.length, failed: clusters.filter((c) => c.collection.status === 'failed').length, nodes: clusters.reduce((n, c) => n + (c.nodes?.length ?? 0), 0), pods: clusters.reduce((n, c) => n + (c.pods?.length ?? 0), 0), events: clusters.reduce((n, c) => n + (c.events?.length ?? 0), 0) };
}

/** Reference (b): every page of every list the collector reads, with the same concurrency, parsed and dropped. */
async function plainFetch() {
  const ca = kube.caPem;
  let pages = 0;
  const one = async (cluster) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 4, ca });
    const get = (path) =>
      new Promise((res, rej) => {
        const req = request(`${kube.serverUrl(cluster.name)}${path}`, { agent, headers: { Authorization: `Bearer ${cluster.token}`, Accept: 'application/json' } }, (r) => {
          const chunks = [];
          r.on('data', (c) => chunks.push(c));
          r.on('end', () => res(Buffer.concat(chunks).toString('utf8')));
          r.on('error', rej);
        });
        req.on('error', rej);
        req.end();
      });
    const paths = [...LISTED_RESOURCES.map(listPath), '/metrics', '/version'];
    let next = 0;
    await Promise.all(Array.from({ length: 4 }, async () => {
      while (next < paths.length) {
        const path = paths[next++];
        let token;
        do {
          const text = await get(`${path}${path.startsWith('/api') ? `?limit=500${token ? `&continue=${encodeURIComponent(token)}` : ''}` : ''}`);
          pages++;
          token = path.startsWith('/api') ? JSON.parse(text).metadata?.continue : undefined;
        } while (token);
      }
    }));
    agent.destroy();
  };
  let next = 0;
  const clusters = kube.clusters;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < clusters.length) await one(clusters[next++]);
  }));
  return { pages };
}

function kubectlGet(context) {
  return new Promise((res, rej) => {
    const child = spawn('/usr/bin/kubectl', ['--kubeconfig', kubeconfigFile, '--context', context, 'get', 'pods,nodes,events', '-A', '-o', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let bytes = 0;
    let err = '';
    child.stdout.on('data', (d) => (bytes += d.length));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', rej);
    child.on('close', (code) => (code === 0 ? res(bytes) : rej(new Error(`kubectl on ${context}: ${err}`))));
  });
}

const results = { size: sizeName, extraPodsPerWorker: extraPods, clusters: names.length, when: new Date().toISOString(), node: process.version, measurements: [] };
try {
  await plainFetch(); // warm the lab's per-cluster stores once, untimed
  const fl = await timed(`faultline kubernetes collector (${names.length} clusters)`, () => faultline(kc, names));
  const plain = await timed(`plain fetch of every list page (${names.length} clusters)`, plainFetch);
  const sample = names.slice(0, Math.min(kubectlN, names.length));
  const kubectl = await timed(`kubectl get pods,nodes,events -A -o json, sequential (${sample.length} clusters)`, async () => {
    for (const c of sample) await kubectlGet(c);
    return {};
  });
  kubectl.scaledSeconds = (kubectl.seconds / sample.length) * names.length;
  kubectl.note = `measured on ${sample.length} clusters, scaled to ${names.length}`;
  // One dead cluster, the bad kind: its address accepts the connection and never answers (a hung
  // API server or a black-holing load balancer), so only the per-cluster deadline ends it.
  const hung = createServer(() => {});
  await new Promise((res) => hung.listen(0, '127.0.0.1', res));
  const dead = new KubeConfig();
  dead.loadFromFile(kubeconfigFile);
  dead.addCluster({ name: 'dead', server: `https://127.0.0.1:${hung.address().port}`, caData: Buffer.from(kube.caPem).toString('base64'), skipTLSVerify: false });
  dead.addContext({ name: 'dead', cluster: 'dead', user: dead.contexts[0].user });
  const deadline = 10_000;
  const withDead = await timed(`faultline with one hung cluster (deadline ${deadline / 1000} s)`, () => faultline(dead, ['dead', ...names], deadline));
  hung.close();
  for (const c of hung.connections ?? []) c.destroy();
  results.measurements.push(fl, plain, kubectl, withDead);
  results.ratios = {
    kubectlLoopVsFaultline: kubectl.scaledSeconds / fl.seconds,
    faultlineVsPlainFetch: fl.seconds / plain.seconds,
    hungClusterRunVsDeadlinePlusCollection: withDead.seconds / (deadline / 1000 + fl.seconds),
  };
  console.log(jsonOnly ? JSON.stringify(results) : JSON.stringify(results, null, 2));
  if (!jsonOnly) {
    console.log('\nmeasurement'.padEnd(80) + 'seconds  peak RSS');
    for (const m of results.measurements) console.log(`${m.label.padEnd(79)} ${m.seconds.toFixed(2).padStart(7)} ${String(m.peakRssMiB).padStart(5)} MiB${m.scaledSeconds ? `  (scaled: ${m.scaledSeconds.toFixed(1)} s)` : ''}`);
    console.log(`\nratios (targets: kubectl loop ≥ 10× faultline, faultline ≤ 1.5× plain fetch, hung-cluster run ≤ 1.0× deadline + collection): ${JSON.stringify(results.ratios)}`);
  }
} finally {
  clearInterval(sampler);
  labChild.disconnect();
}
