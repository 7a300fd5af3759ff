/**
 * (Here in cli/ because it drives the collector against the lab, which collect/ may not import.)
 * The kubernetes collector against the lab's API servers (every cluster of the small
 * fleet, paged small) and against a scripted HTTPS server for the ways a cluster fails:
 * 403/404 kinds, an expired continue token, 401, garbage, a dead port, a hang.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { configSchema } from '../config/schema.js';
import type { Redactor } from '../core/redact.js';
import { snapshotSchema } from '../snapshot/schema.js';
import { generateFleet } from '../lab/fleet/generate.js';
import { healFleet } from '../lab/fleet/heal.js';
import { createLabCertificates, type LabCertificates } from '../lab/kubernetes/certificates.js';
import { kube, target } from '../lab/kubernetes/testing.js';
import { startLab, type RunningLab } from '../lab/openstack/lab.js';
import type { CollectContext, CollectorResult } from '../collect/types.js';
import { planKubernetes } from '../collect/kubernetes/plan.js';

type Obj = Record<string, unknown>;

function context(signal = new AbortController().signal): CollectContext {
  return { signal, now: () => new Date('2026-01-01T00:00:00Z'), log: { debug() {}, info() {}, warn() {}, error() {} } as unknown as CollectContext['log'], progress: () => undefined, input: {} };
}

function plan(kubernetes: Obj, env: NodeJS.ProcessEnv = {}, redactor?: Redactor): ReturnType<typeof planKubernetes> {
  const config = configSchema.parse({ kubernetes });
  return planKubernetes({ config, env, home: tmpdir(), cwd: tmpdir(), ...(redactor ? { redactor } : {}) });
}

async function collect(kubernetes: Obj, env: NodeJS.ProcessEnv = {}): Promise<CollectorResult> {
  const p = plan(kubernetes, env);
  if (!('collector' in p)) throw new Error(p.unavailable);
  return p.collector.collect(context());
}

const dir = (): string => mkdtempSync(join(tmpdir(), 'faultline-k8s-'));

describe('kubernetes collector against the lab', () => {
  let lab: RunningLab;
  let kubeconfig: string;

  before(async () => {
    lab = await startLab({ fleet: healFleet(generateFleet({ seed: 'faultline', size: 'small' })), clock: 'manual', sshHosts: false });
    kubeconfig = join(dir(), 'kubeconfig');
    writeFileSync(kubeconfig, lab.kubernetes!.kubeconfig(), { mode: 0o600 });
  });
  after(() => lab.stop());

  it('reads every cluster of contexts ["*"] in full, across pages, into a valid snapshot', async () => {
    const result = await collect({ kubeconfig, contexts: ['*'], pageSize: 7 });
    const clusters = result.data.kubernetes!.clusters!;
    const labClusters = lab.kubernetes!.clusters.clusters;
    assert.equal(result.status, 'ok', (result.warnings ?? []).join('\n'));
    assert.deepEqual(clusters.map((c) => c.name).sort(), labClusters.map((c) => c.name).sort());
    for (const lc of labClusters) {
      const c = clusters.find((x) => x.name === lc.name)!;
      assert.equal(c.collection?.status, 'ok');
      assert.equal(c.serverVersion, lc.plan.version);
      assert.equal(c.nodes!.length, lc.plan.masters.length + lc.plan.workers.length);
      const direct = (await kube(target(lab, lc), '/api/v1/pods')).body as { items: unknown[] };
      assert.equal(c.pods!.length, direct.items.length, 'every page of pods was followed');
      for (const server of lc.plan.masters) assert.ok(c.nodes!.find((n) => n.name === server.name)!.roles!.includes('control-plane'));
      const server = [...lc.plan.masters, ...lc.plan.workers][0]!;
      const first = c.nodes!.find((n) => n.name === server.name)!;
      assert.equal(first.providerId, `openstack:///${server.id}`);
      assert.equal(typeof first.lastHeartbeat, 'string', 'the Lease renewTime is the heartbeat');
      assert.ok(c.workloads!.some((w) => w.kind === 'DaemonSet'));
      assert.ok(c.endpoints!.length > 0);
    }
    // The snapshot schema accepts what the collector produced.
    snapshotSchema.parse({ schemaVersion: 1, collectedAt: '2026-01-01T00:00:00Z', kubernetes: result.data.kubernetes });
  });

  it('reads only the current context by default, and names an unknown context in a config error', async () => {
    const one = await collect({ kubeconfig });
    assert.equal(one.data.kubernetes!.clusters!.length, 1);
    const bad = plan({ kubeconfig, contexts: ['no-such-cluster'] });
    assert.ok('unavailable' in bad);
    assert.match(bad.unavailable, /kubernetes\.contexts\[0\].*no-such-cluster.*fix:/);
  });

  it('merges a KUBECONFIG list: a context in one file, its cluster and user in another', async () => {
    const full = lab.kubernetes!.kubeconfig();
    const { parse } = await import('yaml');
    const doc = parse(full) as Obj & { contexts: Obj[]; clusters: Obj[]; users: Obj[] };
    const d = dir();
    writeFileSync(join(d, 'a'), stringify({ apiVersion: 'v1', kind: 'Config', contexts: [doc.contexts[0]], 'current-context': (doc.contexts[0] as { name: string }).name }));
    writeFileSync(join(d, 'b'), stringify({ apiVersion: 'v1', kind: 'Config', clusters: doc.clusters, users: doc.users }));
    const result = await collect({}, { KUBECONFIG: `${join(d, 'missing')}:${join(d, 'a')}:${join(d, 'b')}` });
    assert.equal(result.status, 'ok', (result.warnings ?? []).join('\n'));
    assert.equal(result.data.kubernetes!.clusters![0]!.name, (doc.contexts[0] as { name: string }).name);
  });

  it('runs an exec credential plugin for the token', async () => {
    const lc = lab.kubernetes!.clusters.clusters[0]!;
    const d = dir();
    const plugin = join(d, 'credential.mjs');
    writeFileSync(plugin, `process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: ${JSON.stringify(lc.token)} } }));\n`);
    chmodSync(plugin, 0o755);
    const file = join(d, 'kubeconfig');
    writeFileSync(
      file,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: lab.kubernetes!.serverUrl(lc.name), 'certificate-authority-data': Buffer.from(lab.kubernetes!.caPem).toString('base64') } }],
        users: [{ name: 'u', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: [plugin], interactiveMode: 'Never' } } }],
        contexts: [{ name: lc.name, context: { cluster: 'c', user: 'u' } }],
        'current-context': lc.name,
      }),
    );
    const result = await collect({ kubeconfig: file });
    assert.equal(result.status, 'ok', (result.warnings ?? []).join('\n'));
    assert.ok(result.data.kubernetes!.clusters![0]!.nodes!.length > 0);
  });
});

describe('kubernetes collector in a pod (in-cluster config)', () => {
  let lab: RunningLab;
  before(async () => {
    lab = await startLab({ fleet: healFleet(generateFleet({ seed: 'faultline', size: 'small' })), clock: 'manual', sshHosts: false, bmc: false });
  });
  after(() => lab.stop());

  const inCluster = (kubernetes: Obj, env: NodeJS.ProcessEnv, serviceAccountDir: string): ReturnType<typeof planKubernetes> =>
    planKubernetes({ config: configSchema.parse({ kubernetes }), env, home: tmpdir(), cwd: tmpdir(), serviceAccountDir });

  it('with no kubeconfig anywhere, reads its own cluster with the mounted service account, rotated token included', async () => {
    const [lc, other] = lab.kubernetes!.clusters.clusters;
    const sa = join(dir(), 'serviceaccount');
    await lab.kubernetes!.writeServiceAccount(lc!.name, sa);
    const env = { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(lab.kubernetes!.port) };
    const p = inCluster({}, env, sa);
    assert.ok('collector' in p, 'unavailable' in p ? p.unavailable : '');
    const first = await p.collector.collect(context());
    assert.equal(first.status, 'ok', (first.warnings ?? []).join('\n'));
    const [cluster] = first.data.kubernetes!.clusters!;
    assert.equal(cluster!.nodes!.length, lc!.plan.masters.length + lc!.plan.workers.length);
    assert.deepEqual(new Set(cluster!.nodes!.map((n) => n.name)), new Set([...lc!.plan.masters, ...lc!.plan.workers].map((s) => s.name)));
    // The kubelet rotates a projected token in place; the next collection reads the new one (here: another cluster's).
    await lab.kubernetes!.writeServiceAccount(other!.name, sa);
    const second = await p.collector.collect(context());
    assert.deepEqual(new Set(second.data.kubernetes!.clusters![0]!.nodes!.map((n) => n.name)), new Set([...other!.plan.masters, ...other!.plan.workers].map((s) => s.name)));
  });

  it('says what is missing when the service account cannot be read, and stays out of the way of a kubeconfig', () => {
    const empty = dir();
    const forced = inCluster({ inCluster: true }, { KUBERNETES_SERVICE_HOST: '127.0.0.1' }, empty);
    assert.ok('unavailable' in forced);
    assert.match(forced.unavailable, /kubernetes\.inCluster: .*token does not exist.*set kubernetes\.kubeconfig/);
    const noHost = inCluster({ inCluster: true }, {}, empty);
    assert.ok('unavailable' in noHost);
    assert.match(noHost.unavailable, /KUBERNETES_SERVICE_HOST is not set/);
    // Not in a pod (no KUBERNETES_SERVICE_HOST) and nothing configured: no Kubernetes, said plainly.
    const none = inCluster({}, {}, empty);
    assert.ok('unavailable' in none);
    assert.match(none.unavailable, /no Kubernetes configured/);
  });
});

/** An API server that answers from a table of paths; anything else is 404. */
interface Scripted {
  url: string;
  hits: string[];
  close(): Promise<void>;
}

async function scripted(certs: LabCertificates, answer: (req: IncomingMessage, res: ServerResponse, path: string) => boolean): Promise<Scripted> {
  const hits: string[] = [];
  const server: Server = createServer({ cert: certs.certPem, key: certs.keyPem }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://x');
    hits.push(url.pathname + url.search);
    if (answer(req, res, url.pathname)) return;
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'NotFound', message: 'the server could not find the requested resource', code: 404 }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

const json = (res: ServerResponse, code: number, body: unknown): boolean => {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
  return true;
};
const emptyList = { kind: 'List', metadata: {}, items: [] };
const node = (name: string): Obj => ({ metadata: { name, labels: {} }, spec: { providerID: `openstack:///${name}` }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });

describe('kubernetes collector on a failing API server', () => {
  let certs: LabCertificates;
  const TOKEN = 'sekret-token-0123456789abcdef';
  before(async () => {
    certs = await createLabCertificates();
  });

  function kubeconfigFor(servers: Record<string, string>, token = TOKEN): string {
    const file = join(dir(), 'kubeconfig');
    const names = Object.keys(servers);
    writeFileSync(
      file,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: names.map((n) => ({ name: n, cluster: { server: servers[n], 'certificate-authority-data': Buffer.from(certs.caPem).toString('base64') } })),
        users: [{ name: 'reader', user: { token } }],
        contexts: names.map((n) => ({ name: n, context: { cluster: n, user: 'reader' } })),
        'current-context': names[0],
      }),
    );
    return file;
  }

  it('a forbidden and an unserved kind are unlisted, the cluster partial; an expired continue token restarts the list once', async () => {
    let expired = false;
    const s = await scripted(certs, (req, res, path) => {
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(res, 401, { kind: 'Status', reason: 'Unauthorized', message: 'Unauthorized', code: 401 });
      if (path === '/version') return json(res, 200, { gitVersion: 'v1.29.4' });
      if (path === '/api/v1/nodes') {
        const q = new URL(req.url!, 'https://x').searchParams;
        if (!q.get('continue')) return json(res, 200, { metadata: { continue: 'page2' }, items: [node('n1')] });
        if (!expired) {
          expired = true;
          return json(res, 410, { kind: 'Status', reason: 'Expired', message: 'too old', code: 410 });
        }
        return json(res, 200, { metadata: {}, items: [node('n2')] });
      }
      if (path === '/apis/batch/v1/cronjobs') return json(res, 403, { kind: 'Status', reason: 'Forbidden', message: `cronjobs.batch is forbidden: token ${TOKEN}`, code: 403 });
      if (path === '/apis/networking.k8s.io/v1/ingresses') return false;
      if (path === '/metrics') {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('# TYPE apiserver_requested_deprecated_apis gauge\napiserver_requested_deprecated_apis{group="batch",removed_release="1.25",resource="cronjobs",subresource="",version="v1beta1"} 1\n');
        return true;
      }
      return json(res, 200, emptyList);
    });
    try {
      const result = await collect({ kubeconfig: kubeconfigFor({ alpha: s.url }) });
      const c = result.data.kubernetes!.clusters![0]!;
      assert.equal(result.status, 'partial');
      assert.equal(c.collection?.status, 'partial');
      assert.deepEqual([...(c.collection?.unlisted ?? [])].sort(), ['ingresses', 'workloads']);
      assert.deepEqual(c.nodes!.map((n) => n.name), ['n1', 'n2'], 'the restarted list kept one copy of each node');
      assert.ok(c.collection!.warnings!.some((w) => /410 Gone.*listed again/.test(w)));
      assert.deepEqual(c.apiUsage, [{ group: 'batch', version: 'v1beta1', resource: 'cronjobs', removedRelease: '1.25' }]);
      assert.equal(c.serverVersion, 'v1.29.4');
      const all = JSON.stringify(result);
      assert.ok(!all.includes(TOKEN), 'the bearer token never reaches warnings');
      assert.match(result.warnings![0]!, /^cluster alpha partial: .*cronjobs\.batch: not listed \(HTTP 403 Forbidden/);
    } finally {
      await s.close();
    }
  });

  it('failed clusters (401, garbage, dead port, hang past the deadline) lead the warnings by name with their cause', async () => {
    const good = await scripted(certs, (_req, res, path) => (path === '/version' ? json(res, 200, { gitVersion: 'v1.30.6' }) : path === '/metrics' ? json(res, 200, '') : json(res, 200, emptyList)));
    const garbage = await scripted(certs, (_req, res, path) => (path === '/version' ? json(res, 200, { gitVersion: 'v1.30.6' }) : json(res, 200, '<html>proxy error</html>')));
    const hang = await scripted(certs, () => true);
    const dead = await scripted(certs, () => false);
    const deadUrl = dead.url;
    await dead.close();
    try {
      const file = kubeconfigFor({ good: good.url, garbage: garbage.url, hang: hang.url, dead: deadUrl });
      const started = Date.now();
      const result = await collect({ kubeconfig: file, contexts: ['*'], clusterTimeoutSeconds: 0.5 });
      assert.ok(Date.now() - started < 3_000, 'the hung cluster costs its deadline, no more');
      const by = new Map(result.data.kubernetes!.clusters!.map((c) => [c.name, c]));
      assert.equal(result.status, 'partial');
      assert.equal(by.get('good')?.collection?.status, 'ok');
      assert.match(by.get('garbage')!.collection!.error!, /garbage answer: .*not JSON/);
      assert.match(by.get('hang')!.collection!.error!, /timed out after/);
      assert.match(by.get('dead')!.collection!.error!, /unreachable: .*ECONNREFUSED/);
      assert.deepEqual(result.warnings!.slice(0, 3).map((w) => w.split(':')[0]), ['cluster garbage failed', 'cluster hang failed', 'cluster dead failed']);
      assert.equal(result.warnings!.at(-1), '1 of 4 clusters collected in full');

    } finally {
      await Promise.all([good.close(), garbage.close(), hang.close()]);
    }
  });

  it('a refused token fails the cluster with 401, and a TLS failure says so', async () => {
    const s = await scripted(certs, (req, res, path) => (path === '/version' ? json(res, 200, { gitVersion: 'v1.29.4' }) : req.headers.authorization === `Bearer ${TOKEN}` ? json(res, 200, emptyList) : json(res, 401, { kind: 'Status', reason: 'Unauthorized', message: 'Unauthorized', code: 401 })));
    try {
      const refused = await collect({ kubeconfig: kubeconfigFor({ a: s.url }, 'not-the-token-1234') });
      assert.match(refused.data.kubernetes!.clusters![0]!.collection!.error!, /^401 Unauthorized/);
      assert.ok(!JSON.stringify(refused).includes('not-the-token-1234'));
      // Without the CA the server's certificate cannot be verified.
      const file = join(dir(), 'kubeconfig');
      writeFileSync(file, stringify({ apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'a', cluster: { server: s.url } }], users: [{ name: 'u', user: { token: TOKEN } }], contexts: [{ name: 'a', context: { cluster: 'a', user: 'u' } }], 'current-context': 'a' }));
      const tls = await collect({ kubeconfig: file });
      assert.match(tls.data.kubernetes!.clusters![0]!.collection!.error!, /^TLS error: /);
      const skip = join(dir(), 'kubeconfig');
      writeFileSync(skip, stringify({ apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'a', cluster: { server: s.url, 'insecure-skip-tls-verify': true } }], users: [{ name: 'u', user: { token: TOKEN } }], contexts: [{ name: 'a', context: { cluster: 'a', user: 'u' } }], 'current-context': 'a' }));
      const skipped = await collect({ kubeconfig: skip });
      assert.equal(skipped.data.kubernetes!.clusters![0]!.collection!.status, 'ok', 'insecure-skip-tls-verify reads the cluster without the CA');
    } finally {
      await s.close();
    }
  });

  it('a client certificate from the kubeconfig authenticates every connection to a server that demands one', async () => {
    const work = dir();
    await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'client.key', '-out', 'client.crt', '-days', '2', '-subj', '/CN=faultline-reader'], { cwd: work });
    const [clientCrt, clientKey] = ['client.crt', 'client.key'].map((f) => readFileSync(join(work, f), 'utf8'));
    const peers = new Set<string>();
    const server: Server = createServer({ cert: certs.certPem, key: certs.keyPem, ca: clientCrt, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const cn = (req.socket as TLSSocket).getPeerCertificate().subject?.CN;
      peers.add(String(cn));
      const path = new URL(req.url ?? '/', 'https://x').pathname;
      json(res, 200, path === '/version' ? { gitVersion: 'v1.31.2' } : path === '/metrics' ? '' : emptyList);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const config = (user: Obj): string => {
      const file = join(dir(), 'kubeconfig');
      writeFileSync(file, stringify({ apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'm', cluster: { server: url, 'certificate-authority-data': Buffer.from(certs.caPem).toString('base64') } }], users: [{ name: 'u', user }], contexts: [{ name: 'm', context: { cluster: 'm', user: 'u' } }], 'current-context': 'm' }));
      return file;
    };
    try {
      const ok = await collect({ kubeconfig: config({ 'client-certificate-data': Buffer.from(clientCrt!).toString('base64'), 'client-key-data': Buffer.from(clientKey!).toString('base64') }) });
      const c = ok.data.kubernetes!.clusters![0]!;
      assert.equal(c.collection?.status, 'ok', c.collection?.error);
      assert.equal(c.serverVersion, 'v1.31.2');
      assert.deepEqual([...peers], ['faultline-reader'], 'every request came over a connection that presented the client certificate');
      const without = await collect({ kubeconfig: config({ token: TOKEN }) });
      assert.equal(without.data.kubernetes!.clusters![0]!.collection?.status, 'failed', 'a server that demands a certificate refuses a connection without one');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
