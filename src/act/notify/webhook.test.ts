import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { NotifyError, postToWebhook } from './webhook.js';

interface Received {
  readonly method: string;
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: string;
}

/** A local incoming webhook whose answer each test chooses by path. */
let server: Server;
let base = '';
const received: Received[] = [];
const open = new Set<ServerResponse>();

const SECRET_PATH = '/services/T0001/B0002/s3cr3tT0kenXYZ';

function answer(req: IncomingMessage, res: ServerResponse, body: string): void {
  const path = req.url ?? '';
  received.push({ method: req.method ?? '', path, contentType: req.headers['content-type'], body });
  if (path.startsWith('/ok')) return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  if (path.startsWith('/fail')) return void res.writeHead(500, { 'content-type': 'text/plain' }).end(`internal error handling ${path}`);
  if (path.startsWith('/gone')) return void res.writeHead(404).end('no_service');
  if (path.startsWith('/slow')) return void open.add(res);
  if (path.startsWith('/moved')) return void res.writeHead(302, { location: `${base}/ok/elsewhere` }).end();
  if (path.startsWith('/busy')) return void res.writeHead(429, { 'retry-after': '30' }).end('rate_limited');
  res.writeHead(400).end('?');
}

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => answer(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  for (const res of open) res.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Runs a post that must fail and returns its error, checking the URL is nowhere in it. */
async function failure(url: string, timeoutMs = 2000): Promise<NotifyError> {
  const err = await postToWebhook('hello', { url, timeoutMs }).then(
    () => assert.fail('the post should have failed'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof NotifyError, String(err));
  assert.ok(!err.message.includes(url), `the URL leaked: ${err.message}`);
  assert.ok(!err.message.includes('s3cr3tT0kenXYZ'), `the token leaked: ${err.message}`);
  return err;
}

describe('postToWebhook', () => {
  it('posts the notice as {"text": …} JSON and reports the status', async () => {
    received.length = 0;
    const text = '**[Fault notice] krane-pg1-com908**\n- 티켓 정보: 721440 · <@U111>';
    const r = await postToWebhook(text, { url: `${base}/ok${SECRET_PATH}`, timeoutMs: 2000 });
    assert.equal(r.status, 200);
    assert.equal(received.length, 1);
    assert.equal(received[0]?.method, 'POST');
    assert.equal(received[0]?.path, `/ok${SECRET_PATH}`);
    assert.match(received[0]?.contentType ?? '', /^application\/json/);
    assert.deepEqual(JSON.parse(received[0]?.body ?? ''), { text });
  });

  it('names the status and the answer on a non-2xx, with the URL (echoed by the server) scrubbed', async () => {
    const err = await failure(`${base}/fail${SECRET_PATH}`);
    assert.equal(err.status, 500);
    assert.match(err.message, /the notices webhook at 127\.0\.0\.1:\d+ answered 500 Internal Server Error: internal error handling \*\*\*$/);
  });

  it('points at the configuration when the webhook is gone', async () => {
    const err = await failure(`${base}/gone${SECRET_PATH}`);
    assert.equal(err.status, 404);
    assert.match(err.message, /no_service; the webhook may have been revoked: check notices\.webhook/);
  });

  it('tries once only when rate limited, and says when to retry', async () => {
    received.length = 0;
    const err = await failure(`${base}/busy${SECRET_PATH}`);
    assert.equal(err.status, 429);
    assert.match(err.message, /rate limited, retry after 30 s/);
    assert.equal(received.length, 1, 'no retry storm');
  });

  it('does not follow a redirect', async () => {
    received.length = 0;
    const err = await failure(`${base}/moved${SECRET_PATH}`);
    assert.equal(err.status, 302);
    assert.equal(received.length, 1, 'the message went nowhere else');
  });

  it('gives up after the timeout and warns the notice may have gone out', async () => {
    const started = Date.now();
    const err = await failure(`${base}/slow${SECRET_PATH}`, 300);
    assert.ok(Date.now() - started < 1500, 'the timeout held');
    assert.match(err.message, /did not answer within 0\.3 s; the notice may or may not have been posted/);
  });

  it('says it cannot connect, without the URL', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await failure(`http://127.0.0.1:${port}${SECRET_PATH}`);
    assert.match(err.message, /cannot reach the notices webhook at 127\.0\.0\.1:\d+: fetch failed: .*ECONNREFUSED/);
  });

  it('rejects a URL that is not http(s) or not a URL, without echoing it', async () => {
    await failure(`ftp://example.com${SECRET_PATH}`);
    const err = await failure(`not a url ${SECRET_PATH}`);
    assert.match(err.message, /not a valid URL/);
  });
});
