import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { OpenStackClient } from './client.js';
import { FAKE_PASSWORD, startFakeCloud, type FakeCloud } from './fake-cloud.js';
import { serversPageSchema } from './nova-schemas.js';
import { pages } from './paging.js';

const clouds: FakeCloud[] = [];
after(async () => {
  await Promise.all(clouds.map((c) => c.close()));
});

describe('marker paging', () => {
  it('has asked for the next page before handing over the current one', async () => {
    const cloud = await startFakeCloud({ servers: 5, pageMax: 2 });
    clouds.push(cloud);
    const fetched: string[] = [];
    const client = new OpenStackClient({
      auth: { authUrl: cloud.authUrl, username: 'a', password: FAKE_PASSWORD, projectName: 'p', interface: 'public' },
      fetch: (url, init) => {
        if (String(url).includes('servers/detail')) fetched.push(new URL(String(url)).searchParams.get('marker') ?? 'first');
        return fetch(url, init);
      },
    });
    const seenAtHandover: string[][] = [];
    for await (const page of pages(client, { serviceType: 'compute', path: 'servers/detail', query: { limit: 2 }, frame: serversPageSchema, itemsKey: 'servers', linksKey: 'servers_links' })) {
      seenAtHandover.push([...fetched]);
      assert.ok(page.items.length <= 2);
    }
    assert.deepEqual(seenAtHandover, [
      ['first', 'srv-000001'],
      ['first', 'srv-000001', 'srv-000003'],
      ['first', 'srv-000001', 'srv-000003'],
    ]);
  });

  it('stops on an empty page even if it carries a next link', async () => {
    const cloud = await startFakeCloud({
      intercept: (r) => (r.path.endsWith('/servers/detail') ? { status: 200, body: { servers: [], servers_links: [{ rel: 'next', href: 'http://x/?marker=zzz' }] } } : undefined),
    });
    clouds.push(cloud);
    const client = new OpenStackClient({ auth: { authUrl: cloud.authUrl, username: 'a', password: FAKE_PASSWORD, projectName: 'p', interface: 'public' } });
    let count = 0;
    for await (const _page of pages(client, { serviceType: 'compute', path: 'servers/detail', query: {}, frame: serversPageSchema, itemsKey: 'servers', linksKey: 'servers_links' })) count++;
    assert.equal(count, 1);
    assert.equal(cloud.calls('/compute/v2.1/servers/detail').length, 1);
  });

  it('does not leave the request in flight unhandled when the caller stops early', async () => {
    const cloud = await startFakeCloud({ servers: 5, pageMax: 2, intercept: (r) => (r.query.get('marker') ? { status: 500, body: {} } : undefined) });
    clouds.push(cloud);
    const client = new OpenStackClient({ auth: { authUrl: cloud.authUrl, username: 'a', password: FAKE_PASSWORD, projectName: 'p', interface: 'public' }, retry: { retries: 0 } });
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown): void => {
      unhandled.push(err);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      for await (const _page of pages(client, { serviceType: 'compute', path: 'servers/detail', query: { limit: 2 }, frame: serversPageSchema, itemsKey: 'servers', linksKey: 'servers_links' })) break;
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    assert.deepEqual(unhandled, []);
  });
});
