import { z } from 'zod';
import { SEVERITIES } from '../../core/severity.js';
import { defineDetector, type RawFinding } from '../define.js';
import { judgedClusters } from '../inputs.js';
import { clusterUrgency, formatAge, kubectl, objectRef, parseTime } from '../kubernetes.js';
import { formatBytes } from '../resources.js';

type Messages = 'pending' | 'lost';

export default defineDetector({
  id: 'pvc-not-bound',
  title: 'PersistentVolumeClaim Pending or Lost',
  layer: 'kubernetes',
  severity: 'medium',
  description: 'Finds PersistentVolumeClaims Pending past a grace period, and Lost ones.',
  explanation:
    'A Pending claim has no volume: its pods stay Pending with it. On OpenStack the usual causes are a storage class ' +
    'whose Cinder backend is out of capacity or quota, a wrong availability zone, or a CSI controller that is down. A ' +
    'Lost claim points at a volume that no longer exists: the data behind it is gone or detached for good.',
  requires: ['kubernetes'],
  uses: ['servers', 'regions'],
  kubernetesKinds: ['persistentVolumeClaims'],
  messages: {
    pending: 'PersistentVolumeClaim {{pvc}} in cluster {{cluster}} has been Pending for {{age}} (storage class {{storageClass}}{{size}}).',
    lost: 'PersistentVolumeClaim {{pvc}} in cluster {{cluster}} is Lost: its volume {{volume}} no longer exists.',
  },
  options: z.object({
    pendingMinutes: z.number().nonnegative().default(5).describe('a claim Pending for less than this may still be provisioning'),
    devSeverity: z.enum(SEVERITIES).default('low').describe('severity for clusters in a dev zone'),
  }),
  remediation: {
    steps: [
      'See why: `kubectl -n <ns> describe pvc <name>` (events: ProvisioningFailed, WaitForFirstConsumer).',
      'Check the storage class and its CSI controller: `kubectl get storageclass`, `kubectl -n kube-system get pods -l app=csi-cinder-controllerplugin`; Cinder capacity and quota with `openstack volume service list` and `openstack quota show`.',
      'Lost: find the volume (`kubectl get pv <volume>`, `openstack volume show <id>`) and restore it from backup before deleting the claim.',
    ],
  },
  source: 'k8sgpt core analyzers (PersistentVolumeClaim); catalog §3 Kubernetes layer',
  detect({ snapshot, index, options, now }) {
    const out: RawFinding<Messages>[] = [];
    for (const cluster of judgedClusters(snapshot, ['persistentVolumeClaims'])) {
      for (const pvc of cluster.persistentVolumeClaims) {
        if (pvc.phase === 'Bound') continue;
        const urgency = clusterUrgency(index, cluster, 'medium', options.devSeverity);
        const evidence = [
          { label: 'phase', value: pvc.phase, source: 'kubernetes' },
          { label: 'storage_class', value: pvc.storageClass ?? null, source: 'kubernetes' },
          { label: 'volume', value: pvc.volumeName ?? null, source: 'kubernetes' },
          { label: 'read', value: kubectl(cluster, `-n ${pvc.namespace} describe pvc ${pvc.name}`), source: 'command' },
          ...urgency.evidence,
        ];
        const resource = objectRef(cluster, 'volume-claim', pvc.namespace, pvc.name);
        const name = `${pvc.namespace}/${pvc.name}`;
        if (pvc.phase === 'Lost') {
          out.push({ messageId: 'lost', data: { pvc: name, cluster: cluster.name, volume: pvc.volumeName ?? '(unnamed)' }, resource, severity: 'high', evidence });
          continue;
        }
        const since = parseTime(pvc.createdAt);
        if (since !== undefined && now.getTime() - since < options.pendingMinutes * 60_000) continue;
        out.push({
          messageId: 'pending',
          data: { pvc: name, cluster: cluster.name, age: since === undefined ? 'an unknown time' : formatAge(now.getTime() - since), storageClass: pvc.storageClass ?? 'default', size: pvc.requestedBytes ? `, ${formatBytes(pvc.requestedBytes)}` : '' },
          resource,
          severity: urgency.severity,
          evidence,
        });
      }
    }
    return out;
  },
});
