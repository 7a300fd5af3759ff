import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runFaultline, startLabProcess, stopLabProcess } from '../testing.js';

/**
 * `faultline spare` against the lab: its inventory file (written by `faultline lab`)
 * gives each hypervisor's box and warranty, and each center keeps three forfault
 * spares in Nova's hypervisor list. Live once, then from a saved snapshot.
 */
interface Entry {
  match: { host: string };
  roles: string[];
  owners: string[];
  tags: Record<string, string>;
  hardware: { model: string };
  warrantyUntil: string;
}

interface Choice {
  kind: string;
  hypervisor: { name: string; center: string; warrantyUntil: string; owners: string[] };
  warranty: string;
  chosen?: { spare: { name: string; sources: string[] }; priority: number };
  candidates: { spare: { name: string }; priority: number | null }[];
  notes: string[];
  plan: string[];
}

const NOW = '2026-12-03T00:00:00Z';

describe('faultline spare against the lab', () => {
  let dir = '';
  let child: ChildProcess | undefined;
  let entries: Entry[] = [];
  const env = (): NodeJS.ProcessEnv => ({ OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml') });
  const spare = (args: string[]) => runFaultline(['spare', ...args, '--now', NOW], { cwd: dir, env: env() });
  const compute = (model: string): Entry => {
    const e = entries.find((x) => x.roles.includes('hypervisor') && x.hardware.model === model);
    assert.ok(e, `the lab has an ${model} hypervisor`);
    return e;
  };
  const expectedWarranty = (e: Entry): string => (Date.parse(`${e.warrantyUntil}T23:59:59.999Z`) >= Date.parse(NOW) ? 'under-warranty' : 'expired');

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-spare-'));
    child = (await startLabProcess(dir, ['--seed', 'ci', '--port', '0'])).child;
    entries = (JSON.parse(await readFile(join(dir, 'inventory.json'), 'utf8')) as { entries: Entry[] }).entries;
  });
  after(async () => {
    if (child) await stopLabProcess(child);
  });

  it('collects live and picks the full-match spare of the same center for an R630 box', async () => {
    const box = compute('R630');
    const r = await spare([box.match.host]);
    assert.equal(r.code, 0, r.stderr);
    const center = box.tags['center'] as string;
    assert.match(r.stdout, new RegExp(`^hypervisor ${box.match.host} \\(center ${center}, region [a-z0-9]+\\): r630-m16g2133-nvme1920; `, 'm'));
    assert.match(r.stdout, new RegExp(`^spare: krane-${center}-forfault-r630-m16g2133-nvme1920-001 \\(priority 1: model, memory and disk match\\)$`, 'm'));
    assert.match(r.stdout, new RegExp(`krane-${center}-forfault-r630-m16g2133-ssd960-002\\s+2\\s+hypervisors, inventory\\s+model and memory match; disk ssd960, not nvme1920`));
    assert.match(r.stdout, expectedWarranty(box) === 'under-warranty' ? /send the failed part or box back to the vendor \(RMA\)/ : /must be re-procured/);
  });

  it('answers from a saved snapshot in JSON, with the warranty from the inventory', async () => {
    const snap = await runFaultline(['snapshot', '--out', 'snap.json'], { cwd: dir, env: env() });
    assert.equal(snap.code, 0, snap.stderr);
    const box = compute('R640');
    const r = await spare([box.match.host, '--from', 'snap.json', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const choice = JSON.parse(r.stdout) as Choice;
    const center = box.tags['center'] as string;
    assert.equal(choice.kind, 'spare');
    assert.equal(choice.chosen?.spare.name, `krane-${center}-forfault-r640-m32g2666-nvme3840-003`);
    assert.equal(choice.chosen?.priority, 1);
    assert.deepEqual(choice.chosen?.spare.sources, ['hypervisors', 'inventory']);
    assert.equal(choice.warranty, expectedWarranty(box));
    assert.equal(choice.hypervisor.warrantyUntil, box.warrantyUntil);
    assert.deepEqual(choice.hypervisor.owners, [`hw-${center}`]);
    assert.equal(choice.candidates.length, 3, 'only the three spares of its own center');
  });

  it('exits 1 when no spare of the center matches (the lab keeps none for R740 boxes)', async () => {
    const box = compute('R740');
    const r = await spare([box.match.host, '--from', 'snap.json', '--format', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const choice = JSON.parse(r.stdout) as Choice;
    assert.equal(choice.chosen, undefined);
    assert.ok(choice.notes.some((n) => /none of the 3 spare\(s\) in center \w+ matches model and memory/.test(n)), choice.notes.join(' | '));
    assert.match(choice.plan[0] ?? '', /no matching spare: escalate/);
  });

  it('exits 2 naming an unknown hypervisor', async () => {
    const r = await spare(['krane-pg1-com999', '--from', 'snap.json']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no hypervisor named krane-pg1-com999 in the snapshot/);
  });

  it('does not count the spares as broken compute nodes in a scan', async () => {
    const r = await runFaultline(['scan', '--from', 'snap.json', '--format', 'json', '--out', '-'], { cwd: dir, env: env() });
    const report = JSON.parse(r.stdout) as { results: { findings: { resource: { name?: string; parent?: { name?: string } } }[] }[] };
    const onSpares = report.results.flatMap((x) => x.findings).filter((f) => /forfault/.test(`${f.resource.name ?? ''} ${f.resource.parent?.name ?? ''}`));
    assert.deepEqual(onSpares, []);
  });
});
