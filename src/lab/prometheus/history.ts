/**
 * Eight days of metric history for the lab's clusters, written as OpenMetrics for
 * `promtool tsdb create-blocks-from openmetrics`. Every series carries a `cluster`
 * label naming its cluster (one Prometheus serves the whole lab). An idle Service
 * has NO series in the last window — its counter stopped being exported, as a
 * real stale series does — rather than a series stuck at 0.
 */
export interface HistoryService {
  readonly namespace: string;
  readonly name: string;
  /** No requests for the whole recent window: its series ends before it. */
  readonly idle?: boolean;
  /** When it was created (ms): no series before. */
  readonly since?: number;
}

export interface HistoryConsumer {
  readonly namespace: string;
  /** The consumer group, exported by the Kafka client as `client_id`. */
  readonly group: string;
  readonly idle?: boolean;
  /** When its workload was created (ms): no series before. */
  readonly since?: number;
}

export interface HistoryCronJob {
  readonly namespace: string;
  readonly name: string;
  /** Suspended at every sample of the window. */
  readonly suspendedAllWindow?: boolean;
  /** Suspended from this instant (ms) on, as `spec.suspend: true` since then. */
  readonly suspendedSince?: number;
  /** Suspended every night (20:00-06:00 UTC) by a night-time saver, running by day. */
  readonly nightly?: boolean;
  /** When it was created (ms): no series before. */
  readonly since?: number;
}

export interface ClusterHistory {
  readonly cluster: string;
  readonly services: readonly HistoryService[];
  readonly consumers: readonly HistoryConsumer[];
  readonly cronjobs: readonly HistoryCronJob[];
}

export interface HistoryOptions {
  readonly now: number;
  /** Days of history in total (default 8: one more than the window, so idle services had traffic before). */
  readonly days?: number;
  /** Days at the end in which idle things have no samples (default 7). */
  readonly idleDays?: number;
  /**
   * Seconds between samples (default 3600). `increase(...[7d])` needs only two samples in the window and the
   * CronJob's night-time suspension (20:00-06:00) still shows at hourly samples, so a finer step would only
   * make the file and the backfill bigger.
   */
  readonly stepSeconds?: number;
}

function labels(pairs: Record<string, string>): string {
  return Object.entries(pairs)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');
}

/** A small stable number from a name, so traffic differs between services but not between runs. */
function weight(seed: string): number {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
  return 1 + ((h >>> 0) % 50);
}

/** The OpenMetrics text (ending in `# EOF`) and how many series it holds. */
export function historyOpenMetrics(clusters: readonly ClusterHistory[], options: HistoryOptions): { text: string; series: number } {
  const step = options.stepSeconds ?? 3600;
  const end = Math.floor(options.now / 1000 / step) * step;
  const start = end - (options.days ?? 8) * 86_400;
  const idleFrom = end - (options.idleDays ?? 7) * 86_400;
  const families: Record<string, { type: string; help: string; lines: string[] }> = {
    up: { type: 'gauge', help: 'Whether the scrape target answered.', lines: [] },
    istio_requests: { type: 'counter', help: 'Requests received by a destination workload.', lines: [] },
    kafka_consumer_fetch_manager_records_consumed_rate: { type: 'gauge', help: 'Records consumed per second.', lines: [] },
    kube_cronjob_spec_suspend: { type: 'gauge', help: 'Suspend flag tells the controller to suspend subsequent executions.', lines: [] },
  };
  let series = 0;
  const emit = (family: string, name: string, l: Record<string, string>, value: (t: number) => number | undefined, since?: number): void => {
    series++;
    const lbl = labels(l);
    const from = since === undefined ? start : Math.max(start, Math.ceil(since / 1000 / step) * step);
    for (let t = from; t <= end; t += step) {
      const v = value(t);
      if (v !== undefined) families[family]!.lines.push(`${name}{${lbl}} ${v} ${t}`);
    }
  };
  const night = (t: number): boolean => { const h = (t / 3600) % 24; return h >= 20 || h < 6; };
  for (const c of clusters) {
    emit('up', 'up', { cluster: c.cluster, job: 'kube-state-metrics', instance: 'kube-state-metrics.kube-system:8080' }, () => 1);
    for (const s of c.services) {
      const rps = weight(`${c.cluster}/${s.namespace}/${s.name}`);
      for (const code of ['200', '503']) {
        const share = code === '200' ? rps : rps / 100;
        emit('istio_requests', 'istio_requests_total', {
          cluster: c.cluster, reporter: 'destination', source_workload: 'istio-ingressgateway', source_workload_namespace: 'istio-system',
          destination_service_name: s.name, destination_service_namespace: s.namespace, destination_service: `${s.name}.${s.namespace}.svc.cluster.local`,
          destination_workload: s.name, destination_workload_namespace: s.namespace, request_protocol: 'http', response_code: code,
        }, (t) => (s.idle && t >= idleFrom ? undefined : Math.round((t - start) * share)), s.since);
      }
    }
    for (const k of c.consumers) {
      emit('kafka_consumer_fetch_manager_records_consumed_rate', 'kafka_consumer_fetch_manager_records_consumed_rate', {
        cluster: c.cluster, namespace: k.namespace, client_id: k.group, topic: `${k.group}-events`, job: 'kafka-clients',
      }, (t) => (k.idle && t >= idleFrom ? 0 : weight(k.group) * (night(t) ? 0.2 : 1)), k.since);
    }
    for (const j of c.cronjobs) {
      emit('kube_cronjob_spec_suspend', 'kube_cronjob_spec_suspend', { cluster: c.cluster, namespace: j.namespace, cronjob: j.name, job: 'kube-state-metrics' },
        (t) => ((j.suspendedAllWindow && t >= idleFrom) || (j.suspendedSince !== undefined && t * 1000 >= j.suspendedSince) || (j.nightly && night(t)) ? 1 : 0), j.since);
    }
  }
  const out: string[] = [];
  for (const [name, f] of Object.entries(families)) {
    if (f.lines.length === 0) continue;
    out.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`, ...f.lines);
  }
  out.push('# EOF', '');
  return { text: out.join('\n'), series };
}
