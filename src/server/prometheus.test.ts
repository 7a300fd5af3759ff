import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import type { Incident } from '../correlate/types.js';
import { fleet } from '../snapshot/builders.js';
import type { Store } from '../store/store.js';
import { openTestStore, outboxRows } from '../store/testing.js';
import { buildServer, type FaultlineServer } from './app.js';
import { hashToken } from './auth.js';
import { ServerMetrics } from './metrics.js';
import { PROMETHEUS_BIN, eventually, freePort, startDaemon, type Daemon } from './testing.js';

const READ = 'prometheus-scrapes-with-this-token-42';

const incident: Incident = {
  id: 'inc-pm-com003',
  title: 'com003 hangs',
  case: 'pm-hang',
  severity: 'critical',
  region: 'seoul',
  zone: 'prod',
  root: { resource: { kind: 'hypervisor', id: 'hv-3', name: 'com003' }, detectorId: 'hypervisor-down', fingerprint: 'fp-3' },
  chain: [],
  blastRadius: { servers: [], dbServers: [], clusters: [], projects: [], owners: [], counts: { servers: 0, impactedServers: 0, dbServers: 0, clusters: 0, projects: 0, owners: 0 } },
  findings: ['fp-3'],
  tickets: [],
};

interface Vector {
  data: { result: { metric: Record<string, string>; value: [number, string] }[] };
}

describe("Debian's prometheus scrapes /metrics", { timeout: 90_000 }, () => {
  let dir: string;
  let store: Store;
  let server: FaultlineServer;
  let prom: Daemon;
  let promUrl: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-prom-'));
    store = await openTestStore({ kind: 'embedded', path: join(dir, 'store') });
    await store.scan(true, async (s) => {
      const at = new Date();
      const { scanId } = await s.recordScan({ snapshot: fleet().build(), results: [], evaluatedAt: at, source: 'snapshot', version: 'test' });
      await s.recordIncidents(scanId, at, [incident]);
    });
    await outboxRows(store.engine, [
      { key: 'inc-pm-com003/e1/fault/slack', sink: 'slack', state: 'sent' },
      { key: 'inc-pm-com003/e1/fault/pagerduty', sink: 'pagerduty', state: 'sent' },
      { key: 'run-1/page/pagerduty', sink: 'pagerduty', state: 'sent' },
      { key: 'inc-pm-com003/e1/recovery/slack', sink: 'slack', state: 'pending' },
    ]);
    server = buildServer({ engine: store.engine, tokens: [{ name: 'prometheus', role: 'read', sha256: hashToken(READ) }], latest: () => undefined, metrics: new ServerMetrics(store.engine) });
    const address = new URL(await server.app.listen({ host: '127.0.0.1', port: 0 }));
    await writeFile(join(dir, 'token'), READ, { mode: 0o600 });
    const target = { static_configs: [{ targets: [address.host] }], metrics_path: '/metrics' };
    await writeFile(
      join(dir, 'prometheus.yml'),
      stringify({
        global: { scrape_interval: '1s', scrape_timeout: '900ms' },
        scrape_configs: [
          { job_name: 'faultline', ...target, authorization: { type: 'Bearer', credentials_file: join(dir, 'token') } },
          // The same target without a token: the server must refuse it, and Prometheus then marks it down.
          { job_name: 'faultline-no-token', ...target },
        ],
      }),
    );
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    prom = await startDaemon(PROMETHEUS_BIN, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], promUrl);
  });
  after(async () => {
    await prom?.stop();
    await server?.app.close();
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const query = async (q: string): Promise<Vector['data']['result']> => {
    const r = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`);
    return ((await r.json()) as Vector).data.result;
  };

  it("returns faultline's open incidents by severity and case from its HTTP API", async () => {
    const series = await eventually('faultline_open_incidents scraped', async () => {
      const r = await query('faultline_open_incidents{job="faultline"}');
      return r.length > 0 ? r : undefined;
    });
    assert.equal(series.length, 1);
    assert.equal(series[0]?.metric['case'], 'pm-hang');
    assert.equal(series[0]?.metric['severity'], 'critical');
    assert.equal(series[0]?.value[1], '1');
  });

  it('returns the notices sent, by sink and kind, from the outbox in the store', async () => {
    const series = await eventually('faultline_notices_sent_total scraped', async () => {
      const r = await query('faultline_notices_sent_total{job="faultline"}');
      return r.length > 0 ? r : undefined;
    });
    const byLabels = Object.fromEntries(series.map((x) => [`${x.metric['sink']} ${x.metric['kind']}`, x.value[1]]));
    assert.deepEqual(byLabels, { 'slack fault': '1', 'pagerduty fault': '1', 'pagerduty page': '1' }, 'the pending recovery notice is not counted');
  });

  it('sees the scrape without a token fail (up == 0) and the one with it succeed', async () => {
    const up = await eventually('both jobs scraped', async () => {
      const r = await query('up');
      return r.length === 2 ? r : undefined;
    });
    const byJob = Object.fromEntries(up.map((s) => [s.metric['job'], s.value[1]]));
    assert.deepEqual(byJob, { faultline: '1', 'faultline-no-token': '0' });
  });
});
