import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import ssh2 from 'ssh2';
import { startLab, type RunningLab } from '../openstack/lab.js';
import { loadScenario, parseFault } from '../scenarios/load.js';
import { seededEd25519 } from './host-keys.js';
import { isNodeServer } from './node-facts.js';
import { LAB_SSH_USER } from './ssh-server.js';

const run = promisify(execFile);

interface Exec {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** The known_hosts line for `[ip]:port` → the key blob it lists. */
function knownKey(knownHosts: string, ip: string, port: number): Buffer | undefined {
  for (const line of knownHosts.split('\n')) {
    const [name, type, b64] = line.split(' ');
    if (name === `[${ip}]:${port}` && type === 'ssh-ed25519' && b64) return Buffer.from(b64, 'base64');
  }
  return undefined;
}

/** Connects as the lab user, checking the host key against the lab's known_hosts the way the collector does. */
function connect(lab: RunningLab, ip: string, auth: { privateKey: string } | { password: string }, readyTimeout = 5_000): Promise<ssh2.Client> {
  const hosts = lab.hostsSsh;
  assert.ok(hosts);
  const expected = knownKey(hosts.knownHosts(), ip, hosts.port);
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    client.once('ready', () => resolve(client));
    client.once('error', reject);
    client.connect({
      host: ip,
      port: hosts.port,
      username: LAB_SSH_USER,
      ...auth,
      readyTimeout,
      hostVerifier: (key: Buffer) => expected !== undefined && key.equals(expected),
    });
  });
}

function exec(client: ssh2.Client, command: string): Promise<Exec> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, stream) => {
      if (err) return reject(err);
      let stdout = '';
      let stderr = '';
      let code: number | null = null;
      stream.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
      stream.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
      stream.on('exit', (c: number | null) => (code = c));
      stream.on('close', () => resolve({ stdout, stderr, code }));
    });
  });
}

describe('the hypervisors’ SSH server', () => {
  let lab: RunningLab;
  let flapHost: { hostname: string; hostIp: string };
  let oopsHost: { hostname: string; hostIp: string };
  let hungHost: { hostname: string; hostIp: string };
  let client: ssh2.Client;

  before(async () => {
    lab = await startLab({ scenario: loadScenario('shutoff-flapping'), sshHosts: { port: 0 } });
    const flapper = lab.faults.list().find((f) => f.id === 'flapper');
    const flapServer = lab.state.server(flapper?.servers[0] ?? '');
    assert.ok(flapServer, 'the flapping server was placed');
    const hv = (name: string): { hostname: string; hostIp: string } => {
      const h = lab.state.hypervisorByHost.get(name);
      assert.ok(h);
      return h;
    };
    flapHost = hv(flapServer.host);
    const others = lab.fleet.hypervisors.filter((h) => h.hostname !== flapHost.hostname && lab.state.serversOnHost(h.hostname).length > 0);
    const [a, b] = others;
    assert.ok(a && b, 'two more hypervisors with servers');
    oopsHost = a;
    hungHost = b;
    lab.faults.add(parseFault({ id: 'oops', kind: 'kernel-oops', servers: { on: { hostname: oopsHost.hostname } } }));
    lab.faults.add(parseFault({ id: 'hang', kind: 'pm-hang', hypervisor: { hostname: hungHost.hostname } }));
    client = await connect(lab, flapHost.hostIp, { privateKey: lab.hostsSsh?.privateKey ?? '' });
  });

  after(async () => {
    client?.end();
    await lab?.stop();
  });

  it('derives the same keys from the same seed', () => {
    assert.equal(seededEd25519('s', 'a').privateKey, seededEd25519('s', 'a').privateKey);
    assert.notEqual(seededEd25519('s', 'a').publicKey, seededEd25519('s', 'b').publicKey);
    assert.ok(ssh2.utils.parseKey(seededEd25519('s', 'a').privateKey) instanceof Error === false);
    const lines = lab.hostsSsh?.knownHosts().trim().split('\n') ?? [];
    assert.equal(lines.length, lab.fleet.hypervisors.length + lab.state.allServers().filter(isNodeServer).length, 'a line per hypervisor and per node VM');
    assert.match(lines[0] ?? '', /^\[127\.\d+\.\d+\.\d+\]:\d+ ssh-ed25519 AAAA[\w+/=]+$/);
    assert.equal(new Set(lines.map((l) => l.split(' ')[2])).size, lines.length, 'a host key per host');
  });

  it('answers a node VM at its own address with the node checklist, and refuses hypervisor-only commands there', async () => {
    const nodes = lab.state.allServers().filter((s) => isNodeServer(s) && s.vmState === 'active');
    const [up, down] = nodes;
    assert.ok(up && down, 'two running node VMs');
    lab.faults.add(parseFault({ id: 'broken-path', kind: 'node-facts', servers: { name: up.name }, facts: { failedPaths: 1, interfaces: [{ name: 'stor0', mtu: 1500 }] } }));
    const node = await connect(lab, up.ip, { privateKey: lab.hostsSsh?.privateKey ?? '' });
    try {
      const units = await exec(node, 'systemctl is-active kubelet containerd');
      assert.deepEqual([units.stdout, units.code], ['active\nactive\n', 0]);
      assert.equal((await exec(node, 'test -S /run/containerd/containerd.sock')).code, 0);
      const mp = await exec(node, "sudo -n sh -c 'multipath -ll'");
      assert.match(mp.stdout, /^mpatha \(3600a0980\w+\) dm-0 NETAPP,LUN C-Mode$/m);
      assert.match(mp.stdout, /^ {2}`- 3:0:0:0 sdb 8:16 failed faulty running$/m);
      const links = JSON.parse((await exec(node, 'ip -j addr show')).stdout) as { ifname: string; mtu: number }[];
      assert.equal(links.find((l) => l.ifname === 'stor0')?.mtu, 1500);
      const sessions = await exec(node, 'iscsiadm -m session');
      assert.equal(sessions.stdout.trim().split('\n').length, 2);
      const refused = await exec(node, 'kvm-ok');
      assert.equal(refused.code, 127);
      assert.match(refused.stderr, /command not allowed/);
    } finally {
      node.end();
    }
    // A VM that is stopped has no sshd to answer.
    lab.state.stopFromHost(down.id, lab.state.now());
    await assert.rejects(connect(lab, down.ip, { privateKey: lab.hostsSsh?.privateKey ?? '' }, 2_000));
  });

  it('answers smartctl -j with the NVMe error-log entries the host declares', async () => {
    const lsblk = await exec(client, 'lsblk -J -d -o NAME,TYPE,ROTA,MODEL');
    const disks = (JSON.parse(lsblk.stdout) as { blockdevices: { name: string; type: string; rota: boolean; model: string }[] }).blockdevices;
    const nvme = disks.find((d) => d.name.startsWith('nvme'));
    assert.ok(nvme);
    const out = await exec(client, `sudo -n sh -c 'smartctl -j -a /dev/${nvme.name}'`);
    const doc = JSON.parse(out.stdout) as { smartctl: { version: number[]; exit_status: number }; device: { protocol: string }; smart_status: { passed: boolean }; nvme_smart_health_information_log: { num_err_log_entries: number } };
    assert.deepEqual(doc.smartctl.version, [7, 2]);
    assert.equal(doc.device.protocol, 'NVMe');
    assert.equal(doc.smart_status.passed, true);
    assert.equal(doc.nvme_smart_health_information_log.num_err_log_entries, 2787);
    const text = await exec(client, `smartctl -a /dev/${nvme.name}`);
    assert.match(text.stdout, /^Error Information Log Entries:\s+2,787$/m);
    assert.match(text.stdout, /^SMART overall-health self-assessment test result: PASSED$/m);
    const ata = await exec(client, 'smartctl -j -a /dev/sda');
    const table = (JSON.parse(ata.stdout) as { ata_smart_attributes: { table: { id: number; raw: { value: number } }[] } }).ata_smart_attributes.table;
    assert.equal(table.find((a) => a.id === 5)?.raw.value, 0);
  });

  it('answers free -b and /proc/swaps with the swap the host declares', async () => {
    const out = await exec(client, 'free -b');
    assert.equal(out.code, 0);
    const [header, mem, swap] = out.stdout.split('\n');
    assert.equal(header, '               total        used        free      shared  buff/cache   available');
    const m = /^Mem:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$/.exec(mem ?? '');
    assert.ok(m, mem);
    assert.equal(Number(m[2]) + Number(m[3]) + Number(m[5]), Number(m[1]), 'used + free + buff/cache = total');
    const s = /^Swap:\s+(\d+)\s+(\d+)\s+(\d+)$/.exec(swap ?? '');
    assert.ok(s, swap);
    assert.ok(Number(s[1]) > 8e9 && Number(s[2]) > 4e9);
    // procps prints " %11s" per value after an 8-wide label: 11-digit numbers end at column 20.
    assert.equal((swap ?? '').indexOf(s[1] ?? '') + (s[1] ?? '').length, 20, 'columns end where procps puts them');
    const swaps = await exec(client, 'cat /proc/swaps');
    assert.match(swaps.stdout, /^Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n\/swap\.img {31}file\t\t8388604\t\t\d+\t\t-2\n$/);
  });

  it('answers the kernel log, libvirt logs, df and the container runtime in their real formats', async () => {
    const dmesg = await exec(client, 'dmesg -T');
    assert.match(dmesg.stdout, /^\[\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\] INFO: task nova-compute:3412 blocked for more than 241 seconds\.$/m);
    const journal = await exec(client, 'journalctl -k --since "-24h" --no-pager -o short-iso');
    assert.match(journal.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000 \S+ kernel: INFO: task nova-compute:3412 blocked/m);
    const logs = await exec(client, 'tail -v -n 2000 /var/log/libvirt/qemu/*.log');
    assert.match(logs.stdout, /^==> \/var\/log\/libvirt\/qemu\/instance-[0-9a-f]{8}\.log <==\n/m);
    assert.match(logs.stdout, /^ERROR cluster \d+ refcount=0 reference=1$/m);
    const df = await exec(client, 'df -P');
    assert.match(df.stdout.split('\n')[0] ?? '', /^Filesystem +1024-blocks +Used +Available +Capacity Mounted on$/);
    assert.match(df.stdout, /^\/dev\/nvme0n1p1 +\d+ +\d+ +\d+ +\d+% \/var\/lib\/nova\/instances$/m);
    const services = await exec(client, 'systemctl is-active docker containerd kubelet libvirtd nova-compute');
    assert.equal(services.stdout.split('\n').length, 6);
    assert.equal(services.code, 3, 'not every unit is active');
    const crictl = await exec(client, 'crictl ps -a -o json');
    const compose = await exec(client, 'cd /opt/krane/nova && docker-compose ps');
    if (crictl.code === 0) {
      const doc = JSON.parse(crictl.stdout) as { containers: { metadata: { name: string }; state: string }[] };
      assert.ok(doc.containers.some((c) => c.metadata.name === 'nova-compute' && c.state === 'CONTAINER_RUNNING'));
      assert.equal(compose.code, 1);
      assert.match(compose.stderr, /cd: \/opt\/krane\/nova: No such file or directory/);
    } else {
      assert.equal(crictl.code, 127);
      assert.match(compose.stdout, /^ +Name +Command +State +Ports\n-+\nnova_nova-compute_1 +\/opt\/openstack\/bin\/nova-co ... +Up\n$/);
    }
  });

  it('shows a kernel oops on the host whose VM it killed', async () => {
    const c = await connect(lab, oopsHost.hostIp, { password: 'lab' });
    try {
      const out = await exec(c, 'dmesg -T');
      assert.match(out.stdout, /Comm: qemu-system-x86 Tainted/);
      assert.match(out.stdout, /DMAR: IOMMU enabled/);
      const kvm = await exec(c, 'kvm-ok');
      assert.equal(kvm.stdout, 'INFO: /dev/kvm exists\nKVM acceleration can be used\n');
    } finally {
      c.end();
    }
  });

  it('refuses commands outside the allow-list like a missing command', async () => {
    for (const command of ['rm -rf /', 'free -b; reboot', 'cat /etc/shadow', "sudo -n sh -c 'reboot'"]) {
      const out = await exec(client, command);
      assert.equal(out.code, 127, command);
      assert.equal(out.stdout, '');
      assert.equal(out.stderr, `faultline-lab: command not allowed: ${command}\n`);
    }
  });

  it('rejects a wrong password and a user other than faultline', async () => {
    await assert.rejects(connect(lab, flapHost.hostIp, { password: 'nope' }), /authentication methods failed/);
    const hosts = lab.hostsSsh;
    assert.ok(hosts);
    await assert.rejects(
      new Promise((resolve, reject) => {
        const c = new ssh2.Client();
        c.once('ready', () => resolve(c.end()));
        c.once('error', reject);
        c.connect({ host: flapHost.hostIp, port: hosts.port, username: 'root', password: 'lab', hostVerifier: () => true });
      }),
      /authentication methods failed/,
    );
  });

  it('does not answer on a hung hypervisor', async () => {
    await assert.rejects(connect(lab, hungHost.hostIp, { password: 'lab' }, 2_000), (err: Error) => {
      assert.doesNotMatch(err.message, /authentication/);
      return true;
    });
  });

  it('serves the real OpenSSH client, verifying the host key against the written known_hosts', async () => {
    assert.ok(existsSync('/usr/bin/ssh'), '/usr/bin/ssh (openssh-client) is needed for this test');
    const hosts = lab.hostsSsh;
    assert.ok(hosts);
    const dir = await mkdtemp(join(tmpdir(), 'lab-ssh-'));
    try {
      const key = join(dir, 'lab_ssh_key');
      const known = join(dir, 'known_hosts');
      await writeFile(key, hosts.privateKey, { mode: 0o600 });
      await writeFile(known, hosts.knownHosts());
      const base = ['-p', String(hosts.port), '-i', key, '-F', '/dev/null', '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${known}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'ConnectTimeout=5'];
      const { stdout } = await run('/usr/bin/ssh', [...base, `${LAB_SSH_USER}@${flapHost.hostIp}`, 'free -b'], { timeout: 20_000, env: { ...process.env, SSH_AUTH_SOCK: '' } });
      assert.match(stdout, /^ +total +used +free +shared +buff\/cache +available\nMem: +\d+/);
      // Another hypervisor's key under this address would be a mismatch: OpenSSH must refuse.
      const other = knownKey(hosts.knownHosts(), oopsHost.hostIp, hosts.port);
      assert.ok(other);
      await writeFile(known, `[${flapHost.hostIp}]:${hosts.port} ssh-ed25519 ${other.toString('base64')}\n`);
      await assert.rejects(run('/usr/bin/ssh', [...base, `${LAB_SSH_USER}@${flapHost.hostIp}`, 'free -b'], { timeout: 20_000, env: { ...process.env, SSH_AUTH_SOCK: '' } }), /HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
