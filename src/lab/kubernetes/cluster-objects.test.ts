import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateFleet } from '../fleet/generate.js';
import { buildClusterObjects, NO_FAULTS, type NodeState } from './cluster-objects.js';
import { planClusters } from './cluster-plan.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('cluster objects', () => {
  it('a busier shape adds a plain worker Deployment with that many running pods per worker, and nothing else', () => {
    const fleet = generateFleet({ seed: 'shape', size: 'small' });
    const plan = planClusters(fleet).find((p) => p.workers.length >= 2);
    assert.ok(plan, 'the small fleet has a cluster with two workers');
    const now = plan.createdAt + 30 * 86_400_000;
    const nodes: NodeState[] = [...plan.masters, ...plan.workers].map((server) => ({ server, flavor: undefined, kubeletVersion: plan.version, lastRenew: now, unknownSince: null }));
    const pods = (extra?: number): Json[] => (buildClusterObjects(plan, nodes, NO_FAULTS, now, extra ? { extraPodsPerWorker: extra } : {}).get('pods') ?? []) as Json[];
    const plain = pods();
    const busy = pods(3);
    const added = busy.filter((p) => !plain.some((q) => q.metadata.name === p.metadata.name));
    assert.equal(added.length, 3 * plan.workers.length);
    assert.equal(busy.length, plain.length + added.length, 'the usual pods stay as they were');
    const workers = new Set(plan.workers.map((s) => s.name));
    assert.ok(added.every((p) => workers.has(p.spec.nodeName) && p.status.phase === 'Running'));
    // Spread like a ReplicaSet spreads them: each worker gets its share.
    for (const w of workers) assert.equal(added.filter((p) => p.spec.nodeName === w).length, 3, w);
  });
});
