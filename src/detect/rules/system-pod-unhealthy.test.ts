import { container, fleet } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './system-pod-unhealthy.js';

const NOW = '2026-02-01T10:00:00Z';
const calico = [container('calico-node'), container('install-cni')];

testDetector(detector, {
  valid: [
    {
      name: 'running system pods, a finished Job pod, and an unhealthy app pod outside the system namespaces',
      snapshot: fleet()
        .at(NOW)
        .k8s('c', (c) =>
          c
            .pod('kube-system/coredns-5d78c9869d-abcde', { nodeName: 'w1' })
            .pod('kube-system/etcd-m1', { nodeName: 'm1', staticPod: true, ready: false })
            .pod('kube-system/backup-29012', { phase: 'Succeeded', ready: false })
            .pod('shop/web-1', { phase: 'Failed', ready: false }),
        )
        .build(),
    },
    { name: 'a Pending pod younger than pendingMinutes', snapshot: fleet().at(NOW).k8s('c', (c) => c.pod('kube-system/csi-0', { phase: 'Pending', ready: false, createdAt: '2026-02-01T09:58:00Z' })).build() },
  ],
  invalid: [
    {
      name: 'seed 003: calico-node crash-looping in kube-system, with the -c log command for its container',
      snapshot: fleet()
        .at(NOW)
        .k8s('k8s-shop-pg1-01', (c) =>
          c.pod('kube-system/calico-node-x7k2p', {
            nodeName: 'w3',
            ready: false,
            owner: { kind: 'DaemonSet', name: 'calico-node' },
            containers: calico,
            containerStatuses: [
              { name: 'calico-node', ready: false, restartCount: 12, state: 'waiting', reason: 'CrashLoopBackOff', lastTerminationReason: 'Error', lastExitCode: 1 },
              { name: 'install-cni', ready: true, restartCount: 0, state: 'running' },
            ],
          }),
        )
        .build(),
      findings: [
        {
          messageId: 'systemPodUnhealthy',
          resource: 'kube-system/calico-node-x7k2p',
          severity: 'critical',
          message: 'System pod kube-system/calico-node-x7k2p on node w3 in cluster k8s-shop-pg1-01 is unhealthy: container calico-node is CrashLoopBackOff (restarted 12 times, last run ended Error with exit code 1).',
          evidence: {
            logs: 'kubectl --context k8s-shop-pg1-01 -n kube-system logs calico-node-x7k2p -c calico-node --previous',
            owner: 'DaemonSet/calico-node',
            container: 'calico-node',
            urgency: "system namespace: the cluster's own components",
          },
        },
      ],
    },
    {
      name: 'not ready, Pending too long, Unknown; a ready pod that keeps restarting is medium',
      snapshot: fleet()
        .at(NOW)
        .k8s('c', (c) =>
          c
            .pod('kube-system/coredns-1', { nodeName: 'w1', ready: false, containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: 'running' }] })
            .pod('kube-system/csi-0', { phase: 'Pending', ready: false, createdAt: '2026-02-01T09:00:00Z' })
            .pod('kube-system/kube-proxy-9', { phase: 'Unknown', ready: false, nodeName: 'w2' })
            .pod('kube-system/metrics-1', { nodeName: 'w1', containerStatuses: [{ name: 'app', ready: true, restartCount: 14, state: 'running', lastTerminationReason: 'OOMKilled' }] }),
        )
        .build(),
      findings: [
        { messageId: 'systemPodUnhealthy', resource: 'kube-system/coredns-1', message: /Running but not ready \(container app not ready\)/ },
        { messageId: 'systemPodUnhealthy', resource: 'kube-system/csi-0', message: /Pending for 1h 0m, not scheduled on any node/ },
        { messageId: 'systemPodUnhealthy', resource: 'kube-system/kube-proxy-9', message: /Unknown/ },
        { messageId: 'systemPodUnhealthy', resource: 'kube-system/metrics-1', severity: 'medium', message: /restarted 14 times \(last: OOMKilled\)/ },
      ],
    },
  ],
});
