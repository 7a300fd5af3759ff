import { deadline } from '../../core/deadline.js';
import { CollectorError, ConfigError, errorMessage } from '../../core/errors.js';
import { LABEL_NAME, SIGNAL_QUERIES, presenceQuery, signalQuery } from '../../snapshot/prometheus-queries.js';
import { PROMETHEUS_SIGNALS, type PrometheusSignal, type SnapshotInput } from '../../snapshot/schema.js';
import type { Collector, CollectorResult } from '../types.js';
import { displayUrl, instantQuery, type VectorSample } from './http-api.js';

export { PrometheusHttpError, instantQuery, parseVectorAnswer, displayUrl, type VectorSample } from './http-api.js';

export interface PrometheusCollectorOptions {
  /** Base URL of the Prometheus (or Thanos Query / Mimir) HTTP API, without `/api/v1`. */
  readonly url: string;
  /** Extra request headers, e.g. a tenant header; never logged. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as `Authorization: Bearer …`; a secret. */
  readonly bearerToken?: string;
  /** The label that names the cluster on every series. */
  readonly clusterLabel: string;
  readonly windowDays: number;
  readonly timeoutMs?: number;
}

type SignalRow = NonNullable<NonNullable<SnapshotInput['prometheus']>['signals']>[number];
type ResultRow = NonNullable<SignalRow['results']>[number];

/** How each signal's answer maps onto the snapshot's rows (the label names are the exporters'). */
const ROW: Record<PrometheusSignal, (l: Readonly<Record<string, string>>) => Omit<ResultRow, 'value'> | undefined> = {
  httpRequests: (l) => (l.destination_service_namespace && l.destination_service_name ? { namespace: l.destination_service_namespace, service: l.destination_service_name } : undefined),
  kafkaConsumption: (l) => (l.namespace && l.client_id ? { namespace: l.namespace, consumerGroup: l.client_id } : undefined),
  cronjobSuspended: (l) => (l.namespace && l.cronjob ? { namespace: l.namespace, workload: l.cronjob } : undefined),
};

function validate(o: PrometheusCollectorOptions): void {
  const where = 'prometheus';
  try {
    const u = new URL(o.url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw new ConfigError({ key: `${where}.url`, problem: 'is not an http(s) URL', fix: 'write the Prometheus base URL, e.g. http://prometheus.monitoring:9090' });
  }
  if (!LABEL_NAME.test(o.clusterLabel)) throw new ConfigError({ key: `${where}.clusterLabel`, problem: `${JSON.stringify(o.clusterLabel)} is not a Prometheus label name`, fix: 'use letters, digits and underscores, e.g. "cluster"' });
  if (!(Number.isInteger(o.windowDays) && o.windowDays > 0)) throw new ConfigError({ key: `${where}.windowDays`, problem: `must be a whole number of days above 0, got ${String(o.windowDays)}` });
  if (o.timeoutMs !== undefined && !(Number.isFinite(o.timeoutMs) && o.timeoutMs > 0)) throw new ConfigError({ key: `${where}.timeoutSeconds`, problem: `must be a positive number, got ${String(o.timeoutMs)}` });
}

type Answer = { ok: true; samples: VectorSample[] } | { ok: false; error: string };

/**
 * The unused-service signals (catalog §3): per cluster, whether each metric exists
 * in the window and what the detector's PromQL answers, evaluated at the scan time.
 * A query Prometheus refuses makes that signal `failed` with the reason; when no
 * query is answered at all (unreachable, refused everywhere), the collector fails.
 */
export function createPrometheusCollector(options: PrometheusCollectorOptions): Collector {
  validate(options);
  const shown = displayUrl(options.url);
  const headers = { ...options.headers, ...(options.bearerToken ? { authorization: `Bearer ${options.bearerToken}` } : {}) };
  const { clusterLabel, windowDays } = options;
  return {
    id: 'prometheus',
    description: `unused-service signals (HTTP requests, Kafka consumption, suspended CronJobs) from Prometheus ${shown}`,
    produces: ['prometheus'],
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    async collect(ctx): Promise<CollectorResult> {
      const limit = options.timeoutMs === undefined ? null : deadline(ctx.signal, options.timeoutMs);
      const signal = limit?.signal ?? ctx.signal;
      try {
        const at = ctx.now();
        const ask = async (query: string): Promise<Answer> => {
          try {
            return { ok: true, samples: await instantQuery(options.url, query, at, { signal, headers }) };
          } catch (err) {
            return { ok: false, error: errorMessage(err) };
          }
        };
        const queries = PROMETHEUS_SIGNALS.map((s) => ({ s, presence: presenceQuery(SIGNAL_QUERIES[s].metric, windowDays, clusterLabel), query: signalQuery(s, windowDays, clusterLabel) }));
        const answers = await Promise.all(queries.map(async (q) => ({ ...q, present: await ask(q.presence), values: await ask(q.query) })));
        const failures = answers.flatMap((a) => [a.present, a.values]).filter((x): x is { ok: false; error: string } => !x.ok);
        if (failures.length === answers.length * 2) throw new CollectorError(`no unused-service query was answered: ${failures[0]?.error ?? 'unknown error'}`);

        // Clusters are those any signal's metric names; one without a metric gets `metricPresent: false` for it.
        const clusters = new Set<string>();
        for (const a of answers) if (a.present.ok) for (const s of a.present.samples) if (s.labels[clusterLabel]) clusters.add(s.labels[clusterLabel]);
        for (const c of ctx.input.kubernetes?.clusters ?? []) clusters.add(c.name);
        const warnings: string[] = [];
        const signals: SignalRow[] = [];
        let unlabeled = 0;
        for (const cluster of [...clusters].sort()) {
          for (const a of answers) {
            const failed = !a.present.ok ? a.present.error : !a.values.ok ? a.values.error : undefined;
            if (failed !== undefined || !a.present.ok || !a.values.ok) {
              signals.push({ cluster, signal: a.s, query: a.query, status: 'failed', error: failed ?? 'no answer', metricPresent: false, results: [] });
              continue;
            }
            const present = a.present.samples.some((s) => s.labels[clusterLabel] === cluster && s.value > 0);
            const results: ResultRow[] = [];
            for (const s of a.values.samples) {
              if (s.labels[clusterLabel] !== cluster || !Number.isFinite(s.value)) continue;
              const row = ROW[a.s](s.labels);
              if (row) results.push({ ...row, value: s.value });
            }
            signals.push({ cluster, signal: a.s, query: a.query, status: 'ok', metricPresent: present, results });
          }
        }
        for (const a of answers) if (a.values.ok) unlabeled += a.values.samples.filter((s) => !s.labels[clusterLabel]).length;
        if (unlabeled > 0) warnings.push(`${unlabeled} series have no "${clusterLabel}" label and were left out (set prometheus.clusterLabel to the label that names the cluster)`);
        for (const a of answers) {
          const error = !a.present.ok ? a.present.error : !a.values.ok ? a.values.error : undefined;
          if (error !== undefined) warnings.push(`signal ${a.s} not checked: ${error}`);
        }
        ctx.progress(`${clusters.size} clusters, ${signals.filter((s) => s.status === 'ok').length} signals from Prometheus ${shown}`);
        return { data: { prometheus: { windowDays, evaluatedAt: at.toISOString(), signals } }, status: failures.length ? 'partial' : 'ok', warnings };
      } finally {
        limit?.clear();
      }
    },
  };
}
