import { z } from 'zod';
import { SEVERITIES } from '../../core/severity.js';
import { defineDetector, type RawFinding } from '../define.js';
import { judgedClusters } from '../inputs.js';
import { clusterUrgency, parseTime } from '../kubernetes.js';
import { serverEvidence, serverRef } from '../resources.js';

type Messages = 'neverJoined';

export default defineDetector({
  id: 'node-never-joined',
  title: 'Server built for a cluster that never joined it',
  layer: 'kubernetes',
  severity: 'medium',
  description: 'Finds running servers recorded as nodes of a cluster that have no Node object in that cluster.',
  explanation:
    'A node VM joins its cluster by running `kubeadm join` at first boot. When the join fails (containerd not running, ' +
    'a wrong token, the API server unreachable) the VM keeps running and costs quota but never takes a pod, and nobody ' +
    'notices until the cluster runs short. The join\'s preflight error on the VM says why.',
  requires: ['kubernetes', 'servers'],
  uses: ['hostFacts', 'regions', 'inventory'],
  kubernetesKinds: ['nodes'],
  messages: {
    neverJoined: 'Server {{server}} was built for cluster {{cluster}} {{age}} ago but is not a node of it{{why}}.',
  },
  options: z.object({
    graceMinutes: z.number().nonnegative().default(30).describe('servers younger than this may still be joining'),
    devSeverity: z.enum(SEVERITIES).default('low').describe('severity for clusters in a dev zone'),
  }),
  remediation: {
    steps: [
      'On the server: read the join log (`journalctl -u kubelet`, cloud-init output) for the kubeadm preflight errors.',
      'Fix what the preflight names; for "container runtime is not running": `systemctl enable --now containerd` and check `/run/containerd/containerd.sock`.',
      'Join again with a fresh token: `kubeadm token create --print-join-command` on a control-plane node, then run it on the server.',
      'Confirm with `kubectl get node <server>`; announce the join (success with the kubelet version, failure with the error) as the node-join automation does.',
    ],
  },
  source: 'catalog §3 Kubernetes layer (node-never-joined); seed 004 (node join automation)',
  detect({ snapshot, index, options, now }) {
    const out: RawFinding<Messages>[] = [];
    for (const cluster of judgedClusters(snapshot, ['nodes'])) {
      for (const server of index.serversOfCluster(cluster.name)) {
        if (server.status !== 'ACTIVE' || index.nodeOfServer(server.id)) continue;
        const created = parseTime(server.launchedAt ?? server.createdAt);
        if (created !== undefined && now.getTime() - created < options.graceMinutes * 60_000) continue;
        const facts = index.hostFacts(server.name);
        const joinError = facts?.nodeJoinErrors?.[0];
        const runtime = facts?.services?.['containerd'];
        const why = joinError !== undefined ? `: the join failed with "${joinError.length > 160 ? `${joinError.slice(0, 157)}...` : joinError}"` : runtime !== undefined && runtime !== 'active' ? ` (containerd is ${runtime} on it)` : '';
        const urgency = clusterUrgency(index, cluster, 'medium', options.devSeverity);
        const days = created === undefined ? undefined : (now.getTime() - created) / 86_400_000;
        out.push({
          messageId: 'neverJoined',
          data: { server: server.name, cluster: cluster.name, age: days === undefined ? 'some time' : days >= 2 ? `${Math.round(days)} days` : `${Math.round(days * 24)} hours`, why },
          resource: serverRef(index, server),
          severity: urgency.severity,
          evidence: [
            ...serverEvidence(index, server),
            { label: 'nodes_in_cluster', value: cluster.nodes.length, source: 'kubernetes' },
            { label: 'containerd', value: runtime ?? null, source: 'systemctl is-active containerd' },
            { label: 'containerd_socket', value: facts?.containerdSocket ?? null, source: 'test -S /run/containerd/containerd.sock' },
            ...(joinError !== undefined ? [{ label: 'join_error', value: joinError, source: 'kubeadm join' }] : []),
            ...urgency.evidence,
          ],
        });
      }
    }
    return out;
  },
});
