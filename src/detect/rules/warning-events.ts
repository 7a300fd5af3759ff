import { z } from 'zod';
import { SEVERITIES } from '../../core/severity.js';
import { defineDetector, type RawFinding } from '../define.js';
import { judgedClusters } from '../inputs.js';
import { clusterUrgency, kubectl, objectRef, parseTime, systemNamespacesOption } from '../kubernetes.js';
import { listNames } from '../resources.js';

type Messages = 'warnings';

export default defineDetector({
  id: 'warning-events',
  title: 'Recent Warning events',
  layer: 'kubernetes',
  severity: 'low',
  description: 'Groups the recent Warning events of each namespace by reason (BackOff, FailedScheduling, FailedMount, Unhealthy, …).',
  explanation:
    'Events are the cluster\'s own account of what failed: scheduling, image pulls, probes, volume mounts, evictions. ' +
    'They exist even for a pod that never started, which makes them the checklist\'s first read after the pod list; ' +
    'grouped by reason they show in one line what a namespace is fighting with.',
  requires: ['kubernetes'],
  uses: ['servers', 'regions'],
  kubernetesKinds: ['events'],
  messages: {
    warnings: '{{count}} Warning event(s) {{reason}} in {{namespace}} of cluster {{cluster}} in the last {{window}} min, on {{objects}}: {{sample}}',
  },
  options: z.object({
    windowMinutes: z.number().positive().default(60).describe('only events last seen within this many minutes'),
    ignoreReasons: z.array(z.string()).default([]).describe('event reasons never reported'),
    systemNamespaces: systemNamespacesOption,
    systemSeverity: z.enum(SEVERITIES).default('medium').describe('severity for Warning events in a system namespace'),
  }),
  remediation: {
    steps: [
      'Read them in order: `kubectl -n <ns> get events --sort-by=.lastTimestamp --field-selector type=Warning`.',
      'Follow the involved object: `kubectl -n <ns> describe <kind> <name>`.',
      'FailedScheduling: requests, taints and node capacity; FailedMount: the PVC and the CSI driver; Unhealthy: the probe and the application\'s log.',
    ],
  },
  source: 'catalog §3 Kubernetes layer (warning-events); seed 003 (get events --sort-by=.lastTimestamp)',
  detect({ snapshot, index, options, now }) {
    const out: RawFinding<Messages>[] = [];
    const since = now.getTime() - options.windowMinutes * 60_000;
    const ignored = new Set(options.ignoreReasons);
    const system = new Set(options.systemNamespaces);
    for (const cluster of judgedClusters(snapshot, ['events'])) {
      const groups = new Map<string, typeof cluster.events>();
      for (const e of cluster.events) {
        if (e.type !== 'Warning' || ignored.has(e.reason)) continue;
        const t = parseTime(e.lastTimestamp ?? e.firstTimestamp);
        if (t === undefined || t < since) continue;
        const key = `${e.namespace}\u0000${e.reason}`;
        groups.set(key, [...(groups.get(key) ?? []), e]);
      }
      for (const [key, events] of groups) {
        const [namespace, reason] = key.split('\u0000') as [string, string];
        const newest = [...events].sort((a, b) => (b.lastTimestamp ?? '').localeCompare(a.lastTimestamp ?? ''))[0];
        const count = events.reduce((n, e) => n + e.count, 0);
        const objects = [...new Set(events.map((e) => e.object))];
        const urgency = clusterUrgency(index, cluster, 'low', 'low');
        out.push({
          messageId: 'warnings',
          data: { count, reason, namespace, cluster: cluster.name, window: options.windowMinutes, objects: listNames(objects, 5), sample: newest?.message ?? '' },
          resource: objectRef(cluster, 'cluster', namespace, reason),
          severity: system.has(namespace) ? options.systemSeverity : 'low',
          evidence: [
            { label: 'reason', value: reason, source: 'kubernetes events' },
            { label: 'count', value: count, source: 'kubernetes events' },
            { label: 'objects', value: listNames(objects), source: 'kubernetes events' },
            { label: 'last_seen', value: newest?.lastTimestamp ?? null, source: 'kubernetes events' },
            { label: 'read', value: kubectl(cluster, `-n ${namespace} get events --sort-by=.lastTimestamp --field-selector type=Warning,reason=${reason}`), source: 'command' },
            ...urgency.evidence,
          ],
        });
      }
    }
    return out;
  },
});
