import { container, fleet } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './pod-crashloop.js';

const loop = (name: string, restartCount: number, lastTerminationReason?: string, lastExitCode?: number) => ({
  name,
  ready: false,
  restartCount,
  state: 'waiting' as const,
  reason: 'CrashLoopBackOff',
  ...(lastTerminationReason ? { lastTerminationReason } : {}),
  ...(lastExitCode !== undefined ? { lastExitCode } : {}),
});

testDetector(detector, {
  valid: [
    {
      name: 'running pods; an image pull error is not a crash loop; kube-system is left to system-pod-unhealthy',
      snapshot: fleet()
        .k8s('c', (c) =>
          c
            .pod('shop/web-1')
            .pod('shop/web-2', { ready: false, containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: 'waiting', reason: 'ImagePullBackOff' }] })
            .pod('kube-system/calico-node-1', { ready: false, containerStatuses: [loop('calico-node', 9)] }),
        )
        .build(),
    },
  ],
  invalid: [
    {
      name: 'an OOM-killed container crash-looping; the log command names the container of a two-container pod',
      snapshot: fleet()
        .k8s('c', (c) =>
          c.pod('shop/api-5f-abc', {
            ready: false,
            containers: [container('api'), container('envoy')],
            containerStatuses: [loop('api', 7, 'OOMKilled', 137), { name: 'envoy', ready: true, restartCount: 0, state: 'running' }],
            owner: { kind: 'ReplicaSet', name: 'api-5f' },
          }),
        )
        .build(),
      findings: [
        {
          messageId: 'crashLoop',
          message: 'Container api of pod shop/api-5f-abc in cluster c is crash-looping: restarted 7 times, last run ended OOMKilled with exit code 137.',
          evidence: { logs: 'kubectl --context c -n shop logs api-5f-abc -c api --previous', last_exit_code: 137, owner: 'ReplicaSet/api-5f' },
        },
      ],
    },
    {
      name: 'a dev cluster gets devSeverity',
      snapshot: fleet().region('d', 'dev').server('w1', { region: 'd' }).k8s('dev', (c) => c.node('w1', { server: 'w1' }).pod('app/x', { ready: false, containerStatuses: [loop('app', 3)] })).build(),
      findings: [{ messageId: 'crashLoop', severity: 'low', message: /last run ended for an unrecorded reason/ }],
    },
  ],
});
