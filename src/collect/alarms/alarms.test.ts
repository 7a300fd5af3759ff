import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CollectorError, ConfigError } from '../../core/errors.js';
import { silentLogger } from '../../core/log.js';
import type { Alarm } from '../../snapshot/schema.js';
import { runCollectors } from '../runner.js';
import type { CollectContext, CollectorResult } from '../types.js';
import { aggregateAlarms } from './aggregate.js';
import { hostFromInstance } from './alertmanager.js';
import { AlarmFeedHttpError, createAlarmCollector, type AlarmCollectorOptions } from './index.js';
import { locateJsonError } from './json-text.js';

// Tests run from the repository root (npm scripts do), so fixtures are read from the source tree.
const FIXTURES = resolve('src/collect/alarms/fixtures');
const NOW = new Date('2025-08-11T00:30:00Z');

function context(signal: AbortSignal = new AbortController().signal): CollectContext {
  return { signal, now: () => NOW, log: silentLogger, progress: () => {}, input: {} };
}

async function collect(options: AlarmCollectorOptions, signal?: AbortSignal): Promise<CollectorResult & { alarms: Alarm[] }> {
  const result = await createAlarmCollector(options).collect(context(signal));
  return { ...result, alarms: (result.data.alarms ?? []) as Alarm[] };
}

function byTicket(alarms: readonly Alarm[], ticketId: string): Alarm {
  const a = alarms.find((x) => x.ticketId === ticketId);
  assert.ok(a, `no alarm for ticket ${ticketId}; have ${alarms.map((x) => x.ticketId).join(', ')}`);
  return a;
}

let dir = '';
async function feedFile(name: string, content: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'faultline-alarms-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('alarm collector: tickets feed', () => {
  it('reads the captured ticket export into canonical alarms', async () => {
    const r = await collect({ source: join(FIXTURES, 'tickets.json'), format: 'tickets' });
    assert.equal(r.status, 'ok');
    const ping = byTicket(r.alarms, '721440');
    assert.deepEqual(
      { host: ping.host, code: ping.faultCode, location: ping.location, ips: ping.ips, message: ping.message, raisedAt: ping.raisedAt, status: ping.status, count: ping.count },
      {
        host: 'krane-pg1-com908.dakao.io',
        code: 'PING_FAIL',
        location: 'PG1-024-22-14-33',
        ips: ['10.61.128.38', '10.162.120.200'],
        message: 'CRITICAL - Plugin timed out',
        raisedAt: '2025-08-10T17:14:07.000Z',
        status: 'open',
        count: 1,
      },
    );
    assert.equal(byTicket(r.alarms, '721533').faultCode, 'HW-MC-ERROR');
    assert.equal(byTicket(r.alarms, '721533').status, 'open', 'ASSIGNED is still open');
    assert.equal(byTicket(r.alarms, '721541').faultCode, 'DISK_FAILURE_PREDICTED');
    assert.equal(byTicket(r.alarms, '721560').faultCode, 'CPU');
    assert.equal(byTicket(r.alarms, '719877').status, 'closed');
  });

  it('folds open tickets for the same host and fault into one alarm with the summed count', async () => {
    const r = await collect({ source: join(FIXTURES, 'tickets.json'), format: 'tickets' });
    const sbe = r.alarms.filter((a) => a.faultCode === 'MEM_SBE' && a.status === 'open');
    assert.equal(sbe.length, 1);
    assert.equal(sbe[0]?.ticketId, '721512', 'the earliest ticket names the fault');
    assert.equal(sbe[0]?.count, 12);
    assert.equal(sbe[0]?.raisedAt, '2025-08-10T13:41:55.000Z');
    assert.match(sbe[0]?.message ?? '', /\+1 more ticket: 721530/);
    assert.equal(r.alarms.filter((a) => a.faultCode === 'MEM_SBE' && a.status === 'closed').length, 1, 'closed history is kept apart');
    assert.equal(r.alarms.length, 10);
  });

  it('keeps an unknown fault code upper-cased and warns once per code, without marking the feed partial', async () => {
    const r = await collect({ source: join(FIXTURES, 'tickets.json'), format: 'tickets' });
    assert.equal(byTicket(r.alarms, '721570').faultCode, 'RAID_BATTERY_LOW');
    assert.deepEqual(r.warnings, ['unknown fault code RAID_BATTERY_LOW kept as-is (1 alarm)']);
    assert.equal(r.status, 'ok');
  });

  it('accepts field-name variants, IP lists, epoch times and a bare array', async () => {
    const path = await feedFile('variants.json', [
      { ticketId: 'T-1', hostname: 'krane-pg1-com101', faultCode: 'fan_failure', ip: ['10.1.1.1', '10.1.1.2'], msg: 'Fan 3', timestamp: 1754870400, state: 'resolved', ticketCount: '4' },
      { id: 9001, server: 'krane-pg1-com102', code: 'smartctl', ip_addresses: '10.1.1.3; 10.1.1.4', description: 'Reallocated_Sector_Ct 12', time: '2025-08-11T00:00:00Z' },
    ]);
    const r = await collect({ source: path, format: 'tickets' });
    assert.equal(r.status, 'ok');
    assert.deepEqual(r.warnings, []);
    const [a, b] = r.alarms;
    assert.deepEqual(a, {
      ticketId: 'T-1',
      host: 'krane-pg1-com101',
      faultCode: 'FAN',
      ips: ['10.1.1.1', '10.1.1.2'],
      message: 'Fan 3',
      raisedAt: '2025-08-11T00:00:00.000Z',
      status: 'closed',
      count: 4,
    });
    assert.equal(b?.ticketId, '9001');
    assert.equal(b?.faultCode, 'DISK_SMART_ERROR');
    assert.deepEqual(b?.ips, ['10.1.1.3', '10.1.1.4']);
    assert.equal(b?.status, 'open');
    assert.equal(b?.count, 1);
  });

  it('reads times without a zone at the configured offset, and warns when none is configured', async () => {
    const path = await feedFile('naive.json', { tickets: [{ ticket_id: 1, host: 'h1', fault_code: 'FAN', created_at: '2025-08-11 09:00:00' }] });
    const kst = await collect({ source: path, format: 'tickets', naiveTimeOffset: '+09:00' });
    assert.equal(kst.alarms[0]?.raisedAt, '2025-08-11T00:00:00.000Z');
    assert.deepEqual(kst.warnings, []);
    const utc = await collect({ source: path, format: 'tickets' });
    assert.equal(utc.alarms[0]?.raisedAt, '2025-08-11T09:00:00.000Z');
    assert.match(utc.warnings?.[0] ?? '', /1 time without a zone read as UTC; set naiveTimeOffset/);
  });

  it('reports bad rows as warnings with their position, keeps the good rows and marks the feed partial', async () => {
    const path = await feedFile('partial.json', [
      { ticket_id: 1, host: 'krane-pg1-com201', fault_code: 'CPU', created_at: '2025-08-11T00:00:00Z' },
      { ticket_id: 2, fault_code: 'FAN', created_at: '2025-08-11T00:00:00Z' },
      'krane-pg1-com203 FAN',
      { ticket_id: 4, host: 'krane-pg1-com204', fault_code: 'MEM_SBE', created_at: 'yesterday', count: 'many' },
      { host: 'krane-pg1-com205', fault_code: 'NIC', created_at: '2025-08-11T00:00:00Z', ips: 42 },
    ]);
    const r = await collect({ source: path, format: 'tickets' });
    assert.equal(r.status, 'partial');
    assert.deepEqual(r.alarms.map((a) => a.host), ['krane-pg1-com201', 'krane-pg1-com204', 'krane-pg1-com205']);
    const repaired = r.alarms[1];
    assert.equal(repaired?.raisedAt, NOW.toISOString(), 'an unreadable time falls back to the collection time');
    assert.equal(repaired?.count, 1);
    assert.equal(r.alarms[2]?.ticketId, 'krane-pg1-com205/NIC/row-4');
    assert.deepEqual(r.warnings, [
      'tickets[1] (ticket 2): no host; skipped',
      'tickets[2]: not an object; skipped',
      'tickets[3] (ticket 4): unreadable time "yesterday"; using the collection time',
      'tickets[3] (ticket 4): count "many" is not a positive whole number; using 1',
      'tickets[4]: IPs 42 are neither a list nor text; ignored',
      'tickets[4]: no ticket id; named krane-pg1-com205/NIC/row-4',
    ]);
  });

  it('fails with the file and the line when the feed is not JSON', async () => {
    const path = await feedFile('broken.json', '[\n  {"ticket_id": 1, "host": "h1"},\n  {"ticket_id": 2 "host": "h2"}\n]\n');
    await assert.rejects(collect({ source: path, format: 'tickets' }), (err: Error) => {
      assert.ok(err instanceof CollectorError);
      assert.ok(err.message.includes(path), err.message);
      assert.match(err.message, /not valid JSON at line 3, column 19/);
      return true;
    });
  });

  it('fails clearly when the JSON is not a ticket list', async () => {
    const path = await feedFile('shape.json', { data: { rows: [] } });
    await assert.rejects(collect({ source: path, format: 'tickets' }), /expected an array of tickets or \{"tickets": \[\.\.\.\]\}, got an object with keys data/);
  });

  it('fails clearly when the file does not exist', async () => {
    await assert.rejects(collect({ source: join(dir, 'missing.json'), format: 'tickets' }), (err: Error) => err instanceof CollectorError && /cannot read alarm feed .*missing\.json: .*ENOENT/.test(err.message));
  });

  it('reads file: URLs', async () => {
    const r = await collect({ source: `file://${join(FIXTURES, 'tickets.json')}`, format: 'tickets' });
    assert.equal(r.alarms.length, 10);
  });
});

describe('alarm collector: Alertmanager webhook', () => {
  it('reads captured webhook payloads: hosts from instance labels, codes from alertname or fault_code, resolved as closed', async () => {
    const r = await collect({ source: join(FIXTURES, 'alertmanager.json'), format: 'alertmanager' });
    assert.equal(r.status, 'ok');
    const sbe = byTicket(r.alarms, '5c1f0a7b3de29e41');
    assert.deepEqual(
      { host: sbe.host, code: sbe.faultCode, location: sbe.location, message: sbe.message, raisedAt: sbe.raisedAt, status: sbe.status, count: sbe.count, ips: sbe.ips },
      {
        host: 'krane-hn1prod-com0369.dakao.io',
        code: 'MEM_SBE',
        location: 'HN1-B03-07-22-11',
        message: '[warning] Correctable ECC errors on DIMM_A4',
        raisedAt: '2025-08-10T13:41:55.318Z',
        status: 'open',
        count: 1,
        ips: [],
      },
    );
    const disk = byTicket(r.alarms, '0d7c2b9e6a115f3c');
    assert.equal(disk.faultCode, 'DISK_FAILED', 'an explicit fault_code label beats alertname');
    assert.equal(disk.host, '10.209.1.159');
    assert.deepEqual(disk.ips, ['10.209.1.159']);
    assert.equal(byTicket(r.alarms, 'a93e61c2f7b04d18').faultCode, 'FAN');
    const psu = byTicket(r.alarms, 'f2046d1a88c3b7e9');
    assert.equal(psu.faultCode, 'PSU_REDUNDANCY_LOST');
    assert.equal(psu.status, 'closed');
    assert.equal(r.alarms.length, 5);
    assert.deepEqual(r.warnings, ['unknown fault code NODEFILESYSTEMALMOSTOUTOFSPACE kept as-is (1 alarm)']);
  });

  it('accepts a single payload object', async () => {
    const payload = {
      version: '4',
      status: 'firing',
      receiver: 'hw',
      groupKey: '{}:{alertname="CpuInternalError"}',
      groupLabels: { alertname: 'CPU_IERR' },
      commonLabels: { alertname: 'CPU_IERR', severity: 'critical' },
      commonAnnotations: { summary: 'CPU 2 IERR' },
      externalURL: 'http://am:9093',
      alerts: [{ status: 'firing', labels: { alertname: 'CPU_IERR', hostname: 'krane-ay2prod-com0077', severity: 'critical' }, annotations: {}, startsAt: '2025-08-10T23:05:44Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: 'c0ffee0000000001' }],
    };
    const r = await collect({ source: await feedFile('one.json', payload), format: 'alertmanager' });
    assert.equal(r.alarms.length, 1);
    assert.equal(r.alarms[0]?.host, 'krane-ay2prod-com0077');
    assert.equal(r.alarms[0]?.faultCode, 'CPU');
    assert.equal(r.alarms[0]?.message, '[critical] CPU 2 IERR', 'common annotations fill in what the alert leaves out');
  });

  const alert = (fp: string, status: 'firing' | 'resolved', labels: Record<string, string>) => ({
    status,
    labels: { alertname: 'MemorySingleBitError', instance: 'krane-hn1prod-com0369:9290', ...labels },
    annotations: { summary: 'ECC' },
    startsAt: '2025-08-10T13:41:55Z',
    endsAt: status === 'resolved' ? '2025-08-10T15:00:00Z' : '0001-01-01T00:00:00Z',
    generatorURL: '',
    fingerprint: fp,
  });
  const payload = (status: 'firing' | 'resolved', alerts: unknown[], extra: Record<string, unknown> = {}) => ({
    version: '4', status, receiver: 'hw', groupKey: 'g', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am:9093', alerts, ...extra,
  });

  it('treats a re-sent alert as one ticket whose latest status wins', async () => {
    const path = await feedFile('resent.json', [payload('firing', [alert('aa01', 'firing', {})]), payload('firing', [alert('aa01', 'firing', {})]), payload('resolved', [alert('aa01', 'resolved', {})])]);
    const r = await collect({ source: path, format: 'alertmanager' });
    assert.equal(r.alarms.length, 1);
    assert.equal(r.alarms[0]?.status, 'closed');
    assert.equal(r.alarms[0]?.count, 1);
  });

  it('counts distinct firing alerts for one host and fault as one alarm', async () => {
    const path = await feedFile('dimms.json', payload('firing', [alert('bb01', 'firing', { dimm: 'A4' }), alert('bb02', 'firing', { dimm: 'B2' }), alert('bb03', 'firing', { dimm: 'B3' })]));
    const r = await collect({ source: path, format: 'alertmanager' });
    assert.equal(r.alarms.length, 1);
    assert.equal(r.alarms[0]?.count, 3);
    assert.equal(r.alarms[0]?.host, 'krane-hn1prod-com0369');
  });

  it('marks the feed partial when Alertmanager truncated the alert list or an alert has no host', async () => {
    const noHost = { ...alert('cc02', 'firing', {}), labels: { alertname: 'FanFailure' } };
    const path = await feedFile('truncated.json', payload('firing', [alert('cc01', 'firing', {}), noHost], { truncatedAlerts: 4 }));
    const r = await collect({ source: path, format: 'alertmanager' });
    assert.equal(r.status, 'partial');
    assert.equal(r.alarms.length, 1);
    assert.deepEqual(r.warnings, [
      'payload: Alertmanager left out 4 alerts (max_alerts in webhook_config); those hosts are missing',
      'payload.alerts[1]: no host (labels host/hostname/nodename/node/server/instance); skipped',
    ]);
  });

  it('reads the alert list of GET /api/v2/alerts as open alarms', async () => {
    const path = await feedFile('api.json', [
      { labels: { alertname: 'NicLinkFailure', fault_code: 'NIC', instance: 'krane-pg1-com300.dakao.io:9100' }, annotations: { summary: 'eth1 down' }, startsAt: '2025-08-10T20:00:00Z', endsAt: '2025-08-11T20:00:00Z', fingerprint: 'dd01', status: { state: 'suppressed', silencedBy: ['s1'], inhibitedBy: [] }, receivers: [{ name: 'hw' }], updatedAt: '2025-08-10T20:00:00Z' },
    ]);
    const r = await collect({ source: path, format: 'alertmanager' });
    assert.deepEqual(r.alarms.map((a) => [a.ticketId, a.host, a.faultCode, a.status]), [['dd01', 'krane-pg1-com300.dakao.io', 'NIC', 'open']]);
  });

  it('rejects JSON that is not a webhook payload', async () => {
    await assert.rejects(collect({ source: await feedFile('notam.json', { receiver: 'x' }), format: 'alertmanager' }), /not an Alertmanager webhook payload \(expected an object with an "alerts" list, got keys receiver\)/);
  });

  it('takes the host out of instance labels with ports, brackets and URLs', () => {
    assert.equal(hostFromInstance('krane-pg1-com908.dakao.io:9100'), 'krane-pg1-com908.dakao.io');
    assert.equal(hostFromInstance('10.61.128.38:9290'), '10.61.128.38');
    assert.equal(hostFromInstance('[fd00::8]:9100'), 'fd00::8');
    assert.equal(hostFromInstance('https://krane-pg1-com908.dakao.io/metrics'), 'krane-pg1-com908.dakao.io');
    assert.equal(hostFromInstance('krane-pg1-com908'), 'krane-pg1-com908');
  });
});

describe('alarm collector: HTTP source', () => {
  type Handler = (req: IncomingMessage, res: ServerResponse) => void;
  async function serve(handler: Handler): Promise<{ url: string; close: () => Promise<void> }> {
    const server = createServer(handler);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      close: () => {
        server.closeAllConnections();
        return new Promise((r) => server.close(() => r()));
      },
    };
  }

  // A collector that ignored its signal would wait forever; the server hangs up after 3 s so such a bug fails the test instead of hanging the run.
  const giveUpLater = (req: IncomingMessage): void => {
    setTimeout(() => req.socket.destroy(), 3000).unref();
  };

  it('fetches the feed with the configured headers', async () => {
    let auth: string | undefined;
    const srv = await serve((req, res) => {
      auth = req.headers.authorization;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify([{ ticket_id: 5, host: 'krane-pg1-com908', fault_code: 'PING_FAIL', created_at: '2025-08-11T00:00:00Z' }]));
    });
    try {
      const r = await collect({ source: `${srv.url}/tickets?open=1`, format: 'tickets', headers: { authorization: 'Bearer t0ken' } });
      assert.equal(auth, 'Bearer t0ken');
      assert.equal(r.alarms[0]?.faultCode, 'PING_FAIL');
    } finally {
      await srv.close();
    }
  });

  it('fails with the HTTP status on a non-2xx answer, leaving the query string out of the message', async () => {
    const srv = await serve((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('database is locked');
    });
    try {
      await assert.rejects(collect({ source: `${srv.url}/tickets?token=secret`, format: 'tickets' }), (err: Error) => {
        assert.ok(err instanceof AlarmFeedHttpError);
        assert.ok(err instanceof CollectorError);
        assert.equal(err.status, 500);
        assert.equal(err.message, `alarm feed ${srv.url}/tickets?… answered HTTP 500 Internal Server Error: database is locked`);
        return true;
      });
    } finally {
      await srv.close();
    }
  });

  it('names the URL and the position when the answer is not JSON', async () => {
    const srv = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"tickets": [{"ticket_id": 1,}]}');
    });
    try {
      await assert.rejects(collect({ source: `${srv.url}/feed`, format: 'tickets' }), new RegExp(`alarm feed ${srv.url}/feed is not valid JSON at line 1, column 30`));
    } finally {
      await srv.close();
    }
  });

  it('abandons a request that never answers when the context signal aborts, and closes the connection', { timeout: 5000 }, async () => {
    let closed = false;
    const srv = await serve((req) => {
      req.socket.on('close', () => (closed = true));
      giveUpLater(req);
    });
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('timed out after 100 ms')), 100);
      const started = Date.now();
      await assert.rejects(collect({ source: srv.url, format: 'tickets' }, controller.signal), /request aborted \(timed out after 100 ms\)/);
      assert.ok(Date.now() - started < 2000, 'gave up promptly');
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(closed, true, 'the server saw the connection closed');
    } finally {
      await srv.close();
    }
  });

  it('abandons an answer whose body stalls after the headers', { timeout: 5000 }, async () => {
    const srv = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[{"ticket_id": 1,');
      giveUpLater(req);
    });
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('cancelled')), 100);
      const started = Date.now();
      await assert.rejects(collect({ source: srv.url, format: 'tickets' }, controller.signal), /reading the answer aborted \(cancelled\)/);
      assert.ok(Date.now() - started < 2000, 'gave up promptly');
    } finally {
      await srv.close();
    }
  });

  it('fails under the runner when the server is slower than timeoutMs, without holding up the run', { timeout: 5000 }, async () => {
    const srv = await serve((_req, res) => {
      setTimeout(() => res.end('[]'), 3000).unref();
    });
    try {
      const started = Date.now();
      const run = await runCollectors([createAlarmCollector({ source: srv.url, format: 'tickets', timeoutMs: 150 })], { timeoutMs: 10_000 });
      assert.ok(Date.now() - started < 2000);
      assert.equal(run.outcomes[0]?.status, 'failed');
      assert.match(run.outcomes[0]?.error ?? '', /timed out after 150 ms/);
    } finally {
      await srv.close();
    }
  });

  it('honours its own timeoutMs when called outside the runner', { timeout: 5000 }, async () => {
    const srv = await serve((req) => giveUpLater(req));
    try {
      const started = Date.now();
      await assert.rejects(createAlarmCollector({ source: srv.url, format: 'alertmanager', timeoutMs: 100 }).collect(context()), /request aborted/);
      assert.ok(Date.now() - started < 2000, 'gave up promptly');
    } finally {
      await srv.close();
    }
  });

  it('produces alarms the runner accepts against the snapshot schema', async () => {
    const body = await import('node:fs/promises').then((fs) => fs.readFile(join(FIXTURES, 'alertmanager.json'), 'utf8'));
    const srv = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    });
    try {
      const run = await runCollectors([createAlarmCollector({ source: `${srv.url}/api/hw-webhook-log`, format: 'alertmanager' })], { timeoutMs: 5000 });
      assert.equal(run.outcomes[0]?.status, 'ok', run.outcomes[0]?.error);
      assert.equal(run.outcomes[0]?.collector, 'alarms:alertmanager');
      assert.equal(run.data.alarms?.length, 5);
    } finally {
      await srv.close();
    }
  });
});

describe('alarm collector: configuration', () => {
  it('rejects an unknown format, an empty source, a bad timeout and a bad offset as config errors', () => {
    assert.throws(() => createAlarmCollector({ source: 'x.json', format: 'csv' as never }), (e: Error) => e instanceof ConfigError && /unknown format "csv"/.test(e.message));
    assert.throws(() => createAlarmCollector({ source: ' ', format: 'tickets' }), ConfigError);
    assert.throws(() => createAlarmCollector({ source: 'x.json', format: 'tickets', timeoutMs: 0 }), ConfigError);
    assert.throws(() => createAlarmCollector({ source: 'x.json', format: 'tickets', naiveTimeOffset: 'KST' }), /invalid UTC offset "KST"/);
  });

  it('declares that it produces alarms, with its own deadline', () => {
    const c = createAlarmCollector({ source: 'https://tms.example/api/tickets?key=abc', format: 'tickets', timeoutMs: 20_000 });
    assert.deepEqual(c.produces, ['alarms']);
    assert.equal(c.timeoutMs, 20_000);
    assert.ok(!c.description.includes('abc'), 'the description leaves the query string out');
  });
});

describe('alarm aggregation', () => {
  const base: Alarm = { ticketId: '1', host: 'krane-pg1-com1.dakao.io', faultCode: 'MEM_SBE', ips: [], message: '', raisedAt: '2025-08-10T00:00:00.000Z', status: 'open', count: 2 };

  it('matches hosts by short name, so FQDN and short-name tickets fold together', () => {
    const { alarms, merged } = aggregateAlarms([base, { ...base, ticketId: '2', host: 'KRANE-PG1-COM1', count: 5, raisedAt: '2025-08-09T00:00:00.000Z' }]);
    assert.equal(merged, 1);
    assert.equal(alarms.length, 1);
    assert.equal(alarms[0]?.ticketId, '2');
    assert.equal(alarms[0]?.count, 7);
  });

  it('does not fold different fault codes or closed tickets', () => {
    const { alarms } = aggregateAlarms([base, { ...base, ticketId: '2', faultCode: 'FAN' }, { ...base, ticketId: '3', status: 'closed' }, { ...base, ticketId: '4', status: 'closed' }]);
    assert.equal(alarms.length, 4);
  });
});

describe('JSON error location', () => {
  it('finds the offset of the first syntax error V8 does not place', () => {
    assert.equal(locateJsonError('{"a": tru}'), 9);
    assert.equal(locateJsonError('[1, 2'), 5);
    assert.equal(locateJsonError('[1] x'), 4);
    assert.equal(locateJsonError('{"a": "b\\q"}'), 9);
  });
});
