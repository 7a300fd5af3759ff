import { container, fleet } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './pod-without-requests.js';

const bare = container('app', { requests: {} });

testDetector(detector, {
  valid: [
    {
      name: 'requests set; kube-system, static and finished pods are not judged by default',
      snapshot: fleet()
        .k8s('c', (c) =>
          c
            .pod('shop/web-1')
            .pod('kube-system/kube-proxy-1', { containers: [bare] })
            .pod('shop/etcd-x', { staticPod: true, containers: [bare] })
            .pod('shop/job-1', { phase: 'Succeeded', containers: [bare] }),
        )
        .build(),
    },
    { name: 'only cpu required', snapshot: fleet().k8s('c', (c) => c.pod('shop/w', { containers: [container('app', { requests: { cpuMillicores: 100 } })] })).build(), options: { resources: ['cpu'] } },
  ],
  invalid: [
    {
      name: 'detek: a Deployment\'s pods without requests are one finding for the Deployment',
      snapshot: fleet()
        .k8s('k8s-shop-pg1-01', (c) =>
          c
            .workload('Deployment', 'shop/web')
            .workload('ReplicaSet', 'shop/web-7d9f', { owner: { kind: 'Deployment', name: 'web' } })
            .pod('shop/web-7d9f-a', { owner: { kind: 'ReplicaSet', name: 'web-7d9f' }, containers: [bare, container('envoy', { requests: { cpuMillicores: 100 } })] })
            .pod('shop/web-7d9f-b', { owner: { kind: 'ReplicaSet', name: 'web-7d9f' }, containers: [bare, container('envoy', { requests: { cpuMillicores: 100 } })] }),
        )
        .build(),
      findings: [
        {
          messageId: 'noRequests',
          resource: 'Deployment shop/web',
          severity: 'low',
          message: 'Deployment shop/web in cluster k8s-shop-pg1-01 runs 2 pod(s) whose containers set no requests: app: cpu, memory, envoy: memory.',
        },
      ],
    },
    {
      name: 'includeSystemNamespaces judges kube-system too',
      snapshot: fleet().k8s('c', (c) => c.pod('kube-system/kube-proxy-1', { containers: [bare] })).build(),
      options: { includeSystemNamespaces: true },
      findings: [{ messageId: 'noRequests', resource: 'kube-system/kube-proxy-1', message: /Pod kube-system\/kube-proxy-1/ }],
    },
  ],
});
