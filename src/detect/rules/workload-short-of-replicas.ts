import { z } from 'zod';
import { SEVERITIES } from '../../core/severity.js';
import { defineDetector, type RawFinding } from '../define.js';
import { judgedClusters } from '../inputs.js';
import { clusterUrgency, kubectl, systemNamespacesOption, workloadRef } from '../kubernetes.js';

type Messages = 'shortOfReplicas' | 'noneReady';

export default defineDetector({
  id: 'workload-short-of-replicas',
  title: 'Deployment, StatefulSet or DaemonSet short of replicas',
  layer: 'kubernetes',
  severity: 'medium',
  description: 'Finds Deployments, StatefulSets and DaemonSets with fewer ready pods than desired.',
  explanation:
    'A workload short of ready replicas serves with less capacity than it was sized for, or not at all when none is ready. ' +
    'The usual causes are pods that cannot be scheduled (no room, taints, a lost node), pods that crash or fail their ' +
    'readiness probe, and a rollout stuck on a bad image; for a DaemonSet, nodes where its pod does not run.',
  requires: ['kubernetes'],
  uses: ['servers', 'regions'],
  kubernetesKinds: ['workloads'],
  messages: {
    shortOfReplicas: '{{workload}} in cluster {{cluster}} has {{ready}} of {{desired}} pods ready.',
    noneReady: '{{workload}} in cluster {{cluster}} has none of its {{desired}} pods ready.',
  },
  options: z.object({
    systemNamespaces: systemNamespacesOption,
    devSeverity: z.enum(SEVERITIES).default('low').describe('severity for clusters in a dev zone'),
  }),
  remediation: {
    steps: [
      'See the rollout: `kubectl -n <ns> rollout status <kind>/<name>` and `kubectl -n <ns> describe <kind> <name>` (conditions, events).',
      'See the pods: `kubectl -n <ns> get pods -l <selector> -o wide`; Pending ones say why in `describe pod`, crashing ones in their log.',
      'A stuck rollout of a bad version: `kubectl -n <ns> rollout undo deployment/<name>`.',
    ],
  },
  source: 'k8sgpt core analyzers (Deployment, StatefulSet, DaemonSet); catalog §3 Kubernetes layer',
  detect({ snapshot, index, options }) {
    const out: RawFinding<Messages>[] = [];
    const system = new Set(options.systemNamespaces);
    for (const cluster of judgedClusters(snapshot, ['workloads'])) {
      for (const w of cluster.workloads) {
        if (w.kind !== 'Deployment' && w.kind !== 'StatefulSet' && w.kind !== 'DaemonSet') continue;
        const desired = w.desired ?? 0;
        const ready = w.ready ?? 0;
        if (desired === 0 || ready >= desired) continue;
        const urgency = clusterUrgency(index, cluster, 'medium', options.devSeverity, system.has(w.namespace));
        const label = `${w.kind} ${w.namespace}/${w.name}`;
        const progressing = w.conditions.find((c) => c.type === 'Progressing' && c.status === 'False');
        out.push({
          messageId: ready === 0 ? 'noneReady' : 'shortOfReplicas',
          data: { workload: label, cluster: cluster.name, ready, desired },
          resource: workloadRef(cluster, w),
          // Nothing ready means the workload does not serve at all.
          severity: ready === 0 ? urgency.severity : system.has(w.namespace) ? urgency.severity : 'low',
          evidence: [
            { label: 'desired', value: desired, source: 'kubernetes' },
            { label: 'ready', value: ready, source: 'kubernetes' },
            { label: 'available', value: w.available ?? null, source: 'kubernetes' },
            { label: 'updated', value: w.updated ?? null, source: 'kubernetes' },
            ...(progressing ? [{ label: 'progressing', value: `${progressing.reason ?? 'False'}${progressing.message ? `: ${progressing.message}` : ''}`, source: 'kubernetes' }] : []),
            { label: 'read', value: kubectl(cluster, `-n ${w.namespace} describe ${w.kind.toLowerCase()} ${w.name}`), source: 'command' },
            ...urgency.evidence,
          ],
        });
      }
    }
    return out;
  },
});
