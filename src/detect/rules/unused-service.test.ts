import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runDetectors } from '../engine.js';
import { container, fleet, type ClusterBuilder, type FleetBuilder } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector, { UNUSED_SERVICE_QUERIES } from './unused-service.js';

const NOW = '2026-02-01T10:00:00Z';
const OLD = '2025-10-01T00:00:00Z';
const C = 'k8s-shop-pg1-01';
const big = container('app', { requests: { cpuMillicores: 2000, memoryBytes: 4 * 1024 ** 3 } });

type Row = { namespace: string; service?: string; workload?: string; consumerGroup?: string; value: number };
const http = (results: Row[], metricPresent = true) => ({ cluster: C, signal: 'httpRequests' as const, query: UNUSED_SERVICE_QUERIES.httpRequests, status: 'ok' as const, metricPresent, results });
const kafka = (results: Row[]) => ({ cluster: C, signal: 'kafkaConsumption' as const, query: UNUSED_SERVICE_QUERIES.kafkaConsumption, status: 'ok' as const, metricPresent: true, results });
const cron = (results: Row[]) => ({ cluster: C, signal: 'cronjobSuspended' as const, query: UNUSED_SERVICE_QUERIES.cronjobSuspended, status: 'ok' as const, metricPresent: true, results });

/** Four workers of flavor c8m16 behind the cluster, and a Deployment `name` of `replicas` pods behind a Service of the same name. */
function cluster(build: (c: ClusterBuilder) => void): FleetBuilder {
  const b = fleet().at(NOW).region('pg1');
  for (let i = 1; i <= 4; i++) b.server(`${C}-worker-00${i}`, { region: 'pg1', flavor: { name: 'c8m16', vcpus: 8, ramMiB: 16384 } });
  return b.k8s(C, (c) => {
    for (let i = 1; i <= 4; i++) c.node(`${C}-worker-00${i}`, { server: `${C}-worker-00${i}` });
    build(c);
  });
}

function app(c: ClusterBuilder, ns: string, name: string, replicas: number, fields: { labels?: Record<string, string>; annotations?: Record<string, string>; createdAt?: string; service?: boolean } = {}): ClusterBuilder {
  c.workload('Deployment', `${ns}/${name}`, { desired: replicas, labels: fields.labels ?? {}, annotations: fields.annotations ?? {}, createdAt: fields.createdAt ?? OLD });
  c.workload('ReplicaSet', `${ns}/${name}-6f`, { owner: { kind: 'Deployment', name }, createdAt: fields.createdAt ?? OLD });
  for (let i = 0; i < replicas; i++) c.pod(`${ns}/${name}-6f-${i}`, { labels: { app: name }, owner: { kind: 'ReplicaSet', name: `${name}-6f` }, containers: [big] });
  if (fields.service !== false) c.service(`${ns}/${name}`, { createdAt: OLD });
  return c;
}

testDetector(detector, {
  valid: [
    {
      name: 'a Service with traffic in the window',
      snapshot: cluster((c) => app(c, 'shop', 'web', 2)).prometheus(http([{ namespace: 'shop', service: 'web', value: 1_284_113 }])).build(),
    },
    {
      name: 'pitfall: istio is not in this cluster at all, so a missing series says nothing',
      snapshot: cluster((c) => app(c, 'shop', 'web', 2)).prometheus(http([], false)).build(),
    },
    {
      name: 'pitfalls: a workload younger than the window, one scaled on a schedule, a CronJob suspended only at night',
      snapshot: cluster((c) => {
        app(c, 'shop', 'new-api', 1, { createdAt: '2026-01-29T00:00:00Z' });
        app(c, 'shop', 'office-hours', 2, { annotations: { 'downscaler/uptime': 'Mon-Fri 08:00-20:00 Asia/Seoul' } });
        c.workload('CronJob', 'ops/report', { suspend: true, createdAt: OLD, annotations: {} });
      })
        .prometheus(http([]))
        .prometheus(cron([{ namespace: 'ops', workload: 'report', value: 0 }]))
        .build(),
    },
    {
      name: 'no HTTP traffic but its Kafka consumer group is consuming: in use',
      snapshot: cluster((c) => app(c, 'orders', 'sink', 1, { labels: { 'faultline.io/kafka-consumer-group': 'orders-sink' } }))
        .prometheus(http([]))
        .prometheus(kafka([{ namespace: 'orders', consumerGroup: 'orders-sink', value: 12.5 }]))
        .build(),
    },
    {
      name: 'a database Service whose ports Istio treats as TCP can have no istio_requests_total series',
      snapshot: cluster((c) => {
        app(c, 'shop', 'db', 1, { service: false });
        c.service('shop/db', { createdAt: OLD, ports: [{ name: 'tcp-postgres', port: 5432, protocol: 'TCP' }] });
      })
        .prometheus(http([]))
        .build(),
    },
  ],
  invalid: [
    {
      name: 'seed 004: a Service with no series for 7 days: owners, requests, and the cluster total in worker servers',
      snapshot: cluster((c) => {
        app(c, 'shop', 'web', 2);
        app(c, 'shop', 'legacy-cart', 4, { labels: { team: 'shop-cart' } });
      })
        .prometheus(http([{ namespace: 'shop', service: 'web', value: 99 }]))
        .build(),
      findings: [
        {
          messageId: 'idleService',
          resource: 'shop/legacy-cart',
          severity: 'info',
          message: `Service shop/legacy-cart in cluster ${C} received no HTTP requests in 7 days; owner shop-cart; it reserves 8 CPU and 16.0 GiB of requests.`,
          evidence: { httpRequests_7d: 'no series in the window (an idle series goes stale and disappears)', owners: 'shop-cart', pods: 4 },
        },
        {
          messageId: 'clusterReclaimable',
          resource: C,
          severity: 'low',
          message: `Cluster ${C} has 1 unused service(s) reserving 8 CPU and 16.0 GiB: about 1 of its 4 c8m16 (8 vCPU, 16.0 GiB) worker servers could be given back.`,
          evidence: { reclaimable_cpu_cores: 8, reclaimable_memory_gib: 16, worker_servers_reclaimable: 1, owners: 'shop-cart' },
        },
      ],
    },
    {
      name: 'a series summing to 0, an idle Kafka consumer without a Service, and a CronJob suspended the whole window',
      snapshot: cluster((c) => {
        app(c, 'shop', 'search', 1, { annotations: { owner: 'search-team' } });
        app(c, 'events', 'audit-sink', 2, { labels: { 'faultline.io/kafka-consumer-group': 'audit', owner: 'sec' }, service: false });
        c.workload('CronJob', 'ops/cleanup', { suspend: true, createdAt: OLD, labels: { owner: 'ops' } });
      })
        .prometheus(http([{ namespace: 'shop', service: 'search', value: 0 }]))
        .prometheus(kafka([{ namespace: 'events', consumerGroup: 'audit', value: 0 }]))
        .prometheus(cron([{ namespace: 'ops', workload: 'cleanup', value: 1 }]))
        .build(),
      findings: [
        { messageId: 'idleService', resource: 'shop/search', evidence: { httpRequests_7d: '0', owners: 'search-team' } },
        { messageId: 'idleConsumer', resource: 'Deployment events/audit-sink', message: `Deployment events/audit-sink in cluster ${C} consumed no Kafka records in 7 days (consumer group audit); owner sec; it reserves 4 CPU and 8.0 GiB of requests.` },
        { messageId: 'suspendedCronJob', resource: 'CronJob ops/cleanup', message: `CronJob ops/cleanup in cluster ${C} has been suspended for all of the last 7 days; owner ops.`, evidence: { cronjobSuspended_7d: '1' } },
        { messageId: 'clusterReclaimable', message: /has 3 unused service\(s\) reserving 6 CPU and 12\.0 GiB: less than one of its 4 c8m16 .* worker servers, so no server can be given back yet/, evidence: { owners: 'search-team, sec, ops' } },
      ],
    },
  ],
});

describe('unused-service: a signal Prometheus did not answer', () => {
  const failedKafka = { cluster: C, signal: 'kafkaConsumption' as const, query: UNUSED_SERVICE_QUERIES.kafkaConsumption, status: 'failed' as const, error: 'Prometheus http://prom:9090 answered HTTP 503: unavailable: store down', metricPresent: false, results: [] };

  it('names the failed signal in the result and never calls a consumer it could not check unused', () => {
    const snapshot = cluster((c) => {
      app(c, 'orders', 'sink', 1, { labels: { 'faultline.io/kafka-consumer-group': 'orders-sink' } });
      app(c, 'events', 'audit-sink', 1, { labels: { 'faultline.io/kafka-consumer-group': 'audit' }, service: false });
    })
      .prometheus(http([]))
      .prometheus(failedKafka)
      .prometheus(cron([]))
      .build();
    const [result] = runDetectors(snapshot, [detector], { now: new Date(NOW) });
    assert.equal(result?.status, 'pass');
    assert.deepEqual(result?.findings, [], 'no HTTP series, but its consumer group could not be checked: not unused');
    assert.deepEqual(result?.partialInputs, ['prometheus']);
    assert.match(result?.reason ?? '', /signal kafkaConsumption \(Kafka consumption .*\) could not be checked in k8s-shop-pg1-01: .*HTTP 503: unavailable: store down/);
  });

  it('is skipped, naming every signal, when none was answered', () => {
    const failed = (signal: 'httpRequests' | 'cronjobSuspended') => ({ ...failedKafka, signal, query: UNUSED_SERVICE_QUERIES[signal] });
    const snapshot = cluster((c) => app(c, 'shop', 'legacy-cart', 2)).prometheus(failed('httpRequests')).prometheus(failedKafka).prometheus(failed('cronjobSuspended')).build();
    const [result] = runDetectors(snapshot, [detector], { now: new Date(NOW) });
    assert.equal(result?.status, 'skipped');
    assert.match(result?.reason ?? '', /no signal could be checked .*signal httpRequests .*signal kafkaConsumption .*signal cronjobSuspended/);
  });
});
