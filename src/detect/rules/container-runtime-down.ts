import { z } from 'zod';
import { SEVERITIES } from '../../core/severity.js';
import { shortHostName } from '../../snapshot/fleet-index.js';
import { defineDetector, type RawFinding } from '../define.js';
import { hostRef, hostUrgency } from '../resources.js';

type Messages = 'runtimeInactive' | 'socketMissing';

export default defineDetector({
  id: 'container-runtime-down',
  title: 'Container runtime not running on a Kubernetes node',
  layer: 'kubernetes',
  severity: 'high',
  description: 'Finds Kubernetes nodes (joined or not) whose containerd unit is not active or whose containerd socket is missing.',
  explanation:
    'kubelet talks to containerd through /run/containerd/containerd.sock. Without it no pod starts, a running node goes ' +
    'NotReady, and a new VM cannot join: `kubeadm join` stops at its preflight check with "container runtime is not running ... ' +
    'containerd.sock: connect: no such file or directory", the failure the platform team\'s node-join automation reported.',
  requires: ['hostFacts'],
  uses: ['kubernetes', 'servers', 'hypervisors', 'regions'],
  messages: {
    runtimeInactive: 'containerd is {{state}} on Kubernetes node {{host}} ({{cluster}}); kubelet cannot start pods and the node cannot join.',
    socketMissing: 'The containerd socket is missing on Kubernetes node {{host}} ({{cluster}}) although the unit says {{state}}; kubelet cannot reach the runtime.',
  },
  options: z.object({
    devSeverity: z.enum(SEVERITIES).default('medium').describe('severity for nodes in a dev zone'),
  }),
  remediation: {
    steps: [
      'On the node: `systemctl status containerd` and `journalctl -u containerd -n 200 --no-pager`.',
      'Check the socket: `ls -l /run/containerd/containerd.sock` and `crictl --runtime-endpoint unix:///run/containerd/containerd.sock info`.',
      'Start it and keep it on: `systemctl enable --now containerd`, then `systemctl restart kubelet`.',
      'A node that never joined: run the join again (`kubeadm join ...`) once the preflight passes.',
    ],
  },
  source: 'catalog §3 Kubernetes layer (container-runtime-down); seed 004 (node join failing on the containerd socket)',
  detect({ snapshot, index, options }) {
    const out: RawFinding<Messages>[] = [];
    const nodeHosts = new Map<string, string>();
    for (const c of snapshot.kubernetes.clusters) for (const n of c.nodes) nodeHosts.set(shortHostName(n.name), c.name);
    for (const facts of snapshot.hostFacts) {
      const server = index.serversNamed(facts.host)[0] ?? index.serversNamed(shortHostName(facts.host))[0];
      const cluster = nodeHosts.get(shortHostName(facts.host)) ?? (server ? index.clusterOfServer(server) : undefined);
      if (cluster === undefined) continue;
      const state = facts.services?.['containerd'];
      const inactive = state !== undefined && state !== 'active';
      if (!inactive && facts.containerdSocket !== false) continue;
      const urgency = hostUrgency(index, facts.host, 'high', options.devSeverity);
      out.push({
        messageId: inactive ? 'runtimeInactive' : 'socketMissing',
        data: { host: facts.host, cluster, state: state ?? 'not read' },
        resource: hostRef(index, facts.host),
        severity: urgency.severity,
        evidence: [
          { label: 'containerd', value: state ?? null, source: 'systemctl is-active containerd' },
          { label: 'containerd_socket', value: facts.containerdSocket ?? null, source: 'test -S /run/containerd/containerd.sock' },
          { label: 'kubelet', value: facts.services?.['kubelet'] ?? null, source: 'systemctl is-active kubelet' },
          { label: 'cluster', value: cluster, source: 'kubernetes' },
          ...(facts.nodeJoinErrors?.[0] ? [{ label: 'join_error', value: facts.nodeJoinErrors[0], source: 'kubeadm join' }] : []),
          ...urgency.evidence,
        ],
      });
    }
    return out;
  },
});
