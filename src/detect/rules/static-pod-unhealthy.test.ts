import { fleet } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './static-pod-unhealthy.js';

const NOW = '2026-02-01T10:00:00Z';

testDetector(detector, {
  valid: [
    { name: 'healthy mirror pods; a crash-looping ordinary pod is not a static pod', snapshot: fleet().at(NOW).k8s('c', (c) => c.pod('kube-system/etcd-m1', { nodeName: 'm1', staticPod: true }).pod('kube-system/coredns-1', { ready: false })).build() },
  ],
  invalid: [
    {
      name: 'seed 003: kube-apiserver mirror pod not ready, fixed from its manifest',
      snapshot: fleet()
        .at(NOW)
        .k8s('k8s-shop-pg1-01', (c) =>
          c.pod('kube-system/kube-apiserver-k8s-shop-pg1-01-master-1', {
            nodeName: 'k8s-shop-pg1-01-master-1',
            staticPod: true,
            ready: false,
            containerStatuses: [{ name: 'kube-apiserver', ready: false, restartCount: 31, state: 'waiting', reason: 'CrashLoopBackOff', lastTerminationReason: 'Error', lastExitCode: 1 }],
          }),
        )
        .build(),
      findings: [
        {
          messageId: 'staticPodUnhealthy',
          severity: 'critical',
          message:
            'Static pod kube-system/kube-apiserver-k8s-shop-pg1-01-master-1 on control-plane node k8s-shop-pg1-01-master-1 in cluster k8s-shop-pg1-01 is unhealthy: container kube-apiserver is CrashLoopBackOff (restarted 31 times, last run ended Error with exit code 1). It is run from /etc/kubernetes/manifests/kube-apiserver.yaml on the node, not through kubectl.',
          evidence: { manifest: '/etc/kubernetes/manifests/kube-apiserver.yaml', restarts: 31 },
        },
      ],
    },
    {
      name: 'etcd Running but not ready',
      snapshot: fleet().at(NOW).k8s('c', (c) => c.pod('kube-system/etcd-m2', { nodeName: 'm2', staticPod: true, ready: false })).build(),
      findings: [{ messageId: 'staticPodUnhealthy', message: /etcd-m2 .* Running but not ready .*\/etc\/kubernetes\/manifests\/etcd\.yaml/ }],
    },
  ],
});
