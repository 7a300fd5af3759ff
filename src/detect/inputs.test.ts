import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fleet } from '../snapshot/builders.js';
import { runDetectors } from './engine.js';
import serviceNoEndpoints from './rules/service-no-endpoints.js';

const failed = { status: 'failed' as const, error: '401 Unauthorized', unlisted: [], warnings: [] };
const noSlices = { status: 'partial' as const, unlisted: ['endpointSlices' as const], warnings: ['endpointslices: forbidden'] };
const run = (s: ReturnType<ReturnType<typeof fleet>['build']>) => runDetectors(s, [serviceNoEndpoints], { now: new Date('2026-01-01T00:00:00Z') })[0];

describe('per-cluster inputs of Kubernetes detectors', () => {
  it('judges the readable clusters and leads the reason with the cluster that was not read', () => {
    const s = fleet()
      .k8s('good', (c) => c.service('shop/cart'))
      .k8s('dead', (c) => c.service('shop/web'), { collection: failed })
      .build();
    const r = run(s);
    assert.equal(r?.status, 'fail', 'the readable cluster is still judged');
    assert.deepEqual(r?.findings.map((f) => f.resource.id), ['good/shop/cart']);
    assert.deepEqual(r?.partialInputs, ['kubernetes']);
    assert.match(r?.reason ?? '', /^kubernetes: 1 of 2 clusters not judged \(cluster dead not read \(401 Unauthorized\)\)/);
  });

  it('is skipped, not passed, when no cluster listed a kind it needs', () => {
    const r = run(fleet().k8s('a', (c) => c.service('shop/cart'), { collection: noSlices }).k8s('b', () => undefined, { collection: failed }).build());
    assert.equal(r?.status, 'skipped');
    assert.deepEqual(r?.missing, ['kubernetes']);
    assert.match(r?.reason ?? '', /no cluster could be judged \(cluster a: endpointSlices not listed; cluster b not read \(401 Unauthorized\)\)/);
  });

  it('passes on an empty cluster list the collector reported', () => {
    const r = run(fleet().build({ collected: ['kubernetes'] }));
    assert.equal(r?.status, 'pass');
  });
});
