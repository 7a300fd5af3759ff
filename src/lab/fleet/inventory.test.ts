import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateFleet } from './generate.js';
import { labInventory } from './inventory.js';

describe('labInventory', () => {
  it("lists every hypervisor's box, warranty day and center owner, the spares tagged as the pool's", () => {
    const fleet = generateFleet({ seed: 'inventory', size: 'small' });
    const { entries } = labInventory(fleet);
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
});
