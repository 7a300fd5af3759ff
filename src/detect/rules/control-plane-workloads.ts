import { z } from 'zod';
import { SEVERITIES } from '../../core/severity.js';
import { defineDetector, type RawFinding } from '../define.js';
import { judgedClusters } from '../inputs.js';
import { CONTROL_PLANE_TAINTS, clusterUrgency, isControlPlane, podOwner, podRef, systemNamespacesOption, workloadRef } from '../kubernetes.js';
import { listNames, matchesGlob } from '../resources.js';

type Messages = 'toleratesControlPlane';

type Toleration = { key?: string | undefined; operator?: string | undefined; effect?: string | undefined };

/** Whether tolerations let a pod onto a control-plane node: the taint's key, or `operator: Exists` with no key (everything). */
export function toleratesControlPlane(tolerations: readonly Toleration[]): boolean {
  return tolerations.some((t) => (t.key === undefined || t.key === '' ? t.operator === 'Exists' : CONTROL_PLANE_TAINTS.includes(t.key)) && (t.effect === undefined || t.effect === '' || t.effect === 'NoSchedule'));
}

export default defineDetector({
  id: 'control-plane-workloads',
  title: 'Application workloads on the control plane',
  layer: 'kubernetes',
  severity: 'medium',
  description: 'Finds application workloads that tolerate the control-plane taint, and says which of their pods run on control-plane nodes.',
  explanation:
    'Control-plane nodes carry the node-role.kubernetes.io/control-plane:NoSchedule taint so that applications cannot ' +
    'starve etcd and the API server. Adding a toleration is the quick way to keep an application running when workers are ' +
    'lost (seed 002 did it while its worker VMs kept going SHUTOFF); left in place, the next load spike lands on the ' +
    'control plane and takes the cluster with it.',
  requires: ['kubernetes'],
  uses: ['servers', 'regions'],
  kubernetesKinds: ['pods', 'workloads', 'nodes'],
  messages: {
    toleratesControlPlane: '{{workload}} in cluster {{cluster}} tolerates the control-plane taint; {{onControlPlane}} of its pods run on control-plane nodes{{nodes}}.',
  },
  options: z.object({
    systemNamespaces: systemNamespacesOption.describe('namespaces whose workloads may run on the control plane'),
    allow: z.array(z.string()).default([]).describe('`namespace/name` globs of workloads allowed there (e.g. monitoring agents)'),
    devSeverity: z.enum(SEVERITIES).default('low').describe('severity for clusters in a dev zone'),
  }),
  remediation: {
    steps: [
      'Find them: `kubectl get pods -A -o wide --field-selector spec.nodeName=<control-plane node>`.',
      'Restore worker capacity first (see node-not-ready and the servers behind the workers).',
      'Remove the toleration from the workload (`kubectl -n <ns> edit deployment <name>`, delete the node-role.kubernetes.io/control-plane toleration) and let it roll back onto workers.',
    ],
  },
  source: 'catalog §3 Kubernetes layer (control-plane-workloads); seed 002 (the toleration workaround)',
  detect({ snapshot, index, options }) {
    const out: RawFinding<Messages>[] = [];
    const system = new Set(options.systemNamespaces);
    const allowed = (ns: string, name: string): boolean => system.has(ns) || options.allow.some((g) => matchesGlob(g, `${ns}/${name}`));
    for (const cluster of judgedClusters(snapshot, ['pods', 'workloads', 'nodes'])) {
      const cpNodes = new Set(cluster.nodes.filter(isControlPlane).map((n) => n.name));
      const candidates = cluster.workloads.filter((w) => !w.owner && toleratesControlPlane(w.tolerations) && !allowed(w.namespace, w.name));
      const keyOf = (kind: string, ns: string, name: string): string => `${ns}/${kind}/${name}`;
      const placed = new Map<string, string[]>();
      const podsOf = new Map<string, number>();
      const barePods: typeof cluster.pods = [];
      for (const pod of cluster.pods) {
        const owner = podOwner(cluster, pod);
        if (!owner) {
          if (toleratesControlPlane(pod.tolerations) && !allowed(pod.namespace, pod.name)) barePods.push(pod);
          continue;
        }
        const key = keyOf(owner.kind, pod.namespace, owner.name);
        podsOf.set(key, (podsOf.get(key) ?? 0) + 1);
        if (pod.nodeName && cpNodes.has(pod.nodeName)) placed.set(key, [...(placed.get(key) ?? []), pod.nodeName]);
      }
      const urgency = clusterUrgency(index, cluster, 'medium', options.devSeverity);
      const report = (ref: ReturnType<typeof workloadRef>, label: string, key: string, total: number): void => {
        const nodes = [...new Set(placed.get(key) ?? [])];
        const on = placed.get(key)?.length ?? 0;
        out.push({
          messageId: 'toleratesControlPlane',
          data: { workload: label, cluster: cluster.name, onControlPlane: `${on} of ${total}`, nodes: nodes.length ? ` (${listNames(nodes, 5)})` : '' },
          resource: ref,
          // Pods already on the control plane make it urgent; a toleration alone is a warning.
          severity: on > 0 ? urgency.severity : 'low',
          evidence: [
            { label: 'pods_on_control_plane', value: on, source: 'kubernetes' },
            { label: 'control_plane_nodes', value: listNames([...cpNodes]) || null, source: 'kubernetes' },
            ...urgency.evidence,
          ],
        });
      };
      for (const w of candidates) report(workloadRef(cluster, w), `${w.kind} ${w.namespace}/${w.name}`, keyOf(w.kind, w.namespace, w.name), podsOf.get(keyOf(w.kind, w.namespace, w.name)) ?? 0);
      for (const pod of barePods) {
        const key = `bare/${pod.namespace}/${pod.name}`;
        if (pod.nodeName && cpNodes.has(pod.nodeName)) placed.set(key, [pod.nodeName]);
        report(podRef(cluster, pod), `Pod ${pod.namespace}/${pod.name}`, key, 1);
      }
    }
    return out;
  },
});
