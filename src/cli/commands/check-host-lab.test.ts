import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ChildProcess } from 'node:child_process';
import { parse, stringify } from 'yaml';
import { runFaultline, startLabProcess, stopLabProcess } from '../testing.js';

/**
 * `faultline check-host` against the lab's hypervisors over SSH: the readiness items
 * with huge pages required by faultline.yaml, on a host built from the template and on
 * one whose huge pages were never reserved (a scenario's host-facts patch).
 */
const SCENARIO = `name: hugepages-missing
title: A hypervisor installed without its huge pages
description: One hypervisor reserves no 1 GiB pages; another is as the template makes it.
faults:
  - id: no-pages
    kind: host-facts
    hypervisor: { zone: prod }
    facts:
      hugepages: { pageSize: 1G, total: 0 }
  - id: template
    kind: host-facts
    hypervisor: { zone: prod }
    facts: {}
`;

interface Item {
  item: string;
  result: string;
  value: string;
  fix: string;
}

describe('check-host against the lab', () => {
  let dir = '';
  let child: ChildProcess | undefined;
  let admin = '';
  let token = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-check-host-'));
    await writeFile(join(dir, 'hugepages-missing.yaml'), SCENARIO);
    const lab = await startLabProcess(dir, ['--scenario', join(dir, 'hugepages-missing.yaml'), '--port', '0']);
    child = lab.child;
    ({ admin, token } = lab);
    // Every hypervisor of the fleet must reserve at least 64 pages of 1 GiB.
    const config = parse(await readFile(join(dir, 'faultline.yaml'), 'utf8')) as { hosts: Record<string, unknown> };
    config.hosts['hugepages'] = { pageSize: '1G', minTotal: 64 };
    await writeFile(join(dir, 'faultline.yaml'), stringify(config));
  });
  after(async () => {
    if (child) await stopLabProcess(child);
  });

  const target = async (faultId: string): Promise<{ host: string; ip: string }> => {
    const headers = { 'x-lab-admin': token };
    const { fault } = (await (await fetch(`${admin}/faults/${faultId}`, { headers })).json()) as { fault: { hypervisor: string } };
    const facts = (await (await fetch(`${admin}/hypervisors/${fault.hypervisor}/facts`, { headers })).json()) as { hostIp: string };
    return { host: fault.hypervisor, ip: facts.hostIp };
  };
  const check = async (faultId: string): Promise<{ code: number | null; ready: boolean; items: Item[]; stderr: string }> => {
    const { host, ip } = await target(faultId);
    const r = await runFaultline(['check-host', host, '--address', ip, '--format', 'json'], { cwd: dir });
    const out = r.stdout ? (JSON.parse(r.stdout) as { ready: boolean; items: Item[] }) : { ready: false, items: [] };
    return { code: r.code, ...out, stderr: r.stderr };
  };

  it('passes a hypervisor built from the template, huge pages included', async () => {
    const r = await check('template');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.ready, true);
    const pages = r.items.find((i) => i.item === 'hugepages (1G)');
    assert.equal(pages?.result, 'pass');
    assert.match(pages?.value ?? '', /^\d+ of 1G reserved \(need 64, \d+ free\)$/);
  });

  it('fails one without reserved huge pages and says how to reserve them', async () => {
    const r = await check('no-pages');
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.ready, false);
    assert.deepEqual(r.items.filter((i) => i.result !== 'pass').map((i) => [i.item, i.result, i.value]), [['hugepages (1G)', 'fail', '0 of 1G reserved (need 64, 0 free)']]);
    assert.match(r.items.at(-1)?.fix ?? '', /default_hugepagesz=1G hugepagesz=1G hugepages=64/);
  });
});
