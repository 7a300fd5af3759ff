import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normaliseWorkload } from './normalise.js';

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
