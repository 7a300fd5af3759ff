import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateFleet } from './generate.js';
import { labInventory, type LabHypervisorEntry, type LabServerEntry } from './inventory.js';

describe('labInventory', () => {
  it("lists every hypervisor's box, warranty day and center owner, the spares tagged as the pool's", () => {
    const fleet = generateFleet({ seed: 'inventory', size: 'small' });
    const entries = labInventory(fleet).entries.filter((e): e is LabHypervisorEntry => 'host' in e.match);
    assert.deepEqual(
      entries.map((e) => e.match.host),
      fleet.hypervisors.map((h) => h.hostname),
    );
    for (const [i, e] of entries.entries()) {
      const hv = fleet.hypervisors[i];
      assert.ok(hv);
      assert.deepEqual(e.hardware, hv.hardware);
      assert.match(e.warrantyUntil, /^\d{4}-\d{2}-\d{2}$/);
      assert.equal(Date.parse(`${e.warrantyUntil}T00:00:00Z`), hv.warrantyUntil, 'the day the warranty ends, in UTC');
      const center = hv.hostname.includes('-pg') ? 'pg' : 'hn';
      assert.deepEqual(e.owners, [`hw-${center}`]);
      assert.deepEqual(e.roles, hv.spare ? ['spare'] : ['hypervisor']);
      assert.equal(e.tags['pool'], hv.spare ? 'forfault' : undefined);
    }
  });

  it('lists every server once with its role tags, owners, project and cluster; DB servers name the DBA on-call', () => {
    const fleet = generateFleet({ seed: 'inventory', size: 'small' });
    const servers = labInventory(fleet).entries.filter((e): e is LabServerEntry => 'serverId' in e.match);
    assert.deepEqual(servers.map((e) => e.match.serverId), fleet.servers.map((s) => s.id));
    const dbs = fleet.servers.filter((s) => s.roles.includes('db'));
    assert.ok(dbs.length > 0, 'the small fleet has DB servers');
    for (const s of dbs) {
      const e = servers.find((x) => x.match.serverId === s.id);
      assert.ok(e?.roles.includes('db'), `${s.name} is tagged db`);
      assert.ok(e?.owners.includes('dba.oncall'));
    }
    const worker = fleet.servers.find((s) => s.roles.includes('k8s-worker'));
    assert.ok(worker);
    const tags = servers.find((x) => x.match.serverId === worker.id)?.tags;
    assert.equal(tags?.['cluster'], worker.name.replace(/-worker-\d+$/, ''));
    assert.ok(servers.every((e) => e.owners.length > 0 && !e.roles.includes('generic')));
  });
});
