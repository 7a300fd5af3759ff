import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { rawServerSchema } from '../collect/openstack/nova-schemas.js';
import { compareShapes, differencesTable, observe, schemaPaths } from './shape.js';

const page = z.object({ servers: z.array(rawServerSchema), servers_links: z.array(z.object({ rel: z.string(), href: z.string() })).optional() });

describe('answer shapes', () => {
  it('lists every path a schema reads, through optional, nullable, arrays, records and unions', () => {
    const paths = schemaPaths(page);
    for (const p of ['servers[].id', 'servers[].OS-EXT-STS:task_state', 'servers[].addresses.*[].addr', 'servers[].image.id', 'servers[].flavor.original_name', 'servers_links[].href']) {
      assert.ok(paths.includes(p), p);
    }
  });

  it('records the kinds seen, absent keys included, and only for the paths the schema reads', () => {
    const shape = observe(page, {
      servers: [
        { id: 'a', status: 'ACTIVE', 'OS-EXT-STS:task_state': null, image: '', unread: 1 },
        { id: 'b', status: 'SHUTOFF', 'OS-EXT-STS:task_state': 'powering-on', image: { id: 'i' }, addresses: { net: [{ addr: '10.0.0.1' }] } },
      ],
    });
    assert.deepEqual([...(shape.get('servers[].OS-EXT-STS:task_state') ?? [])].sort(), ['null', 'string']);
    assert.deepEqual([...(shape.get('servers[].image') ?? [])].sort(), ['object', 'string']);
    assert.deepEqual([...(shape.get('servers[].image.id') ?? [])], ['string']);
    assert.deepEqual([...(shape.get('servers[].addresses') ?? [])].sort(), ['absent', 'object']);
    assert.deepEqual([...(shape.get('servers[].addresses.*[].addr') ?? [])], ['string']);
    assert.deepEqual([...(shape.get('servers_links') ?? [])], ['absent']);
    assert.equal(shape.get('servers[].unread'), undefined);
  });

  it('reports a path only one side reached as not seen on the other', () => {
    const real = observe(page, { servers: [{ id: 'a', status: 'ACTIVE', addresses: {} }] });
    const lab = observe(page, { servers: [{ id: 'b', status: 'ACTIVE', addresses: { net: [{ addr: '10.0.0.1', version: 4 }] } }] });
    assert.deepEqual(
      compareShapes('GET servers/detail', page, real, lab).map((d) => [d.path, d.real, d.lab]),
      [
        ['servers[].addresses.*', 'not seen', 'array'],
        ['servers[].addresses.*[]', 'not seen', 'object'],
        ['servers[].addresses.*[].addr', 'not seen', 'string'],
        ['servers[].addresses.*[].version', 'not seen', 'number'],
        ['servers[].addresses.*[].OS-EXT-IPS:type', 'not seen', 'absent'],
      ],
    );
  });

  it('reports a field whose kinds differ, names allowed ones with the reason, and ignores paths neither side reached', () => {
    const real = observe(page, { servers: [{ id: 'a', status: 'ACTIVE', 'OS-EXT-STS:task_state': null, locked: false }] });
    const lab = observe(page, { servers: [{ id: 'a', status: 'ACTIVE', 'OS-EXT-STS:task_state': 'none', locked: false, host_status: 'UP' }] });
    const diffs = compareShapes('GET servers/detail', page, real, lab, [{ call: 'GET servers/detail', path: 'servers[].host_status', reason: 'test' }]);
    assert.deepEqual(
      diffs.map((d) => [d.path, d.real, d.lab, d.allowed ?? '']),
      [
        ['servers[].OS-EXT-STS:task_state', 'null', 'string', ''],
        ['servers[].host_status', 'absent', 'string', 'test'],
      ],
    );
    const table = differencesTable(diffs);
    assert.match(table, /^CALL\s+FIELD\s+REAL NOVA\s+LAB\s+VERDICT$/m);
    assert.match(table, /servers\[\]\.OS-EXT-STS:task_state\s+null\s+string\s+DIFFERS/);
    assert.match(table, /servers\[\]\.host_status\s+absent\s+string\s+allowed \[1\]$/m);
    assert.match(table, /^\[1\] test$/m);
  });
});
