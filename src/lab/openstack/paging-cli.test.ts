import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startLab, type RunningLab } from './lab.js';

/**
 * The real openstackclient over a region whose server count is an exact multiple
 * of Nova's page size: Nova then answers two full pages, each with a `next` link,
 * and a trailing empty page. The client must list every server exactly once.
 */
const OPENSTACK = process.env.OPENSTACK_CLI ?? '/usr/bin/openstack';

function openstack(dir: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, LANG: 'C.UTF-8', OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml') };
    execFile(OPENSTACK, ['--os-cloud', 'lab', ...args], { env, cwd: dir, timeout: 180_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('openstack CLI paging and hypervisor show against the lab', { timeout: 600_000 }, () => {
  let lab: RunningLab;
  let dir: string;
  before(async () => {
    if (!existsSync(OPENSTACK)) throw new Error(`${OPENSTACK} is missing: install python3-openstackclient`);
    dir = mkdtempSync(join(tmpdir(), 'faultline-lab-paging-'));
    lab = await startLab({ seed: 'paging', size: { regions: 1, hypervisors: 10, servers: 2000 }, sshHosts: false });
    writeFileSync(join(dir, 'clouds.yaml'), lab.cloudsYaml());
  });
  after(async () => {
    await lab?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists every server once when the fleet fills its last page exactly', async () => {
    const r = await openstack(dir, ['server', 'list', '--all-projects', '--limit', '-1', '-f', 'json', '-c', 'ID']);
    assert.equal(r.code, 0, r.stderr);
    const ids = (JSON.parse(r.stdout) as { ID: string }[]).map((x) => x.ID);
    assert.equal(ids.length, 2000);
    assert.equal(new Set(ids).size, 2000, 'no server listed twice');
    assert.deepEqual(new Set(ids), new Set(lab.fleet.servers.map((s) => s.id)));
  });

  it('shows one hypervisor with its state and the servers Nova counts on it', async () => {
    const hv = lab.fleet.hypervisors[0]!;
    const r = await openstack(dir, ['--os-compute-api-version', '2.53', 'hypervisor', 'show', hv.hostname, '-f', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const shown = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(shown['hypervisor_hostname'], hv.hostname);
    assert.equal(shown['state'], 'up');
    assert.equal(shown['status'], 'enabled');
  });
});
