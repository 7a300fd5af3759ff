import { z } from 'zod';
import { SEVERITIES } from '../../core/severity.js';
import { defineDetector, type RawFinding } from '../define.js';
import { judgedClusters } from '../inputs.js';
import { clusterUrgency, kubectl, podsOfService, serviceRef, systemNamespacesOption } from '../kubernetes.js';
import { listNames } from '../resources.js';

type Messages = 'noPodsSelected' | 'noneReady';

export default defineDetector({
  id: 'service-no-endpoints',
  title: 'Service with no ready endpoints',
  layer: 'kubernetes',
  severity: 'high',
  description: 'Finds Services with a selector that have no ready endpoint: no pod matches, or none of the matching pods is ready.',
  explanation:
    'A Service without a ready endpoint refuses or drops every connection while its name still resolves, so clients see ' +
    'timeouts rather than a clear error. Either the selector matches no pod (a label typo, a workload scaled to zero or ' +
    'deleted) or every backing pod fails its readiness probe.',
  requires: ['kubernetes'],
  uses: ['servers', 'regions'],
  kubernetesKinds: ['services', 'endpointSlices', 'pods'],
  messages: {
    noPodsSelected: 'Service {{service}} in cluster {{cluster}} has no endpoints: its selector {{selector}} matches no pod.',
    noneReady: 'Service {{service}} in cluster {{cluster}} has no ready endpoint: {{notReady}} address(es) are not ready ({{pods}}).',
  },
  options: z.object({
    systemNamespaces: systemNamespacesOption,
    devSeverity: z.enum(SEVERITIES).default('medium').describe('severity for clusters in a dev zone'),
  }),
  remediation: {
    steps: [
      'See the endpoints: `kubectl -n <ns> get endpointslices -l kubernetes.io/service-name=<service>`.',
      'Compare the selector with the pods\' labels: `kubectl -n <ns> get svc <service> -o jsonpath={.spec.selector}` and `kubectl -n <ns> get pods --show-labels`.',
      'Pods present but not ready: `kubectl -n <ns> describe pod <pod>` (readiness probe failures) and the pod\'s log.',
    ],
  },
  source: 'catalog §3 Kubernetes layer (service-no-endpoints); detek (Service with no available target)',
  detect({ snapshot, index, options }) {
    const out: RawFinding<Messages>[] = [];
    const system = new Set(options.systemNamespaces);
    for (const cluster of judgedClusters(snapshot, ['services', 'endpointSlices', 'pods'])) {
      const eps = new Map(cluster.endpoints.map((e) => [`${e.namespace}/${e.service}`, e]));
      for (const svc of cluster.services) {
        if (svc.type === 'ExternalName' || !svc.selector || Object.keys(svc.selector).length === 0) continue;
        const ep = eps.get(`${svc.namespace}/${svc.name}`);
        if ((ep?.ready.length ?? 0) > 0) continue;
        const pods = podsOfService(cluster, svc);
        const urgency = clusterUrgency(index, cluster, 'high', options.devSeverity, system.has(svc.namespace));
        const selector = Object.entries(svc.selector).map(([k, v]) => `${k}=${v}`).join(',');
        const evidence = [
          { label: 'selector', value: selector, source: 'kubernetes' },
          { label: 'ready_endpoints', value: 0, source: 'endpointslices' },
          { label: 'not_ready_endpoints', value: ep?.notReady.length ?? 0, source: 'endpointslices' },
          { label: 'selected_pods', value: pods.length, source: 'kubernetes' },
          { label: 'read', value: kubectl(cluster, `-n ${svc.namespace} get endpointslices -l kubernetes.io/service-name=${svc.name}`), source: 'command' },
          ...urgency.evidence,
        ];
        if (pods.length === 0 && (ep?.notReady.length ?? 0) === 0) {
          out.push({ messageId: 'noPodsSelected', data: { service: `${svc.namespace}/${svc.name}`, cluster: cluster.name, selector }, resource: serviceRef(cluster, svc), severity: urgency.severity, evidence });
          continue;
        }
        const names = pods.map((p) => `${p.name} ${p.phase}${p.ready ? '' : ' not ready'}`);
        out.push({
          messageId: 'noneReady',
          data: { service: `${svc.namespace}/${svc.name}`, cluster: cluster.name, notReady: ep?.notReady.length ?? 0, pods: names.length ? listNames(names, 5) : 'no pod matches the selector any more' },
          resource: serviceRef(cluster, svc),
          severity: urgency.severity,
          evidence,
        });
      }
    }
    return out;
  },
});
