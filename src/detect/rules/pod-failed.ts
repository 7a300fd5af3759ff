import { z } from 'zod';
import { SEVERITIES } from '../../core/severity.js';
import { defineDetector, type RawFinding } from '../define.js';
import { judgedClusters } from '../inputs.js';
import { clusterUrgency, podCommands, podOwner, podRef, systemNamespacesOption } from '../kubernetes.js';

type Messages = 'podFailed';

export default defineDetector({
  id: 'pod-failed',
  title: 'Pod failed',
  layer: 'kubernetes',
  severity: 'medium',
  description: 'Finds application pods in phase Failed (evicted, killed, exited with an error and not restarted).',
  explanation:
    'A Failed pod stays in the API until something deletes it; its workload may have replaced it, but the reason it failed ' +
    '(evicted for disk or memory pressure, OOM-killed, a node that went away) usually points at the node or the limits, ' +
    'and a pile of evicted pods is how a node\'s pressure shows from the outside.',
  requires: ['kubernetes'],
  uses: ['servers', 'regions'],
  kubernetesKinds: ['pods'],
  messages: {
    podFailed: 'Pod {{pod}} in cluster {{cluster}} failed{{reason}}{{node}}.',
  },
  options: z.object({
    systemNamespaces: systemNamespacesOption.describe('namespaces left to system-pod-unhealthy'),
    devSeverity: z.enum(SEVERITIES).default('low').describe('severity for clusters in a dev zone'),
  }),
  remediation: {
    steps: [
      'See why: `kubectl -n <ns> describe pod <pod>` (Status, Reason, Message, the last state of each container).',
      'Evicted: check the node\'s pressure (`kubectl describe node <node>`, `df -h` and `free -h` on it) and the pod\'s requests.',
      'OOMKilled or Error: read `kubectl -n <ns> logs <pod> --previous` and raise the memory limit or fix the application.',
      'Delete what is left once understood: `kubectl -n <ns> delete pod <pod>`.',
    ],
  },
  source: 'catalog §3 Kubernetes layer (pod-failed); detek (failed pod)',
  detect({ snapshot, index, options }) {
    const out: RawFinding<Messages>[] = [];
    const system = new Set(options.systemNamespaces);
    for (const cluster of judgedClusters(snapshot, ['pods'])) {
      for (const pod of cluster.pods) {
        if (pod.phase !== 'Failed' || system.has(pod.namespace)) continue;
        const owner = podOwner(cluster, pod);
        // A Job's pods are its attempts; job-failed judges the Job once instead of each try.
        if (owner?.kind === 'Job' || owner?.kind === 'CronJob') continue;
        const terminated = pod.containerStatuses.find((c) => c.state === 'terminated' && c.reason !== 'Completed');
        const why = pod.reason ?? terminated?.reason;
        const urgency = clusterUrgency(index, cluster, 'medium', options.devSeverity);
        out.push({
          messageId: 'podFailed',
          data: {
            pod: `${pod.namespace}/${pod.name}`,
            cluster: cluster.name,
            reason: why ? ` (${why}${pod.message ? `: ${pod.message}` : terminated?.exitCode !== undefined ? `, exit code ${terminated.exitCode}` : ''})` : '',
            node: pod.nodeName ? ` on node ${pod.nodeName}` : '',
          },
          resource: podRef(cluster, pod),
          severity: urgency.severity,
          evidence: [
            { label: 'reason', value: why ?? null, source: 'kubernetes' },
            ...(pod.message ? [{ label: 'status_message', value: pod.message, source: 'kubernetes' }] : []),
            ...(owner ? [{ label: 'owner', value: `${owner.kind}/${owner.name}`, source: 'kubernetes' }] : []),
            ...podCommands(cluster, pod, terminated?.name),
            ...urgency.evidence,
          ],
        });
      }
    }
    return out;
  },
});
