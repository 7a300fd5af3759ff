import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { loadSnapshot } from '../snapshot/io.js';
import { runDetectors } from './engine.js';
import { detectors } from './rules/index.js';

// The bundled offline demo: its Kubernetes story must stay visible, told by the layer that explains it.
describe('examples/fleet-snapshot.json', () => {
  it('shows the shop-prod cluster\'s failures, each tied to its server where there is one', async () => {
    const snapshot = await loadSnapshot(resolve('examples/fleet-snapshot.json'));
    const results = runDetectors(snapshot, detectors, { now: new Date(snapshot.collectedAt) });
    const k8s = results.filter((r) => detectors.find((d) => d.id === r.detectorId)?.layer === 'kubernetes');
    assert.deepEqual(k8s.filter((r) => r.status === 'skipped' || r.status === 'error'), [], 'every Kubernetes detector runs on the example');
    const found = (id: string): string[] => results.find((r) => r.detectorId === id)?.findings.map((f) => f.message) ?? [];
    assert.match(found('node-not-ready').join('\n'), /k8s-worker-1 .* SHUTOFF on hypervisor krane-pg1-com902/);
    assert.match(found('node-never-joined').join('\n'), /k8s-worker-3 .* container runtime is not running/);
    assert.match(found('container-runtime-down').join('\n'), /containerd is inactive on Kubernetes node k8s-worker-3/);
    assert.match(found('system-pod-unhealthy').join('\n'), /calico-node-7bq9d .* CrashLoopBackOff/);
    assert.match(found('control-plane-workloads').join('\n'), /shop\/orders .* 1 of 1 of its pods run on control-plane nodes/);
    assert.match(found('unused-service').join('\n'), /about 1 of its 2 k8s\.worker .* worker servers could be given back/);
    assert.deepEqual(found('kubelet-down'), [], 'the stopped VM is node-not-ready\'s finding, not kubelet\'s');
  });
});
