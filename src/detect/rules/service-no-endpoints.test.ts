import { fleet } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './service-no-endpoints.js';

const podOf = (app: string, ready = true) => ({ labels: { app }, ready, ...(ready ? {} : { containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: 'running' as const }] }) });

testDetector(detector, {
  valid: [
    {
      name: 'a Service with ready endpoints; headless by hand (no selector) and ExternalName are not judged',
      snapshot: fleet()
        .k8s('c', (c) =>
          c
            .service('shop/web')
            .pod('shop/web-1', podOf('web'))
            .endpoints('shop/web', 1)
            .service('shop/legacy-db', { selector: null })
            .service('shop/payments', { type: 'ExternalName', selector: null }),
        )
        .build(),
    },
  ],
  invalid: [
    {
      name: 'detek: a selector that matches no pod',
      snapshot: fleet().k8s('k8s-shop-pg1-01', (c) => c.service('shop/cart', { selector: { app: 'cart', tier: 'api' } }).pod('shop/cart-1', podOf('cart'))).build(),
      findings: [
        {
          messageId: 'noPodsSelected',
          resource: 'shop/cart',
          severity: 'high',
          message: 'Service shop/cart in cluster k8s-shop-pg1-01 has no endpoints: its selector app=cart,tier=api matches no pod.',
          evidence: { selected_pods: 0 },
        },
      ],
    },
    {
      name: 'every backing pod not ready; in kube-system one step more urgent',
      snapshot: fleet()
        .k8s('c', (c) => c.service('kube-system/kube-dns', { selector: { app: 'kube-dns' } }).pod('kube-system/coredns-1', podOf('kube-dns', false)).pod('kube-system/coredns-2', podOf('kube-dns', false)).endpoints('kube-system/kube-dns', 0, 2))
        .build(),
      findings: [
        {
          messageId: 'noneReady',
          severity: 'critical',
          message: 'Service kube-system/kube-dns in cluster c has no ready endpoint: 2 address(es) are not ready (coredns-1 Running not ready, coredns-2 Running not ready).',
          evidence: { not_ready_endpoints: 2, selected_pods: 2 },
        },
      ],
    },
  ],
});
