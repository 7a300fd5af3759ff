import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { listAlerts } from '../store/alerts.js';
import type { Store } from '../store/store.js';
import { openTestStore } from '../store/testing.js';
import { buildServer, type FaultlineServer } from './app.js';
import { hashToken } from './auth.js';
import { ServerMetrics } from './metrics.js';
import { ALERTMANAGER_BIN, eventually, freePort, startDaemon, type Daemon } from './testing.js';

const OPERATE = 'alertmanager-sends-with-this-token-0123';

describe("Debian's prometheus-alertmanager posts to the webhook receiver", { timeout: 90_000 }, () => {
  let dir: string;
  let store: Store;
  let server: FaultlineServer;
  let am: Daemon;
  let amUrl: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-am-'));
    store = await openTestStore({ kind: 'embedded', path: join(dir, 'store') });
    server = buildServer({
      engine: store.engine,
      tokens: [{ name: 'alertmanager', role: 'operate', sha256: hashToken(OPERATE) }],
      latest: () => undefined,
      metrics: new ServerMetrics(store.engine),
    });
    const address = await server.app.listen({ host: '127.0.0.1', port: 0 });
    await writeFile(join(dir, 'token'), OPERATE, { mode: 0o600 });
    const config = {
      route: { receiver: 'faultline', group_by: ['alertname', 'instance'], group_wait: '0s', group_interval: '1s', repeat_interval: '1h' },
      receivers: [
        {
          name: 'faultline',
          webhook_configs: [{ url: `${address}/api/v1/alerts/alertmanager`, send_resolved: true, http_config: { authorization: { type: 'Bearer', credentials_file: join(dir, 'token') } } }],
        },
      ],
    };
    await writeFile(join(dir, 'alertmanager.yml'), stringify(config));
    const port = await freePort();
    amUrl = `http://127.0.0.1:${port}`;
    am = await startDaemon(
      ALERTMANAGER_BIN,
      [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'am')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn'],
      amUrl,
    );
  });
  after(async () => {
    await am?.stop();
    await server?.app.close();
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const post = async (alerts: unknown[]): Promise<void> => {
    const r = await fetch(`${amUrl}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
    assert.equal(r.status, 200, await r.text());
  };

  it('stores a firing alert with its labels, and the resolved notice updates that row instead of adding one', async () => {
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    const alert = { labels: { alertname: 'HypervisorDown', instance: 'com001', severity: 'critical' }, annotations: { summary: 'com001 <b>does not</b> answer' }, startsAt };
    await post([alert]);
    const firing = await eventually('the firing alert in the store', async () => {
      const rows = await listAlerts(store.engine, { alertname: 'HypervisorDown', limit: 10 });
      return rows.length > 0 ? rows : undefined;
    });
    assert.equal(firing.length, 1);
    assert.equal(firing[0]?.status, 'firing');
    assert.equal(firing[0]?.labels['instance'], 'com001');
    assert.equal(firing[0]?.annotations['summary'], 'com001 <b>does not</b> answer');
    assert.equal(firing[0]?.endsAt, null, "Alertmanager's zero time is no end");
    assert.equal(firing[0]?.receiver, 'faultline');
    assert.match(firing[0]?.fingerprint ?? '', /^[0-9a-f]{16}$/, "Alertmanager's own fingerprint");

    // The same alert again: Alertmanager knows it already and the store keeps one row.
    await post([alert]);
    await post([{ ...alert, endsAt: new Date(Date.now() - 1000).toISOString() }]);
    const resolved = await eventually('the resolved notice', async () => {
      const rows = await listAlerts(store.engine, { alertname: 'HypervisorDown', limit: 10 });
      return rows[0]?.status === 'resolved' ? rows : undefined;
    });
    assert.equal(resolved.length, 1, 'one alert, one row');
    assert.equal(resolved[0]?.fingerprint, firing[0]?.fingerprint);
    assert.notEqual(resolved[0]?.endsAt, null);
    assert.notEqual(resolved[0]?.resolvedAt, null);
    assert.ok((resolved[0]?.timesReceived ?? 0) >= 2);
  });

  it('stores every alert of a burst that Alertmanager groups into several notifications', async () => {
    const startsAt = new Date().toISOString();
    await post(Array.from({ length: 40 }, (_, i) => ({ labels: { alertname: 'NodeNotReady', instance: `k8s-worker-${i}` }, startsAt })));
    const rows = await eventually('forty alerts', async () => {
      const r = await listAlerts(store.engine, { alertname: 'NodeNotReady', limit: 100 });
      return r.length === 40 ? r : undefined;
    });
    assert.equal(new Set(rows.map((r) => r.fingerprint)).size, 40);
  });
});
