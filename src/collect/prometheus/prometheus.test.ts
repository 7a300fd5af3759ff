import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../../core/errors.js';
import type { CollectContext } from '../types.js';
import { createPrometheusCollector, parseVectorAnswer } from './index.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
let handler: Handler = (_q, _b, res) => res.end('{}');
let server: Server;
let url: string;
const seen: { auth?: string; body: string }[] = [];

function ctx(): CollectContext {
  const noop = (): void => {};
  return { signal: new AbortController().signal, now: () => new Date('2026-12-03T12:00:00Z'), log: { debug: noop, info: noop, warn: noop, error: noop } as unknown as CollectContext['log'], progress: noop, input: {} };
}

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      seen.push({ ...(req.headers.authorization ? { auth: req.headers.authorization } : {}), body });
      handler(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

describe('prometheus collector: errors', () => {
  it('fails with the error Prometheus sent when every query is refused (HTTP 400 and its error JSON)', async () => {
    handler = (_q, _b, res) => { res.statusCode = 400; res.end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error at char 3' })); };
    await assert.rejects(createPrometheusCollector({ url, clusterLabel: 'cluster', windowDays: 7 }).collect(ctx()), /HTTP 400: bad_data: parse error at char 3/);
  });

  it('fails naming the address when Prometheus is unreachable', async () => {
    await assert.rejects(createPrometheusCollector({ url: 'http://127.0.0.1:1', clusterLabel: 'cluster', windowDays: 7 }).collect(ctx()), /127\.0\.0\.1:1.*unreachable/);
  });

  it('fails on an answer that is not JSON (a proxy page)', async () => {
    handler = (_q, _b, res) => res.end('<html>login</html>');
    await assert.rejects(createPrometheusCollector({ url, clusterLabel: 'cluster', windowDays: 7 }).collect(ctx()), /not JSON/);
  });

  it('fails on a timeout', async () => {
    handler = () => {}; // never answers
    await assert.rejects(createPrometheusCollector({ url, clusterLabel: 'cluster', windowDays: 7, timeoutMs: 200 }).collect(ctx()), /aborted/);
  });

  it('marks only the refused signal failed, with the reason, and the collection partial', async () => {
    handler = (_q, body, res) => {
      const q = new URLSearchParams(body).get('query') ?? '';
      if (q.includes('kafka')) { res.statusCode = 503; res.end(JSON.stringify({ status: 'error', errorType: 'unavailable', error: 'store down' })); return; }
      res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: { cluster: 'c1', destination_service_namespace: 'ns', destination_service_name: 'a', namespace: 'ns', cronjob: 'j' }, value: [1, '3'] }] } }));
    };
    const r = await createPrometheusCollector({ url, clusterLabel: 'cluster', windowDays: 7 }).collect(ctx());
    assert.equal(r.status, 'partial');
    const kafka = r.data.prometheus?.signals?.find((s) => s.signal === 'kafkaConsumption');
    assert.equal(kafka?.status, 'failed');
    assert.match(kafka?.error ?? '', /HTTP 503: unavailable: store down/);
    assert.equal(r.data.prometheus?.signals?.find((s) => s.signal === 'httpRequests')?.status, 'ok');
  });

  it('sends the bearer token as Authorization and the detector PromQL with the cluster label, as a POST form', async () => {
    seen.length = 0;
    handler = (_q, _b, res) => res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
    await createPrometheusCollector({ url, clusterLabel: 'k8s_cluster', windowDays: 14, bearerToken: 's3cret' }).collect(ctx());
    assert.ok(seen.every((s) => s.auth === 'Bearer s3cret'));
    const queries = seen.map((s) => new URLSearchParams(s.body).get('query'));
    assert.ok(queries.includes('sum by (k8s_cluster, destination_service_namespace, destination_service_name) (increase(istio_requests_total{reporter="destination"}[14d]))'));
    assert.ok(seen.every((s) => new URLSearchParams(s.body).get('time') === '1796299200.000'));
  });

  it('refuses a cluster label that is not a label name before it can reach the PromQL', () => {
    assert.throws(() => createPrometheusCollector({ url, clusterLabel: 'a) or vector(1', windowDays: 7 }), ConfigError);
  });

  it('rejects a matrix where an instant vector is expected', () => {
    assert.throws(() => parseVectorAnswer(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } }), 'p'), /instant vector/);
  });
});
