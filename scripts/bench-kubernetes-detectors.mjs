// node scripts/bench-kubernetes-detectors.mjs: how long the Kubernetes detectors take on
// the fleet size issue 12 targets (500 clusters, 10,000 nodes, 150,000 pods), so a detector
// that rescans a cluster per pod or per Service shows up as a number, not a slow scan.
// Run after `npm run build`. Not part of the tests.
//
// BENCH_CLUSTERS  clusters (default 500; 20 nodes and 300 pods each)
// BENCH_ROUNDS    timed runs of the detectors (default 3; the median is reported)
import { performance } from 'node:perf_hooks';
import { runDetectors } from '../dist/detect/engine.js';
import { detectors } from '../dist/detect/rules/index.js';
import { parseSnapshot } from '../dist/snapshot/io.js';

const clusters = Number(process.env.BENCH_CLUSTERS ?? 500);
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const NOW = '2026-02-01T10:00:00Z';
const NODES = 20;
const APPS = 70;
const REPLICAS = 4;

const uuid = (n) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const servers = [];
const doc = { schemaVersion: 1, collectedAt: NOW, collection: [], servers, kubernetes: { clusters: [] }, prometheus: { windowDays: 7, signals: [] } };
const container = (name) => ({ name, requests: { cpuMillicores: 250, memoryBytes: 268435456 }, limits: { cpuMillicores: 500, memoryBytes: 536870912 }, probes: { liveness: true, readiness: true } });
let serial = 0;
for (let c = 0; c < clusters; c++) {
  const name = `k8s-team${c % 50}-pg1-${String(c).padStart(3, '0')}`;
  const nodes = [];
  for (let n = 0; n < NODES; n++) {
    const id = uuid(++serial);
    const node = n === 0 ? `${name}-master-1` : `${name}-worker-${String(n).padStart(3, '0')}`;
    servers.push({ id, name: node, status: c % 97 === 0 && n === 3 ? 'SHUTOFF' : 'ACTIVE', addresses: [{ network: 'k8s', addr: `10.${c >> 8}.${c & 255}.${n + 10}` }], flavor: { name: 'c8m16', vcpus: 8, ramMiB: 16384 }, metadata: { 'kubernetes-cluster': name } });
    const down = c % 97 === 0 && n === 3;
    nodes.push({ name: node, providerId: `openstack:///${id}`, kubeletVersion: 'v1.29.4', roles: [n === 0 ? 'control-plane' : 'worker'], conditions: [{ type: 'Ready', status: down ? 'Unknown' : 'True', lastTransitionTime: '2026-02-01T09:00:00Z' }], lastHeartbeat: down ? '2026-02-01T09:00:00Z' : '2026-02-01T09:59:55Z', taints: n === 0 ? [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] : [] });
  }
  const pods = [];
  const workloads = [];
  const services = [];
  const endpoints = [];
  for (let a = 0; a < APPS; a++) {
    const ns = `team-${a % 6}`;
    const app = `app-${a}`;
    workloads.push({ kind: 'Deployment', namespace: ns, name: app, desired: REPLICAS, ready: REPLICAS, available: REPLICAS, createdAt: '2025-06-01T00:00:00Z', selector: { app } });
    workloads.push({ kind: 'ReplicaSet', namespace: ns, name: `${app}-6f`, owner: { kind: 'Deployment', name: app }, desired: REPLICAS, ready: REPLICAS });
    services.push({ namespace: ns, name: app, selector: { app }, ports: [{ port: 80 }], createdAt: '2025-06-01T00:00:00Z' });
    const ready = [];
    for (let r = 0; r < REPLICAS; r++) {
      const crash = a === 7 && r === 0;
      pods.push({ namespace: ns, name: `${app}-6f-${r}`, nodeName: nodes[1 + ((a + r) % (NODES - 1))].name, phase: 'Running', ready: !crash, labels: { app, 'pod-template-hash': '6f' }, owner: { kind: 'ReplicaSet', name: `${app}-6f` }, createdAt: '2025-12-01T00:00:00Z', containers: [container('app')], containerStatuses: [crash ? { name: 'app', ready: false, restartCount: 9, state: 'waiting', reason: 'CrashLoopBackOff' } : { name: 'app', ready: true, restartCount: 0, state: 'running' }] });
      ready.push({ ip: `10.244.${a}.${r}`, pod: `${app}-6f-${r}` });
    }
    endpoints.push({ namespace: ns, service: app, ready, notReady: [] });
  }
  for (let n = 0; n < NODES; n++) {
    pods.push({ namespace: 'kube-system', name: `calico-node-${n}`, nodeName: nodes[n].name, phase: 'Running', ready: true, owner: { kind: 'DaemonSet', name: 'calico-node' }, containers: [container('calico-node')], containerStatuses: [{ name: 'calico-node', ready: true, restartCount: 0, state: 'running' }] });
  }
  workloads.push({ kind: 'DaemonSet', namespace: 'kube-system', name: 'calico-node', desired: NODES, ready: NODES, tolerations: [{ operator: 'Exists' }] });
  doc.kubernetes.clusters.push({ name, serverVersion: 'v1.29.4', nodes, pods, workloads, services, endpoints, events: [{ namespace: 'team-1', type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container', object: 'Pod/app-7-6f-0', lastTimestamp: '2026-02-01T09:58:00Z' }] });
  doc.prometheus.signals.push({ cluster: name, signal: 'httpRequests', query: 'q', status: 'ok', metricPresent: true, results: services.slice(1).map((s) => ({ namespace: s.namespace, service: s.name, value: 1000 })) });
}
doc.collection = [
  { collector: 'bench:kubernetes', status: 'ok', produces: ['kubernetes', 'servers'], startedAt: NOW, durationMs: 0 },
  { collector: 'bench:prometheus', status: 'ok', produces: ['prometheus'], startedAt: NOW, durationMs: 0 },
];

let t = performance.now();
const snapshot = parseSnapshot(doc, 'bench snapshot');
const parseMs = performance.now() - t;
const k8s = detectors.filter((d) => d.layer === 'kubernetes');
const runs = [];
let results;
for (let i = 0; i < rounds; i++) {
  // A fresh copy each round so the per-snapshot index and per-cluster lookups are built inside the timing.
  const fresh = i === 0 ? snapshot : parseSnapshot(doc, 'bench snapshot');
  t = performance.now();
  results = runDetectors(fresh, k8s, { now: new Date(NOW) });
  runs.push(performance.now() - t);
}
const median = [...runs].sort((a, b) => a - b)[Math.floor(runs.length / 2)];
const pods = snapshot.kubernetes.clusters.reduce((n, c) => n + c.pods.length, 0);
const nodes = snapshot.kubernetes.clusters.reduce((n, c) => n + c.nodes.length, 0);
console.log(`${clusters} clusters, ${nodes} nodes, ${pods} pods; parse ${(parseMs / 1000).toFixed(2)} s`);
console.log(`${k8s.length} Kubernetes detectors: median ${(median / 1000).toFixed(2)} s over ${rounds} run(s) (${runs.map((r) => (r / 1000).toFixed(2)).join(', ')} s); peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
const slowest = [...results].sort((a, b) => b.durationMs - a.durationMs).slice(0, 5);
console.log(`slowest: ${slowest.map((r) => `${r.detectorId} ${r.durationMs.toFixed(0)} ms`).join(', ')}`);
console.log(`findings: ${results.reduce((n, r) => n + r.findings.length, 0)} (${results.filter((r) => r.status === 'fail').map((r) => `${r.detectorId}: ${r.findings.length}`).join(', ')})`);
