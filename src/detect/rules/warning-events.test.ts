import { fleet } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './warning-events.js';

const NOW = '2026-02-01T10:00:00Z';

testDetector(detector, {
  valid: [
    {
      name: 'Normal events, old Warnings, and ignored reasons',
      snapshot: fleet()
        .at(NOW)
        .k8s('c', (c) =>
          c
            .event({ type: 'Normal', reason: 'Scheduled', object: 'Pod/web-1' })
            .event({ reason: 'BackOff', object: 'Pod/web-1', lastTimestamp: '2026-02-01T07:00:00Z' })
            .event({ reason: 'DNSConfigForming', object: 'Pod/web-2' }),
        )
        .build(),
      options: { ignoreReasons: ['DNSConfigForming'] },
    },
  ],
  invalid: [
    {
      name: 'seed 003: calico BackOff in kube-system grouped, FailedScheduling in an app namespace',
      snapshot: fleet()
        .at(NOW)
        .k8s('k8s-shop-pg1-01', (c) =>
          c
            .event({ namespace: 'kube-system', reason: 'BackOff', object: 'Pod/calico-node-x7k2p', message: 'Back-off restarting failed container calico-node in pod calico-node-x7k2p', count: 40, lastTimestamp: '2026-02-01T09:59:00Z' })
            .event({ namespace: 'kube-system', reason: 'BackOff', object: 'Pod/calico-node-q2w3e', message: 'Back-off restarting failed container calico-node in pod calico-node-q2w3e', count: 2, lastTimestamp: '2026-02-01T09:30:00Z' })
            .event({ namespace: 'shop', reason: 'FailedScheduling', object: 'Pod/web-3', message: '0/3 nodes are available: 3 Insufficient cpu.' }),
        )
        .build(),
      findings: [
        {
          messageId: 'warnings',
          severity: 'medium',
          message: '42 Warning event(s) BackOff in kube-system of cluster k8s-shop-pg1-01 in the last 60 min, on Pod/calico-node-x7k2p, Pod/calico-node-q2w3e: Back-off restarting failed container calico-node in pod calico-node-x7k2p',
          evidence: { count: 42, reason: 'BackOff' },
        },
        { messageId: 'warnings', severity: 'low', message: /1 Warning event\(s\) FailedScheduling in shop .*Insufficient cpu/ },
      ],
    },
  ],
});
