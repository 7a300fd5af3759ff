import { fleet } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './control-plane-workloads.js';

const CP = [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }];
const taint = [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }];

testDetector(detector, {
  valid: [
    {
      name: 'kube-system DaemonSets tolerate everything; allowed agents; apps on workers only',
      snapshot: fleet()
        .k8s('c', (c) =>
          c
            .node('c-master-1', { taints: taint })
            .node('c-worker-1')
            .workload('DaemonSet', 'kube-system/calico-node', { tolerations: [{ operator: 'Exists' }] })
            .workload('DaemonSet', 'monitoring/node-exporter', { tolerations: [{ operator: 'Exists' }] })
            .workload('Deployment', 'shop/web')
            .pod('shop/web-1', { nodeName: 'c-worker-1', owner: { kind: 'Deployment', name: 'web' } }),
        )
        .build(),
      options: { allow: ['monitoring/*'] },
    },
  ],
  invalid: [
    {
      name: 'seed 002: a Deployment given the control-plane toleration runs two of three pods on the masters',
      snapshot: fleet()
        .k8s('k8s-shop-pg1-01', (c) =>
          c
            .node('k8s-shop-pg1-01-master-1', { taints: taint })
            .node('k8s-shop-pg1-01-master-2', { taints: taint })
            .node('k8s-shop-pg1-01-worker-001')
            .workload('Deployment', 'shop/orders', { tolerations: CP })
            .workload('ReplicaSet', 'shop/orders-6c9', { owner: { kind: 'Deployment', name: 'orders' }, tolerations: CP })
            .pod('shop/orders-6c9-a', { nodeName: 'k8s-shop-pg1-01-master-1', owner: { kind: 'ReplicaSet', name: 'orders-6c9' }, tolerations: CP })
            .pod('shop/orders-6c9-b', { nodeName: 'k8s-shop-pg1-01-master-2', owner: { kind: 'ReplicaSet', name: 'orders-6c9' }, tolerations: CP })
            .pod('shop/orders-6c9-c', { nodeName: 'k8s-shop-pg1-01-worker-001', owner: { kind: 'ReplicaSet', name: 'orders-6c9' }, tolerations: CP }),
        )
        .build(),
      findings: [
        {
          messageId: 'toleratesControlPlane',
          resource: 'Deployment shop/orders',
          severity: 'medium',
          message: 'Deployment shop/orders in cluster k8s-shop-pg1-01 tolerates the control-plane taint; 2 of 3 of its pods run on control-plane nodes (k8s-shop-pg1-01-master-1, k8s-shop-pg1-01-master-2).',
          evidence: { pods_on_control_plane: 2 },
        },
      ],
    },
    {
      name: 'a toleration not yet used is low; a bare pod tolerating everything on a master is reported too',
      snapshot: fleet()
        .k8s('c', (c) =>
          c
            .node('c-master-1', { taints: taint })
            .workload('StatefulSet', 'data/kafka', { tolerations: [{ key: 'node-role.kubernetes.io/master', operator: 'Exists' }] })
            .pod('ops/debug', { nodeName: 'c-master-1', tolerations: [{ operator: 'Exists' }] }),
        )
        .build(),
      findings: [
        { messageId: 'toleratesControlPlane', resource: 'StatefulSet data/kafka', severity: 'low', message: /0 of 0 of its pods/ },
        { messageId: 'toleratesControlPlane', resource: 'ops/debug', severity: 'medium', message: 'Pod ops/debug in cluster c tolerates the control-plane taint; 1 of 1 of its pods run on control-plane nodes (c-master-1).' },
      ],
    },
  ],
});
