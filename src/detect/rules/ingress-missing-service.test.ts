import { fleet } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './ingress-missing-service.js';

testDetector(detector, {
  valid: [{ name: 'every backend exists', snapshot: fleet().k8s('c', (c) => c.service('shop/web').service('shop/api').ingress('shop/main', ['web', 'api'])).build() }],
  invalid: [
    {
      name: 'k8sgpt: a route to a renamed Service; a Service of the same name in another namespace does not count',
      snapshot: fleet()
        .k8s('k8s-shop-pg1-01', (c) =>
          c
            .service('shop/web')
            .service('search/catalog')
            .ingress('shop/main', [], { backends: [{ service: 'web', port: 80, host: 'shop.example.com', path: '/' }, { service: 'catalog', port: 80, host: 'shop.example.com', path: '/catalog' }] })
            .ingress('shop/fallback', ['gone']),
        )
        .build(),
      findings: [
        {
          messageId: 'missingService',
          resource: 'shop/main',
          message: 'Ingress shop/main in cluster k8s-shop-pg1-01 sends shop.example.com/catalog to Service catalog, which does not exist in namespace shop.',
        },
        { messageId: 'missingService', resource: 'shop/fallback', message: /sends its default backend to Service gone/ },
      ],
    },
  ],
});
