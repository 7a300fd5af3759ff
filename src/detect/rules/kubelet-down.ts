import { z } from 'zod';
import { SEVERITIES } from '../../core/severity.js';
import { defineDetector, type RawFinding } from '../define.js';
import { judgedClusters } from '../inputs.js';
import { backingServerEvidence, clusterUrgency, formatAge, nodeFacts, nodeRef, parseTime } from '../kubernetes.js';

type Messages = 'kubeletInactive' | 'heartbeatStale' | 'leaseMissing';

export default defineDetector({
  id: 'kubelet-down',
  title: 'kubelet not running on a node',
  layer: 'kubernetes',
  severity: 'high',
  description: 'Finds nodes whose kubelet unit is not active, or whose heartbeat Lease has not been renewed.',
  explanation:
    'kubelet is what makes a VM a node: it starts the pods, reports their state and renews the node\'s Lease every ten seconds. ' +
    'When it stops (a failed start after an unexpected reboot, swap turned back on, a full disk, certificates expired) ' +
    'the control plane marks the node NotReady after the grace period and evicts its pods. A stale Lease is the ' +
    'control plane\'s view of the same failure when the node itself cannot be read.',
  requires: ['kubernetes'],
  uses: ['hostFacts', 'servers', 'hypervisors', 'regions'],
  kubernetesKinds: ['nodes'],
  messages: {
    kubeletInactive: 'kubelet is {{state}} on node {{node}} in cluster {{cluster}}; the node cannot run or report pods until it is started.',
    heartbeatStale: 'Node {{node}} in cluster {{cluster}} last renewed its Lease {{age}} ago (limit {{limit}}s): kubelet is down or cannot reach the API server.',
    leaseMissing: 'Node {{node}} in cluster {{cluster}} has no Lease in kube-node-lease: kubelet has not reported since the node was registered.',
  },
  options: z.object({
    staleSeconds: z.number().positive().default(120).describe('a Lease older than this is stale (kubelet renews it every 10 s; the default node-monitor grace period is 40 s)'),
    devSeverity: z.enum(SEVERITIES).default('medium').describe('severity for clusters in a dev zone'),
  }),
  remediation: {
    steps: [
      'On the node: `systemctl status kubelet` and `journalctl -u kubelet -n 200 --no-pager` say why it stopped.',
      'Check what kubelet refuses to start without: `free -h` (swap must be 0B), `df -h` (/var and /var/lib/kubelet not full), `systemctl is-active containerd`.',
      'Start it: `systemctl restart kubelet`; `systemctl enable kubelet` if it did not come back after `last reboot` shows a reboot.',
      'Confirm: `kubectl get node <node>` turns Ready and `kubectl -n kube-node-lease get lease <node>` shows a fresh renewTime.',
    ],
  },
  source: 'catalog §3 Kubernetes layer (kubelet-down); seed 003 (systemctl status kubelet, last reboot)',
  detect({ snapshot, index, options, now }) {
    const out: RawFinding<Messages>[] = [];
    for (const cluster of judgedClusters(snapshot, ['nodes'])) {
      const leasesRead = !cluster.collection.unlisted.includes('leases');
      for (const node of cluster.nodes) {
        const facts = nodeFacts(index, node);
        const state = facts?.services?.['kubelet'];
        const urgency = clusterUrgency(index, cluster, 'high', options.devSeverity);
        const base = { resource: nodeRef(cluster, node), severity: urgency.severity };
        const evidence = [
          { label: 'kubelet', value: state ?? null, source: 'systemctl is-active kubelet' },
          { label: 'last_heartbeat', value: node.lastHeartbeat ?? null, source: 'kube-node-lease' },
          ...(facts?.reboots?.[0] ? [{ label: 'last_reboot', value: facts.reboots[0].time, source: 'last reboot' }] : []),
          ...urgency.evidence,
          ...backingServerEvidence(index, node),
        ];
        if (state !== undefined && state !== 'active') {
          out.push({ ...base, messageId: 'kubeletInactive', data: { state, node: node.name, cluster: cluster.name }, evidence });
          continue;
        }
        if (!leasesRead || node.lastHeartbeat === undefined) continue;
        // A VM that is not running renews nothing; node-not-ready names the VM as the cause, so saying "kubelet is down" would mislead.
        const server = index.serverOfNode(node);
        if (server && server.status !== 'ACTIVE') continue;
        if (node.lastHeartbeat === null) {
          out.push({ ...base, messageId: 'leaseMissing', data: { node: node.name, cluster: cluster.name }, evidence });
          continue;
        }
        const renewed = parseTime(node.lastHeartbeat);
        if (renewed === undefined || now.getTime() - renewed <= options.staleSeconds * 1000) continue;
        out.push({
          ...base,
          messageId: 'heartbeatStale',
          data: { node: node.name, cluster: cluster.name, age: formatAge(now.getTime() - renewed), limit: options.staleSeconds },
          evidence,
        });
      }
    }
    return out;
  },
});
