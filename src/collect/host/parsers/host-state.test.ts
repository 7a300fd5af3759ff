import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collapseBlanks, fixture } from '../test-support.js';
import { parseHostDate, parseLastReboot, parseUptime } from './boot.js';
import { parseLsblk, parseProcSwaps } from './lsblk.js';
import { parseSensors } from './sensors.js';
import { parseSystemctlIsActive } from './systemctl.js';
import { parseIommuGroups, parseKvmOk, parseSriovTotalVfs, parseVirtualizationLog } from './virtualization.js';

const NOW = new Date('2025-11-25T03:00:00Z');

describe('systemctl is-active', () => {
  it('pairs answers with units in order', () => {
    const { value, warnings } = parseSystemctlIsActive(fixture('systemctl-is-active.txt'), ['docker', 'containerd', 'kubelet', 'libvirtd', 'nova-compute']);
    assert.deepEqual(warnings, []);
    assert.deepEqual(value, { docker: 'active', containerd: 'active', kubelet: 'failed', libvirtd: 'active', 'nova-compute': 'inactive' });
  });

  it('warns about stray lines and missing answers', () => {
    const { value, warnings } = parseSystemctlIsActive('Failed to connect to bus: No such file or directory\nactive\n', ['docker', 'kubelet']);
    assert.deepEqual(value, { docker: 'active' });
    assert.equal(warnings.length, 2);
  });
});

describe('virtualization', () => {
  it('reads kvm-ok verdicts (seed 000) and the BIOS reason', () => {
    assert.deepEqual(parseKvmOk(fixture('seed-000-kvm-ok.txt')).value, { vtx: true });
    assert.deepEqual(parseKvmOk(fixture('kvm-ok-disabled.txt')).value, { vtx: false, reason: 'KVM (vmx) is disabled by your BIOS' });
    assert.equal(parseKvmOk('bash: kvm-ok: command not found').warnings[0], 'kvm-ok: kvm-ok is not installed');
  });

  it('reads DMAR, x2apic and the IOMMU default domain from dmesg', () => {
    assert.deepEqual(parseVirtualizationLog(fixture('dmesg-T-mixed.txt')).value, { vtd: true, x2apic: true, iommuDefaultDomain: 'Passthrough' });
    assert.deepEqual(parseVirtualizationLog('[    0.5] iommu: Default domain type: Translated \n').value, { iommuDefaultDomain: 'Translated' });
  });

  it('counts IOMMU groups and SR-IOV VFs', () => {
    assert.equal(parseIommuGroups(fixture('iommu-groups.txt')).value.groups, 9);
    assert.deepEqual(parseSriovTotalVfs(fixture('sriov-totalvfs.txt')).value, { eno1: 0, ens2f0: 64, ens2f1: 64 });
  });
});

describe('sensors', () => {
  it('reads package and core temperatures with limits, including wrapped limits', () => {
    const { value, warnings } = parseSensors(fixture('sensors.txt'));
    assert.deepEqual(warnings, []);
    assert.deepEqual(value[0], { sensor: 'coretemp-isa-0000/Package id 0', celsius: 91, highC: 80, critC: 100 });
    assert.equal(value.filter((t) => t.sensor.includes('Package id')).length, 2);
    const composite = value.find((t) => t.sensor === 'nvme-pci-0100/Composite');
    assert.deepEqual(composite, { sensor: 'nvme-pci-0100/Composite', celsius: 51.9, highC: 83.8, critC: 84.8 });
    assert.ok(!value.some((t) => t.sensor.includes('power1') || t.sensor.includes('fan1')));
  });

  it('reads readings without chip headers and with a non-UTF-8 degree sign', () => {
    const { value } = parseSensors('Package id 0:  +72.0 C  (high = +80.0 C, crit = +100.0 C)\n');
    assert.deepEqual(value, [{ sensor: 'Package id 0', celsius: 72, highC: 80, critC: 100 }]);
    assert.equal(parseSensors('No sensors found!\nMake sure you loaded all the kernel drivers you need.\n').warnings.length, 1);
  });
});

describe('boot and reboots', () => {
  it('reads the host clock and offset', () => {
    assert.deepEqual(parseHostDate(fixture('date.txt')).value, { now: '2025-11-25T03:00:00.000Z', offsetMinutes: 0 });
    assert.deepEqual(parseHostDate('2025-07-07T11:48:23-04:00\n').value, { now: '2025-07-07T15:48:23.000Z', offsetMinutes: -240 });
  });

  it('reads boot time from /proc/uptime, uptime -s and uptime', () => {
    assert.deepEqual(parseUptime(fixture('proc-uptime.txt'), { now: NOW }).value, { uptimeSeconds: 734562, bootTime: '2025-11-16T14:57:17.820Z' });
    assert.equal(parseUptime(fixture('uptime-s.txt'), { now: NOW, offsetMinutes: 540 }).value.bootTime, '2025-11-16T18:12:44.000Z');
    assert.equal(parseUptime(fixture('seed-002-uptime.txt'), { now: NOW }).value.uptimeSeconds, 122 * 86400 + 24 * 60);
    assert.equal(parseUptime('10:01:02 up  3:07,  1 user', { now: NOW }).value.uptimeSeconds, 3 * 3600 + 7 * 60);
    assert.equal(parseUptime('nonsense').warnings.length, 1);
  });

  it('reads last -F reboot and last reboot (year inferred)', () => {
    const full = parseLastReboot(fixture('last-reboot-F.txt'), { now: NOW, offsetMinutes: 540 });
    assert.deepEqual(full.warnings, []);
    assert.deepEqual(full.value, [
      { time: '2025-11-16T18:12:44.000Z', kernel: '5.15.0-91-generic' },
      { time: '2025-10-04T13:05:10.000Z', kernel: '5.15.0-91-generic' },
      { time: '2025-01-14T00:41:37.000Z', kernel: '5.15.0-88-generic' },
    ]);
    const short = parseLastReboot(collapseBlanks(fixture('last-reboot-short.txt')), { now: NOW });
    assert.deepEqual(short.value.map((r) => r.time), ['2025-11-17T03:12:00.000Z', '2025-10-04T22:05:00.000Z', '2025-01-14T09:41:00.000Z']);
  });
});

describe('lsblk and swaps', () => {
  it('reads disks (booleans or "0"/"1" for ROTA) and the mount tree', () => {
    const disks = parseLsblk(fixture('lsblk-disks.json')).value;
    assert.deepEqual(disks.map((d) => [d.name, d.rotational]), [['sda', false], ['sdb', true], ['nvme0n1', false], ['zram0', false]]);
    const old = parseLsblk('{"blockdevices": [{"name": "sda", "type": "disk", "rota": "1", "model": "ST4000DM004-2CV1  "}]}').value;
    assert.deepEqual(old[0], { name: 'sda', type: 'disk', rotational: true, model: 'ST4000DM004-2CV1', mountpoints: [], children: [] });
    const tree = parseLsblk(fixture('lsblk-tree.json')).value;
    assert.equal(tree[0]?.children[2]?.children[0]?.mountpoints[0], '/');
  });

  it('reads /proc/swaps', () => {
    assert.deepEqual(parseProcSwaps(fixture('proc-swaps.txt')).value, [{ path: '/swap.img', type: 'file' }]);
  });
});
