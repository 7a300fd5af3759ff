import type { PrometheusSignal } from './schema.js';

/**
 * The PromQL behind each unused-service signal, shared by the collector that
 * sends it and the detector that quotes it in evidence, so the two cannot drift.
 * `{by}` takes the cluster label (with its comma) when one Prometheus serves many
 * clusters; `{window}` the look-back in days.
 */
interface SignalQuery {
  readonly metric: string;
  readonly template: string;
}

export const SIGNAL_QUERIES: Readonly<Record<PrometheusSignal, SignalQuery>> = {
  httpRequests: {
    metric: 'istio_requests_total',
    template: 'sum by ({by}destination_service_namespace, destination_service_name) (increase(istio_requests_total{reporter="destination"}[{window}d]))',
  },
  kafkaConsumption: {
    metric: 'kafka_consumer_fetch_manager_records_consumed_rate',
    template: 'max by ({by}namespace, client_id) (max_over_time(kafka_consumer_fetch_manager_records_consumed_rate[{window}d]))',
  },
  cronjobSuspended: {
    metric: 'kube_cronjob_spec_suspend',
    template: 'min by ({by}namespace, cronjob) (min_over_time(kube_cronjob_spec_suspend[{window}d]))',
  },
};

/** Label names are checked before they go into PromQL: a config value must not be able to change the query. */
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function fill(template: string, windowDays: number, clusterLabel: string | undefined): string {
  if (clusterLabel !== undefined && !LABEL_NAME.test(clusterLabel)) throw new Error(`not a Prometheus label name: ${JSON.stringify(clusterLabel)}`);
  return template.replace('{by}', clusterLabel ? `${clusterLabel}, ` : '').replace('{window}', String(windowDays));
}

/** The query for one signal; without a cluster label, as written in the detector's doc. */
export function signalQuery(signal: PrometheusSignal, windowDays: number, clusterLabel?: string): string {
  return fill(SIGNAL_QUERIES[signal].template, windowDays, clusterLabel);
}

/**
 * Which clusters have the signal's metric at all in the window: without it an
 * absent series means "not measured", not "idle".
 */
export function presenceQuery(metric: string, windowDays: number, clusterLabel: string): string {
  if (!LABEL_NAME.test(clusterLabel)) throw new Error(`not a Prometheus label name: ${JSON.stringify(clusterLabel)}`);
  return `count by (${clusterLabel}) (count_over_time(${metric}[${windowDays}d]))`;
}
