import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createPrometheusCollector } from '../collect/prometheus/index.js';
import type { CollectContext } from '../collect/types.js';
import unusedService from '../detect/rules/unused-service.js';
import { runDetectors } from '../detect/engine.js';
import { container, fleet } from '../snapshot/builders.js';
import { prometheusMissing, startLabPrometheus, type LabPrometheus } from '../lab/prometheus/server.js';
import type { ClusterHistory } from '../lab/prometheus/history.js';

const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);
const CLUSTERS: ClusterHistory[] = [
  {
    cluster: 'k8s-pay-kr1-01',
    // young-api and office-hours have no series either: a young workload and a scheduled scale-to-zero.
    services: [{ namespace: 'shop', name: 'cart' }, { namespace: 'shop', name: 'legacy-coupons', idle: true }],
    consumers: [{ namespace: 'shop', group: 'orders' }, { namespace: 'shop', group: 'audit-archiver', idle: true }],
    cronjobs: [{ namespace: 'shop', name: 'nightly-report', nightly: true }, { namespace: 'shop', name: 'old-export', suspendedAllWindow: true }],
  },
  { cluster: 'k8s-ml-kr2-01', services: [{ namespace: 'infer', name: 'api' }], consumers: [], cronjobs: [] },
];

function ctx(): CollectContext {
  const noop = (): void => {};
  const log = { debug: noop, info: noop, warn: noop, error: noop } as unknown as CollectContext['log'];
  return { signal: new AbortController().signal, now: () => new Date(NOW), log, progress: noop, input: {} };
}

const missing = await prometheusMissing();

// One Prometheus for the whole file: the backfill is the slow part.
let dir: string;
let prom: LabPrometheus;
before(async () => {
  if (missing) return;
  dir = await mkdtemp(join(tmpdir(), 'faultline-prom-'));
  prom = await startLabPrometheus(dir, CLUSTERS, { now: NOW });
});
after(async () => {
  await prom?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('prometheus collector against the lab Prometheus (real prometheus, promtool backfill)', { skip: missing }, () => {
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

describe('unused-service end to end: collector over the lab Prometheus, then the detector', { skip: missing }, () => {
  it('finds the idle Service, the idle consumer and the suspended CronJob with owners and worker servers, and spares the young and scheduled ones', async () => {
    const collected = await createPrometheusCollector({ url: prom.url, clusterLabel: 'cluster', windowDays: 7 }).collect(ctx());
    const C = 'k8s-pay-kr1-01';
    const OLD = '2026-09-01T00:00:00Z';
    const big = container('app', { requests: { cpuMillicores: 4000, memoryBytes: 8 * 1024 ** 3 } });
    const b = fleet().at(new Date(NOW).toISOString()).region('kr1');
    for (let i = 1; i <= 3; i++) b.server(`${C}-worker-${i}`, { region: 'kr1', flavor: { name: 'm1.xlarge', vcpus: 8, ramMiB: 16384 } });
    b.k8s(C, (c) => {
      for (let i = 1; i <= 3; i++) c.node(`${C}-worker-${i}`, { server: `${C}-worker-${i}` });
      const app = (name: string, fields: { labels?: Record<string, string>; annotations?: Record<string, string>; createdAt?: string; service?: boolean } = {}): void => {
        c.workload('Deployment', `shop/${name}`, { desired: 1, labels: fields.labels ?? {}, annotations: fields.annotations ?? {}, createdAt: fields.createdAt ?? OLD });
        c.workload('ReplicaSet', `shop/${name}-7c`, { owner: { kind: 'Deployment', name }, createdAt: fields.createdAt ?? OLD });
        c.pod(`shop/${name}-7c-0`, { labels: { app: name }, owner: { kind: 'ReplicaSet', name: `${name}-7c` }, containers: [big] });
        if (fields.service !== false) c.service(`shop/${name}`, { createdAt: fields.createdAt ?? OLD });
      };
      app('cart', { labels: { team: 'cart' } });
      app('legacy-coupons', { labels: { team: 'promo' } });
      app('young-api', { createdAt: new Date(NOW - 2 * 86_400_000).toISOString() });
      app('office-hours', { annotations: { 'downscaler/uptime': 'Mon-Fri 08:00-20:00 Asia/Seoul' } });
      app('orders-sink', { labels: { 'faultline.io/kafka-consumer-group': 'orders' }, service: false });
      app('audit-archiver', { labels: { 'faultline.io/kafka-consumer-group': 'audit-archiver', owner: 'sec' }, service: false });
      c.workload('CronJob', 'shop/nightly-report', { suspend: false, createdAt: OLD });
      c.workload('CronJob', 'shop/old-export', { suspend: true, createdAt: OLD, labels: { owner: 'data' } });
    });
    for (const s of collected.data.prometheus?.signals ?? []) if (s.cluster === C) b.prometheus(s as Parameters<typeof b.prometheus>[0]);
    const [result] = runDetectors(b.build(), [unusedService], { now: new Date(NOW) });
    assert.equal(result?.status, 'fail', result?.reason);
    const found = (result?.findings ?? []).map((f) => `${f.messageId} ${f.resource.name ?? f.resource.id}`).sort();
    assert.deepEqual(found, [`clusterReclaimable ${C}`, 'idleConsumer Deployment shop/audit-archiver', 'idleService shop/legacy-coupons', 'suspendedCronJob CronJob shop/old-export']);
    const total = result!.findings.find((f) => f.messageId === 'clusterReclaimable')!;
    assert.match(total.message, /3 unused service\(s\) reserving 8 CPU and 16\.0 GiB: about 1 of its 3 m1\.xlarge/);
    assert.match(result!.findings.find((f) => f.messageId === 'idleService')!.message, /owner promo/);
  });
});
