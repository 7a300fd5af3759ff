import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fetchText } from './http-text.js';

let server: Server;
let url: string;
before(async () => {
  server = createServer((req, res) => {
    if (req.url === '/stall') {
      // Headers and a first chunk, then nothing: only the signal can end the read.
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
      return;
    }
    res.statusCode = req.url === '/missing' ? 404 : 200;
    res.end(req.url === '/missing' ? 'no such page' : 'hello');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  return new Promise<void>((r) => server.close(() => r()));
});

const words = { where: 'feed X', failed: 'unreachable' };

describe('fetchText', () => {
  it('hands back the body and the status, leaving a 404 for the caller to judge', async () => {
    assert.deepEqual(await fetchText(`${url}/ok`, { signal: AbortSignal.timeout(5000) }, words), { status: 200, statusText: 'OK', ok: true, body: 'hello' });
    const missing = await fetchText(`${url}/missing`, { signal: AbortSignal.timeout(5000) }, words);
    assert.equal(missing.ok, false);
    assert.equal(missing.body, 'no such page');
  });

  it("says the caller's word for no answer, with the network's cause", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await assert.rejects(fetchText(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(5000) }, words), /^CollectorError: feed X: unreachable: fetch failed \(.*ECONNREFUSED/);
  });

  it('cuts off a server that sends headers and then stalls, saying it was the reading that was aborted', async () => {
    await assert.rejects(fetchText(`${url}/stall`, { signal: AbortSignal.timeout(300) }, words), /feed X: reading the answer aborted \(.*timeout/i);
  });
});
