import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../core/errors.js';
import { fleet } from '../snapshot/builders.js';
import type { Snapshot } from '../snapshot/schema.js';
import { chooseSpare, failedBox, parseSpareName, spareCandidates, warrantyOf } from './spares.js';

describe('parseSpareName', () => {
  const valid: [string, object][] = [
    ['krane-pg-forfault-r630-m16g2133-nvme1920-001', { prefix: 'krane', center: 'pg', model: 'r630', memoryGiB: 16, memoryMHz: 2133, disk: 'nvme', diskGB: 1920, seq: 1 }],
    ['krane-hn-forfault-r640-m32g2666-ssd960-012.dakao.io', { name: 'krane-hn-forfault-r640-m32g2666-ssd960-012', center: 'hn', model: 'r640', disk: 'ssd', diskGB: 960, seq: 12 }],
    ['KRANE-AY-FORFAULT-R740XD-M64G2933-NVME3840-002', { center: 'ay', model: 'r740xd', memoryGiB: 64, memoryMHz: 2933, disk: 'nvme', diskGB: 3840 }],
  ];
  for (const [name, want] of valid) {
    it(`reads ${name}`, () => {
      const got = parseSpareName(name);
      assert.ok(got, 'parsed');
      for (const [k, v] of Object.entries(want)) assert.equal((got as unknown as Record<string, unknown>)[k], v, k);
    });
  }
  const invalid = [
    'krane-pg1-com009',
    'krane-pg-forfault-r630-m16g2133-hdd4000-001',
    'krane-pg-forfault-r630-16g2133-nvme1920-001',
    'krane-pg-forfault-r630-m16g2133-nvme1920',
    'krane-pg-forfault-r 630-m16g2133-nvme1920-001',
    'x-krane-pg-forfault-r630-m16g2133-nvme1920-001',
  ];
  for (const name of invalid) it(`rejects ${name}`, () => assert.equal(parseSpareName(name), undefined));
});

const NOW = new Date('2026-12-03T00:00:00Z');

/** A center-pg hypervisor that failed, with the given inventory facts, and spares around it. */
function snapshot(options: { hardware?: object | null; warrantyUntil?: string; spares?: string[]; inventorySpares?: string[]; busy?: string } = {}): Snapshot {
  const b = fleet().region('pg1', 'prod').region('pg2', 'dev').region('hn1prod', 'prod');
  b.hypervisor('krane-pg1-com009', { region: 'pg1' });
  for (const s of options.spares ?? []) b.hypervisor(s, { region: s.includes('-hn-') ? 'hn1prod' : 'pg2' });
  b.server('web-1', { on: 'krane-pg1-com009' });
  if (options.busy) b.server('squatter', { on: options.busy });
  const hardware = options.hardware === null ? undefined : (options.hardware ?? { model: 'PowerEdge R630', memoryGiB: 16, memoryMHz: 2133, disk: 'nvme', diskGB: 1920 });
  b.inventory({ match: { host: 'krane-pg1-com009' }, owners: ['danny.ho'], ...(hardware ? { hardware } : {}), ...(options.warrantyUntil ? { warrantyUntil: options.warrantyUntil } : {}) });
  for (const s of options.inventorySpares ?? []) b.inventory({ match: { host: s } });
  return b.build();
}

const P1 = 'krane-pg-forfault-poweredger630-m16g2133-nvme1920-003';
const P1_EARLIER = 'krane-pg-forfault-poweredger630-m16g2133-nvme1920-001';
const P2 = 'krane-pg-forfault-poweredger630-m16g2133-ssd960-002';
const OTHER_MODEL = 'krane-pg-forfault-r640-m16g2133-nvme1920-004';
const OTHER_MEMORY = 'krane-pg-forfault-poweredger630-m32g2133-nvme1920-005';
const OTHER_CENTER = 'krane-hn-forfault-poweredger630-m16g2133-nvme1920-001';

describe('chooseSpare', () => {
  const cases: { name: string; options: Parameters<typeof snapshot>[0]; chosen: string | null; priority?: 1 | 2; note?: RegExp }[] = [
    { name: 'priority 1 before priority 2', options: { spares: [P2, P1] }, chosen: P1, priority: 1 },
    { name: 'the lowest sequence among equals', options: { spares: [P1, P1_EARLIER] }, chosen: P1_EARLIER, priority: 1 },
    { name: 'priority 2 when no disk matches', options: { spares: [P2, OTHER_MODEL] }, chosen: P2, priority: 2 },
    { name: 'never another model or memory', options: { spares: [OTHER_MODEL, OTHER_MEMORY] }, chosen: null, note: /none of the 2 spare\(s\) in center pg matches model and memory/ },
    { name: 'never another center, whatever the match', options: { spares: [OTHER_CENTER] }, chosen: null, note: /no spare in center pg \(1 spare\(s\) in other centers\)/ },
    { name: 'any zone of the center (a dev-region spare for a prod box)', options: { spares: [P1] }, chosen: P1, priority: 1 },
    { name: 'not a spare that already runs servers', options: { spares: [P1, P2], busy: P1 }, chosen: P2, priority: 2 },
    { name: 'spares listed only in the inventory file count too', options: { inventorySpares: [P1] }, chosen: P1, priority: 1 },
    { name: 'nothing without model and memory', options: { spares: [P1], hardware: null }, chosen: null, note: /model or memory of krane-pg1-com009 is not known: add hardware/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const choice = chooseSpare(snapshot(c.options), 'krane-pg1-com009', NOW);
      assert.equal(choice.chosen?.spare.name ?? null, c.chosen, JSON.stringify(choice.candidates.map((x) => [x.spare.name, x.priority, x.why])));
      if (c.priority) assert.equal(choice.chosen?.priority, c.priority);
      if (c.note) assert.ok(choice.notes.some((n) => c.note?.test(n)), choice.notes.join(' | '));
    });
  }

  it('ranks a disk-unknown box priority 2 at best, and says why', () => {
    const s = snapshot({ spares: ['krane-pg-forfault-r630-m16g2133-nvme1920-001'], hardware: { model: 'R630', memoryGiB: 16, memoryMHz: 2133 } });
    const choice = chooseSpare(s, 'krane-pg1-com009', NOW);
    assert.equal(choice.chosen?.priority, 2);
    assert.match(choice.chosen?.why ?? '', /disk of the failed box unknown/);
    assert.ok(choice.notes.some((n) => /no spare can be a priority-1 match/.test(n)));
  });

  const warranties: { until?: string; want: string; plan: RegExp }[] = [
    { until: '2027-06-30', want: 'under-warranty', plan: /under warranty until 2027-06-30: send the failed part or box back to the vendor \(RMA\)/ },
    { until: '2026-12-03', want: 'under-warranty', plan: /RMA/ },
    { until: '2026-12-02', want: 'expired', plan: /out of warranty since 2026-12-02: tell danny\.ho that the warranty has expired and the box must be re-procured/ },
    { want: 'unknown', plan: /warranty unknown: add warrantyUntil to the inventory entry of krane-pg1-com009/ },
  ];
  for (const w of warranties) {
    it(`warranty ${w.until ?? 'not recorded'} → ${w.want}`, () => {
      const choice = chooseSpare(snapshot({ spares: [P1], ...(w.until ? { warrantyUntil: w.until } : {}) }), 'krane-pg1-com009', NOW);
      assert.equal(choice.warranty, w.want);
      assert.equal(warrantyOf(choice.hypervisor, NOW), w.want);
      assert.ok(choice.plan.some((p) => w.plan.test(p)), choice.plan.join(' | '));
      assert.match(choice.plan[0] ?? '', new RegExp(`^swap krane-pg1-com009 with spare ${P1}`));
    });
  }

  it('without a spare, an in-warranty box goes to the vendor and the plan escalates', () => {
    const choice = chooseSpare(snapshot({ spares: [OTHER_MODEL], warrantyUntil: '2027-06-30' }), 'krane-pg1-com009', NOW);
    assert.deepEqual(choice.plan, [
      'no matching spare: escalate to the hardware owner for a part or box (danny.ho)',
      'under warranty until 2027-06-30: have the vendor repair or replace it (RMA)',
    ]);
  });

  it('refuses an unknown hypervisor and a spare as the failed box', () => {
    assert.throws(() => chooseSpare(snapshot(), 'krane-pg1-com999', NOW), (e: unknown) => e instanceof UsageError && /no hypervisor named krane-pg1-com999/.test(e.message));
    assert.throws(() => chooseSpare(snapshot({ spares: [P1] }), P1, NOW), /itself a spare/);
  });
});

describe('spareCandidates and failedBox', () => {
  it('lists each spare once with where it was found', () => {
    const list = spareCandidates(snapshot({ spares: [P1], inventorySpares: [P1, P2] }));
    assert.deepEqual(
      list.map((s) => [s.name, s.sources]),
      [
        [P2, ['inventory']],
        [P1, ['hypervisors', 'inventory']],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
  });

  it("takes the center from the region's recorded center, else from the region's name", () => {
    const b = fleet().region('ay1prod', 'prod', 'anyang').hypervisor('krane-ay1prod-com001', { region: 'ay1prod' }).build();
    assert.equal(failedBox(b, 'krane-ay1prod-com001.dakao.io').center, 'anyang');
    assert.equal(failedBox(snapshot(), 'krane-pg1-com009').center, 'pg');
  });
});
