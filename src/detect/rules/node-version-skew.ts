import { z } from 'zod';
import { defineDetector, type RawFinding } from '../define.js';
import { judgedClusters } from '../inputs.js';
import { clusterRef, clusterUrgency, nodeRef } from '../kubernetes.js';
import { listNames } from '../resources.js';

type Messages = 'mixedVersions' | 'unsupportedSkew';

/** `v1.29.4` → [1, 29]; undefined when the version does not read. */
export function minorOf(version: string | undefined): [number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(version ?? '');
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

export default defineDetector({
  id: 'node-version-skew',
  title: 'kubelet versions differ across a cluster',
  layer: 'kubernetes',
  severity: 'low',
  description: 'Finds clusters whose nodes run different kubelet minor versions, or a kubelet outside the API server\'s skew policy.',
  explanation:
    'Nodes of one cluster should run one kubelet version. A mixed cluster is a half-finished upgrade or a node joined from an ' +
    'old image: behaviour differs from node to node, and the next control-plane upgrade can leave the oldest kubelets ' +
    'beyond the supported skew (a kubelet may not be newer than the API server, nor more than three minor versions older).',
  requires: ['kubernetes'],
  kubernetesKinds: ['nodes'],
  messages: {
    mixedVersions: 'Cluster {{cluster}} runs {{count}} kubelet minor versions: {{versions}}.',
    unsupportedSkew: 'Node {{node}} in cluster {{cluster}} runs kubelet {{kubelet}} against API server {{apiserver}}: {{problem}}.',
  },
  options: z.object({
    maxOlderMinors: z.number().int().nonnegative().default(3).describe('how many minor versions a kubelet may lag the API server'),
  }),
  remediation: {
    steps: [
      'List versions: `kubectl get nodes -o custom-columns=NAME:.metadata.name,KUBELET:.status.nodeInfo.kubeletVersion`.',
      'Upgrade the old nodes one by one: `kubectl drain <node> --ignore-daemonsets`, upgrade the kubelet package (or replace the VM from the current node image), `systemctl restart kubelet`, `kubectl uncordon <node>`.',
      'Make the join image and automation install the cluster\'s version so new nodes stop adding to the skew.',
    ],
  },
  source: 'catalog §3 Kubernetes layer (node-version-skew); seed 004 (join announcements carry the kubelet version)',
  detect({ snapshot, index, options }) {
    const out: RawFinding<Messages>[] = [];
    for (const cluster of judgedClusters(snapshot, ['nodes'])) {
      const byMinor = new Map<string, string[]>();
      for (const node of cluster.nodes) {
        const v = minorOf(node.kubeletVersion);
        if (!v) continue;
        const key = `${v[0]}.${v[1]}`;
        byMinor.set(key, [...(byMinor.get(key) ?? []), node.name]);
      }
      const urgency = clusterUrgency(index, cluster, 'low', 'low');
      if (byMinor.size > 1) {
        const sorted = [...byMinor.entries()].sort((a, b) => compare(a[0], b[0]));
        out.push({
          messageId: 'mixedVersions',
          data: { cluster: cluster.name, count: byMinor.size, versions: sorted.map(([v, nodes]) => `${v} on ${nodes.length} node(s)`).join(', ') },
          resource: clusterRef(cluster),
          severity: 'low',
          evidence: [...sorted.map(([v, nodes]) => ({ label: `kubelet_${v}`, value: listNames(nodes), source: 'kubernetes' })), ...urgency.evidence],
        });
      }
      const api = minorOf(cluster.serverVersion);
      if (!api) continue;
      for (const node of cluster.nodes) {
        const v = minorOf(node.kubeletVersion);
        if (!v || v[0] !== api[0]) continue;
        const lag = api[1] - v[1];
        const problem = lag < 0 ? 'the kubelet is newer than the API server, which is not supported' : lag > options.maxOlderMinors ? `the kubelet is ${lag} minor versions older, beyond the ${options.maxOlderMinors} the skew policy allows` : undefined;
        if (!problem) continue;
        out.push({
          messageId: 'unsupportedSkew',
          data: { node: node.name, cluster: cluster.name, kubelet: node.kubeletVersion ?? '', apiserver: cluster.serverVersion ?? '', problem },
          resource: nodeRef(cluster, node),
          severity: 'medium',
          key: node.name,
          evidence: [{ label: 'kubelet', value: node.kubeletVersion ?? null, source: 'kubernetes' }, { label: 'apiserver', value: cluster.serverVersion ?? null, source: 'kubernetes /version' }],
        });
      }
    }
    return out;
  },
});

function compare(a: string, b: string): number {
  const [am, an] = a.split('.').map(Number) as [number, number];
  const [bm, bn] = b.split('.').map(Number) as [number, number];
  return am - bm || an - bn;
}
