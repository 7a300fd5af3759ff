import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isAllowedCommand } from '../../collect/host/commands.js';
import { loadSettings } from '../../collect/host/ssh-collector.js';
import { ed25519, publicKeyField, startSshServer, type FakeSshServer } from '../../collect/host/test-ssh-server.js';
import { allowedRemedies, isAllowedRemedy, RemedyRefusedError, renderRemedy, type RemedyCommand } from './remedy-commands.js';
import { OUTPUT_KEPT, sshShells, trimOutput } from './remedy.js';

const ID = '3f4e1b2c9a8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f';

describe('remedy allow-list', () => {
  it('renders exactly the manual commands, plain and with sudo, and accepts only those', () => {
    const cases: [RemedyCommand, string][] = [
      [{ kind: 'restart-unit', unit: 'docker' }, 'systemctl restart docker'],
      [{ kind: 'restart-unit', unit: 'containerd' }, 'systemctl restart containerd'],
      [{ kind: 'restart-unit', unit: 'kubelet' }, 'systemctl restart kubelet'],
      [{ kind: 'compose-restart', project: 'neutron', compose: 'v1' }, 'cd /opt/krane/neutron && docker-compose restart'],
      [{ kind: 'compose-restart', project: 'hostroute', compose: 'v2' }, 'cd /opt/krane/hostroute && docker compose restart'],
      [{ kind: 'crictl-stop', containerId: ID }, `crictl stop ${ID}`],
      [{ kind: 'crictl-stop', containerId: ID.slice(0, 13) }, `crictl stop ${ID.slice(0, 13)}`],
      [{ kind: 'swapoff' }, 'swapoff -a'],
    ];
    for (const [c, text] of cases) {
      assert.equal(renderRemedy(c, false), text);
      assert.equal(renderRemedy(c, true), `sudo -n sh -c '${text}'`);
      assert.ok(isAllowedRemedy(renderRemedy(c, false)), text);
      assert.ok(isAllowedRemedy(renderRemedy(c, true)), text);
    }
    for (const c of allowedRemedies(true)) assert.ok(isAllowedRemedy(c), c);
  });

  it('refuses every other unit, project, id and anything free-form', () => {
    const bad: unknown[] = [
      { kind: 'restart-unit', unit: 'sshd' },
      { kind: 'restart-unit', unit: 'nova-compute' },
      { kind: 'restart-unit', unit: 'docker; reboot' },
      { kind: 'compose-restart', project: 'glance', compose: 'v1' },
      { kind: 'compose-restart', project: '../etc', compose: 'v1' },
      { kind: 'compose-restart', project: 'nova', compose: 'v3' },
      { kind: 'crictl-stop', containerId: 'abc' },
      { kind: 'crictl-stop', containerId: `${ID}; rm -rf /` },
      { kind: 'crictl-stop', containerId: ID.toUpperCase() },
      { kind: 'crictl-stop', containerId: '$(crictl ps -q)' },
      { kind: 'reboot' },
    ];
    for (const c of bad) assert.throws(() => renderRemedy(c as RemedyCommand, false), RemedyRefusedError, JSON.stringify(c));
    for (const line of [
      'rm -rf /',
      'systemctl restart sshd',
      'systemctl restart docker ',
      'systemctl restart docker; reboot',
      'systemctl stop docker',
      'cd /opt/krane/nova && docker-compose down',
      'cd /opt/krane/glance && docker-compose restart',
      'crictl stop $(crictl ps -q)',
      `crictl stop ${ID} ${ID}`,
      `crictl rm ${ID}`,
      'swapoff /swap.img',
      'swapon -a',
      "sudo -n sh -c 'swapoff -a; reboot'",
      `sudo -n sh -c 'crictl stop ${ID}`,
      `crictl stop ${ID}'`,
    ]) {
      assert.equal(isAllowedRemedy(line), false, line);
    }
  });

  it('keeps the read-only list read-only: no remedy passes the collector guard', () => {
    for (const c of [...allowedRemedies(false), ...allowedRemedies(true), renderRemedy({ kind: 'crictl-stop', containerId: ID }, false)]) assert.equal(isAllowedCommand(c), false, c);
  });

  it('trims what it keeps of the output', () => {
    assert.equal(trimOutput('  done\n', ''), 'done');
    assert.equal(trimOutput('', 'Failed to restart kubelet.service\n'), 'Failed to restart kubelet.service');
    const long = trimOutput('x'.repeat(5000), '');
    assert.equal(long.length, OUTPUT_KEPT);
    assert.ok(long.endsWith('…'));
  });
});

describe('remedy shell over SSH', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-remedy-'));
  const clientKey = ed25519();
  const hostKey = ed25519();
  let server: FakeSshServer;

  before(async () => {
    writeFileSync(join(dir, 'id'), clientKey.private, { mode: 0o600 });
    server = await startSshServer({
      hostKey,
      authorizedKeys: [clientKey.public],
      answer: (command) => (command === 'swapoff -a' ? { stdout: '' } : command === 'systemctl restart kubelet' ? { stdout: '', stderr: 'Job for kubelet.service failed.\n', code: 1 } : undefined),
    });
    writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${server.port} ${publicKeyField(hostKey)}\n`);
  });
  after(() => server?.close());

  it('sends an allowed remedy and returns its record; refuses a bad one before the host sees a byte', async () => {
    const settings = await loadSettings({ username: 'faultline', privateKeyPath: join(dir, 'id'), agent: false, knownHostsPath: join(dir, 'known_hosts'), commandTimeoutMs: 3000, connectTimeoutMs: 3000 });
    const open = sshShells(settings, () => new Date('2026-12-04T03:00:00Z'));
    const shell = await open({ host: 'krane-hn1-com001', address: '127.0.0.1', port: server.port, knownNames: [`[127.0.0.1]:${server.port}`] });
    try {
      const off = await shell.remedy({ kind: 'swapoff' });
      assert.deepEqual(off, { host: 'krane-hn1-com001', command: 'swapoff -a', exitCode: 0, output: '', at: '2026-12-04T03:00:00.000Z' });
      const kubelet = await shell.remedy({ kind: 'restart-unit', unit: 'kubelet' });
      assert.equal(kubelet.exitCode, 1);
      assert.equal(kubelet.output, 'Job for kubelet.service failed.');
      await assert.rejects(shell.remedy({ kind: 'crictl-stop', containerId: '$(crictl ps -q)' }), RemedyRefusedError);
      await assert.rejects(shell.remedy({ kind: 'restart-unit', unit: 'sshd' as 'docker' }), RemedyRefusedError);
      assert.deepEqual(server.commands, ['swapoff -a', 'systemctl restart kubelet']);
    } finally {
      shell.close();
    }
  });
});
