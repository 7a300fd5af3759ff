import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalisePod, normaliseWorkload, PodPool } from './normalise.js';

/** Trimmed from `kubectl get deploy,rs,cronjob -o json` of a real cluster (names changed). */
const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'orders-canary', namespace: 'shop', labels: { app: 'orders', track: 'canary' }, annotations: { 'deployment.kubernetes.io/revision': '3' }, creationTimestamp: '2025-11-02T08:00:00Z' },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'orders', track: 'canary' } },
    template: {
      metadata: { labels: { app: 'orders', track: 'canary' } },
      spec: {
        initContainers: [{ name: 'migrate', image: 'harbor.krane.local/shop/orders-migrate:2.15.0' }],
        containers: [
          { name: 'orders', image: 'harbor.krane.local/shop/orders:2.15.0', resources: { requests: { cpu: '500m', memory: '512Mi' } } },
          { name: 'no-image' },
        ],
      },
    },
  },
  status: { replicas: 1, readyReplicas: 1 },
};

describe('normalising workloads', () => {
  it('keeps each template container\'s name and image (not the init containers), leaving a missing image out', () => {
    const w = normaliseWorkload('deployments', deployment);
    assert.deepEqual(w.containers, [{ name: 'orders', image: 'harbor.krane.local/shop/orders:2.15.0' }, { name: 'no-image' }]);
    assert.equal(w.annotations?.['deployment.kubernetes.io/revision'], '3');
    assert.equal(w.labels?.['track'], 'canary');
  });
  it('reads a CronJob\'s containers from its Job template', () => {
    const w = normaliseWorkload('cronjobs', { metadata: { name: 'settle', namespace: 'shop' }, spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec: { containers: [{ name: 'settle', image: 'harbor.krane.local/shop/settle:1.4.0' }] } } } } } });
    assert.deepEqual(w.containers, [{ name: 'settle', image: 'harbor.krane.local/shop/settle:1.4.0' }]);
  });
  it('a template without containers gives an empty list, not an error', () => {
    assert.deepEqual(normaliseWorkload('replicasets', { metadata: { name: 'x', namespace: 'y' }, spec: { template: 'garbage' } }).containers, []);
  });
});

describe('normalising pods with a cluster pool', () => {
  const pod = (name: string, labels: Record<string, string>, memory: string, tolerations: Record<string, unknown>[] = []): Record<string, unknown> => ({
    metadata: { name, namespace: 'shop', labels, ownerReferences: [{ kind: 'ReplicaSet', name: 'orders-7d9', controller: true }] },
    spec: {
      nodeName: 'w1',
      tolerations,
      containers: [
        { name: 'orders', image: 'harbor.krane.local/shop/orders:2.15.0', resources: { requests: { cpu: '500m', memory } }, readinessProbe: { httpGet: { path: '/ready' } } },
        { name: 'proxy', image: 'docker.io/istio/proxyv2:1.20.3' },
      ],
    },
    status: { phase: 'Running', containerStatuses: [{ name: 'orders', ready: true, restartCount: 2, state: { running: { startedAt: '2026-01-04T15:52:33Z' } } }] },
  });
  const notReady = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };

  it('replicas share their containers, labels, tolerations and owner; pods that differ in one field get their own', () => {
    const pool = new PodPool();
    const a = normalisePod(pod('orders-1', { app: 'orders' }, '512Mi', [notReady]), pool);
    const b = normalisePod(pod('orders-2', { app: 'orders' }, '512Mi', [notReady]), pool);
    const c = normalisePod(pod('orders-3', { app: 'orders', canary: 'true' }, '1Gi', [notReady, { key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }]), pool);
    assert.equal(a.containers, b.containers);
    assert.equal(a.labels, b.labels);
    assert.equal(a.tolerations, b.tolerations);
    assert.equal(a.owner, b.owner);
    assert.notEqual(a.containers, c.containers);
    assert.equal(c.containers![0]!.requests!.memoryBytes, 2 ** 30);
    assert.equal(a.containers![0]!.requests!.memoryBytes, 512 * 2 ** 20, 'the 1Gi pod did not change the shared 512Mi containers');
    assert.deepEqual(c.labels, { app: 'orders', canary: 'true' });
    assert.deepEqual(a.labels, { app: 'orders' }, 'labels that extend another set are a set of their own');
    assert.equal(c.tolerations!.length, 2);
    assert.deepEqual(a.containers!.map((x) => x.probes), [{ liveness: false, readiness: true, startup: false }, { liveness: false, readiness: false, startup: false }]);
    assert.notEqual(a.containerStatuses, b.containerStatuses, 'container statuses are per pod');
  });

  it('a pod normalised with a shared pool is the pod normalised alone, absent fields still absent', () => {
    const pool = new PodPool();
    normalisePod(pod('orders-1', { app: 'orders' }, '512Mi'), pool);
    const shared = normalisePod(pod('orders-2', { app: 'orders' }, '512Mi'), pool);
    const alone = normalisePod(pod('orders-2', { app: 'orders' }, '512Mi'));
    assert.deepStrictEqual(shared, alone);
    assert.equal(shared.restarts, 2);
    for (const k of ['reason', 'message', 'ready', 'waitingReason', 'staticPod', 'createdAt', 'startTime']) assert.ok(!(k in shared), `${k} is absent, not undefined`);
  });
});
