import { z } from 'zod';
import { defineDetector, type RawFinding } from '../define.js';
import { judgedClusters } from '../inputs.js';
import { hygieneEvidence, hygieneGaps, podsOfService, systemNamespacesOption } from '../kubernetes.js';
import { listNames } from '../resources.js';

type Messages = 'noProbes';

export default defineDetector({
  id: 'pod-without-probes',
  title: 'Pod behind a Service without liveness or readiness probe',
  layer: 'kubernetes',
  severity: 'low',
  description: 'Finds workloads serving behind a Service whose containers declare no readiness or no liveness probe.',
  explanation:
    'Without a readiness probe a pod receives traffic from the moment its process starts, before it can answer, and ' +
    'keeps receiving it when it stops answering; without a liveness probe a hung process is never restarted. Both ' +
    'matter only for pods that take traffic, which is why only pods behind a Service are judged.',
  requires: ['kubernetes'],
  kubernetesKinds: ['pods', 'services'],
  messages: {
    noProbes: '{{workload}} in cluster {{cluster}} serves Service {{services}} but its containers lack probes: {{gaps}}.',
  },
  options: z.object({
    probes: z.array(z.enum(['readiness', 'liveness'])).default(['readiness', 'liveness']).describe('which probes every serving container must declare'),
    sidecars: z
      .array(z.string().min(1))
      .default(['istio-proxy', 'linkerd-proxy'])
      .describe('containers a service mesh injects, judged by the mesh\'s own health checks (Istio\'s sidecar declares a readiness probe only), not here'),
    includeSystemNamespaces: z.boolean().default(false).describe('also judge the system namespaces'),
    systemNamespaces: systemNamespacesOption,
  }),
  remediation: {
    steps: [
      'See what is declared: `kubectl -n <ns> get deploy <name> -o jsonpath={.spec.template.spec.containers[*].readinessProbe}`.',
      'Add a readinessProbe that checks the container can serve (an HTTP health endpoint or the port) and a livenessProbe that only fails when the process must be restarted, with a startupProbe for slow starts.',
    ],
  },
  source: 'catalog §3 Kubernetes layer (pod-without-requests/limits/probes); detek (pod without liveness/readiness probe behind a Service)',
  detect({ snapshot, options }) {
    const out: RawFinding<Messages>[] = [];
    const system = new Set(options.systemNamespaces);
    for (const cluster of judgedClusters(snapshot, ['pods', 'services'])) {
      const servedBy = new Map<string, string[]>();
      for (const svc of cluster.services) {
        if (!options.includeSystemNamespaces && system.has(svc.namespace)) continue;
        for (const pod of podsOfService(cluster, svc)) servedBy.set(`${pod.namespace}/${pod.name}`, [...(servedBy.get(`${pod.namespace}/${pod.name}`) ?? []), `${svc.namespace}/${svc.name}`]);
      }
      const serving = cluster.pods.filter((p) => servedBy.has(`${p.namespace}/${p.name}`));
      const sidecars = new Set(options.sidecars);
      const gaps = hygieneGaps(cluster, serving, (c) => (sidecars.has(c.name) ? [] : options.probes.filter((kind) => !c.probes[kind]).map((kind) => `no ${kind} probe`)));
      for (const g of gaps) {
        const services = [...new Set(g.members.flatMap((p) => servedBy.get(`${p.namespace}/${p.name}`) ?? []))];
        out.push({
          messageId: 'noProbes',
          data: { workload: g.label, cluster: cluster.name, services: listNames(services, 3), gaps: listNames([...g.gaps], 5) },
          resource: g.ref,
          evidence: hygieneEvidence(g, cluster),
        });
      }
    }
    return out;
  },
});

