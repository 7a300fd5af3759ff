import { z } from 'zod';
import { SEVERITIES } from '../../core/severity.js';
import { defineDetector, type RawFinding } from '../define.js';
import { judgedClusters } from '../inputs.js';
import { clusterUrgency, kubectl, serviceRef, systemNamespacesOption } from '../kubernetes.js';
import { listNames } from '../resources.js';

type Messages = 'partiallyAvailable';

export default defineDetector({
  id: 'service-partially-available',
  title: 'Service partially available',
  layer: 'kubernetes',
  severity: 'medium',
  description: 'Finds Services with both ready and not-ready endpoints.',
  explanation:
    'A Service with some endpoints not ready still answers, on fewer pods: capacity is reduced, one more failure takes ' +
    'it down, and a rollout may be stuck on the pods that never become ready. The not-ready addresses and their nodes ' +
    'often point at one bad node.',
  requires: ['kubernetes'],
  uses: ['servers', 'regions'],
  kubernetesKinds: ['services', 'endpointSlices'],
  messages: {
    partiallyAvailable: 'Service {{service}} in cluster {{cluster}} is partially available: {{ready}} of {{total}} endpoints ready; not ready: {{notReady}}.',
  },
  options: z.object({
    systemNamespaces: systemNamespacesOption,
    devSeverity: z.enum(SEVERITIES).default('low').describe('severity for clusters in a dev zone'),
  }),
  remediation: {
    steps: [
      'See which: `kubectl -n <ns> get endpointslices -l kubernetes.io/service-name=<service> -o wide`.',
      'For each not-ready pod: `kubectl -n <ns> describe pod <pod>` (readiness probe, node) and its log; several on one node point at the node.',
    ],
  },
  source: 'catalog §3 Kubernetes layer (service-partially-available); detek (partially available Service)',
  detect({ snapshot, index, options }) {
    const out: RawFinding<Messages>[] = [];
    const system = new Set(options.systemNamespaces);
    for (const cluster of judgedClusters(snapshot, ['services', 'endpointSlices'])) {
      const services = new Map(cluster.services.map((s) => [`${s.namespace}/${s.name}`, s]));
      for (const ep of cluster.endpoints) {
        if (ep.ready.length === 0 || ep.notReady.length === 0) continue;
        const svc = services.get(`${ep.namespace}/${ep.service}`);
        if (!svc) continue;
        const urgency = clusterUrgency(index, cluster, 'medium', options.devSeverity, system.has(ep.namespace));
        const notReady = ep.notReady.map((a) => `${a.pod ?? a.ip}${a.nodeName ? ` on ${a.nodeName}` : ''}`);
        out.push({
          messageId: 'partiallyAvailable',
          data: { service: `${ep.namespace}/${ep.service}`, cluster: cluster.name, ready: ep.ready.length, total: ep.ready.length + ep.notReady.length, notReady: listNames(notReady, 5) },
          resource: serviceRef(cluster, svc),
          severity: urgency.severity,
          evidence: [
            { label: 'ready_endpoints', value: ep.ready.length, source: 'endpointslices' },
            { label: 'not_ready_endpoints', value: ep.notReady.length, source: 'endpointslices' },
            { label: 'not_ready', value: listNames(notReady), source: 'endpointslices' },
            { label: 'read', value: kubectl(cluster, `-n ${ep.namespace} get endpointslices -l kubernetes.io/service-name=${ep.service} -o wide`), source: 'command' },
            ...urgency.evidence,
          ],
        });
      }
    }
    return out;
  },
});
