import { fleet } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './pvc-not-bound.js';

const NOW = '2026-02-01T10:00:00Z';

testDetector(detector, {
  valid: [
    { name: 'bound claims and one still provisioning', snapshot: fleet().at(NOW).k8s('c', (c) => c.pvc('data/pg-0', 'Bound', { volumeName: 'pvc-1' }).pvc('data/pg-1', 'Pending', { createdAt: '2026-02-01T09:58:00Z' })).build() },
  ],
  invalid: [
    {
      name: 'k8sgpt: Pending for an hour, and a Lost claim which is high',
      snapshot: fleet()
        .at(NOW)
        .k8s('k8s-shop-pg1-01', (c) => c.pvc('data/kafka-0', 'Pending', { createdAt: '2026-02-01T09:00:00Z', requestedBytes: 100 * 1024 ** 3 }).pvc('data/old', 'Lost', { volumeName: 'pvc-3f2a' }))
        .build(),
      findings: [
        {
          messageId: 'pending',
          resource: 'data/kafka-0',
          severity: 'medium',
          message: 'PersistentVolumeClaim data/kafka-0 in cluster k8s-shop-pg1-01 has been Pending for 1h 0m (storage class csi-cinder, 100.0 GiB).',
        },
        { messageId: 'lost', resource: 'data/old', severity: 'high', message: 'PersistentVolumeClaim data/old in cluster k8s-shop-pg1-01 is Lost: its volume pvc-3f2a no longer exists.' },
      ],
    },
  ],
});
