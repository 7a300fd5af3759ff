import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serverSchema } from '../../snapshot/schema.js';
import { fakeServer } from './fake-cloud.js';
import { readServersPage, type ServersPageInput } from './server-pages.js';

const what = 'compute GET http://nova/v2.1/servers/detail?all_tenants=1&limit=3';
const input = (body: string, offset = 0): ServersPageInput => ({ body: Buffer.from(body), what, offset, region: 'pg1' });
const page = (servers: unknown[], next?: string): string =>
  JSON.stringify({ servers, ...(next ? { servers_links: [{ rel: 'next', href: `http://internal:8774/v2.1/servers/detail?${next}` }] } : {}) });

describe('reading a page of servers', () => {
  it('normalises the servers, names the ones it skips, and takes the next link\'s query', () => {
    const out = readServersPage(input(page([fakeServer(0), { ...fakeServer(1), status: 17 }, { ...fakeServer(2), name: 'é-2' }], 'limit=3&marker=srv-000002'), 3000));
    assert.ok(out.ok);
    assert.equal(out.count, 3);
    assert.deepEqual(out.servers.map((s) => [s.id, s.name, s.region]), [['srv-000000', 'vm-0', 'pg1'], ['srv-000002', 'é-2', 'pg1']]);
    for (const s of out.servers) assert.deepStrictEqual(serverSchema.parse(s), s);
    assert.deepEqual(out.warnings, [`${what}: skipped servers[3001] (id srv-000001): status: Invalid input: expected string, received number`]);
    assert.equal(out.next, 'limit=3&marker=srv-000002');
  });

  it('says when the body is not JSON, when the frame is wrong, and reads an empty body as an empty object', () => {
    assert.deepEqual(readServersPage(input('<html>proxy error</html>')), { ok: false, notJson: true });
    const frame = readServersPage(input('{"servers": {"id": "x"}}'));
    assert.ok(!frame.ok && !frame.notJson);
    assert.match(frame.message, /servers\/detail.*: unexpected answer: servers: Invalid input: expected array/);
    const empty = readServersPage(input('  '));
    assert.ok(!empty.ok && !empty.notJson);
    assert.match(empty.message, /servers: Invalid input: expected array, received undefined/);
  });

  it('reads names the same whether Nova escapes non-ASCII characters or sends them as UTF-8', () => {
    const raw = page([{ ...fakeServer(0), name: '서버-é-1' }]);
    const escaped = raw.replace(/[^ -~]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    assert.notEqual(raw, escaped);
    for (const body of [raw, escaped]) {
      const out = readServersPage(input(body));
      assert.ok(out.ok);
      assert.equal(out.servers[0]?.name, '서버-é-1');
    }
  });
});
