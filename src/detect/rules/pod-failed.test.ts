import { fleet } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './pod-failed.js';

testDetector(detector, {
  valid: [
    {
      name: 'running pods, a failed Job attempt (job-failed judges the Job), a failed system pod (system-pod-unhealthy)',
      snapshot: fleet()
        .k8s('c', (c) =>
          c
            .workload('Job', 'shop/import-1', { owner: { kind: 'CronJob', name: 'import' } })
            .pod('shop/web-1')
            .pod('shop/import-1-x9', { phase: 'Failed', ready: false, owner: { kind: 'Job', name: 'import-1' } })
            .pod('kube-system/coredns-1', { phase: 'Failed', ready: false }),
        )
        .build(),
    },
  ],
  invalid: [
    {
      name: 'an evicted pod names the reason and the node',
      snapshot: fleet()
        .k8s('k8s-shop-pg1-01', (c) =>
          c.pod('shop/web-7d9f-abcde', { phase: 'Failed', ready: false, nodeName: 'w2', reason: 'Evicted', message: 'The node was low on resource: ephemeral-storage.', owner: { kind: 'ReplicaSet', name: 'web-7d9f' } }).workload('ReplicaSet', 'shop/web-7d9f', { owner: { kind: 'Deployment', name: 'web' } }),
        )
        .build(),
      findings: [
        {
          messageId: 'podFailed',
          severity: 'medium',
          message: 'Pod shop/web-7d9f-abcde in cluster k8s-shop-pg1-01 failed (Evicted: The node was low on resource: ephemeral-storage.) on node w2.',
          evidence: { owner: 'Deployment/web', reason: 'Evicted' },
        },
      ],
    },
    {
      name: 'a bare pod whose container was OOM-killed',
      snapshot: fleet().k8s('c', (c) => c.pod('batch/once', { phase: 'Failed', ready: false, containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: 'terminated', reason: 'OOMKilled', exitCode: 137 }] })).build(),
      findings: [{ messageId: 'podFailed', message: 'Pod batch/once in cluster c failed (OOMKilled, exit code 137).' }],
    },
  ],
});
