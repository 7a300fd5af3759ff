import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { localExpiry, tokensUrl, withZone } from './auth.js';
import { catalogRegions, joinUrl } from './catalog.js';
import { AttemptTimeout, backoffDelay, bodyExcerpt, DEFAULT_RETRY_POLICY, isRetryableStatus, nodeExchange, parseRetryAfter, type Exchange, type HttpRequest } from './http.js';
import { threadExchange } from './http-thread.js';
import { nextQuery } from './paging.js';

describe('HTTP helpers', () => {
  it('retries only 429, 502, 503 and 504', () => {
    assert.deepEqual([400, 401, 403, 404, 409, 429, 500, 502, 503, 504].filter(isRetryableStatus), [429, 502, 503, 504]);
  });

  it('reads Retry-After as seconds or a date', () => {
    const now = Date.parse('2025-03-01T12:00:00Z');
    assert.equal(parseRetryAfter('7', now), 7000);
    assert.equal(parseRetryAfter('Sat, 01 Mar 2025 12:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Sat, 01 Mar 2025 11:00:00 GMT', now), 0);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(null, now), undefined);
  });

  it('backs off exponentially within the cap, with jitter in the upper half', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, backoffBaseMs: 500, backoffMaxMs: 4000 };
    assert.deepEqual([0, 1, 2, 3, 4].map((a) => backoffDelay(a, policy, () => 0)), [250, 500, 1000, 2000, 2000]);
    assert.deepEqual([0, 1, 2, 3, 4].map((a) => backoffDelay(a, policy, () => 0.999999)), [500, 1000, 2000, 4000, 4000]);
  });

  it('shortens error bodies to one redacted line', () => {
    assert.equal(bodyExcerpt('a\n  b  secret-value', (t) => t.replace('secret-value', '***')), 'a b ***');
    assert.equal(bodyExcerpt('x'.repeat(400), (t) => t).length, 301);
  });
});

describe('Keystone and catalog helpers', () => {
  it('builds the tokens URL with or without /v3', () => {
    assert.equal(tokensUrl('https://keystone.example:5000/v3/'), 'https://keystone.example:5000/v3/auth/tokens');
    assert.equal(tokensUrl('https://keystone.example:5000'), 'https://keystone.example:5000/v3/auth/tokens');
    assert.equal(tokensUrl('https://api.example/identity'), 'https://api.example/identity/v3/auth/tokens');
  });

  it('takes the token lifetime from Keystone and times it by the local clock', () => {
    const local = Date.parse('2025-03-01T12:00:00Z');
    assert.equal(localExpiry('2030-01-01T01:00:00.000000Z', '2030-01-01T00:00:00.000000Z', local), local + 3_600_000);
    assert.equal(localExpiry('2025-03-01T13:00:00Z', undefined, local), Date.parse('2025-03-01T13:00:00Z'));
    assert.equal(localExpiry('tomorrow', undefined, local), undefined);
  });

  it('reads zoneless times as UTC', () => {
    assert.equal(withZone('2025-06-30T07:19:53.000000'), '2025-06-30T07:19:53.000000Z');
    assert.equal(withZone('2025-06-30T07:19:53+09:00'), '2025-06-30T07:19:53+09:00');
  });

  it('joins endpoint URLs and paths and lists catalog regions', () => {
    assert.equal(joinUrl('http://n:8774/v2.1/', '/servers/detail'), 'http://n:8774/v2.1/servers/detail');
    assert.deepEqual(catalogRegions([{ type: 'compute', endpoints: [{ interface: 'public', region_id: 'b', url: 'u' }, { interface: 'public', region: 'a', url: 'u' }, { interface: 'admin', url: 'u' }] }]), ['a', 'b']);
  });

  it('takes only the query of a next link', () => {
    assert.equal(nextQuery([{ rel: 'self', href: 'x' }, { rel: 'next', href: 'http://internal:8774/v2.1/servers/detail?limit=2&marker=abc' }])?.toString(), 'limit=2&marker=abc');
    assert.equal(nextQuery([{ rel: 'previous', href: 'http://x/?marker=a' }]), undefined);
    assert.equal(nextQuery(undefined), undefined);
  });
});

for (const [name, exchange] of [['node:http exchange', nodeExchange], ['node:http exchange on a worker thread', threadExchange]] as [string, Exchange][]) describe(name, () => {
  const seen: { method: string; url: string; body: string; socket: Socket; headers: IncomingMessage['headers'] }[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', body: Buffer.concat(chunks).toString(), socket: req.socket, headers: req.headers });
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/json') return res.writeHead(200, { 'content-type': 'application/json', 'x-openstack-request-id': 'req-1' }).end('{"ok":true}');
      if (path === '/gzip') return res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync('{"zipped":"é"}'));
      if (path === '/moved') return res.writeHead(302, { location: '/json?from=moved' }).end();
      if (path === '/see-other') return res.writeHead(303, { location: '/json' }).end();
      if (path === '/stall') {
        res.writeHead(200, { 'content-length': '100' });
        res.write('{"partial":');
        return; // the rest never comes
      }
      if (path === '/cut') {
        res.writeHead(200, { 'content-length': '100' });
        res.write('{"partial":');
        setTimeout(() => res.socket?.destroy(), 10);
        return;
      }
      res.writeHead(404).end('not found');
    });
  });
  const ready = new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  const get = async (path: string, extra: Partial<HttpRequest> = {}): Promise<HttpRequest> => ({ method: 'GET', url: `${await ready}${path}`, headers: { accept: 'application/json' }, what: `GET ${path}`, ...extra });

  it('reads status, headers and body, and keeps the connection for the next request', async () => {
    seen.length = 0;
    const a = await exchange(await get('/json'), 5000, undefined);
    const b = await exchange(await get('/json'), 5000, undefined);
    assert.equal(a.status, 200);
    assert.equal(a.statusText, 'OK');
    assert.equal(a.body.toString(), '{"ok":true}');
    assert.equal(a.headers.get('X-OpenStack-Request-Id'), 'req-1');
    assert.equal(a.headers.get('retry-after'), null);
    assert.equal(b.body.toString(), '{"ok":true}');
    assert.equal(seen.length, 2);
    assert.equal(seen[0]?.socket, seen[1]?.socket, 'the second request used the same connection');
  });

  it('asks for compression and undoes gzip', async () => {
    seen.length = 0;
    const a = await exchange(await get('/gzip'), 5000, undefined);
    assert.equal(a.body.toString(), '{"zipped":"é"}');
    assert.match(String(seen[0]?.headers['accept-encoding']), /gzip/);
  });

  it('follows redirects; a 303 after a POST continues as a GET without the body', async () => {
    seen.length = 0;
    const moved = await exchange(await get('/moved'), 5000, undefined);
    assert.equal(moved.body.toString(), '{"ok":true}');
    assert.deepEqual(seen.map((s) => s.url), ['/moved', '/json?from=moved']);
    seen.length = 0;
    const posted = await exchange(await get('/see-other', { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } }), 5000, undefined);
    assert.equal(posted.status, 200);
    assert.deepEqual(seen.map((s) => [s.method, s.body]), [['POST', '{"a":1}'], ['GET', '']]);
    assert.equal(seen[1]?.headers['content-type'], undefined);
  });

  it('gives up on an answer whose body stalls, with AttemptTimeout', async () => {
    await assert.rejects(exchange(await get('/stall'), 100, undefined), (err: unknown) => err instanceof AttemptTimeout && /no answer within 100 ms/.test(err.message));
  });

  it('rejects with the caller\'s reason when the caller aborts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('run cancelled')), 20);
    await assert.rejects(exchange(await get('/stall'), 5000, controller.signal), /run cancelled/);
    const aborted = AbortSignal.abort(new Error('already gone'));
    await assert.rejects(exchange(await get('/json'), 5000, aborted), /already gone/);
  });

  it('reports an answer cut off before its end', async () => {
    await assert.rejects(exchange(await get('/cut'), 5000, undefined), (err: unknown) => !(err instanceof AttemptTimeout) && err instanceof Error);
  });
});
