import { fleet } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './workload-short-of-replicas.js';

testDetector(detector, {
  valid: [
    {
      name: 'everything ready; scaled to zero is not short; ReplicaSets are judged through their Deployment',
      snapshot: fleet()
        .k8s('c', (c) =>
          c
            .workload('Deployment', 'shop/web')
            .workload('Deployment', 'shop/nightly', { desired: 0, ready: 0, available: 0 })
            .workload('ReplicaSet', 'shop/web-old', { desired: 2, ready: 0 })
            .workload('DaemonSet', 'kube-system/kube-proxy', { desired: 5 }),
        )
        .build(),
    },
  ],
  invalid: [
    {
      name: 'k8sgpt: a Deployment 1 of 3 ready is low; a StatefulSet with none ready is medium; a system DaemonSet short is high',
      snapshot: fleet()
        .k8s('k8s-shop-pg1-01', (c) =>
          c
            .workload('Deployment', 'shop/web', { desired: 3, ready: 1, available: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-7d9f" has timed out progressing.' }] })
            .workload('StatefulSet', 'data/kafka', { desired: 3, ready: 0 })
            .workload('DaemonSet', 'kube-system/calico-node', { desired: 5, ready: 4 }),
        )
        .build(),
      findings: [
        { messageId: 'shortOfReplicas', resource: 'Deployment shop/web', severity: 'low', message: 'Deployment shop/web in cluster k8s-shop-pg1-01 has 1 of 3 pods ready.', evidence: { progressing: 'ProgressDeadlineExceeded: ReplicaSet "web-7d9f" has timed out progressing.' } },
        { messageId: 'noneReady', resource: 'StatefulSet data/kafka', severity: 'medium', message: 'StatefulSet data/kafka in cluster k8s-shop-pg1-01 has none of its 3 pods ready.' },
        { messageId: 'shortOfReplicas', resource: 'DaemonSet kube-system/calico-node', severity: 'high' },
      ],
    },
  ],
});
