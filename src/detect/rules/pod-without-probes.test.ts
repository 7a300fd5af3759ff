import { container, fleet } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './pod-without-probes.js';

const noProbes = container('app', { probes: { liveness: false, readiness: false, startup: false } });

testDetector(detector, {
  valid: [
    {
      name: 'probes declared; a worker without probes behind no Service is not judged',
      snapshot: fleet()
        .k8s('c', (c) => c.service('shop/web').pod('shop/web-1', { labels: { app: 'web' } }).pod('shop/queue-worker-1', { labels: { app: 'queue-worker' }, containers: [noProbes] }))
        .build(),
    },
    {
      name: 'only readiness required',
      snapshot: fleet().k8s('c', (c) => c.service('shop/web').pod('shop/web-1', { labels: { app: 'web' }, containers: [container('app', { probes: { liveness: false, readiness: true, startup: false } })] })).build(),
      options: { probes: ['readiness'] },
    },
    {
      name: 'an Istio sidecar with a readiness probe only is the mesh\'s to judge',
      snapshot: fleet()
        .k8s('c', (c) => c.service('shop/web').pod('shop/web-1', { labels: { app: 'web' }, containers: [container('app'), container('istio-proxy', { probes: { liveness: false, readiness: true, startup: false } })] }))
        .build(),
    },
  ],
  invalid: [
    {
      name: 'detek: a Deployment behind a Service whose container has no probes',
      snapshot: fleet()
        .k8s('k8s-shop-pg1-01', (c) =>
          c
            .service('shop/cart')
            .workload('Deployment', 'shop/cart')
            .workload('ReplicaSet', 'shop/cart-5b', { owner: { kind: 'Deployment', name: 'cart' } })
            .pod('shop/cart-5b-a', { labels: { app: 'cart' }, owner: { kind: 'ReplicaSet', name: 'cart-5b' }, containers: [noProbes, container('envoy')] }),
        )
        .build(),
      findings: [
        {
          messageId: 'noProbes',
          resource: 'Deployment shop/cart',
          message: 'Deployment shop/cart in cluster k8s-shop-pg1-01 serves Service shop/cart but its containers lack probes: app: no readiness probe, no liveness probe.',
        },
      ],
    },
    {
      name: 'a bare pod with only a liveness probe',
      snapshot: fleet().k8s('c', (c) => c.service('ops/admin', { selector: { app: 'admin' } }).pod('ops/admin', { labels: { app: 'admin' }, containers: [container('ui', { probes: { liveness: true, readiness: false, startup: false } })] })).build(),
      findings: [{ messageId: 'noProbes', resource: 'ops/admin', message: 'Pod ops/admin in cluster c serves Service ops/admin but its containers lack probes: ui: no readiness probe.' }],
    },
  ],
});
