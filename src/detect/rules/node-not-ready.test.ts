import { fleet, type FleetBuilder } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './node-not-ready.js';

const NOW = '2026-02-01T10:00:00Z';
const HOUR_AGO = '2026-02-01T09:00:00Z';

function base(zone: 'prod' | 'dev' = 'prod'): FleetBuilder {
  return fleet()
    .at(NOW)
    .region('pg1', zone)
    .hypervisor('krane-pg1-com902.pg1.example', { host: 'krane-pg1-com902', region: 'pg1' })
    .server('k8s-shop-pg1-01-master-1', { on: 'krane-pg1-com902', region: 'pg1' })
    .server('k8s-shop-pg1-01-worker-001', { on: 'krane-pg1-com902', region: 'pg1' })
    .server('k8s-shop-pg1-01-worker-002', { on: 'krane-pg1-com902', region: 'pg1', status: 'SHUTOFF', vmState: 'stopped', powerState: 4 });
}

const notReady = (status: 'False' | 'Unknown', reason: string, since = HOUR_AGO) => ({
  conditions: [{ type: 'Ready', status, reason, lastTransitionTime: since, lastHeartbeatTime: since }],
  lastHeartbeat: since,
});

testDetector(detector, {
  valid: [
    {
      name: 'all nodes Ready',
      snapshot: base().k8s('k8s-shop-pg1-01', (c) => c.node('k8s-shop-pg1-01-master-1', { server: 'k8s-shop-pg1-01-master-1' }).node('k8s-shop-pg1-01-worker-001', { server: 'k8s-shop-pg1-01-worker-001' })).build(),
    },
    {
      name: 'a node NotReady for less than minMinutes is still joining',
      snapshot: base().k8s('k8s-shop-pg1-01', (c) => c.node('k8s-shop-pg1-01-worker-001', { server: 'k8s-shop-pg1-01-worker-001', ...notReady('False', 'KubeletNotReady', '2026-02-01T09:58:00Z') })).build(),
      options: { minMinutes: 5 },
    },
    {
      name: 'a cluster that could not be read is not judged (and the engine says so)',
      snapshot: base().k8s('k8s-a', (c) => c.node('n1')).k8s('k8s-b', (c) => c.node('n2', notReady('Unknown', 'NodeStatusUnknown')), { collection: { status: 'failed', error: 'connect ECONNREFUSED', unlisted: [], warnings: [] } }).build(),
    },
  ],
  invalid: [
    {
      name: 'seed 002: a node NotReady because its VM went SHUTOFF names the server, its state and hypervisor',
      snapshot: base().k8s('k8s-shop-pg1-01', (c) => c.node('k8s-shop-pg1-01-worker-001', { server: 'k8s-shop-pg1-01-worker-001' }).node('k8s-shop-pg1-01-worker-002', { server: 'k8s-shop-pg1-01-worker-002', ...notReady('Unknown', 'NodeStatusUnknown') })).build(),
      findings: [
        {
          messageId: 'notReadyOnServer',
          resource: 'k8s-shop-pg1-01-worker-002',
          severity: 'high',
          message:
            'Node k8s-shop-pg1-01-worker-002 in cluster k8s-shop-pg1-01 is not Ready (Ready=Unknown, NodeStatusUnknown) for 1h 0m; its server k8s-shop-pg1-01-worker-002 is SHUTOFF on hypervisor krane-pg1-com902.pg1.example (the VM is SHUTOFF, so kubelet cannot report).',
          evidence: { server: 'k8s-shop-pg1-01-worker-002', status: 'SHUTOFF', hypervisor: 'krane-pg1-com902.pg1.example', zone: 'prod', ready: 'Unknown' },
        },
      ],
    },
    {
      name: 'a control-plane node is one step more urgent; kubelet inactive on a running VM is the cause given',
      snapshot: base()
        .hostFacts('k8s-shop-pg1-01-master-1', { services: { kubelet: 'inactive', containerd: 'active' } })
        .k8s('k8s-shop-pg1-01', (c) => c.node('k8s-shop-pg1-01-master-1', { server: 'k8s-shop-pg1-01-master-1', ...notReady('False', 'KubeletNotReady') }))
        .build(),
      findings: [{ messageId: 'notReadyOnServer', severity: 'critical', message: /kubelet is inactive on it/, evidence: { role: 'control-plane' } }],
    },
    {
      name: 'falls back to the node name, then to its address, when providerID is absent',
      snapshot: base()
        .k8s('k8s-shop-pg1-01', (c) =>
          c
            .node('k8s-shop-pg1-01-worker-001', notReady('False', 'KubeletNotReady'))
            .node('ip-10-0-0-2', { internalIp: '10.0.0.2', ...notReady('False', 'KubeletNotReady') }),
        )
        .build(),
      findings: [
        { messageId: 'notReadyOnServer', resource: 'k8s-shop-pg1-01-worker-001', evidence: { server: 'k8s-shop-pg1-01-worker-001' } },
        { messageId: 'notReadyOnServer', resource: 'ip-10-0-0-2', message: /its server k8s-shop-pg1-01-master-1 is ACTIVE/ },
      ],
    },
    {
      name: 'a node no server matches is reported as unmapped; a dev cluster gets devSeverity',
      snapshot: base('dev').k8s('k8s-dev', (c) => c.node('k8s-dev-worker-1', { server: 'k8s-shop-pg1-01-worker-001' }).node('edge-1', notReady('False', 'KubeletNotReady'))).build(),
      options: { devSeverity: 'low' },
      findings: [{ messageId: 'notReadyUnmapped', resource: 'edge-1', severity: 'low', evidence: { zone: 'dev', server: null } }],
    },
  ],
});
