import { z } from 'zod';
import { SEVERITIES } from '../../core/severity.js';
import { defineDetector, type RawFinding } from '../define.js';
import { judgedClusters } from '../inputs.js';
import { clusterUrgency, podCommands, podRef, podTrouble } from '../kubernetes.js';

type Messages = 'staticPodUnhealthy';

/** A mirror pod is named `<manifest name>-<node name>`; the manifest is what the operator edits. */
export function manifestOf(podName: string, nodeName: string | undefined): string {
  const base = nodeName && podName.endsWith(`-${nodeName}`) ? podName.slice(0, -nodeName.length - 1) : podName;
  return `/etc/kubernetes/manifests/${base}.yaml`;
}

export default defineDetector({
  id: 'static-pod-unhealthy',
  title: 'Control-plane static pod not ready',
  layer: 'kubernetes',
  severity: 'critical',
  description: 'Finds static pods (mirror pods of /etc/kubernetes/manifests: etcd, kube-apiserver, controller-manager, scheduler) that are not running and ready.',
  explanation:
    'Static pods are started by the kubelet of a control-plane node from the manifests in /etc/kubernetes/manifests; the ' +
    'API only shows a read-only mirror. Deleting the mirror pod changes nothing: the fix is on the node (the manifest, ' +
    'its certificates, etcd\'s disk). An unhealthy etcd or kube-apiserver puts the whole cluster at risk.',
  requires: ['kubernetes'],
  uses: ['servers', 'regions'],
  kubernetesKinds: ['pods'],
  messages: {
    staticPodUnhealthy: 'Static pod {{pod}} on control-plane node {{node}} in cluster {{cluster}} is unhealthy: {{trouble}}. It is run from {{manifest}} on the node, not through kubectl.',
  },
  options: z.object({
    pendingMinutes: z.number().nonnegative().default(5).describe('a Pending mirror pod younger than this is still starting'),
    restartThreshold: z.number().int().positive().default(5).describe('a ready static pod restarted at least this often is reported'),
    devSeverity: z.enum(SEVERITIES).default('high').describe('severity for clusters in a dev zone'),
  }),
  remediation: {
    steps: [
      'On the control-plane node: `crictl ps -a --name <component>` and `crictl logs <container id>` (kubectl logs may not work while the API server is down).',
      'Check the manifest in /etc/kubernetes/manifests/<component>.yaml, its certificates (`kubeadm certs check-expiration`) and for etcd the disk (`df -h /var/lib/etcd`).',
      'kubelet restarts the pod when the manifest changes: move it out of the directory and back to force a restart; `journalctl -u kubelet` shows why it fails.',
      'Read `kubectl -n kube-system get events --sort-by=.lastTimestamp` once the API answers.',
    ],
  },
  source: 'catalog §3 Kubernetes layer (static-pod-unhealthy); seed 003 (whether the failing pod is a static pod)',
  detect({ snapshot, index, options, now }) {
    const out: RawFinding<Messages>[] = [];
    for (const cluster of judgedClusters(snapshot, ['pods'])) {
      for (const pod of cluster.pods) {
        if (!pod.staticPod) continue;
        const trouble = podTrouble(pod, now, options);
        if (!trouble) continue;
        const urgency = clusterUrgency(index, cluster, 'critical', options.devSeverity);
        const manifest = manifestOf(pod.name, pod.nodeName);
        out.push({
          messageId: 'staticPodUnhealthy',
          data: { pod: `${pod.namespace}/${pod.name}`, node: pod.nodeName ?? 'unknown', cluster: cluster.name, trouble: trouble.summary, manifest },
          resource: podRef(cluster, pod),
          severity: urgency.severity,
          evidence: [
            { label: 'manifest', value: manifest, source: 'static pod' },
            { label: 'phase', value: pod.phase, source: 'kubernetes' },
            { label: 'restarts', value: trouble.restarts, source: 'kubernetes' },
            ...podCommands(cluster, pod, trouble.container),
            ...urgency.evidence,
          ],
        });
      }
    }
    return out;
  },
});
