import { z } from 'zod';
import { SEVERITIES } from '../../core/severity.js';
import { defineDetector, type RawFinding } from '../define.js';
import { judgedClusters } from '../inputs.js';
import { clusterUrgency, podCommands, podOwner, podRef, podTrouble, systemNamespacesOption } from '../kubernetes.js';

type Messages = 'systemPodUnhealthy';

export default defineDetector({
  id: 'system-pod-unhealthy',
  title: 'System pod not running or not ready',
  layer: 'kubernetes',
  severity: 'high',
  description: 'Finds pods in kube-system (and the other configured system namespaces) that are not Running and ready, are crash-looping, or keep restarting.',
  explanation:
    'The pods in kube-system are the cluster itself: the CNI (calico-node), kube-proxy, CoreDNS, the CSI drivers. ' +
    'One broken calico-node takes its node\'s pod network down; broken CoreDNS breaks every Service name lookup. ' +
    'The checklist starts here, after `kubectl get node`: the failing pod, its log, and the namespace\'s events.',
  requires: ['kubernetes'],
  uses: ['servers', 'regions'],
  kubernetesKinds: ['pods'],
  messages: {
    systemPodUnhealthy: 'System pod {{pod}} on node {{node}} in cluster {{cluster}} is unhealthy: {{trouble}}.',
  },
  options: z.object({
    systemNamespaces: systemNamespacesOption,
    pendingMinutes: z.number().nonnegative().default(5).describe('a Pending pod younger than this is still starting'),
    restartThreshold: z.number().int().positive().default(10).describe('a ready pod restarted at least this often is reported as restarting'),
    devSeverity: z.enum(SEVERITIES).default('medium').describe('severity for clusters in a dev zone (before the system-namespace step up)'),
  }),
  remediation: {
    steps: [
      'List the namespace: `kubectl -n kube-system get pod -o wide`; note the node of the failing pod.',
      'Read its log: `kubectl -n kube-system logs <pod>` (add `-c <container>` for multi-container pods such as calico-node, `--previous` after a restart). Calico\'s `bird: Unable to open configuration file /etc/calico/confd/config/bird.cfg` means confd never rendered the BGP config.',
      'Read the events: `kubectl -n kube-system get events --sort-by=.lastTimestamp` (they show image pulls, probes and scheduling even when the pod never started).',
      'On the node when the pod depends on it: `systemctl status kubelet`, `/var/log/syslog`, `df -h`; then delete the pod so its DaemonSet or Deployment recreates it.',
    ],
  },
  source: 'catalog §3 Kubernetes layer (system-pod-unhealthy); seed 003 (checklist, the calico bird.cfg example)',
  detect({ snapshot, index, options, now }) {
    const out: RawFinding<Messages>[] = [];
    const system = new Set(options.systemNamespaces);
    for (const cluster of judgedClusters(snapshot, ['pods'])) {
      for (const pod of cluster.pods) {
        // Static control-plane pods are fixed on the node, not through kubectl: static-pod-unhealthy reports them.
        if (!system.has(pod.namespace) || pod.staticPod) continue;
        const trouble = podTrouble(pod, now, options);
        if (!trouble) continue;
        const urgency = clusterUrgency(index, cluster, 'high', options.devSeverity, true);
        const owner = podOwner(cluster, pod);
        out.push({
          messageId: 'systemPodUnhealthy',
          data: { pod: `${pod.namespace}/${pod.name}`, node: pod.nodeName ?? 'none', cluster: cluster.name, trouble: trouble.summary },
          resource: podRef(cluster, pod),
          // A pod that is only restarting still serves: one step less than a broken one.
          severity: trouble.restarts > 0 && !trouble.crashLooping && pod.ready === true ? 'medium' : urgency.severity,
          evidence: [
            { label: 'phase', value: pod.phase, source: 'kubernetes' },
            { label: 'ready', value: pod.ready ?? null, source: 'kubernetes' },
            { label: 'restarts', value: trouble.restarts, source: 'kubernetes' },
            ...(trouble.container ? [{ label: 'container', value: trouble.container, source: 'kubernetes' }] : []),
            ...(owner ? [{ label: 'owner', value: `${owner.kind}/${owner.name}`, source: 'kubernetes' }] : []),
            ...podCommands(cluster, pod, trouble.container),
            ...urgency.evidence,
          ],
        });
      }
    }
    return out;
  },
});
