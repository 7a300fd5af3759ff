import { fleet } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './node-never-joined.js';

const NOW = '2026-02-01T10:00:00Z';
const md = { metadata: { 'kubernetes-cluster': 'k8s-shop-pg1-01' }, region: 'pg1', createdAt: '2026-01-29T10:00:00Z' };
const PREFLIGHT = '[ERROR CRI]: container runtime is not running: ... dial unix /var/run/containerd/containerd.sock: connect: no such file or directory';
const b = () =>
  fleet()
    .at(NOW)
    .region('pg1')
    .server('k8s-shop-pg1-01-worker-001', md)
    .server('k8s-shop-pg1-01-worker-002', md);

testDetector(detector, {
  valid: [
    { name: 'every server of the cluster is a node', snapshot: b().k8s('k8s-shop-pg1-01', (c) => c.node('k8s-shop-pg1-01-worker-001', { server: 'k8s-shop-pg1-01-worker-001' }).node('k8s-shop-pg1-01-worker-002', { server: 'k8s-shop-pg1-01-worker-002' })).build() },
    {
      name: 'a server younger than graceMinutes may still be joining; a SHUTOFF one is not judged',
      snapshot: fleet()
        .at(NOW)
        .server('k8s-x-worker-1', { metadata: { 'kubernetes-cluster': 'k8s-x' }, createdAt: '2026-02-01T09:50:00Z' })
        .server('k8s-x-worker-2', { metadata: { 'kubernetes-cluster': 'k8s-x' }, status: 'SHUTOFF' })
        .k8s('k8s-x')
        .build(),
    },
    { name: 'a server recorded for a cluster that was not read is not judged', snapshot: b().k8s('other').build() },
  ],
  invalid: [
    {
      name: 'seed 004: a worker with no Node object, the containerd preflight error quoted',
      snapshot: b()
        .hostFacts('k8s-shop-pg1-01-worker-002', { services: { containerd: 'inactive' }, containerdSocket: false, nodeJoinErrors: [PREFLIGHT] })
        .k8s('k8s-shop-pg1-01', (c) => c.node('k8s-shop-pg1-01-worker-001', { server: 'k8s-shop-pg1-01-worker-001' }))
        .build(),
      findings: [
        {
          messageId: 'neverJoined',
          resource: 'k8s-shop-pg1-01-worker-002',
          severity: 'medium',
          message: `Server k8s-shop-pg1-01-worker-002 was built for cluster k8s-shop-pg1-01 3 days ago but is not a node of it: the join failed with "${PREFLIGHT}".`,
          evidence: { containerd: 'inactive', containerd_socket: false, nodes_in_cluster: 1, zone: 'prod' },
        },
      ],
    },
    {
      name: 'cluster membership from an inventory tag; no join log read',
      snapshot: fleet().at(NOW).server('gpu-07', { createdAt: '2026-01-01T00:00:00Z' }).inventory({ match: { serverName: 'gpu-07' }, roles: [], owners: [], tags: { cluster: 'ml' } }).k8s('ml').build(),
      findings: [{ messageId: 'neverJoined', message: 'Server gpu-07 was built for cluster ml 31 days ago but is not a node of it.' }],
    },
  ],
});
