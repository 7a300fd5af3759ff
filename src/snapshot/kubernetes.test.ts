import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SnapshotError } from '../core/errors.js';
import { fleet } from './builders.js';
import { indexOf } from './fleet-index.js';
import { parseSnapshot } from './io.js';

/** A cluster as snapshots wrote it before the Kubernetes section grew: only the first fields. */
const OLD_SHAPE = {
  schemaVersion: 1,
  collectedAt: '2026-01-01T00:00:00Z',
  kubernetes: {
    clusters: [
      {
        name: 'k8s-old',
        nodes: [{ name: 'n1', providerId: 'openstack:///00000000-0000-4000-8000-000000000001', kubeletVersion: 'v1.27.3', conditions: [{ type: 'Ready', status: 'True' }] }],
        pods: [{ namespace: 'kube-system', name: 'coredns-1', phase: 'Running', ready: true, restarts: 0 }],
        events: [{ namespace: 'default', type: 'Warning', reason: 'BackOff', message: 'Back-off', object: 'Pod/x' }],
      },
    ],
  },
};

describe('the Kubernetes section of a snapshot', () => {
  it('still loads snapshots written before it grew, with the new fields defaulted', () => {
    const s = parseSnapshot(structuredClone(OLD_SHAPE));
    const c = s.kubernetes.clusters[0];
    assert.ok(c);
    assert.deepEqual(c.collection, { status: 'ok', unlisted: [], warnings: [] });
    assert.deepEqual([c.workloads, c.services, c.endpoints, c.persistentVolumeClaims, c.ingresses, c.admissionWebhooks, c.apiUsage], [[], [], [], [], [], [], []]);
    assert.deepEqual(c.nodes[0]?.labels, {});
    assert.deepEqual(c.pods[0]?.containers, []);
    assert.deepEqual(s.prometheus, { windowDays: 7, signals: [] });
  });

  it('rejects an unknown kind in a cluster\'s unlisted kinds, naming the path', () => {
    const doc = structuredClone(OLD_SHAPE) as { kubernetes: { clusters: Record<string, unknown>[] } };
    (doc.kubernetes.clusters[0] as Record<string, unknown>)['collection'] = { status: 'partial', unlisted: ['secrets'] };
    assert.throws(() => parseSnapshot(doc), (err: unknown) => err instanceof SnapshotError && /kubernetes\.clusters\[0\]\.collection\.unlisted\[0\]: Invalid option/.test(err.message));
  });

  it('defaults a container\'s probes and quantities so detectors read booleans and numbers', () => {
    const s = fleet().k8s('c', (b) => b.pod('ns/p', { containers: [{ name: 'app' }] })).build();
    assert.deepEqual(s.kubernetes.clusters[0]?.pods[0]?.containers[0], { name: 'app', requests: {}, limits: {}, probes: { liveness: false, readiness: false, startup: false } });
  });
});

describe('node ↔ server mapping', () => {
  const b = fleet()
    .server('k8s-a-worker-1', { ip: '10.1.0.11' })
    .server('k8s-a-worker-2', { ip: '10.1.0.12' })
    .server('edge-vm', { ip: '10.1.0.13' })
    .server('k8s-a-worker-9', { metadata: { 'kubernetes-cluster': 'k8s-a' } })
    .server('gpu-1')
    .inventory({ match: { serverName: 'gpu-1' }, roles: [], owners: [], tags: { cluster: 'ml' } });
  const s = b
    .k8s('k8s-a', (c) =>
      c
        .node('renamed-node', { server: 'k8s-a-worker-1' })
        .node('k8s-a-worker-2')
        .node('ip-10-1-0-13', { internalIp: '10.1.0.13' })
        .node('ghost', { providerId: 'openstack:///00000000-0000-4000-8000-00000000ffff', internalIp: '10.1.0.12' }),
    )
    .build();
  const index = indexOf(s);
  const nodes = s.kubernetes.clusters[0]?.nodes ?? [];
  const node = (name: string) => nodes.find((n) => n.name === name) as (typeof nodes)[number];

  it('follows providerID first, then a unique server name, then an address, and says which', () => {
    assert.deepEqual([index.nodeServerOf(node('renamed-node'))?.server.name, index.nodeServerOf(node('renamed-node'))?.by], ['k8s-a-worker-1', 'providerId']);
    assert.deepEqual([index.nodeServerOf(node('k8s-a-worker-2'))?.server.name, index.nodeServerOf(node('k8s-a-worker-2'))?.by], ['k8s-a-worker-2', 'name']);
    assert.deepEqual([index.nodeServerOf(node('ip-10-1-0-13'))?.server.name, index.nodeServerOf(node('ip-10-1-0-13'))?.by], ['edge-vm', 'address']);
  });

  it('does not guess when the providerID names a server the snapshot does not have', () => {
    assert.equal(index.serverOfNode(node('ghost')), undefined);
  });

  it('maps a server back to its node and cluster', () => {
    const id = b.idOf('k8s-a-worker-1');
    assert.equal(index.nodeOfServer(id)?.node.name, 'renamed-node');
    assert.equal(index.nodeOfServer(id)?.cluster.name, 'k8s-a');
    assert.equal(index.cluster('k8s-a')?.nodes.length, 4);
  });

  it('knows the cluster of a server from its node, its metadata or the inventory', () => {
    const server = (name: string) => index.serversNamed(name)[0] as NonNullable<ReturnType<typeof index.server>>;
    assert.equal(index.clusterOfServer(server('edge-vm')), 'k8s-a');
    assert.equal(index.clusterOfServer(server('k8s-a-worker-9')), 'k8s-a');
    assert.equal(index.clusterOfServer(server('gpu-1')), 'ml');
    assert.deepEqual(index.serversOfCluster('k8s-a').map((x) => x.name).sort(), ['edge-vm', 'k8s-a-worker-1', 'k8s-a-worker-2', 'k8s-a-worker-9']);
    assert.deepEqual(index.serversOfCluster('ml').map((x) => x.name), ['gpu-1']);
  });
});
