/**
 * What a hypervisor prints for the read-only commands an operator (or faultline's host
 * collector) runs on it, rendered from the hypervisor's facts in the real tools' formats:
 * util-linux, procps, coreutils, systemd, smartmontools 7.2, crictl, docker-compose v1
 * and the compose v2 plugin, cpu-checker's kvm-ok, lm-sensors. Anything else is refused
 * like a missing command (status 127), so the lab is never a shell. The few write commands
 * faultline's remedies send (restart a runtime or kubelet, compose restart, crictl stop,
 * swapoff -a) are carried out through `HostActions` when the caller gives them.
 */
import { createHash } from 'node:crypto';
import { dmesgTime, type HostFacts, type LabContainer, type LabDisk } from './facts.js';
import { NODE_COMMANDS, SHARED_WITH_NODES } from './node-commands.js';
import type { NodeFacts } from './node-facts.js';

export interface CommandResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** A server running on the hypervisor, for its libvirt log. */
export interface HostGuest {
  instanceNumber: number;
  launchedAt: number | null;
}

/**
 * What the remedy commands change on a hypervisor: the lab's host state (faults.ts)
 * carries it out, so a restart brings containers back only when the real one would.
 */
export interface HostActions {
  restartUnit(unit: RemedyUnit): CommandResult;
  composeRestart(project: (typeof COMPOSE_PROJECTS)[number]): void;
  /** The container with this facts name was stopped; kubelet starts it again when it runs. */
  stopContainer(name: string): void;
  swapoff(): void;
}

export type RemedyUnit = 'docker' | 'containerd' | 'kubelet';

export interface HostContext {
  facts: HostFacts;
  /** Absent: the host answers read-only commands only (a caller that only renders facts). */
  act?: HostActions;
  /** Lab time, ms since epoch. */
  now: number;
  vcpus: number;
  guests: readonly HostGuest[];
}

const ok = (stdout: string, code = 0, stderr = ''): CommandResult => ({ stdout, stderr, code });

// ------------------------------------------------------------------ time formats

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad2 = (n: number): string => String(n).padStart(2, '0');

/** `2026-11-25 03:12:44` (UTC: the lab's hosts run in UTC). */
function isoSpace(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** ctime(3) form: `Mon Nov 17 03:12:44 2025`, day of month space-padded. */
function ctime(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/** `[Tue Nov 24 03:12:45 2026] message` → time and message. */
function splitDmesg(line: string): { at: number; message: string } | null {
  const m = /^\[\w{3} (\w{3}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})\] ?(.*)$/.exec(line);
  if (!m) return null;
  const month = MONTHS.indexOf(m[1] ?? '');
  const at = Date.UTC(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
  return { at, message: m[7] ?? '' };
}

// ------------------------------------------------------------------ kernel log

/** What any booted Intel hypervisor logged at boot; says what its virtualization flags are. */
function bootLines(facts: HostFacts, bootAt: number): string[] {
  const t = dmesgTime(bootAt);
  const v = facts.virtualization;
  const out = [
    `${t} Linux version ${facts.kernel} (buildd@lcy02-amd64-045) (gcc (Ubuntu 11.4.0-1ubuntu1~22.04) 11.4.0, GNU ld (GNU Binutils for Ubuntu) 2.38) #101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023 (Ubuntu ${facts.kernel}-${'5.15.131'})`,
    `${t} Command line: BOOT_IMAGE=/boot/vmlinuz-${facts.kernel} root=UUID=2f4c9f0e-6d0b-4c53-9f4a-0c1c7d7e3b1a ro${v.vtd ? ' intel_iommu=on' : ''}${v.iommuDefaultDomain === 'Passthrough' ? ' iommu=pt' : ''}${hugepageArgs(facts)}`,
  ];
  if (v.vtd) out.push(`${t} DMAR: IOMMU enabled`);
  out.push(v.x2apic ? `${t} x2apic: enabled by BIOS, switching to x2apic ops` : `${t} x2apic: disabled`);
  if (v.vtd) out.push(`${t} DMAR: Intel(R) Virtualization Technology for Directed I/O`);
  out.push(`${t} iommu: Default domain type: ${v.iommuDefaultDomain} `);
  out.push(`${t} EXT4-fs (sda2): mounted filesystem with ordered data mode. Opts: (null). Quota mode: none.`);
  return out;
}

/** `default_hugepagesz=1G hugepagesz=1G hugepages=N …`: how the pools were reserved at boot. */
function hugepageArgs(facts: HostFacts): string {
  const size = (kb: number): string => (kb % 1_048_576 === 0 ? `${kb / 1_048_576}G` : `${kb / 1024}M`);
  const h = facts.hugepages;
  const reserved = h.pools.filter((p) => p.total > 0);
  if (reserved.length === 0) return '';
  return ` default_hugepagesz=${size(h.defaultPageSizeKb)}${reserved.map((p) => ` hugepagesz=${size(p.pageSizeKb)} hugepages=${p.total}`).join('')}`;
}

function bootAt(ctx: HostContext): number {
  return ctx.now - ctx.facts.uptimeSeconds * 1000;
}

function kernelLines(ctx: HostContext): string[] {
  return [...bootLines(ctx.facts, bootAt(ctx)), ...ctx.facts.kernelLog];
}

function dmesg(ctx: HostContext): CommandResult {
  return ok(kernelLines(ctx).map((l) => `${l}\n`).join(''));
}

/** `2026-11-25T11:10:11+0000`, journalctl's short-iso. */
function shortIso(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}+0000`;
}

function journalKernel(ctx: HostContext): CommandResult {
  const since = ctx.now - 24 * 3600_000;
  const out: string[] = [];
  for (const line of kernelLines(ctx)) {
    const parsed = splitDmesg(line);
    if (!parsed || parsed.at < since) continue;
    out.push(`${shortIso(parsed.at)} ${ctx.facts.hostname} kernel: ${parsed.message}`);
  }
  return out.length === 0 ? ok('-- No entries --\n') : ok(out.map((l) => `${l}\n`).join(''));
}

function journalBlockIo(ctx: HostContext): CommandResult {
  const lines: string[] = [];
  for (const log of ctx.facts.libvirtLogs) {
    for (const l of log.lines) if (/BLOCK_IO_ERROR|I\/O error/.test(l)) lines.push(`${shortIso(ctx.now - 3600_000)} ${ctx.facts.hostname} libvirtd[2214]: ${l}`);
  }
  // journalctl --grep exits 1 when nothing matched.
  return lines.length === 0 ? ok('-- No entries --\n', 1) : ok(lines.map((l) => `${l}\n`).join(''));
}

// ------------------------------------------------------------------ libvirt logs

function instanceLog(n: number): string {
  return `instance-${n.toString(16).padStart(8, '0')}.log`;
}

function libvirtStartLines(ctx: HostContext, guest: HostGuest, pty: number): string[] {
  const at = Math.max(guest.launchedAt ?? bootAt(ctx), bootAt(ctx));
  const stamp = `${new Date(at).toISOString().replace('T', ' ').slice(0, 23)}+0000`;
  return [
    `${stamp}: starting up libvirt version: 8.0.0, package: 1ubuntu7.10 (Marc Deslauriers <marc.deslauriers@ubuntu.com> Tue, 09 Apr 2024 08:45:39 -0400), qemu version: 6.2.0Debian 1:6.2+dfsg-2ubuntu6.19, kernel: ${ctx.facts.kernel}, hostname: ${ctx.facts.hostname}`,
    'LC_ALL=C \\',
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin \\',
    `/usr/bin/qemu-system-x86_64 \\`,
    `-name guest=instance-${guest.instanceNumber.toString(16).padStart(8, '0')},debug-threads=on \\`,
    '-msg timestamp=on',
    `char device redirected to /dev/pts/${pty} (label charserial0)`,
  ];
}

function libvirtLogs(ctx: HostContext): CommandResult {
  const files = new Map<string, string[]>();
  ctx.guests.forEach((g, i) => files.set(instanceLog(g.instanceNumber), libvirtStartLines(ctx, g, i + 1)));
  for (const log of ctx.facts.libvirtLogs) files.set(log.file, [...(files.get(log.file) ?? []), ...log.lines]);
  if (files.size === 0) return ok('', 1, "tail: cannot open '/var/log/libvirt/qemu/*.log' for reading: No such file or directory\n");
  // The shell expands the glob in sorted order; tail -v heads each file and separates them with a blank line.
  const names = [...files.keys()].sort();
  const parts = names.map((name) => `==> /var/log/libvirt/qemu/${name} <==\n${(files.get(name) ?? []).slice(-2000).map((l) => `${l}\n`).join('')}`);
  return ok(parts.join('\n'));
}

// ------------------------------------------------------------------ memory, filesystems, disks

function free(ctx: HostContext): CommandResult {
  const m = ctx.facts.memory;
  const buffCache = Math.round(m.totalBytes * 0.06);
  const shared = Math.round(m.totalBytes * 0.004);
  const freeBytes = Math.max(0, m.availableBytes - Math.round(buffCache * 0.8));
  const used = Math.max(0, m.totalBytes - freeBytes - buffCache);
  const swapTotal = swapKiB(ctx).size * 1024;
  const swapUsed = swapKiB(ctx).used * 1024;
  // procps-ng: the label, then " %11s" per value; wider numbers push the rest right rather than losing the space.
  const row = (label: string, values: number[]): string => `${label.padEnd(8)}${values.map((v) => ` ${String(v).padStart(11)}`).join('')}\n`;
  const header = `${'total'.padStart(20)}${['used', 'free', 'shared', 'buff/cache', 'available'].map((h) => h.padStart(12)).join('')}\n`;
  return ok(header + row('Mem:', [m.totalBytes, used, freeBytes, shared, buffCache, m.availableBytes]) + row('Swap:', [swapTotal, swapUsed, swapTotal - swapUsed]));
}

/**
 * `/proc/meminfo` of a 5.15 kernel: every line `Name:` padded to 16 columns, the value
 * right-aligned in 8 (wider ones push on), ` kB` except for the HugePages_ counters.
 * Memory, swap and huge-page numbers agree with `free -b` and sysfs.
 */
function meminfo(ctx: HostContext): CommandResult {
  const m = ctx.facts.memory;
  const kb = (b: number): number => Math.floor(b / 1024);
  const total = kb(m.totalBytes);
  const available = kb(m.availableBytes);
  const buffCache = kb(Math.round(m.totalBytes * 0.06));
  const free = Math.max(0, available - Math.round(buffCache * 0.8));
  const swap = swapKiB(ctx);
  const h = ctx.facts.hugepages;
  const def = h.pools.find((p) => p.pageSizeKb === h.defaultPageSizeKb) ?? { pageSizeKb: h.defaultPageSizeKb, total: 0, free: 0 };
  const hugetlb = h.pools.reduce((sum, p) => sum + p.pageSizeKb * p.total, 0);
  const anon = Math.max(0, total - free - buffCache - hugetlb);
  const rows: [string, number, boolean][] = [
    ['MemTotal', total, true],
    ['MemFree', free, true],
    ['MemAvailable', available, true],
    ['Buffers', Math.round(buffCache * 0.05), true],
    ['Cached', Math.round(buffCache * 0.8), true],
    ['SwapCached', Math.round(swap.used * 0.02), true],
    ['Active', Math.round(anon * 0.55), true],
    ['Inactive', Math.round(anon * 0.4), true],
    ['Active(anon)', Math.round(anon * 0.45), true],
    ['Inactive(anon)', Math.round(anon * 0.3), true],
    ['Active(file)', Math.round(anon * 0.1), true],
    ['Inactive(file)', Math.round(anon * 0.1), true],
    ['Unevictable', 30_976, true],
    ['Mlocked', 27_648, true],
    ['SwapTotal', swap.size, true],
    ['SwapFree', swap.size - swap.used, true],
    ['Dirty', 1_204, true],
    ['Writeback', 0, true],
    ['AnonPages', Math.round(anon * 0.7), true],
    ['Mapped', 402_316, true],
    ['Shmem', Math.round(total * 0.004), true],
    ['KReclaimable', 1_893_420, true],
    ['Slab', 3_125_508, true],
    ['SReclaimable', 1_893_420, true],
    ['SUnreclaim', 1_232_088, true],
    ['KernelStack', 41_296, true],
    ['PageTables', 96_512, true],
    ['NFS_Unstable', 0, true],
    ['Bounce', 0, true],
    ['WritebackTmp', 0, true],
    ['CommitLimit', Math.floor((total - hugetlb) / 2) + swap.size, true],
    ['Committed_AS', Math.round(anon * 0.9), true],
    ['VmallocTotal', 34_359_738_367, true],
    ['VmallocUsed', 512_224, true],
    ['VmallocChunk', 0, true],
    ['Percpu', 178_176, true],
    ['HardwareCorrupted', 0, true],
    ['AnonHugePages', Math.round(anon * 0.3 / 2048) * 2048, true],
    ['ShmemHugePages', 0, true],
    ['ShmemPmdMapped', 0, true],
    ['FileHugePages', 0, true],
    ['FilePmdMapped', 0, true],
    ['HugePages_Total', def.total, false],
    ['HugePages_Free', def.free, false],
    ['HugePages_Rsvd', 0, false],
    ['HugePages_Surp', 0, false],
    ['Hugepagesize', h.defaultPageSizeKb, true],
    ['Hugetlb', hugetlb, true],
    ['DirectMap4k', 1_085_220, true],
    ['DirectMap2M', 19_654_656, true],
    ['DirectMap1G', Math.max(0, Math.ceil(total / 1_048_576) * 1_048_576 - 19_922_944), true],
  ];
  return ok(rows.map(([name, value, unit]) => `${`${name}:`.padEnd(16)}${String(value).padStart(8)}${unit ? ' kB' : ''}
`).join(''));
}

/** `grep -H . …/hugepages-*\/nr_hugepages …/free_hugepages`: the shell expands each glob in sorted order. */
function hugepagesSysfs(ctx: HostContext): CommandResult {
  const dirs = [...ctx.facts.hugepages.pools].sort((a, b) => `${a.pageSizeKb}kB`.localeCompare(`${b.pageSizeKb}kB`));
  const line = (p: { pageSizeKb: number }, file: string, n: number): string => `/sys/kernel/mm/hugepages/hugepages-${p.pageSizeKb}kB/${file}:${n}
`;
  return ok([...dirs.map((p) => line(p, 'nr_hugepages', p.total)), ...dirs.map((p) => line(p, 'free_hugepages', p.free))].join(''));
}

/** Swap as the kernel counts it: a swap file loses its header page. */
function swapKiB(ctx: HostContext): { size: number; used: number } {
  const m = ctx.facts.memory;
  if (m.swapTotalBytes <= 0) return { size: 0, used: 0 };
  return { size: Math.max(0, Math.floor(m.swapTotalBytes / 1024) - 4), used: Math.floor(m.swapUsedBytes / 1024) };
}

function procSwaps(ctx: HostContext): CommandResult {
  let out = 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n';
  const s = swapKiB(ctx);
  if (s.size > 0) {
    // Linux's swap_show: "%*s%s\t%lu\t%s%lu\t%s%d\n", path padded to 40, an extra tab under 10,000,000 KiB.
    const path = '/swap.img';
    out += `${path}${' '.repeat(Math.max(1, 40 - path.length))}file\t\t${s.size}\t${s.size < 10_000_000 ? '\t' : ''}${s.used}\t${s.used < 10_000_000 ? '\t' : ''}-2\n`;
  }
  return ok(out);
}

function df(ctx: HostContext): CommandResult {
  const kib = (b: number): number => Math.ceil(b / 1024);
  const rows: string[][] = [['Filesystem', '1024-blocks', 'Used', 'Available', 'Capacity', 'Mounted on']];
  const memKiB = kib(ctx.facts.memory.totalBytes);
  const fs = [
    { device: 'udev', size: Math.round(memKiB / 2), used: 0, mount: '/dev' },
    { device: 'tmpfs', size: Math.round(memKiB / 10), used: 4_020, mount: '/run' },
    ...ctx.facts.filesystems.slice(0, 1).map((f) => ({ device: f.device, size: kib(f.sizeBytes), used: kib(f.usedBytes), mount: f.mount })),
    { device: 'tmpfs', size: Math.round(memKiB / 2), used: 0, mount: '/dev/shm' },
    { device: '/dev/sda1', size: 1_098_632, used: 6_228, mount: '/boot/efi' },
    ...ctx.facts.filesystems.slice(1).map((f) => ({ device: f.device, size: kib(f.sizeBytes), used: kib(f.usedBytes), mount: f.mount })),
  ];
  for (const f of fs) {
    const used = Math.min(f.used, f.size);
    // ext4 keeps 5% for root: Available is what an ordinary user may still write.
    const avail = Math.max(0, Math.floor(f.size * (f.device.startsWith('/dev/') ? 0.95 : 1)) - used);
    const capacity = used + avail === 0 ? 0 : Math.ceil((used * 100) / (used + avail));
    rows.push([f.device, String(f.size), String(used), String(avail), `${capacity}%`, f.mount]);
  }
  // coreutils df: each column as wide as its widest cell, one space apart; the device left-aligned, numbers right.
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  const text = rows
    .map((r) => r.map((cell, i) => (i === 5 ? cell : i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join(' '))
    .map((l) => `${l}\n`)
    .join('');
  return ok(text);
}

function lsblkDisks(ctx: HostContext): CommandResult {
  const rows = ctx.facts.disks.map((d) => `      {"name":"${d.device}", "type":"disk", "rota":${d.rotational}, "model":${JSON.stringify(d.model)}}`);
  return ok(`{\n   "blockdevices": [\n${rows.join(',\n')}\n   ]\n}\n`);
}

const ROLE_MOUNTS: readonly (readonly [LabDisk['holds'][number], string])[] = [
  ['vm-images', '/var/lib/nova/instances'],
  ['container-data', '/var/lib/containerd'],
];

function lsblkTree(ctx: HostContext): CommandResult {
  const parts = (d: LabDisk): { name: string; mount: string | null }[] => {
    const out: { name: string; mount: string | null }[] = [];
    if (d.holds.includes('os')) out.push({ name: `${d.device}1`, mount: '/boot/efi' });
    for (const f of ctx.facts.filesystems) {
      const name = f.device.replace(/^\/dev\//, '');
      if (name.startsWith(d.device) && name !== d.device && !out.some((p) => p.name === name)) out.push({ name, mount: f.mount });
    }
    if (d.holds.includes('swap') && ctx.facts.memory.swapTotalBytes > 0) out.push({ name: `${d.device}${d.transport === 'nvme' ? 'p' : ''}${out.length + 1}`, mount: '[SWAP]' });
    // A disk that holds the instance store or the container data has that directory mounted from it,
    // unless a declared filesystem already puts the directory elsewhere.
    ROLE_MOUNTS.forEach(([role, mount], k) => {
      if (d.holds.includes(role) && !ctx.facts.filesystems.some((f) => f.mount === mount) && !out.some((p) => p.mount === mount)) {
        out.push({ name: `${d.device}${d.transport === 'nvme' ? 'p' : ''}${9 + k}`, mount });
      }
    });
    return out.sort((a, b) => a.name.localeCompare(b.name));
  };
  const disk = (d: LabDisk): string => {
    const children = parts(d);
    const own = ctx.facts.filesystems.find((f) => f.device === `/dev/${d.device}`)?.mount ?? null;
    const head = `      {"name":"${d.device}", "type":"disk", "mountpoint":${JSON.stringify(own)}`;
    if (children.length === 0) return `${head}}`;
    const kids = children.map((c) => `            {"name":"${c.name}", "type":"part", "mountpoint":${JSON.stringify(c.mount)}}`).join(',\n');
    return `${head},\n         "children": [\n${kids}\n         ]\n      }`;
  };
  return ok(`{\n   "blockdevices": [\n${ctx.facts.disks.map(disk).join(',\n')}\n   ]\n}\n`);
}

// ------------------------------------------------------------------ smartctl

const SMARTCTL_PLATFORM = (kernel: string): string => `x86_64-linux-${kernel}`;

function findDisk(ctx: HostContext, device: string): LabDisk | undefined {
  return ctx.facts.disks.find((d) => d.device === device || (d.transport === 'nvme' && d.device.replace(/n\d+$/, '') === device));
}

function diskHours(ctx: HostContext, d: LabDisk): number {
  return 8_000 + (seedNumber(`${ctx.facts.hostname}/${d.serial}`) % 20_000);
}

function seedNumber(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}

interface AtaAttribute {
  id: number;
  name: string;
  flag: number;
  flagString: string;
  value: number;
  worst: number;
  thresh: number;
  prefail: boolean;
  offline: boolean;
  raw: number;
  rawString?: string;
}

function ataAttributes(ctx: HostContext, d: LabDisk): AtaAttribute[] {
  const realloc = d.reallocatedSectors;
  const reallocValue = realloc === 0 ? 100 : Math.max(1, 100 - Math.ceil(realloc / 50));
  const hours = diskHours(ctx, d);
  const temp = 30 + (seedNumber(d.serial) % 8);
  return [
    { id: 5, name: 'Reallocated_Sector_Ct', flag: 0x33, flagString: 'PO--CK ', value: d.smartPassed ? Math.max(reallocValue, 11) : 5, worst: d.smartPassed ? Math.max(reallocValue, 11) : 5, thresh: 10, prefail: true, offline: false, raw: realloc },
    { id: 9, name: 'Power_On_Hours', flag: 0x32, flagString: '-O--CK ', value: 93, worst: 93, thresh: 0, prefail: false, offline: false, raw: hours },
    { id: 12, name: 'Power_Cycle_Count', flag: 0x32, flagString: '-O--CK ', value: 100, worst: 100, thresh: 0, prefail: false, offline: false, raw: 41 },
    { id: 187, name: 'Reported_Uncorrect', flag: 0x32, flagString: '-O--CK ', value: d.uncorrectableSectors ? 1 : 100, worst: d.uncorrectableSectors ? 1 : 100, thresh: 0, prefail: false, offline: false, raw: d.uncorrectableSectors },
    { id: 194, name: 'Temperature_Celsius', flag: 0x22, flagString: '-O---K ', value: 100 - temp, worst: 52, thresh: 0, prefail: false, offline: false, raw: temp, rawString: `${temp} (Min/Max 18/48)` },
    { id: 197, name: 'Current_Pending_Sector', flag: 0x12, flagString: '-O--C- ', value: d.pendingSectors ? 1 : 100, worst: d.pendingSectors ? 1 : 100, thresh: 0, prefail: false, offline: false, raw: d.pendingSectors },
    { id: 198, name: 'Offline_Uncorrectable', flag: 0x10, flagString: '----C- ', value: d.uncorrectableSectors ? 1 : 100, worst: d.uncorrectableSectors ? 1 : 100, thresh: 0, prefail: false, offline: true, raw: d.uncorrectableSectors },
    { id: 199, name: 'UDMA_CRC_Error_Count', flag: 0x3e, flagString: '-OSRCK ', value: 100, worst: 100, thresh: 0, prefail: false, offline: false, raw: d.crcErrors },
  ];
}

function nvmeHealth(ctx: HostContext, d: LabDisk): Record<string, number | number[]> {
  const hours = diskHours(ctx, d);
  const temp = 38 + (seedNumber(d.serial) % 10);
  return {
    critical_warning: d.smartPassed ? 0 : 4,
    temperature: temp,
    available_spare: 100,
    available_spare_threshold: 10,
    percentage_used: 2 + (seedNumber(d.serial) % 6),
    data_units_read: hours * 16_213,
    data_units_written: hours * 11_187,
    host_reads: hours * 268_411,
    host_writes: hours * 191_887,
    controller_busy_time: Math.round(hours * 0.76),
    power_cycles: 41,
    power_on_hours: hours,
    unsafe_shutdowns: 12,
    media_errors: 0,
    num_err_log_entries: d.nvmeErrorLogEntries,
    warning_temp_time: 0,
    critical_comp_time: 0,
    temperature_sensors: [temp, temp + 2],
  };
}

function smartExit(d: LabDisk): number {
  // smartctl's exit status is a bit mask: bit 3 = "SMART status check returned DISK FAILING".
  return d.smartPassed ? 0 : 8;
}

function smartJson(ctx: HostContext, device: string): CommandResult {
  const d = findDisk(ctx, device);
  const smartctl = (exit: number): Record<string, unknown> => ({
    version: [7, 2],
    svn_revision: '5155',
    platform_info: SMARTCTL_PLATFORM(ctx.facts.kernel),
    build_info: '(local build)',
    argv: ['smartctl', '-j', '-a', `/dev/${device}`],
    ...(d ? {} : { messages: [{ string: `Smartctl open device: /dev/${device} failed: No such device`, severity: 'error' }] }),
    exit_status: exit,
  });
  if (!d) return ok(`${JSON.stringify({ json_format_version: [1, 0], smartctl: smartctl(2), local_time: localTime(ctx.now) }, null, 2)}\n`, 2);
  const bytes = d.sizeGb * 1_000_000_000;
  const now = localTime(ctx.now);
  const hours = diskHours(ctx, d);
  let doc: Record<string, unknown>;
  if (d.transport === 'nvme') {
    const health = nvmeHealth(ctx, d);
    doc = {
      json_format_version: [1, 0],
      smartctl: smartctl(smartExit(d)),
      device: { name: `/dev/${device}`, info_name: `/dev/${device}`, type: 'nvme', protocol: 'NVMe' },
      model_name: d.model,
      serial_number: d.serial,
      firmware_version: 'GDC5502Q',
      nvme_pci_vendor: { id: 5197, subsystem_id: 5197 },
      nvme_ieee_oui_identifier: 9528,
      nvme_total_capacity: bytes,
      nvme_unallocated_capacity: 0,
      nvme_controller_id: 6,
      nvme_version: { string: '1.4', value: 66560 },
      nvme_number_of_namespaces: 1,
      nvme_namespaces: [{ id: 1, size: { blocks: bytes / 512, bytes }, capacity: { blocks: bytes / 512, bytes }, utilization: { blocks: Math.round(bytes / 1024), bytes: bytes / 2 }, formatted_lba_size: 512 }],
      user_capacity: { blocks: bytes / 512, bytes },
      logical_block_size: 512,
      local_time: now,
      smart_status: { passed: d.smartPassed, nvme: { value: d.smartPassed ? 0 : 4 } },
      nvme_smart_health_information_log: health,
      temperature: { current: health.temperature },
      power_cycle_count: 41,
      power_on_time: { hours },
    };
  } else {
    const attrs = ataAttributes(ctx, d);
    doc = {
      json_format_version: [1, 0],
      smartctl: smartctl(smartExit(d)),
      device: { name: `/dev/${device}`, info_name: `/dev/${device} [SAT]`, type: 'sat', protocol: 'ATA' },
      ...(d.modelFamily ? { model_family: d.modelFamily } : {}),
      model_name: d.model,
      serial_number: d.serial,
      wwn: { naa: 5, oui: 3_152, id: seedNumber(d.serial) },
      firmware_version: d.rotational ? 'SN03' : 'XCV10132',
      user_capacity: { blocks: bytes / 512, bytes },
      logical_block_size: 512,
      physical_block_size: 4096,
      rotation_rate: d.rotational ? 7200 : 0,
      in_smartctl_database: d.modelFamily !== null,
      ata_version: { string: 'ACS-3 T13/2161-D revision 5', major_value: 2040, minor_value: 109 },
      sata_version: { string: 'SATA 3.2', value: 255 },
      local_time: now,
      smart_status: { passed: d.smartPassed },
      ata_smart_attributes: {
        revision: 1,
        table: attrs.map((a) => ({
          id: a.id,
          name: a.name,
          value: a.value,
          worst: a.worst,
          thresh: a.thresh,
          when_failed: a.value <= a.thresh ? 'now' : '',
          flags: { value: a.flag, string: a.flagString, prefailure: a.prefail, updated_online: !a.offline, performance: (a.flag & 4) !== 0, error_rate: (a.flag & 8) !== 0, event_count: (a.flag & 16) !== 0, auto_keep: (a.flag & 32) !== 0 },
          raw: { value: a.raw, string: a.rawString ?? String(a.raw) },
        })),
      },
      power_on_time: { hours },
      power_cycle_count: 41,
      temperature: { current: attrs.find((a) => a.id === 194)?.raw ?? 30 },
    };
  }
  return ok(`${JSON.stringify(doc, null, 2)}\n`, smartExit(d));
}

function localTime(ms: number): { time_t: number; asctime: string } {
  return { time_t: Math.floor(ms / 1000), asctime: `${ctime(ms)} UTC` };
}

const group3 = (n: number): string => n.toLocaleString('en-US');

function humanBytes(bytes: number): string {
  const tb = bytes / 1e12;
  return tb >= 1 ? `${tb.toFixed(2)} TB` : `${Math.round(bytes / 1e9)} GB`;
}

function smartText(ctx: HostContext, device: string): CommandResult {
  const head = `smartctl 7.2 2020-12-30 r5155 [${SMARTCTL_PLATFORM(ctx.facts.kernel)}] (local build)\nCopyright (C) 2002-20, Bruce Allen, Christian Franke, www.smartmontools.org\n\n`;
  const d = findDisk(ctx, device);
  if (!d) return ok(`${head}Smartctl open device: /dev/${device} failed: No such device\n`, 2);
  const bytes = d.sizeGb * 1_000_000_000;
  const field = (label: string, value: string, width: number): string => `${`${label}:`.padEnd(width)}${value}\n`;
  let out = `${head}=== START OF INFORMATION SECTION ===\n`;
  if (d.transport === 'nvme') {
    const w = 36;
    const h = nvmeHealth(ctx, d);
    const n = (k: string): number => h[k] as number;
    out +=
      field('Model Number', d.model, w) +
      field('Serial Number', d.serial, w) +
      field('Firmware Version', 'GDC5502Q', w) +
      field('PCI Vendor/Subsystem ID', '0x144d', w) +
      field('IEEE OUI Identifier', '0x002538', w) +
      field('Total NVM Capacity', `${group3(bytes)} [${humanBytes(bytes)}]`, w) +
      field('Unallocated NVM Capacity', '0', w) +
      field('Controller ID', '6', w) +
      field('NVMe Version', '1.4', w) +
      field('Number of Namespaces', '1', w) +
      field('Namespace 1 Size/Capacity', `${group3(bytes)} [${humanBytes(bytes)}]`, w) +
      field('Namespace 1 Formatted LBA Size', '512', w) +
      field('Local Time is', `${ctime(ctx.now)} UTC`, w) +
      '\n=== START OF SMART DATA SECTION ===\n' +
      `SMART overall-health self-assessment test result: ${d.smartPassed ? 'PASSED' : 'FAILED!'}\n\n` +
      'SMART/Health Information (NVMe Log 0x02)\n' +
      field('Critical Warning', `0x${n('critical_warning').toString(16).padStart(2, '0')}`, w) +
      field('Temperature', `${n('temperature')} Celsius`, w) +
      field('Available Spare', '100%', w) +
      field('Available Spare Threshold', '10%', w) +
      field('Percentage Used', `${n('percentage_used')}%`, w) +
      field('Data Units Read', group3(n('data_units_read')), w) +
      field('Data Units Written', group3(n('data_units_written')), w) +
      field('Host Read Commands', group3(n('host_reads')), w) +
      field('Host Write Commands', group3(n('host_writes')), w) +
      field('Controller Busy Time', group3(n('controller_busy_time')), w) +
      field('Power Cycles', group3(n('power_cycles')), w) +
      field('Power On Hours', group3(n('power_on_hours')), w) +
      field('Unsafe Shutdowns', group3(n('unsafe_shutdowns')), w) +
      field('Media and Data Integrity Errors', group3(n('media_errors')), w) +
      field('Error Information Log Entries', group3(n('num_err_log_entries')), w) +
      field('Warning  Comp. Temperature Time', '0', w) +
      field('Critical Comp. Temperature Time', '0', w) +
      '\n' +
      (d.nvmeErrorLogEntries > 0
        ? 'Error Information (NVMe Log 0x01, 16 of 64 entries)\nNum   ErrCount  SQId   CmdId  Status  PELoc          LBA  NSID    VS\n' +
          `  0 ${String(d.nvmeErrorLogEntries).padStart(10)}     0  0x0010  0x4004      -            0     0     -\n\n`
        : 'Error Information (NVMe Log 0x01, 16 of 64 entries)\nNo Errors Logged\n\n');
  } else {
    const w = 18;
    out +=
      (d.modelFamily ? field('Model Family', d.modelFamily, w) : '') +
      field('Device Model', d.model, w) +
      field('Serial Number', d.serial, w) +
      field('Firmware Version', d.rotational ? 'SN03' : 'XCV10132', w) +
      field('User Capacity', `${group3(bytes)} bytes [${humanBytes(bytes)}]`, w) +
      field('Sector Sizes', '512 bytes logical, 4096 bytes physical', w) +
      field('Rotation Rate', d.rotational ? '7200 rpm' : 'Solid State Device', w) +
      field('Device is', d.modelFamily ? 'In smartctl database [for details use: -P show]' : 'Not in smartctl database [for details use: -P showall]', w) +
      field('ATA Version is', 'ACS-3 T13/2161-D revision 5', w) +
      field('SATA Version is', 'SATA 3.2, 6.0 Gb/s (current: 6.0 Gb/s)', w) +
      field('Local Time is', `${ctime(ctx.now)} UTC`, w) +
      field('SMART support is', 'Available - device has SMART capability.', w) +
      field('SMART support is', 'Enabled', w) +
      '\n=== START OF READ SMART DATA SECTION ===\n' +
      (d.smartPassed
        ? 'SMART overall-health self-assessment test result: PASSED\n\n'
        : 'SMART overall-health self-assessment test result: FAILED!\nDrive failure expected in less than 24 hours. SAVE ALL DATA.\nSee vendor-specific Attribute list for failed Attributes.\n\n') +
      'SMART Attributes Data Structure revision number: 1\nVendor Specific SMART Attributes with Thresholds:\n' +
      'ID# ATTRIBUTE_NAME          FLAG     VALUE WORST THRESH TYPE      UPDATED  WHEN_FAILED RAW_VALUE\n' +
      ataAttributes(ctx, d)
        .map((a) => {
          const failed = a.value <= a.thresh ? 'FAILING_NOW' : '-';
          const v3 = (x: number): string => String(x).padStart(3, '0');
          return `${String(a.id).padStart(3)} ${a.name.padEnd(23)} 0x${a.flag.toString(16).padStart(4, '0')}   ${v3(a.value)}   ${v3(a.worst)}   ${v3(a.thresh)}    ${(a.prefail ? 'Pre-fail' : 'Old_age').padEnd(9)} ${(a.offline ? 'Offline' : 'Always').padEnd(8)} ${failed.padStart(failed === '-' ? 5 : 11).padEnd(11)} ${a.rawString ?? a.raw}\n`;
        })
        .join('') +
      '\nSMART Error Log Version: 1\n' +
      (d.uncorrectableSectors > 0 ? `ATA Error Count: ${d.uncorrectableSectors} (device log contains only the most recent five errors)\n\n` : 'No Errors Logged\n\n');
  }
  return ok(out, smartExit(d));
}

function smartScan(ctx: HostContext): CommandResult {
  const devices = ctx.facts.disks.map((d) =>
    d.transport === 'nvme'
      ? { name: `/dev/${d.device.replace(/n\d+$/, '')}`, info_name: `/dev/${d.device.replace(/n\d+$/, '')}`, type: 'nvme', protocol: 'NVMe' }
      : { name: `/dev/${d.device}`, info_name: `/dev/${d.device} [SAT]`, type: 'sat', protocol: 'ATA' },
  );
  const doc = {
    json_format_version: [1, 0],
    smartctl: { version: [7, 2], svn_revision: '5155', platform_info: SMARTCTL_PLATFORM(ctx.facts.kernel), build_info: '(local build)', argv: ['smartctl', '--scan-open', '-j'], exit_status: 0 },
    devices,
  };
  return ok(`${JSON.stringify(doc, null, 2)}\n`);
}

// ------------------------------------------------------------------ containers and services

function containerId(ctx: HostContext, c: LabContainer, what: string): string {
  return createHash('sha256').update(`${ctx.facts.hostname}/${c.name}/${what}`).digest('hex');
}

/**
 * The facts name agents by what they are (`bird`, `neutron-linuxbridge-agent`); the
 * tools show the names the deployments give them: compose services in /opt/krane/hostroute
 * are `hostroute-bird`, `hostroute-bird-exporter`; the kubelet-managed containers are
 * `neutron-lb-agent`, `hostroute-bird`, `hostroute-bird-exporter`.
 */
const COMPOSE_NAMES: Record<string, string> = { bird: 'hostroute-bird', 'bird-exporter': 'hostroute-bird-exporter' };
const CRICTL_NAMES: Record<string, string> = { ...COMPOSE_NAMES, 'neutron-linuxbridge-agent': 'neutron-lb-agent' };

const CRICTL_STATE: Record<LabContainer['state'], string> = {
  running: 'CONTAINER_RUNNING',
  exited: 'CONTAINER_EXITED',
  restarting: 'CONTAINER_EXITED',
  created: 'CONTAINER_CREATED',
};

function crictl(ctx: HostContext): CommandResult {
  if (ctx.facts.runtime !== 'containerd') return notFound('crictl');
  const createdNs = (c: LabContainer): string => `${BigInt(bootAt(ctx) + 60_000 + (seedNumber(c.name) % 600_000)) * 1_000_000n}`;
  const containers = ctx.facts.containers.map((c) => {
    const image = `sha256:${containerId(ctx, c, 'image')}`;
    const attempt = c.state === 'running' || c.state === 'created' ? 0 : 3;
    const name = CRICTL_NAMES[c.name] ?? c.name;
    return {
      id: containerId(ctx, c, 'container'),
      podSandboxId: containerId(ctx, c, 'sandbox'),
      metadata: { name, attempt },
      image: { image, annotations: {}, userSpecifiedImage: '', runtimeHandler: '' },
      imageRef: image,
      state: CRICTL_STATE[c.state],
      createdAt: createdNs(c),
      labels: {
        'io.kubernetes.container.name': name,
        'io.kubernetes.pod.name': `${name}-${ctx.facts.hostname}`,
        'io.kubernetes.pod.namespace': 'openstack',
        'io.kubernetes.pod.uid': uuidOf(containerId(ctx, c, 'pod')),
      },
      annotations: { 'io.kubernetes.container.hash': containerId(ctx, c, 'hash').slice(0, 8), 'io.kubernetes.container.restartCount': String(attempt) },
    };
  });
  return ok(`${JSON.stringify({ containers }, null, 2)}\n`);
}

function uuidOf(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const COMPOSE_PROJECTS = ['nova', 'neutron', 'hostroute'] as const;

/** A project's containers under their compose service names, sorted as compose lists them. */
function projectContainers(ctx: HostContext, project: string): LabContainer[] {
  return ctx.facts.containers
    .filter((c) => c.project === project)
    .map((c) => ({ ...c, name: COMPOSE_NAMES[c.name] ?? c.name }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

function composeCommandLine(name: string): string {
  return name === 'hostroute-bird' ? 'bird -f -c /etc/bird/bird.conf' : name === 'hostroute-bird-exporter' ? '/bin/bird_exporter -format.new=true' : `/opt/openstack/bin/${name} --config-file /etc/${name.split('-')[0]}/${name.split('-')[0]}.conf`;
}

function center(text: string, width: number): string {
  const room = width - text.length;
  const left = Math.floor(room / 2);
  return `${' '.repeat(left)}${text}${' '.repeat(room - left)}`;
}

/** docker-compose 1.29 `ps`: a texttable with a centred header, a dashed rule, cells 3 spaces apart, the command cut at 30. */
function composeV1(ctx: HostContext, project: string): CommandResult {
  const rows = projectContainers(ctx, project).map((c) => {
    const full = composeCommandLine(c.name);
    const command = full.length > 30 ? `${full.slice(0, 26)} ...` : full;
    const state = c.state === 'running' ? 'Up' : c.state === 'restarting' ? 'Restarting' : c.state === 'exited' ? 'Exit 137' : 'Exit 0';
    return [`${project}_${c.name}_1`, command, state, ''];
  });
  const header = ['Name', 'Command', 'State', 'Ports'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[], head: boolean): string =>
    cells
      .map((c, i) => (head ? center(c, widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('   ')
      .trimEnd();
  const total = widths.reduce((a, b) => a + b, 0) + 3 * (widths.length - 1);
  return ok([line(header, true), '-'.repeat(total), ...rows.map((r) => line(r, false))].map((l) => `${l}\n`).join(''));
}

function ago(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  if (s < 60) return `${s} seconds`;
  if (s < 3600) return Math.round(s / 60) === 1 ? 'About a minute' : `${Math.round(s / 60)} minutes`;
  if (s < 86_400) return Math.round(s / 3600) === 1 ? 'About an hour' : `${Math.round(s / 3600)} hours`;
  if (s < 14 * 86_400) return `${Math.round(s / 86_400)} days`;
  if (s < 60 * 86_400) return `${Math.round(s / (7 * 86_400))} weeks`;
  return `${Math.round(s / (30 * 86_400))} months`;
}

/** The compose v2 plugin's `ps -a`: Go tabwriter columns, 3 spaces of padding, the command quoted and cut with "…". */
function composeV2(ctx: HostContext, project: string): CommandResult {
  const up = ctx.now - bootAt(ctx) + 60_000;
  const rows = projectContainers(ctx, project).map((c) => {
    const full = composeCommandLine(c.name);
    const command = `"${full.length > 20 ? `${full.slice(0, 19)}…` : full}"`;
    const status =
      c.state === 'running' ? `Up ${ago(up)}` : c.state === 'restarting' ? 'Restarting (1) 5 seconds ago' : c.state === 'exited' ? 'Exited (137) 2 hours ago' : 'Created';
    return [`${project}-${c.name}-1`, `registry.krane.local/${project}:stein-2511`, command, c.name, `${ago(up)} ago`, status, ''];
  });
  const header = ['NAME', 'IMAGE', 'COMMAND', 'SERVICE', 'CREATED', 'STATUS', 'PORTS'];
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => [...(r[i] ?? '')].length)) + 3);
  const text = all.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - [...cell].length))).join('')).map((l) => `${l}\n`);
  return ok(text.join(''));
}

function compose(ctx: HostContext, project: string, version: 'v1' | 'v2'): CommandResult {
  if (ctx.facts.runtime !== 'docker-compose') return ok('', 1, `bash: line 1: cd: /opt/krane/${project}: No such file or directory\n`);
  return version === 'v1' ? composeV1(ctx, project) : composeV2(ctx, project);
}

const SERVICE_UNITS = ['docker', 'containerd', 'kubelet', 'libvirtd', 'nova-compute'];

function isActive(ctx: HostContext, units: string[]): CommandResult {
  const states = units.map((u) => ctx.facts.services[u] ?? 'inactive');
  // systemctl is-active exits 0 only when every unit is active (3 otherwise).
  return ok(states.map((s) => `${s}\n`).join(''), states.every((s) => s === 'active') ? 0 : 3);
}

// ------------------------------------------------------------------ virtualization, sensors, reboots

function kvmOk(ctx: HostContext): CommandResult {
  if (ctx.facts.virtualization.vtx) return ok('INFO: /dev/kvm exists\nKVM acceleration can be used\n');
  return ok(
    'INFO: /dev/kvm does not exist\nHINT:   sudo modprobe kvm_intel\nINFO: Your CPU supports KVM extensions\nINFO: KVM (vmx) is disabled by your BIOS\n' +
      'HINT: Enter your BIOS setup and enable Virtualization Technology (VT),\n      and then hard poweroff/poweron your system\nKVM acceleration can NOT be used\n',
    1,
  );
}

function cpuFlags(ctx: HostContext): CommandResult {
  // Since Linux 5.6 the vmx flag is hidden when the firmware leaves VT-x off.
  return ctx.facts.virtualization.vtx ? ok('vmx\n') : ok('', 1);
}

function iommuGroups(ctx: HostContext): CommandResult {
  if (!ctx.facts.virtualization.vtd) return ok('');
  const groups = Array.from({ length: 96 }, (_, i) => String(i)).sort();
  return ok(groups.map((g) => `${g}\n`).join(''));
}

function sriov(ctx: HostContext): CommandResult {
  const vfs = ctx.facts.virtualization.sriovTotalVfs;
  return ok(['eno1:0', `ens2f0:${vfs}`, `ens2f1:${vfs}`].map((l) => `/sys/class/net/${l.replace(':', '/device/sriov_totalvfs:')}\n`).join(''));
}

function sensors(ctx: HostContext): CommandResult {
  const t = (c: number): string => `+${c.toFixed(1)}°C`;
  const limits = '  (high = +80.0°C, crit = +100.0°C)';
  const blocks = ctx.facts.cpuTemperaturesC.map((pkg, socket) => {
    const cores = [0, 1, 2, 3].map((core) => `Core ${core}:        ${t(Math.max(25, pkg - 2 + ((core * 7 + socket) % 4)))}${limits}`);
    return [`coretemp-isa-${String(socket).padStart(4, '0')}`, 'Adapter: ISA adapter', `Package id ${socket}:  ${t(pkg)}${limits}`, ...cores].join('\n');
  });
  const nvme = ['nvme-pci-0100', 'Adapter: PCI adapter', `Composite:    ${t(41.9)}  (low  = -273.1°C, high = +83.8°C)`, '                       (crit = +84.8°C)'].join('\n');
  const power = ['power_meter-acpi-0', 'Adapter: ACPI interface', 'power1:      246.00 W  (interval = 300.00 s)'].join('\n');
  return ok(`${[...blocks, nvme, power].join('\n\n')}\n\n`);
}

function lastReboot(ctx: HostContext): CommandResult {
  const boots = [...ctx.facts.reboots].sort((a, b) => b - a);
  const lines = boots.map((at, i) => {
    const head = `reboot   system boot  ${ctx.facts.kernel} ${ctime(at)}`;
    if (i === 0) return `${head}   still running`;
    const end = (boots[i - 1] ?? at) - 120_000;
    const mins = Math.max(0, Math.floor((end - at) / 60_000));
    const days = Math.floor(mins / 1440);
    const span = `${days > 0 ? `${days}+` : ''}${pad2(Math.floor((mins % 1440) / 60))}:${pad2(mins % 60)}`;
    return `${head} - ${ctime(end)} (${span})`;
  });
  const oldest = boots[boots.length - 1] ?? bootAt(ctx);
  return ok(`${lines.map((l) => `${l}\n`).join('')}\nwtmp begins ${ctime(oldest)}\n`);
}

function uptime(ctx: HostContext): CommandResult {
  const up = ctx.facts.uptimeSeconds + ((ctx.now % 1000) / 1000);
  const idle = up * ctx.vcpus * 0.82;
  return ok(`${up.toFixed(2)} ${idle.toFixed(2)}\n`);
}

function rolePaths(ctx: HostContext): CommandResult {
  const asked = ['/var/lib/nova/instances', '/var/lib/libvirt/images', '/home/libvirt/images', '/var/lib/docker', '/var/lib/containerd'];
  const present = new Set(['/var/lib/nova/instances', '/var/lib/libvirt/images', '/var/lib/containerd']);
  if (ctx.facts.runtime === 'docker-compose') present.add('/var/lib/docker');
  const missing = asked.filter((p) => !present.has(p));
  // ls reports missing operands on stderr first, then lists the rest sorted; status 2 when any is missing.
  return ok(
    [...present].sort().map((p) => `${p}\n`).join(''),
    missing.length ? 2 : 0,
    missing.map((p) => `ls: cannot access '${p}': No such file or directory\n`).join(''),
  );
}

function notFound(tool: string): CommandResult {
  return ok('', 127, `bash: line 1: ${tool}: command not found\n`);
}

// ------------------------------------------------------------------ dispatch

type Renderer = (ctx: HostContext) => CommandResult;

const FIXED: Record<string, Renderer> = {
  'date -Iseconds': (ctx) => ok(`${new Date(ctx.now).toISOString().slice(0, 19)}+00:00\n`),
  'cat /proc/uptime': uptime,
  'uptime -s': (ctx) => ok(`${isoSpace(bootAt(ctx))}\n`),
  'dmesg -T': dmesg,
  'journalctl -k --since "-24h" --no-pager -o short-iso': journalKernel,
  'journalctl --since "-24h" --no-pager -o short-iso -u libvirtd -u virtqemud --grep "BLOCK_IO_ERROR|I/O error"': journalBlockIo,
  'tail -v -n 2000 /var/log/libvirt/qemu/*.log': libvirtLogs,
  'free -b': free,
  'df -P': df,
  'lsblk -J -d -o NAME,TYPE,ROTA,MODEL': lsblkDisks,
  'lsblk -J -o NAME,TYPE,MOUNTPOINT': lsblkTree,
  'cat /proc/swaps': procSwaps,
  'cat /proc/meminfo': meminfo,
  'grep -H . /sys/kernel/mm/hugepages/hugepages-*/nr_hugepages /sys/kernel/mm/hugepages/hugepages-*/free_hugepages': hugepagesSysfs,
  'ls -d /var/lib/nova/instances /var/lib/libvirt/images /home/libvirt/images /var/lib/docker /var/lib/containerd': rolePaths,
  'crictl ps -a -o json': crictl,
  [`systemctl is-active ${SERVICE_UNITS.join(' ')}`]: (ctx) => isActive(ctx, SERVICE_UNITS),
  'kvm-ok': kvmOk,
  "grep -m1 -o -w -E 'vmx|svm' /proc/cpuinfo": cpuFlags,
  'ls /sys/kernel/iommu_groups': iommuGroups,
  'grep -H . /sys/class/net/*/device/sriov_totalvfs': sriov,
  sensors,
  'last -F reboot': lastReboot,
  'smartctl --scan-open -j': smartScan,
};
for (const p of COMPOSE_PROJECTS) {
  FIXED[`cd /opt/krane/${p} && docker-compose ps`] = (ctx) => compose(ctx, p, 'v1');
  FIXED[`cd /opt/krane/${p} && docker compose ps -a`] = (ctx) => compose(ctx, p, 'v2');
}

/** Disk names smartctl may be pointed at (no partitions, loop or virtual devices). */
const DEVICE = /^(?:sd[a-z]{1,3}|nvme\d{1,3}(?:n\d{1,3})?|hd[a-z])$/;

/** `sudo -n sh -c '<command>'` → `<command>` (the lab's user may run everything it allows as root). */
export function unwrapSudo(command: string): string {
  const m = /^sudo -n sh -c '((?:[^']|'\\'')*)'$/s.exec(command);
  return m ? (m[1] ?? '').replaceAll(`'\\''`, `'`) : command;
}

/** The renderer for an allowed command, or null when the lab does not answer it. */
export function rendererFor(command: string): Renderer | null {
  const plain = unwrapSudo(command);
  const fixed = FIXED[plain];
  if (fixed) return fixed;
  const smart = /^smartctl (-j )?-a \/dev\/([a-z0-9]+)$/.exec(plain);
  const device = smart?.[2];
  if (smart && device && DEVICE.test(device)) return (ctx) => (smart[1] ? smartJson(ctx, device) : smartText(ctx, device));
  return null;
}

// ------------------------------------------------------------------ remedies

const REMEDY_UNITS: readonly RemedyUnit[] = ['docker', 'containerd', 'kubelet'];

/** The write commands a hypervisor carries out (faultline's remedy allow-list), or null. */
function remedyFor(command: string): ((ctx: HostContext, act: HostActions) => CommandResult) | null {
  const plain = unwrapSudo(command);
  const unit = /^systemctl restart (\S+)$/.exec(plain)?.[1];
  if (unit !== undefined) {
    if (!REMEDY_UNITS.includes(unit as RemedyUnit)) return null;
    return (_ctx, act) => act.restartUnit(unit as RemedyUnit);
  }
  const compose = /^cd \/opt\/krane\/(\w+) && (docker-compose restart|docker compose restart)$/.exec(plain);
  if (compose) {
    const project = COMPOSE_PROJECTS.find((p) => p === compose[1]);
    if (!project) return null;
    return (ctx, act) => composeRestart(ctx, act, project, compose[2] === 'docker-compose restart' ? 'v1' : 'v2');
  }
  const stop = /^crictl stop ([0-9a-f]{12,64})$/.exec(plain)?.[1];
  if (stop !== undefined) return (ctx, act) => crictlStop(ctx, act, stop);
  if (plain === 'swapoff -a') {
    return (_ctx, act) => {
      act.swapoff();
      return ok('');
    };
  }
  return null;
}

/** docker-compose 1.29 says what it restarts on stderr, one line per container; v2 prints its progress lines. */
function composeRestart(ctx: HostContext, act: HostActions, project: (typeof COMPOSE_PROJECTS)[number], version: 'v1' | 'v2'): CommandResult {
  if (ctx.facts.runtime !== 'docker-compose') return ok('', 1, `bash: line 1: cd: /opt/krane/${project}: No such file or directory\n`);
  if (ctx.facts.services['docker'] !== 'active') return ok('', 1, 'Couldn\'t connect to Docker daemon at http+docker://localhost - is it running?\n');
  const names = projectContainers(ctx, project).map((c) => c.name);
  act.composeRestart(project);
  const lines = version === 'v1' ? names.map((n) => `Restarting ${project}_${n}_1 ... done\n`) : names.flatMap((n) => [` Container ${project}-${n}-1  Restarting\n`, ` Container ${project}-${n}-1  Started\n`]);
  return ok('', 0, lines.join(''));
}

/** crictl prints the id it stopped; an id it does not know is a NotFound from the runtime. */
function crictlStop(ctx: HostContext, act: HostActions, id: string): CommandResult {
  if (ctx.facts.runtime !== 'containerd') return notFound('crictl');
  const c = ctx.facts.containers.find((x) => containerId(ctx, x, 'container').startsWith(id));
  if (!c) return ok('', 1, `E1204 03:12:44.123456    4123 remote_runtime.go:366] "StopContainer from runtime service failed" err="rpc error: code = NotFound desc = an error occurred when try to find container \\"${id}\\": not found" containerID="${id}"\n`);
  act.stopContainer(c.name);
  return ok(`${id}\n`);
}

/** Whether the command is one of the remedies a hypervisor carries out (the lab logs those). */
export function isRemedyCommand(command: string): boolean {
  return remedyFor(command) !== null;
}

/** Every command string the lab answers without sudo (smartctl per declared disk). */
export function answeredCommands(facts: HostFacts): string[] {
  return [...Object.keys(FIXED), ...facts.disks.flatMap((d) => [`smartctl -j -a /dev/${d.device}`, `smartctl -a /dev/${d.device}`])];
}

function isNode(facts: HostFacts): facts is NodeFacts {
  return 'node' in facts && (facts as Partial<NodeFacts>).node !== undefined;
}

/** Every command string a node VM answers without sudo. */
export function answeredNodeCommands(): string[] {
  return [...Object.keys(FIXED).filter((c) => SHARED_WITH_NODES.has(c)), ...Object.keys(NODE_COMMANDS)];
}

/**
 * Runs one command against a host's facts; anything not allowed is refused like a missing
 * command. A node VM answers its own checklist commands and the hypervisor ones that make
 * sense on a guest.
 */
export function runHostCommand(command: string, ctx: HostContext): CommandResult {
  const facts = ctx.facts;
  if (isNode(facts)) {
    const plain = unwrapSudo(command);
    const own = NODE_COMMANDS[plain];
    if (own) return own(facts, ctx.now);
    const shared = SHARED_WITH_NODES.has(plain) ? FIXED[plain] : undefined;
    if (shared) return shared(ctx);
    const remedy = ctx.act ? remedyFor(command) : null;
    if (remedy && ctx.act) return remedy(ctx, ctx.act);
    return { stdout: '', stderr: `faultline-lab: command not allowed: ${command}\n`, code: 127 };
  }
  const renderer = rendererFor(command);
  if (renderer) return renderer(ctx);
  const remedy = ctx.act ? remedyFor(command) : null;
  if (remedy && ctx.act) return remedy(ctx, ctx.act);
  return { stdout: '', stderr: `faultline-lab: command not allowed: ${command}\n`, code: 127 };
}
