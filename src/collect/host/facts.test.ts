import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diskSchema, hostFactsSchema } from '../../snapshot/schema.js';
import { assembleHost, diskRoles, type CommandOutput } from './facts.js';
import { parseLsblk, parseProcSwaps } from './parsers/lsblk.js';
import { fixture, hypervisorAnswers } from './test-support.js';

function ok(command: string, stdout: string, exitCode = 0, stderr = ''): CommandOutput {
  return { command, stdout, stderr, exitCode };
}

function hypervisorOutputs(): Map<string, CommandOutput> {
  return new Map([...hypervisorAnswers()].map(([id, a]) => [id, ok(id, a.stdout, a.code ?? 0, a.stderr ?? '')]));
}

describe('assembling host facts', () => {
  const collectedAt = new Date('2025-11-25T03:00:05Z');

  it('reads no huge-page pools on a kernel without hugetlbfs, and says nothing is wrong', () => {
    const outputs = hypervisorOutputs();
    outputs.set('hugepages', ok('hugepages', '', 2, 'grep: /sys/kernel/mm/hugepages/hugepages-*/nr_hugepages: No such file or directory\ngrep: /sys/kernel/mm/hugepages/hugepages-*/free_hugepages: No such file or directory\n'));
    outputs.set('meminfo', ok('meminfo', fixture('proc-meminfo-no-hugepages.txt')));
    const { facts } = assembleHost('krane-hn1prod-com0369', outputs, { collectedAt });
    assert.deepEqual(facts.hugepages, { defaultPageSizeKb: 2048, pools: [{ pageSizeKb: 2048, total: 0, free: 0 }] });
    assert.deepEqual(facts.warnings, []);
  });

  it('builds valid hostFacts and disks from a full set of outputs', () => {
    const { facts, disks } = assembleHost('krane-hn1prod-com0369', hypervisorOutputs(), { collectedAt });
    const parsedFacts = hostFactsSchema.parse(facts);
    for (const d of disks) diskSchema.parse(d);
    assert.deepEqual(parsedFacts.warnings, []);
    assert.equal(parsedFacts.bootTime, '2025-11-16T14:57:17.820Z');
    assert.equal(parsedFacts.memory?.swapUsedBytes, 1825361920);
    assert.equal(parsedFacts.filesystems?.find((f) => f.mount === '/')?.usedPercent, 100);
    const kinds = (parsedFacts.kernelEvents ?? []).map((e) => e.kind);
    assert.deepEqual([...new Set(kinds)].sort(), ['bug', 'hung-task', 'io-error', 'mce', 'oom-kill', 'oops', 'panic']);
    // The OOM kill appears in dmesg and in the journal; it is listed once.
    assert.equal(kinds.filter((k) => k === 'oom-kill').length, 1);
    const oops = parsedFacts.kernelEvents?.find((e) => e.kind === 'oops');
    assert.equal(oops?.process, 'qemu-system-x86');
    assert.equal(oops?.detail?.tainted, 'G D');
    // dmesg -T times are host-local; this host runs on UTC.
    assert.equal(oops?.time, '2018-08-29T09:51:19.000Z');
    assert.equal(parsedFacts.libvirtLogEvents?.filter((e) => e.kind === 'qcow2-refcount').length, 20);
    assert.equal(parsedFacts.libvirtLogEvents?.find((e) => e.kind === 'qemu-shutdown')?.instanceName, 'instance-0000abcd');
    assert.deepEqual(parsedFacts.services, { docker: 'active', containerd: 'active', kubelet: 'failed', libvirtd: 'active', 'nova-compute': 'inactive' });
    assert.deepEqual(
      parsedFacts.containers?.map((c) => `${c.project}/${c.name}=${c.state}`),
      [
        'nova/nova_nova-compute_1=running',
        'neutron/neutron_neutron-l3-agent_1=running',
        'neutron/neutron_neutron-dhcp-agent_1=exited',
        'neutron/neutron_neutron-metadata-agent_1=restarting',
        'neutron/neutron_neutron-linuxbridge-agent_1=paused',
        'hostroute/hostroute_hostroute-agent_1=running',
        'hostroute/hostroute_hostroute-bird-exporter_1=running',
        'hostroute/hostroute_hostroute-bird_1=running',
      ],
    );
    assert.deepEqual(parsedFacts.virtualization, { vtx: true, vtd: true, x2apic: true, iommuDefaultDomain: 'Passthrough', sriov: true });
    assert.equal(parsedFacts.temperatures?.[0]?.celsius, 91);
    assert.equal(parsedFacts.reboots?.[0]?.time, '2025-11-17T03:12:44.000Z');
    assert.deepEqual(parsedFacts.hugepages, { defaultPageSizeKb: 1_048_576, pools: [{ pageSizeKb: 2048, total: 0, free: 0 }, { pageSizeKb: 1_048_576, total: 192, free: 40 }] });

    const byDevice = new Map(disks.map((d) => [d.device, d]));
    assert.deepEqual([...byDevice.keys()].sort(), ['/dev/nvme0n1', '/dev/sda', '/dev/sdb']);
    const smr = byDevice.get('/dev/sdb');
    assert.equal(smr?.smr, true);
    assert.deepEqual(smr?.holds, ['vm-images', 'swap']);
    assert.equal(smr?.pendingSectors, 16);
    assert.deepEqual(byDevice.get('/dev/sda')?.holds, ['os', 'swap']);
    assert.deepEqual(byDevice.get('/dev/nvme0n1')?.holds, ['container-root']);
    assert.equal(byDevice.get('/dev/nvme0n1')?.nvmeErrorLogEntries, 2787);
  });

  it('derives roles from the captured 002 host: VM images, swap and OS on the NVMe, nothing on the SMR disk', () => {
    const roles = diskRoles(parseLsblk(fixture('seed-002-lsblk-tree.json')).value, [], { containerRuntime: false });
    assert.deepEqual(roles.get('nvme0n1')?.roles, ['vm-images', 'os', 'swap']);
    assert.deepEqual(roles.get('nvme0n1')?.mounts, ['/boot', '/', '[SWAP]', '/home']);
    // With a container runtime, its data root (/var/lib/docker under /) is on the NVMe too.
    assert.ok(diskRoles(parseLsblk(fixture('seed-002-lsblk-tree.json')).value, []).get('nvme0n1')?.roles.includes('container-root'));
    assert.deepEqual(roles.get('sda')?.roles, []);
    // A swap file on the root filesystem counts for the disk under /.
    const withFile = diskRoles(parseLsblk(fixture('lsblk-tree.json')).value, parseProcSwaps(fixture('proc-swaps.txt')).value);
    assert.ok(withFile.get('sda')?.roles.includes('swap'));
  });

  it('names what it could not read and leaves those facts out', () => {
    const outputs = new Map<string, CommandOutput>([
      ['free', { command: 'free -b', stdout: '', stderr: 'free: command timed out', exitCode: null }],
      ['dmesg', { command: 'dmesg -T', stdout: '', stderr: 'dmesg: read kernel buffer failed: Operation not permitted', exitCode: 1 }],
      ['sensors', { command: 'sensors', stdout: '', stderr: 'bash: sensors: command not found', exitCode: 127 }],
      ['smart:sda', { command: 'smartctl -j -a /dev/sda', stdout: '', stderr: 'sudo: a password is required', exitCode: 1 }],
      ['df', { command: 'df -P', stdout: fixture('df-P.txt').slice(0, 300), stderr: '', exitCode: null, truncated: true }],
    ]);
    const { facts, disks } = assembleHost('h1', outputs, { collectedAt });
    assert.equal(facts.memory, undefined);
    assert.equal(facts.kernelEvents, undefined);
    assert.equal(facts.temperatures, undefined);
    assert.ok((facts.filesystems ?? []).length > 0);
    const w = facts.warnings ?? [];
    assert.ok(w.includes('free -b: did not finish'), w.join(' | '));
    assert.ok(w.includes('dmesg -T: dmesg: read kernel buffer failed: Operation not permitted'), w.join(' | '));
    assert.ok(w.includes('sensors (lm-sensors) is not installed; no temperatures'));
    assert.ok(w.some((x) => x.startsWith('df -P: output was cut')));
    assert.ok(w.includes('smartctl -j -a /dev/sda: sudo: a password is required'));
    assert.deepEqual(disks.map((d) => [d.device, d.smartPassed]), [['/dev/sda', null]]);
  });

  it('reads containerd hosts and compose v2', () => {
    const outputs = new Map<string, CommandOutput>([
      ['compose:nova', { command: 'x', stdout: '', stderr: 'sh: 1: docker-compose: not found', exitCode: 127 }],
      ['composeV2:nova', { command: 'y', stdout: fixture('compose-v2-nova.txt'), stderr: '', exitCode: 0 }],
      ['compose:neutron', { command: 'z', stdout: '', stderr: "sh: 1: cd: can't cd to /opt/krane/neutron", exitCode: 2 }],
      ['crictl', { command: 'crictl ps -a -o json', stdout: fixture('crictl-ps.json'), stderr: '', exitCode: 0 }],
    ]);
    const { facts } = assembleHost('h2', outputs, { collectedAt });
    assert.deepEqual(facts.warnings, []);
    assert.deepEqual(
      facts.containers?.map((c) => `${c.runtime}:${c.project}/${c.name}=${c.state}`),
      [
        'docker-compose:nova/nova-nova-compute-1=running',
        'docker-compose:nova/nova-nova-ssh-1=exited',
        'docker-compose:nova/nova-nova-api-1=restarting',
        'docker-compose:nova/nova-nova-cron-1=created',
        'containerd:nova/nova-compute=running',
        'containerd:neutron/neutron-dhcp-agent=exited',
        'containerd:hostroute/hostroute-bird=created',
      ],
    );
  });
});
