import { z } from 'zod';
import { defineDetector, type RawFinding } from '../define.js';
import { judgedClusters } from '../inputs.js';
import { kubectl, objectRef } from '../kubernetes.js';

type Messages = 'missingService';

export default defineDetector({
  id: 'ingress-missing-service',
  title: 'Ingress to a Service that does not exist',
  layer: 'kubernetes',
  severity: 'medium',
  description: 'Finds Ingress rules and default backends that send traffic to a Service missing from their namespace.',
  explanation:
    'An Ingress backend naming a Service that does not exist answers 503 (or the controller\'s default backend) for its ' +
    'host and path: a Service renamed or deleted while its route stayed behind, or a typo. It is silent in the cluster and ' +
    'loud for the users of that URL.',
  requires: ['kubernetes'],
  kubernetesKinds: ['ingresses', 'services'],
  messages: {
    missingService: 'Ingress {{ingress}} in cluster {{cluster}} sends {{route}} to Service {{service}}, which does not exist in namespace {{namespace}}.',
  },
  options: z.object({}),
  remediation: {
    steps: [
      'Read the rules: `kubectl -n <ns> describe ingress <name>` (backends show `<error: services "x" not found>`).',
      'Point the backend at the Service that serves the route (`kubectl -n <ns> edit ingress <name>`), or remove the rule if the service is gone.',
    ],
  },
  source: 'k8sgpt core analyzers (Ingress); catalog §3 Kubernetes layer',
  detect({ snapshot }) {
    const out: RawFinding<Messages>[] = [];
    for (const cluster of judgedClusters(snapshot, ['ingresses', 'services'])) {
      const services = new Set(cluster.services.map((s) => `${s.namespace}/${s.name}`));
      for (const ing of cluster.ingresses) {
        const seen = new Set<string>();
        for (const b of ing.backends) {
          if (services.has(`${ing.namespace}/${b.service}`)) continue;
          const route = b.host || b.path ? `${b.host ?? '*'}${b.path ?? '/'}` : 'its default backend';
          const key = `${b.service} ${route}`;
          if (seen.has(key)) continue;
          seen.add(key);
          out.push({
            messageId: 'missingService',
            key,
            data: { ingress: `${ing.namespace}/${ing.name}`, cluster: cluster.name, route, service: b.service, namespace: ing.namespace },
            resource: objectRef(cluster, 'ingress', ing.namespace, ing.name),
            evidence: [
              { label: 'service', value: b.service, source: 'ingress spec' },
              { label: 'port', value: b.port ?? null, source: 'ingress spec' },
              { label: 'ingress_class', value: ing.ingressClass ?? null, source: 'ingress spec' },
              { label: 'read', value: kubectl(cluster, `-n ${ing.namespace} describe ingress ${ing.name}`), source: 'command' },
              { label: 'cluster', value: cluster.name, source: 'kubernetes' },
            ],
          });
        }
      }
    }
    return out;
  },
});
