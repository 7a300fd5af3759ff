import { z } from 'zod';
import { defineDetector } from '../define.js';
import { judgedClusters } from '../inputs.js';
import { systemNamespacesOption, unsetResources } from '../kubernetes.js';

export default defineDetector({
  id: 'pod-without-requests',
  title: 'Pod without resource requests',
  layer: 'kubernetes',
  severity: 'low',
  description: 'Finds workloads whose containers set no CPU or memory requests.',
  explanation: "Without requests the scheduler places the pod as if it needed nothing: nodes get overcommitted, the pod is the first evicted under pressure (BestEffort), and capacity planning (including what an idle service would give back) has nothing to count.",
  requires: ['kubernetes'],
  kubernetesKinds: ['pods'],
  messages: {
    noRequests: '{{workload}} in cluster {{cluster}} runs {{pods}} pod(s) whose containers set no requests: {{gaps}}.',
  },
  options: z.object({
    includeSystemNamespaces: z.boolean().default(false).describe('also judge the system namespaces (their add-ons often ship without requests)'),
    systemNamespaces: systemNamespacesOption,
    resources: z.array(z.enum(['cpu', 'memory'])).default(['cpu', 'memory']).describe('which requests must be set'),
  }),
  remediation: {
    steps: [
      'List them: `kubectl -n <ns> get pods -o custom-columns=NAME:.metadata.name,REQUESTS:.spec.containers[*].resources.requests`.',
      "Set `resources.requests.cpu` and `resources.requests.memory` from what the container uses (`kubectl top pod`, or its Prometheus history).",
      'Roll the workload out again so its pods pick the values up.',
    ],
  },
  source: 'catalog §3 Kubernetes layer (pod-without-requests/limits/probes); detek (pod without requests)',
  detect({ snapshot, options }) {
    return unsetResources(judgedClusters(snapshot, ['pods']), options, 'requests', 'noRequests');
  },
});
