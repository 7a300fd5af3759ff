/**
 * The only commands the host collector ever sends. All of them read state; none
 * changes the host. The runner refuses any string that `isAllowedCommand` does
 * not accept, so a bug elsewhere cannot turn the collector into a remote shell.
 *
 * With `sudo: true`, commands that need root are wrapped as
 * `sudo -n sh -c '<command>'` (non-interactive: a password prompt fails fast
 * instead of hanging; `sh -c` so globs expand with root's view of directories
 * such as /var/log/libvirt/qemu, which are often mode 0700).
 */
import { COMPOSE_PROJECTS } from './parsers/containers.js';

export interface CommandSpec {
  readonly id: string;
  readonly command: string;
  /** Needs root on a default install (kernel log restrictions, device access, root-owned sockets or logs). */
  readonly root: boolean;
}

/** systemd units whose state is reported in `services`. */
export const SERVICE_UNITS = ['docker', 'containerd', 'kubelet', 'libvirtd', 'nova-compute'] as const;

/** Directories whose disk matters (VM images, container data); `ls -d` prints those that exist. */
export const ROLE_DIRECTORIES = ['/var/lib/nova/instances', '/var/lib/libvirt/images', '/home/libvirt/images', '/var/lib/docker', '/var/lib/containerd'] as const;

const spec = (id: string, command: string, root = false): CommandSpec => ({ id, command, root });

/** Run on every host, in this order of importance. */
export const BASE_COMMANDS: readonly CommandSpec[] = [
  spec('date', 'date -Iseconds'),
  spec('uptime', 'cat /proc/uptime'),
  spec('uptimeSince', 'uptime -s'),
  spec('dmesg', 'dmesg -T', true),
  spec('journalKernel', 'journalctl -k --since "-24h" --no-pager -o short-iso', true),
  spec('journalBlockIo', 'journalctl --since "-24h" --no-pager -o short-iso -u libvirtd -u virtqemud --grep "BLOCK_IO_ERROR|I/O error"', true),
  spec('libvirtLogs', 'tail -v -n 2000 /var/log/libvirt/qemu/*.log', true),
  spec('free', 'free -b'),
  spec('df', 'df -P'),
  spec('lsblkDisks', 'lsblk -J -d -o NAME,TYPE,ROTA,MODEL'),
  spec('lsblkTree', 'lsblk -J -o NAME,TYPE,MOUNTPOINT'),
  spec('swaps', 'cat /proc/swaps'),
  spec('rolePaths', `ls -d ${ROLE_DIRECTORIES.join(' ')}`),
  spec('crictl', 'crictl ps -a -o json', true),
  spec('services', `systemctl is-active ${SERVICE_UNITS.join(' ')}`),
  spec('kvmOk', 'kvm-ok', true),
  spec('cpuFlags', "grep -m1 -o -w -E 'vmx|svm' /proc/cpuinfo"),
  spec('iommuGroups', 'ls /sys/kernel/iommu_groups'),
  spec('sriov', 'grep -H . /sys/class/net/*/device/sriov_totalvfs'),
  spec('sensors', 'sensors'),
  spec('lastReboot', 'last -F reboot'),
  spec('meminfo', 'cat /proc/meminfo'),
  spec('hugepages', 'grep -H . /sys/kernel/mm/hugepages/hugepages-*/nr_hugepages /sys/kernel/mm/hugepages/hugepages-*/free_hugepages'),
];

/** The units a Kubernetes node is asked about: kubelet and its container runtime. */
export const NODE_UNITS = ['kubelet', 'containerd'] as const;
export const CONTAINERD_SOCKET = '/run/containerd/containerd.sock';

const SHARED_WITH_NODES = new Set(['date', 'uptime', 'uptimeSince', 'dmesg', 'journalKernel', 'free', 'df', 'swaps', 'lastReboot', 'meminfo']);

/**
 * Run on a Kubernetes node VM: the hypervisor commands that mean something on a guest,
 * then what the cluster failure checklist reads there (seed 003).
 */
export const NODE_COMMANDS: readonly CommandSpec[] = [
  ...BASE_COMMANDS.filter((c) => SHARED_WITH_NODES.has(c.id)),
  spec('nodeServices', `systemctl is-active ${NODE_UNITS.join(' ')}`),
  // Exit status only: 0 when the socket exists, 1 when it does not.
  spec('containerdSocket', `test -S ${CONTAINERD_SOCKET}`, true),
  spec('nodeJournal', 'journalctl -u kubelet -u kubeadm-join --since "-24h" --no-pager -o short-iso', true),
  spec('interfaces', 'ip -j addr show'),
  spec('iscsiNodes', 'iscsiadm -m node', true),
  spec('iscsiSessions', 'iscsiadm -m session', true),
  spec('multipath', 'multipath -ll', true),
];

/** Asked only when `lsblk` could not list the disks. */
export const SMART_SCAN: CommandSpec = spec('smartScan', 'smartctl --scan-open -j', true);

/** Disk names smartctl may be pointed at: SATA/SAS and NVMe, never partitions, virtual or loop devices. */
export const DEVICE_NAME = /^(?:sd[a-z]{1,3}|nvme\d{1,3}(?:n\d{1,3})?|hd[a-z])$/;

export function smartCommand(device: string, format: 'json' | 'text'): CommandSpec {
  if (!DEVICE_NAME.test(device)) throw new Error(`refusing smartctl for device name "${device}"`);
  return format === 'json' ? spec(`smart:${device}`, `smartctl -j -a /dev/${device}`, true) : spec(`smartText:${device}`, `smartctl -a /dev/${device}`, true);
}

export type ComposeProject = (typeof COMPOSE_PROJECTS)[number];

/** Compose v1 (`docker-compose ps`) or the v2 plugin (`docker compose ps -a`, which otherwise hides stopped containers). */
export function composeCommand(project: ComposeProject, version: 'v1' | 'v2'): CommandSpec {
  if (!COMPOSE_PROJECTS.includes(project)) throw new Error(`refusing compose project "${project}"`);
  return spec(`compose${version === 'v1' ? '' : 'V2'}:${project}`, `cd /opt/krane/${project} && ${version === 'v1' ? 'docker-compose ps' : 'docker compose ps -a'}`, true);
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The exact string sent to the host. */
export function render(command: CommandSpec, sudo: boolean): string {
  if (!sudo || !command.root) return command.command;
  return `sudo -n sh -c ${shellQuote(command.command)}`;
}

function everySpec(): CommandSpec[] {
  const out = [...BASE_COMMANDS, ...NODE_COMMANDS, SMART_SCAN];
  for (const p of COMPOSE_PROJECTS) out.push(composeCommand(p, 'v1'), composeCommand(p, 'v2'));
  return out;
}

const STATIC = new Set(everySpec().flatMap((c) => [render(c, false), render(c, true)]));

/** True only for a string the collector is allowed to send, as rendered by `render`. */
export function isAllowedCommand(command: string): boolean {
  if (STATIC.has(command)) return true;
  const smart = /\/dev\/([a-z0-9]+)'?$/.exec(command);
  const device = smart?.[1];
  if (device && DEVICE_NAME.test(device)) {
    for (const format of ['json', 'text'] as const) {
      const c = smartCommand(device, format);
      if (command === render(c, false) || command === render(c, true)) return true;
    }
  }
  return false;
}

/** Every allowed command for a host with these disks, rendered; for documentation and the test server. */
export function allowedCommands(devices: readonly string[], sudo: boolean): string[] {
  const out = everySpec().map((c) => render(c, sudo));
  for (const d of devices) if (DEVICE_NAME.test(d)) out.push(render(smartCommand(d, 'json'), sudo), render(smartCommand(d, 'text'), sudo));
  return out;
}
