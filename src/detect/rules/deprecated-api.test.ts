import { fleet } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './deprecated-api.js';

testDetector(detector, {
  valid: [
    {
      name: 'current APIs only; a removal far beyond the cluster\'s version is not reported yet',
      snapshot: fleet()
        .k8s('c', (c) => c.apiUsage({ group: 'apps', version: 'v1', resource: 'deployments', requests: 900 }).apiUsage({ group: 'flowcontrol.apiserver.k8s.io', version: 'v1beta3', resource: 'flowschemas', requests: 3 }), { serverVersion: 'v1.28.5' })
        .build(),
    },
  ],
  invalid: [
    {
      name: 'detek: batch/v1beta1 CronJobs on 1.24 break at the 1.25 upgrade; PSP already removed on 1.25',
      snapshot: fleet()
        .k8s('k8s-shop-pg1-01', (c) => c.apiUsage({ group: 'batch', version: 'v1beta1', resource: 'cronjobs', requests: 42 }), { serverVersion: 'v1.24.17' })
        .k8s('k8s-data-pg1-02', (c) => c.apiUsage({ group: 'policy', version: 'v1beta1', resource: 'podsecuritypolicies', objects: 3 }), { serverVersion: 'v1.25.2' })
        .build(),
      findings: [
        {
          messageId: 'deprecatedApiInUse',
          severity: 'medium',
          message: 'batch/v1beta1 cronjobs is still used in cluster k8s-shop-pg1-01 (42 request(s)) and is removed in Kubernetes 1.25; move to batch/v1 before upgrading from v1.24.17.',
        },
        { messageId: 'removedApiInUse', severity: 'high', message: /policy\/v1beta1 podsecuritypolicies .* \(3 stored object\(s\)\) .* Kubernetes 1\.25, which this cluster already runs \(v1\.25\.2\); use Pod Security Admission/ },
      ],
    },
    {
      name: 'an API the table does not know, from the apiserver\'s removed_release label; unknown cluster version reports it',
      snapshot: fleet().k8s('c', (c) => c.apiUsage({ group: 'example.io', version: 'v1alpha1', resource: 'widgets', requests: 1, removedRelease: '1.40' })).build(),
      findings: [{ messageId: 'deprecatedApiInUse', severity: 'low', evidence: { removed_in: '1.40' }, message: /move to the API's current version before upgrading from an unknown version/ }],
    },
  ],
});
