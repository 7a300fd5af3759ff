import { z } from 'zod';
import { SEVERITIES } from '../../core/severity.js';
import { defineDetector, type RawFinding } from '../define.js';
import { judgedClusters } from '../inputs.js';
import { clusterUrgency, podCommands, podOwner, podRef, systemNamespacesOption } from '../kubernetes.js';

type Messages = 'crashLoop';

export default defineDetector({
  id: 'pod-crashloop',
  title: 'Pod in CrashLoopBackOff',
  layer: 'kubernetes',
  severity: 'medium',
  description: 'Finds application pods with a container in CrashLoopBackOff.',
  explanation:
    'CrashLoopBackOff means the container starts and exits again and kubelet waits longer before each retry (up to five ' +
    'minutes). The workload serves with fewer replicas or not at all. The cause is in the previous run\'s log and exit ' +
    'code: a bad config or secret, a dependency that is down, or the memory limit (OOMKilled, exit code 137).',
  requires: ['kubernetes'],
  uses: ['servers', 'regions'],
  kubernetesKinds: ['pods'],
  messages: {
    crashLoop: 'Container {{container}} of pod {{pod}} in cluster {{cluster}} is crash-looping: restarted {{restarts}} times, last run ended {{last}}.',
  },
  options: z.object({
    systemNamespaces: systemNamespacesOption.describe('namespaces left to system-pod-unhealthy'),
    devSeverity: z.enum(SEVERITIES).default('low').describe('severity for clusters in a dev zone'),
  }),
  remediation: {
    steps: [
      'Read the last run: `kubectl -n <ns> logs <pod> -c <container> --previous`.',
      'See the exit code and reason: `kubectl -n <ns> describe pod <pod>` (Last State); 137 with OOMKilled means the memory limit.',
      'Fix the config, the dependency or the limit, then let the Deployment roll (`kubectl -n <ns> rollout restart deployment/<name>`).',
    ],
  },
  source: 'catalog §3 Kubernetes layer (pod-crashloop); k8sgpt pod analyzer',
  detect({ snapshot, index, options }) {
    const out: RawFinding<Messages>[] = [];
    const system = new Set(options.systemNamespaces);
    for (const cluster of judgedClusters(snapshot, ['pods'])) {
      for (const pod of cluster.pods) {
        if (system.has(pod.namespace)) continue;
        for (const cs of pod.containerStatuses) {
          if (cs.reason !== 'CrashLoopBackOff') continue;
          const owner = podOwner(cluster, pod);
          const urgency = clusterUrgency(index, cluster, 'medium', options.devSeverity);
          out.push({
            messageId: 'crashLoop',
            key: cs.name,
            data: {
              container: cs.name,
              pod: `${pod.namespace}/${pod.name}`,
              cluster: cluster.name,
              restarts: cs.restartCount,
              last: cs.lastTerminationReason ? `${cs.lastTerminationReason}${cs.lastExitCode !== undefined ? ` with exit code ${cs.lastExitCode}` : ''}` : 'for an unrecorded reason',
            },
            resource: podRef(cluster, pod),
            severity: urgency.severity,
            evidence: [
              { label: 'container', value: cs.name, source: 'kubernetes' },
              { label: 'restarts', value: cs.restartCount, source: 'kubernetes' },
              { label: 'last_exit_code', value: cs.lastExitCode ?? null, source: 'kubernetes' },
              ...(cs.message ? [{ label: 'waiting_message', value: cs.message, source: 'kubernetes' }] : []),
              ...(owner ? [{ label: 'owner', value: `${owner.kind}/${owner.name}`, source: 'kubernetes' }] : []),
              ...podCommands(cluster, pod, cs.name),
              ...urgency.evidence,
            ],
          });
        }
      }
    }
    return out;
  },
});
