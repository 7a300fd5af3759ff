import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createPrometheusCollector } from '../collect/prometheus/index.js';
import type { CollectContext } from '../collect/types.js';
import { prometheusMissing, startLabPrometheus, type LabPrometheus } from '../lab/prometheus/server.js';
import type { ClusterHistory } from '../lab/prometheus/history.js';

const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);
const CLUSTERS: ClusterHistory[] = [
  {
    cluster: 'k8s-pay-kr1-01',
    services: [{ namespace: 'shop', name: 'cart' }, { namespace: 'shop', name: 'legacy-coupons', idle: true }],
    consumers: [{ namespace: 'shop', group: 'orders' }, { namespace: 'shop', group: 'audit-archiver', idle: true }],
    cronjobs: [{ namespace: 'shop', name: 'nightly-report' }, { namespace: 'shop', name: 'old-export', suspendedAllWindow: true }],
  },
  { cluster: 'k8s-ml-kr2-01', services: [{ namespace: 'infer', name: 'api' }], consumers: [], cronjobs: [] },
];

function ctx(): CollectContext {
  const noop = (): void => {};
  const log = { debug: noop, info: noop, warn: noop, error: noop } as unknown as CollectContext['log'];
  return { signal: new AbortController().signal, now: () => new Date(NOW), log, progress: noop, input: {} };
}

const missing = await prometheusMissing();

describe('prometheus collector against the lab Prometheus (real prometheus, promtool backfill)', { skip: missing }, () => {
  let dir: string;
  let prom: LabPrometheus;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'faultline-prom-'));
    prom = await startLabPrometheus(dir, CLUSTERS, { now: NOW });
  });
  after(async () => {
    await prom?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('reports an idle Service by its missing series and a busy one by its request count', async () => {
    const r = await createPrometheusCollector({ url: prom.url, clusterLabel: 'cluster', windowDays: 7 }).collect(ctx());
    const signals = r.data.prometheus?.signals ?? [];
    const http = signals.find((s) => s.cluster === 'k8s-pay-kr1-01' && s.signal === 'httpRequests');
    assert.equal(http?.status, 'ok');
    assert.equal(http?.metricPresent, true);
    const names = (http?.results ?? []).map((x) => x.service);
    assert.ok(names.includes('cart'));
    assert.ok(!names.includes('legacy-coupons'), 'an idle service has no series in the window');
    assert.ok((http?.results ?? []).find((x) => x.service === 'cart')!.value > 0);
  });

  it('gives zero consumption for an idle consumer group and 1 for a CronJob suspended all window', async () => {
    const r = await createPrometheusCollector({ url: prom.url, clusterLabel: 'cluster', windowDays: 7 }).collect(ctx());
    const signals = r.data.prometheus?.signals ?? [];
    const kafka = signals.find((s) => s.cluster === 'k8s-pay-kr1-01' && s.signal === 'kafkaConsumption')!;
    assert.equal(kafka.results?.find((x) => x.consumerGroup === 'audit-archiver')?.value, 0);
    assert.ok(kafka.results!.find((x) => x.consumerGroup === 'orders')!.value > 0);
    const cron = signals.find((s) => s.cluster === 'k8s-pay-kr1-01' && s.signal === 'cronjobSuspended')!;
    assert.equal(cron.results?.find((x) => x.workload === 'old-export')?.value, 1);
    assert.equal(cron.results?.find((x) => x.workload === 'nightly-report')?.value, 0, 'suspended only at night is not suspended all window');
  });

  it('says a cluster without the Kafka metric has it absent, so absence is not read as idle', async () => {
    const r = await createPrometheusCollector({ url: prom.url, clusterLabel: 'cluster', windowDays: 7 }).collect(ctx());
    const kafka = r.data.prometheus?.signals?.find((s) => s.cluster === 'k8s-ml-kr2-01' && s.signal === 'kafkaConsumption');
    assert.equal(kafka?.status, 'ok');
    assert.equal(kafka?.metricPresent, false);
  });

  it('makes a signal failed with Prometheus\' own error when the cluster label is wrong is not an error but a warning', async () => {
    const r = await createPrometheusCollector({ url: prom.url, clusterLabel: 'kube_cluster', windowDays: 7 }).collect(ctx());
    assert.equal(r.data.prometheus?.signals?.length, 0);
    assert.ok(r.warnings?.some((w) => w.includes('"kube_cluster"')));
  });
});
