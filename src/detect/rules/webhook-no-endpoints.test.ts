import { fleet } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './webhook-no-endpoints.js';

testDetector(detector, {
  valid: [
    {
      name: 'a webhook whose Service has ready endpoints; a URL webhook is not judged',
      snapshot: fleet()
        .k8s('c', (c) => c.service('cert-manager/cert-manager-webhook').endpoints('cert-manager/cert-manager-webhook', 1).webhook('cert-manager-webhook', 'cert-manager/cert-manager-webhook').webhook('external', undefined, { url: 'https://policy.example/validate' }))
        .build(),
    },
  ],
  invalid: [
    {
      name: 'k8sgpt: a Fail webhook whose backend is down blocks requests; an Ignore one to a deleted Service is low',
      snapshot: fleet()
        .k8s('k8s-shop-pg1-01', (c) =>
          c
            .service('gatekeeper-system/gatekeeper-webhook-service')
            .endpoints('gatekeeper-system/gatekeeper-webhook-service', 0, 2)
            .webhook('gatekeeper-validating-webhook-configuration', 'gatekeeper-system/gatekeeper-webhook-service', { name: 'validation.gatekeeper.sh' })
            .webhook('istio-sidecar-injector', 'istio-system/istiod', { kind: 'mutating', name: 'sidecar-injector.istio.io', failurePolicy: 'Ignore' }),
        )
        .build(),
      findings: [
        {
          messageId: 'noReadyEndpoints',
          severity: 'high',
          message: 'Admission webhook validation.gatekeeper.sh (validating, failurePolicy Fail) in cluster k8s-shop-pg1-01 calls Service gatekeeper-system/gatekeeper-webhook-service, which has no ready endpoint: the API server rejects every request the webhook matches.',
          evidence: { ready_endpoints: 0, failure_policy: 'Fail' },
        },
        { messageId: 'serviceMissing', severity: 'low', message: /sidecar-injector\.istio\.io \(mutating, failurePolicy Ignore\) .* istio-system\/istiod, which does not exist: requests pass without the webhook/ },
      ],
    },
  ],
});
