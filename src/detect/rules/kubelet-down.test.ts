import { fleet } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './kubelet-down.js';

const NOW = '2026-02-01T10:00:00Z';
const b = () => fleet().at(NOW).region('pg1').server('k8s-a-worker-1', { region: 'pg1' }).server('k8s-a-worker-2', { region: 'pg1' });

testDetector(detector, {
  valid: [
    {
      name: 'kubelet active and a Lease renewed seconds ago',
      snapshot: b().hostFacts('k8s-a-worker-1', { services: { kubelet: 'active' } }).k8s('k8s-a', (c) => c.node('k8s-a-worker-1', { server: 'k8s-a-worker-1', lastHeartbeat: '2026-02-01T09:59:50Z' })).build(),
    },
    {
      name: 'a cluster whose Leases were not listed is judged by host facts only',
      snapshot: b().k8s('k8s-a', (c) => c.node('k8s-a-worker-1', { lastHeartbeat: '2026-01-01T00:00:00Z' }), { collection: { status: 'partial', unlisted: ['leases'], warnings: [] } }).build(),
    },
    {
      name: 'a stale Lease of a node whose VM is SHUTOFF is node-not-ready\'s finding, not a kubelet one',
      snapshot: fleet().at(NOW).server('w-off', { status: 'SHUTOFF' }).k8s('k8s-a', (c) => c.node('w-off', { server: 'w-off', lastHeartbeat: '2026-02-01T08:00:00Z' })).build(),
    },
  ],
  invalid: [
    {
      name: 'seed 003: kubelet inactive after an unexpected reboot, with the reboot in evidence',
      snapshot: b()
        .hostFacts('k8s-a-worker-1', { services: { kubelet: 'inactive', containerd: 'active' }, reboots: [{ time: '2026-02-01T08:12:00Z' }] })
        .k8s('k8s-a', (c) => c.node('k8s-a-worker-1', { server: 'k8s-a-worker-1', lastHeartbeat: '2026-02-01T08:11:00Z' }))
        .build(),
      findings: [
        {
          messageId: 'kubeletInactive',
          resource: 'k8s-a-worker-1',
          severity: 'high',
          message: 'kubelet is inactive on node k8s-a-worker-1 in cluster k8s-a; the node cannot run or report pods until it is started.',
          evidence: { kubelet: 'inactive', last_reboot: '2026-02-01T08:12:00Z', server: 'k8s-a-worker-1' },
        },
      ],
    },
    {
      name: 'a Lease older than staleSeconds, and a node with no Lease at all',
      snapshot: b().k8s('k8s-a', (c) => c.node('k8s-a-worker-1', { lastHeartbeat: '2026-02-01T09:55:00Z' }).node('k8s-a-worker-2', { lastHeartbeat: null })).build(),
      options: { staleSeconds: 60 },
      findings: [
        { messageId: 'heartbeatStale', resource: 'k8s-a-worker-1', message: 'Node k8s-a-worker-1 in cluster k8s-a last renewed its Lease 5m ago (limit 60s): kubelet is down or cannot reach the API server.' },
        { messageId: 'leaseMissing', resource: 'k8s-a-worker-2' },
      ],
    },
  ],
});
