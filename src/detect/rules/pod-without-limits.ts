import { z } from 'zod';
import { defineDetector } from '../define.js';
import { judgedClusters } from '../inputs.js';
import { systemNamespacesOption, unsetResources } from '../kubernetes.js';

export default defineDetector({
  id: 'pod-without-limits',
  title: 'Pod without resource limits',
  layer: 'kubernetes',
  severity: 'low',
  description: 'Finds workloads whose containers set no CPU or memory limits.',
  explanation: "Without a memory limit one leaking container can take all of a node's memory and get other pods OOM-killed; without a CPU limit a busy loop starves its neighbours. Limits make a bad release fail alone instead of taking its node with it.",
  requires: ['kubernetes'],
  kubernetesKinds: ['pods'],
  messages: {
    noLimits: '{{workload}} in cluster {{cluster}} runs {{pods}} pod(s) whose containers set no limits: {{gaps}}.',
  },
  options: z.object({
    includeSystemNamespaces: z.boolean().default(false).describe('also judge the system namespaces (their add-ons often ship without limits)'),
    systemNamespaces: systemNamespacesOption,
    resources: z.array(z.enum(['cpu', 'memory'])).default(['cpu', 'memory']).describe('which limits must be set'),
  }),
  remediation: {
    steps: [
      'List them: `kubectl -n <ns> get pods -o custom-columns=NAME:.metadata.name,LIMITS:.spec.containers[*].resources.limits`.',
      "Set `resources.limits.memory` (and `resources.limits.cpu` where the team's policy wants it) a margin above the requests; a LimitRange in the namespace gives defaults to what is not set.",
      'Roll the workload out again so its pods pick the values up.',
    ],
  },
  source: 'catalog §3 Kubernetes layer (pod-without-requests/limits/probes); detek (pod without limits)',
  detect({ snapshot, options }) {
    return unsetResources(judgedClusters(snapshot, ['pods']), options, 'limits', 'noLimits');
  },
});
