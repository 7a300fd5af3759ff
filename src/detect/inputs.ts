import type { DataKey } from '../core/data-keys.js';
import type { KubernetesKind, PrometheusSignal, Snapshot } from '../snapshot/schema.js';

export type InputState =
  | { readonly state: 'ok' }
  | { readonly state: 'partial'; readonly reason: string }
  | { readonly state: 'failed'; readonly reason: string }
  | { readonly state: 'missing'; readonly reason: string };

/**
 * Whether each snapshot section can be trusted, from the collection outcomes the
 * snapshot carries. A section that no collector produced is `missing`: an empty
 * list there means "nobody looked", not "nothing wrong".
 */
export function inputState(snapshot: Snapshot, key: DataKey): InputState {
  const outcomes = snapshot.collection.filter((o) => o.produces.includes(key));
  if (outcomes.length === 0) {
    // History is not collected from the fleet but read from the store; say how to get one.
    if (key === 'history') return { state: 'missing', reason: 'history not available: no store is configured (add a store section to faultline.yaml, or scan with --record)' };
    return { state: 'missing', reason: `${key} not collected (no collector for it ran)` };
  }
  const failed = outcomes.filter((o) => o.status === 'failed');
  const describe = (list: typeof outcomes): string =>
    list.map((o) => `${o.collector}${o.error ? `: ${o.error}` : ''}`).join('; ');
  if (failed.length === outcomes.length) return { state: 'failed', reason: `${key} collector failed (${describe(failed)})` };
  const partial = outcomes.filter((o) => o.status === 'partial');
  if (failed.length > 0 || partial.length > 0) {
    const warn = partial.flatMap((o) => o.warnings).slice(0, 3);
    return {
      state: 'partial',
      reason: `${key} only partly collected (${describe([...failed, ...partial])}${warn.length ? `; ${warn.join('; ')}` : ''})`,
    };
  }
  return { state: 'ok' };
}

/**
 * Whether the clusters in the snapshot had the kinds a Kubernetes detector reads.
 * One failed or half-read cluster makes the input partial and names it first, so
 * the reader learns what was not looked at; when no cluster had the kinds at all
 * the detector cannot judge and is skipped. An empty cluster list is judged as
 * collected: the collector ran and found no cluster.
 */
export function kubernetesKindsState(snapshot: Snapshot, kinds: readonly KubernetesKind[]): InputState {
  const clusters = snapshot.kubernetes.clusters;
  if (clusters.length === 0 || kinds.length === 0) return { state: 'ok' };
  const gaps: string[] = [];
  let usable = 0;
  for (const c of clusters) {
    if (c.collection.status === 'failed') {
      gaps.push(`cluster ${c.name} not read${c.collection.error ? ` (${c.collection.error})` : ''}`);
      continue;
    }
    const absent = kinds.filter((k) => c.collection.unlisted.includes(k));
    if (absent.length > 0) gaps.push(`cluster ${c.name}: ${absent.join(', ')} not listed`);
    else usable += 1;
  }
  if (gaps.length === 0) return { state: 'ok' };
  const shown = gaps.slice(0, 5).join('; ') + (gaps.length > 5 ? `; and ${gaps.length - 5} more clusters` : '');
  if (usable === 0) return { state: 'missing', reason: `kubernetes: no cluster could be judged (${shown})` };
  return { state: 'partial', reason: `kubernetes: ${gaps.length} of ${clusters.length} clusters not judged (${shown})` };
}

/** The clusters a detector can judge: read, with every kind it needs listed. */
export function judgedClusters(snapshot: Snapshot, kinds: readonly KubernetesKind[]): Snapshot['kubernetes']['clusters'] {
  return snapshot.kubernetes.clusters.filter((c) => c.collection.status !== 'failed' && !kinds.some((k) => c.collection.unlisted.includes(k)));
}

/** The words a reader knows each unused-service signal by. */
const SIGNAL_WORDS: Readonly<Record<PrometheusSignal, string>> = {
  httpRequests: 'HTTP requests (istio_requests_total)',
  kafkaConsumption: 'Kafka consumption (kafka_consumer_fetch_manager_records_consumed_rate)',
  cronjobSuspended: 'CronJob suspension (kube_cronjob_spec_suspend)',
};

/**
 * Whether the Prometheus signals were answered. A signal whose query failed leaves
 * whatever it would have judged unjudged, so the result names that signal, where and
 * why, rather than passing quietly; when no signal at all was answered the detector
 * cannot judge anything.
 */
export function prometheusSignalsState(snapshot: Snapshot): InputState {
  const signals = snapshot.prometheus.signals;
  const failed = signals.filter((s) => s.status === 'failed');
  if (failed.length === 0) return { state: 'ok' };
  const bySignal = new Map<PrometheusSignal, { clusters: string[]; error: string }>();
  for (const s of failed) {
    const entry = bySignal.get(s.signal) ?? { clusters: [], error: s.error ?? 'no answer' };
    entry.clusters.push(s.cluster);
    bySignal.set(s.signal, entry);
  }
  const parts = [...bySignal].map(([signal, e]) => {
    const where = e.clusters.length > 3 ? `${e.clusters.slice(0, 3).join(', ')} and ${e.clusters.length - 3} more clusters` : e.clusters.join(', ');
    return `signal ${signal} (${SIGNAL_WORDS[signal]}) could not be checked in ${where}: ${e.error}`;
  });
  if (failed.length === signals.length) return { state: 'missing', reason: `prometheus: no signal could be checked (${parts.join('; ')})` };
  return { state: 'partial', reason: `prometheus: ${parts.join('; ')}; nothing was judged on it` };
}
