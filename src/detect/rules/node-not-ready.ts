import { z } from 'zod';
import { SEVERITIES } from '../../core/severity.js';
import { defineDetector, type RawFinding } from '../define.js';
import { judgedClusters } from '../inputs.js';
import { backingServerEvidence, clusterUrgency, formatAge, isControlPlane, kubectl, nodeFacts, nodeRef, parseTime, readyStatus } from '../kubernetes.js';
import { judgeReachability, raiseSeverity, serverProbe } from '../resources.js';

type Messages = 'notReadyOnServer' | 'notReadyUnmapped';

export default defineDetector({
  id: 'node-not-ready',
  title: 'Kubernetes node not Ready',
  layer: 'kubernetes',
  severity: 'high',
  description: 'Finds nodes whose Ready condition is not True and names the server, Nova state and hypervisor behind each.',
  explanation:
    'A node that is not Ready takes no new pods, and after the eviction timeout its pods are evicted or left Unknown. ' +
    'On OpenStack the cause is usually below Kubernetes: the node\'s VM went SHUTOFF (often stopped by its host, not by a user), ' +
    'hangs, or lost its network, or kubelet or containerd stopped on it. Knowing the backing server and its hypervisor ' +
    'turns "my cluster is broken" into the OpenStack incident that explains it.',
  requires: ['kubernetes'],
  uses: ['servers', 'hypervisors', 'probes', 'hostFacts', 'regions', 'inventory'],
  kubernetesKinds: ['nodes'],
  messages: {
    notReadyOnServer:
      'Node {{node}} in cluster {{cluster}} is not Ready (Ready={{status}}, {{reason}}) for {{age}}; its server {{server}} is {{serverStatus}} on hypervisor {{hypervisor}}{{cause}}.',
    notReadyUnmapped:
      'Node {{node}} in cluster {{cluster}} is not Ready (Ready={{status}}, {{reason}}) for {{age}}; no OpenStack server matches its providerID, name or address.',
  },
  options: z.object({
    minMinutes: z.number().nonnegative().default(0).describe('ignore nodes that turned not Ready less than this many minutes ago (a node still joining)'),
    devSeverity: z.enum(SEVERITIES).default('medium').describe('severity for clusters in a dev zone'),
  }),
  remediation: {
    steps: [
      'See the node: `kubectl get node <node> -o wide` and `kubectl describe node <node>` (conditions, last heartbeat, taints).',
      'Check the backing server: `faultline show <server>`; a SHUTOFF server stopped without a user is a host problem (see server-unrequested-shutoff), a hung one is a guest or host problem (server-unreachable).',
      'If the server runs: on the node, `systemctl status kubelet containerd`, `journalctl -u kubelet -n 200`, `last reboot`, `df -h`.',
      'Once fixed, `kubectl get node <node>` shows Ready; uncordon it if it was drained (`kubectl uncordon <node>`).',
    ],
  },
  source: 'catalog §3 Kubernetes layer (node-not-ready), §7 cross-layer causes; seed 003 (checklist), seed 002 (nodes lost to SHUTOFF VMs)',
  detect({ snapshot, index, options, now }) {
    const out: RawFinding<Messages>[] = [];
    for (const cluster of judgedClusters(snapshot, ['nodes'])) {
      for (const node of cluster.nodes) {
        const status = readyStatus(node);
        if (status === 'True') continue;
        const ready = node.conditions.find((c) => c.type === 'Ready');
        const since = parseTime(ready?.lastTransitionTime);
        if (since !== undefined && now.getTime() - since < options.minMinutes * 60_000) continue;
        const age = since === undefined ? 'an unknown time' : formatAge(now.getTime() - since);
        const cp = isControlPlane(node);
        const urgency = clusterUrgency(index, cluster, 'high', options.devSeverity);
        const severity = cp ? raiseSeverity(urgency.severity) : urgency.severity;
        const hit = index.nodeServerOf(node);
        const common = [
          { label: 'ready', value: status, source: 'kubernetes' },
          { label: 'reason', value: ready?.reason ?? null, source: 'kubernetes' },
          ...(ready?.message ? [{ label: 'condition_message', value: ready.message, source: 'kubernetes' }] : []),
          { label: 'last_heartbeat', value: node.lastHeartbeat ?? ready?.lastHeartbeatTime ?? null, source: 'kube-node-lease' },
          { label: 'role', value: cp ? 'control-plane' : 'worker', source: 'kubernetes' },
          { label: 'describe', value: kubectl(cluster, `describe node ${node.name}`), source: 'command' },
          ...urgency.evidence,
        ];
        const data = { node: node.name, cluster: cluster.name, status, reason: ready?.reason ?? 'no reason given', age };
        if (!hit) {
          out.push({ messageId: 'notReadyUnmapped', data, resource: nodeRef(cluster, node), severity, evidence: [...common, ...backingServerEvidence(index, node)] });
          continue;
        }
        const { server } = hit;
        const hv = index.hypervisorOf(server);
        out.push({
          messageId: 'notReadyOnServer',
          data: { ...data, server: server.name, serverStatus: server.status, hypervisor: hv?.name ?? server.host ?? 'unknown', cause: likelyCause(index, node, server) },
          resource: nodeRef(cluster, node),
          severity,
          evidence: [...common, ...backingServerEvidence(index, node)],
        });
      }
    }
    return out;
  },
});

/** The first explanation the other layers offer, as a clause for the message. */
function likelyCause(index: Parameters<typeof backingServerEvidence>[0], node: Parameters<typeof backingServerEvidence>[1], server: NonNullable<ReturnType<typeof index.serverOfNode>>): string {
  if (server.status !== 'ACTIVE') return ` (the VM is ${server.status}, so kubelet cannot report)`;
  const reach = judgeReachability(serverProbe(index, server), false);
  if (reach === 'ssh-hang') return ' (the VM accepts TCP but sshd never answers: the guest hangs)';
  if (reach === 'ping-failed' || reach === 'ssh-failed') return ' (the VM does not answer ping or ssh)';
  const kubelet = nodeFacts(index, node)?.services?.['kubelet'];
  if (kubelet !== undefined && kubelet !== 'active') return ` (kubelet is ${kubelet} on it)`;
  return '';
}
