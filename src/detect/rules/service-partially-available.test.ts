import { fleet } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './service-partially-available.js';

testDetector(detector, {
  valid: [
    { name: 'all endpoints ready; none ready is service-no-endpoints\' case', snapshot: fleet().k8s('c', (c) => c.service('shop/web').endpoints('shop/web', 3).service('shop/cart').endpoints('shop/cart', 0, 2)).build() },
  ],
  invalid: [
    {
      name: 'detek: two of three ready, the not-ready one named with its node',
      snapshot: fleet()
        .k8s('k8s-shop-pg1-01', (c) => c.service('shop/web').endpoints('shop/web', [{ ip: '10.244.1.5', pod: 'web-1' }, { ip: '10.244.2.5', pod: 'web-2' }], [{ ip: '10.244.3.5', pod: 'web-3', nodeName: 'w3' }]))
        .build(),
      findings: [
        {
          messageId: 'partiallyAvailable',
          resource: 'shop/web',
          severity: 'medium',
          message: 'Service shop/web in cluster k8s-shop-pg1-01 is partially available: 2 of 3 endpoints ready; not ready: web-3 on w3.',
          evidence: { ready_endpoints: 2, not_ready_endpoints: 1 },
        },
      ],
    },
  ],
});
