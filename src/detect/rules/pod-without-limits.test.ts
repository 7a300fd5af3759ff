import { container, fleet } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './pod-without-limits.js';

testDetector(detector, {
  valid: [
    { name: 'limits set', snapshot: fleet().k8s('c', (c) => c.pod('shop/web-1')).build() },
    { name: 'memory limit only, when only memory is required', snapshot: fleet().k8s('c', (c) => c.pod('shop/web-1', { containers: [container('app', { limits: { memoryBytes: 1 << 30 } })] })).build(), options: { resources: ['memory'] } },
  ],
  invalid: [
    {
      name: 'detek: a StatefulSet without a memory limit',
      snapshot: fleet()
        .k8s('c', (c) => c.workload('StatefulSet', 'data/redis').pod('data/redis-0', { owner: { kind: 'StatefulSet', name: 'redis' }, containers: [container('redis', { limits: { cpuMillicores: 1000 } })] }))
        .build(),
      findings: [{ messageId: 'noLimits', resource: 'StatefulSet data/redis', message: 'StatefulSet data/redis in cluster c runs 1 pod(s) whose containers set no limits: redis: memory.', evidence: { pods: 1 } }],
    },
  ],
});
