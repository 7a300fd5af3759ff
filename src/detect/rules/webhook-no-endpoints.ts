import { z } from 'zod';
import { SEVERITIES } from '../../core/severity.js';
import { defineDetector, type RawFinding } from '../define.js';
import { judgedClusters } from '../inputs.js';
import { clusterUrgency, kubectl, objectRef } from '../kubernetes.js';

type Messages = 'serviceMissing' | 'noReadyEndpoints';

export default defineDetector({
  id: 'webhook-no-endpoints',
  title: 'Admission webhook whose Service has no endpoints',
  layer: 'kubernetes',
  severity: 'high',
  description: 'Finds validating and mutating admission webhooks whose Service is missing or has no ready endpoint.',
  explanation:
    'The API server calls admission webhooks on every matching create and update. When the webhook\'s Service has no ' +
    'ready endpoint and its failure policy is Fail, those requests are rejected: Deployments do not roll, pods are not ' +
    'created, and the errors name the webhook rather than the cause. With policy Ignore the requests pass without the ' +
    'webhook\'s checks or mutations.',
  requires: ['kubernetes'],
  uses: ['servers', 'regions'],
  kubernetesKinds: ['admissionWebhooks', 'services', 'endpointSlices'],
  messages: {
    serviceMissing: 'Admission webhook {{webhook}} ({{kind}}, failurePolicy {{policy}}) in cluster {{cluster}} calls Service {{service}}, which does not exist{{effect}}.',
    noReadyEndpoints: 'Admission webhook {{webhook}} ({{kind}}, failurePolicy {{policy}}) in cluster {{cluster}} calls Service {{service}}, which has no ready endpoint{{effect}}.',
  },
  options: z.object({
    ignoreSeverity: z.enum(SEVERITIES).default('low').describe('severity for webhooks with failurePolicy Ignore'),
    devSeverity: z.enum(SEVERITIES).default('medium').describe('severity for Fail webhooks in a dev zone'),
  }),
  remediation: {
    steps: [
      'See the webhook: `kubectl get validatingwebhookconfiguration,mutatingwebhookconfiguration <name> -o yaml` (clientConfig.service, failurePolicy, rules).',
      'Bring its backend back: `kubectl -n <ns> get pods,endpointslices -l <selector of the Service>` and the pods\' logs.',
      'If the backend is gone for good and requests are blocked, remove the webhook configuration (`kubectl delete validatingwebhookconfiguration <name>`) and reinstall it with its backend.',
    ],
  },
  source: 'k8sgpt core analyzers (ValidatingWebhook, MutatingWebhook); catalog §3 Kubernetes layer',
  detect({ snapshot, index, options }) {
    const out: RawFinding<Messages>[] = [];
    for (const cluster of judgedClusters(snapshot, ['admissionWebhooks', 'services', 'endpointSlices'])) {
      const services = new Set(cluster.services.map((s) => `${s.namespace}/${s.name}`));
      const ready = new Map(cluster.endpoints.map((e) => [`${e.namespace}/${e.service}`, e.ready.length]));
      for (const wh of cluster.admissionWebhooks) {
        if (!wh.service) continue;
        const key = `${wh.service.namespace}/${wh.service.name}`;
        const missing = !services.has(key);
        if (!missing && (ready.get(key) ?? 0) > 0) continue;
        const fail = wh.failurePolicy === 'Fail';
        const urgency = clusterUrgency(index, cluster, 'high', options.devSeverity);
        out.push({
          messageId: missing ? 'serviceMissing' : 'noReadyEndpoints',
          data: {
            webhook: wh.name,
            kind: wh.kind,
            policy: wh.failurePolicy,
            cluster: cluster.name,
            service: key,
            effect: fail ? ': the API server rejects every request the webhook matches' : ': requests pass without the webhook',
          },
          resource: objectRef(cluster, 'webhook', undefined, `${wh.configuration}/${wh.name}`),
          severity: fail ? urgency.severity : options.ignoreSeverity,
          evidence: [
            { label: 'configuration', value: wh.configuration, source: 'kubernetes' },
            { label: 'failure_policy', value: wh.failurePolicy, source: 'kubernetes' },
            { label: 'service', value: key, source: 'kubernetes' },
            { label: 'ready_endpoints', value: missing ? null : (ready.get(key) ?? 0), source: 'endpointslices' },
            { label: 'read', value: kubectl(cluster, `get ${wh.kind}webhookconfiguration ${wh.configuration} -o yaml`), source: 'command' },
            ...urgency.evidence,
          ],
        });
      }
    }
    return out;
  },
});
