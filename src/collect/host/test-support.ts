/** Helpers shared by the host collector's tests (not used at run time). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Tests run from the repository root; fixtures stay in the source tree. */
export const FIXTURE_DIR = join(process.cwd(), 'src', 'collect', 'host', 'fixtures');

export function fixture(name: string): string {
  return readFileSync(join(FIXTURE_DIR, name), 'utf8');
}

/** The same text as people paste it into chat and wikis: runs of blanks collapsed to one space. */
export function collapseBlanks(text: string): string {
  return text
    .split('\n')
    .map((l) => l.replace(/[ \t]+/g, ' ').trim())
    .join('\n');
}

/** Cuts the text at a fraction of its length (a buffer that filled up, a dropped connection). */
export function truncate(text: string, fraction: number): string {
  return text.slice(0, Math.floor(text.length * fraction));
}

export interface FakeAnswer {
  readonly stdout: string;
  readonly stderr?: string;
  readonly code?: number;
}

/**
 * A Krane hypervisor as fixtures: the answer to each allow-listed command id
 * (commands.ts), from captured seeds and typed samples.
 */
export function hypervisorAnswers(): Map<string, FakeAnswer> {
  return new Map<string, FakeAnswer>([
    ['date', { stdout: fixture('date.txt') }],
    ['uptime', { stdout: fixture('proc-uptime.txt') }],
    ['uptimeSince', { stdout: fixture('uptime-s.txt') }],
    ['dmesg', { stdout: `${fixture('dmesg-T-mixed.txt')}${fixture('seed-000-dmesg-oops-qemu.txt')}` }],
    ['journalKernel', { stdout: fixture('journal-kernel.txt') }],
    ['journalBlockIo', { stdout: fixture('journal-libvirt-blockio.txt') }],
    ['libvirtLogs', { stdout: `${fixture('seed-002-qemu-logs.txt')}\n==> /var/log/libvirt/qemu/instance-0000abcd.log <==\n${fixture('qemu-instance-log.txt')}` }],
    ['free', { stdout: fixture('free-b.txt') }],
    ['df', { stdout: fixture('df-P.txt') }],
    ['lsblkDisks', { stdout: fixture('lsblk-disks.json') }],
    ['lsblkTree', { stdout: fixture('lsblk-tree.json') }],
    ['swaps', { stdout: fixture('proc-swaps.txt') }],
    ['rolePaths', { stdout: '/var/lib/docker\n/var/lib/nova/instances\n', stderr: "ls: cannot access '/var/lib/libvirt/images': No such file or directory\nls: cannot access '/home/libvirt/images': No such file or directory\nls: cannot access '/var/lib/containerd': No such file or directory\n", code: 2 }],
    ['crictl', { stdout: '', stderr: 'bash: crictl: command not found', code: 127 }],
    ['services', { stdout: fixture('systemctl-is-active.txt'), code: 3 }],
    ['kvmOk', { stdout: fixture('seed-000-kvm-ok.txt') }],
    ['cpuFlags', { stdout: 'vmx\n' }],
    ['iommuGroups', { stdout: fixture('iommu-groups.txt') }],
    ['sriov', { stdout: fixture('sriov-totalvfs.txt') }],
    ['sensors', { stdout: fixture('sensors.txt') }],
    ['lastReboot', { stdout: fixture('last-reboot-F.txt') }],
    ['meminfo', { stdout: fixture('proc-meminfo-hugepages-1g.txt') }],
    ['hugepages', { stdout: fixture('hugepages-sysfs.txt') }],
    ['compose:nova', { stdout: fixture('seed-000-compose-v1-nova.txt') }],
    ['compose:neutron', { stdout: fixture('compose-v1-neutron-broken.txt') }],
    ['compose:hostroute', { stdout: fixture('seed-000-compose-v1-hostroute.txt') }],
    ['smart:sda', { stdout: fixture('smartctl-ata-ssd.json') }],
    ['smart:sdb', { stdout: fixture('smartctl-ata-seagate-smr.json'), code: 64 }],
    ['smart:nvme0n1', { stdout: fixture('smartctl-nvme-samsung.json') }],
  ]);
}
