/**
 * Turns the outputs of the allow-listed commands on one host into the
 * snapshot's `hostFacts` entry and `disks` entries. Pure: no I/O, so it is
 * tested on captured outputs and reused by anything that gathers the same
 * outputs another way (an agent, a support bundle).
 */
import type { SnapshotInput } from '../../snapshot/schema.js';
import { SERVICE_UNITS } from './commands.js';
import { parseHostDate, parseLastReboot, parseUptime } from './parsers/boot.js';
import { COMPOSE_PROJECTS, parseComposePs, parseCrictlPs, type ContainerFacts } from './parsers/containers.js';
import { parseDf } from './parsers/filesystems.js';
import { mergeHugepages, parseHugepageSysfs, parseMeminfoHugepages } from './parsers/hugepages.js';
import { mergeKernelEvents, parseKernelLog } from './parsers/kernel-log.js';
import { parseLibvirtLogs } from './parsers/libvirt-log.js';
import { parseLsblk, parseProcSwaps, type BlockDevice } from './parsers/lsblk.js';
import { parseFree } from './parsers/memory.js';
import { parseSensors } from './parsers/sensors.js';
import { parseSmartctl, type SmartFacts } from './parsers/smartctl.js';
import { parseSystemctlIsActive } from './parsers/systemctl.js';
import { parseCpuVirtFlag, parseIommuGroups, parseKvmOk, parseSriovTotalVfs, parseVirtualizationLog } from './parsers/virtualization.js';
import type { Parsed } from './parsers/common.js';

export type HostFactsInput = NonNullable<SnapshotInput['hostFacts']>[number];
export type DiskInput = NonNullable<SnapshotInput['disks']>[number];
export type DiskRole = 'vm-images' | 'swap' | 'container-root' | 'os' | 'other';

export interface CommandOutput {
  readonly command: string;
  readonly stdout: string;
  readonly stderr: string;
  /** null when the command did not finish (cut off, timed out). */
  readonly exitCode: number | null;
  readonly truncated?: boolean;
}

/** Outputs by command id (`commands.ts`): `dmesg`, `free`, `smart:sda`, `compose:nova`, `composeV2:nova`, … */
export type HostOutputs = ReadonlyMap<string, CommandOutput>;

/** Where the data a role cares about lives on a stock Krane hypervisor or Kubernetes node. */
export const ROLE_PATHS: readonly { role: DiskRole; path: string }[] = [
  { role: 'vm-images', path: '/var/lib/nova/instances' },
  { role: 'vm-images', path: '/var/lib/libvirt/images' },
  { role: 'vm-images', path: '/home/libvirt/images' },
  { role: 'container-root', path: '/var/lib/docker' },
  { role: 'container-root', path: '/var/lib/containerd' },
  { role: 'os', path: '/' },
  { role: 'os', path: '/boot' },
];

/** True when the tool is not there at all (so its absence is a fact, not an error). */
export function missingTool(out: CommandOutput | undefined): boolean {
  return !!out && (out.exitCode === 127 || /command not found|: not found\b|No such file or directory.*(?:kvm-ok|crictl|sensors|docker)/.test(out.stderr));
}

function failed(out: CommandOutput | undefined): string | undefined {
  if (!out) return 'not run';
  if (out.exitCode === null && !out.truncated) return 'did not finish';
  // Nothing on stdout and nothing on stderr is an empty answer (grep or journalctl --grep finding no match), not a failure.
  if (!out.stdout.trim() && out.exitCode !== 0 && out.stderr.trim()) return (out.stderr.trim().split('\n')[0] ?? '').slice(0, 200);
  return undefined;
}

export interface AssembleOptions {
  /** When the commands ran, by the collector's clock; the host's `date` output wins when present. */
  readonly collectedAt: Date;
}

export interface AssembledHost {
  facts: HostFactsInput;
  disks: DiskInput[];
}

/**
 * Builds the facts. Everything that could not be read is named in
 * `facts.warnings`; a fact that could not be read is left out, never guessed.
 */
export function assembleHost(host: string, outputs: HostOutputs, options: AssembleOptions): AssembledHost {
  const warnings: string[] = [];
  const take = <T>(p: Parsed<T>): T => {
    warnings.push(...p.warnings);
    return p.value;
  };
  const out = (id: string): CommandOutput | undefined => outputs.get(id);
  const text = (id: string): string | undefined => {
    const o = out(id);
    if (!o) return undefined;
    if (o.truncated) warnings.push(`${o.command}: output was cut at the size limit; facts from it may be incomplete`);
    const why = failed(o);
    if (why && !missingTool(o)) warnings.push(`${o.command}: ${why}`);
    return why ? undefined : o.stdout;
  };

  const clock = out('date') ? take(parseHostDate(out('date')?.stdout ?? '')) : undefined;
  const now = clock ? new Date(clock.now) : options.collectedAt;
  const offsetMinutes = clock?.offsetMinutes ?? 0;
  if (clock && Math.abs(Date.parse(clock.now) - options.collectedAt.getTime()) > 5 * 60_000) {
    warnings.push(`host clock is off by ${Math.round((Date.parse(clock.now) - options.collectedAt.getTime()) / 1000)} s`);
  }

  const facts: HostFactsInput = { host, collectedAt: options.collectedAt.toISOString(), warnings };

  // Boot time first: plain-dmesg stamps are seconds since boot.
  const procUptime = text('uptime');
  const uptimeSince = procUptime === undefined ? text('uptimeSince') : undefined;
  const boot = procUptime !== undefined ? take(parseUptime(procUptime, { now })) : uptimeSince !== undefined ? take(parseUptime(uptimeSince, { now, offsetMinutes })) : {};
  if (boot.bootTime) facts.bootTime = boot.bootTime;

  const memory = text('free');
  if (memory !== undefined) {
    const m = take(parseFree(memory));
    if (m) facts.memory = m;
  }
  const df = text('df');
  if (df !== undefined) facts.filesystems = take(parseDf(df));

  const dmesg = text('dmesg');
  const journal = text('journalKernel');
  const blockIo = text('journalBlockIo');
  const logOptions = { offsetMinutes, now, ...(boot.bootTime ? { bootTime: boot.bootTime } : {}) };
  const kernelLists = [
    dmesg !== undefined ? take(parseKernelLog(dmesg, { ...logOptions, source: 'dmesg' })) : [],
    journal !== undefined ? take(parseKernelLog(journal, { ...logOptions, source: 'journal' })) : [],
    blockIo !== undefined ? take(parseKernelLog(blockIo, { ...logOptions, source: 'journal-libvirt' })) : [],
  ];
  if (dmesg !== undefined || journal !== undefined || blockIo !== undefined) facts.kernelEvents = mergeKernelEvents(...kernelLists);

  const qemuLogs = out('libvirtLogs');
  if (qemuLogs && (qemuLogs.stdout.trim() || qemuLogs.exitCode === 0)) {
    if (qemuLogs.truncated) warnings.push(`${qemuLogs.command}: output was cut at the size limit; facts from it may be incomplete`);
    facts.libvirtLogEvents = take(parseLibvirtLogs(qemuLogs.stdout));
  } else if (qemuLogs && !/No such file/.test(qemuLogs.stderr)) text('libvirtLogs');

  const services = text('services');
  if (services !== undefined) facts.services = take(parseSystemctlIsActive(services, SERVICE_UNITS));

  const containers = collectContainers(outputs, take, warnings);
  if (containers) facts.containers = containers;

  facts.virtualization = virtualization(outputs, dmesg, take);

  const sensors = text('sensors');
  if (sensors !== undefined) facts.temperatures = take(parseSensors(sensors));
  else if (missingTool(out('sensors'))) warnings.push('sensors (lm-sensors) is not installed; no temperatures');

  const meminfo = text('meminfo');
  // A kernel without hugetlbfs has no /sys/kernel/mm/hugepages: grep then finds no file, which means no pools.
  const sysfs = out('hugepages');
  const sysfsText = sysfs && !sysfs.stdout.trim() && /No such file/.test(sysfs.stderr) ? '' : text('hugepages');
  const hugepages = mergeHugepages(meminfo !== undefined ? take(parseMeminfoHugepages(meminfo)) : undefined, sysfsText !== undefined ? take(parseHugepageSysfs(sysfsText)) : undefined);
  if (hugepages) facts.hugepages = hugepages;

  const last = text('lastReboot');
  if (last !== undefined) facts.reboots = take(parseLastReboot(last, { now, offsetMinutes }));

  const disks = collectDisks(host, outputs, take, warnings, text);
  return { facts, disks };
}

function collectContainers(outputs: HostOutputs, take: <T>(p: Parsed<T>) => T, warnings: string[]): ContainerFacts[] | undefined {
  const found: ContainerFacts[] = [];
  let answered = false;
  for (const project of COMPOSE_PROJECTS) {
    const v1 = outputs.get(`compose:${project}`);
    const v2 = outputs.get(`composeV2:${project}`);
    const usable = [v1, v2].find((o) => o && o.stdout.trim() && !missingTool(o));
    if (usable) {
      answered = true;
      found.push(...take(parseComposePs(usable.stdout, project)));
    } else if ([v1, v2].some((o) => o && !missingTool(o) && !/can't cd|No such file|cannot cd/.test(o.stderr) && o.stderr.trim())) {
      const o = [v2, v1].find((x) => x && x.stderr.trim());
      warnings.push(`${o?.command}: ${(o?.stderr.trim().split('\n')[0] ?? '').slice(0, 200)}`);
    }
  }
  const crictl = outputs.get('crictl');
  if (crictl && crictl.stdout.trim()) {
    answered = true;
    found.push(...take(parseCrictlPs(crictl.stdout)));
  } else if (crictl && !missingTool(crictl) && crictl.stderr.trim() && !answered) {
    warnings.push(`${crictl.command}: ${(crictl.stderr.trim().split('\n')[0] ?? '').slice(0, 200)}`);
  }
  return answered ? found : undefined;
}

function virtualization(outputs: HostOutputs, dmesg: string | undefined, take: <T>(p: Parsed<T>) => T): NonNullable<HostFactsInput['virtualization']> {
  const v: NonNullable<HostFactsInput['virtualization']> = {};
  const kvmOk = outputs.get('kvmOk');
  if (kvmOk && !missingTool(kvmOk) && (kvmOk.stdout.trim() || kvmOk.stderr.trim())) {
    const k = take(parseKvmOk(`${kvmOk.stdout}\n${kvmOk.stderr}`));
    if (k.vtx !== undefined) v.vtx = k.vtx;
  }
  const flags = outputs.get('cpuFlags');
  if (v.vtx === undefined && flags && flags.exitCode !== null && flags.exitCode <= 1) {
    const f = take(parseCpuVirtFlag(flags.stdout));
    if (f.vtx !== undefined) v.vtx = f.vtx;
  }
  if (dmesg !== undefined) Object.assign(v, take(parseVirtualizationLog(dmesg)));
  const groups = outputs.get('iommuGroups');
  if (groups && groups.exitCode !== null) {
    const g = take(parseIommuGroups(`${groups.stdout}\n${groups.stderr}`));
    if (g.groups > 0) v.vtd = true;
    else if (v.vtd === undefined && groups.exitCode === 0) v.vtd = false;
  }
  const sriov = outputs.get('sriov');
  if (sriov && sriov.exitCode !== null) {
    const vfs = take(parseSriovTotalVfs(sriov.stdout));
    v.sriov = Object.values(vfs).some((n) => n > 0);
  }
  if (v.iommuDefaultDomain === 'Translated' && v.vtd === undefined) v.vtd = false;
  return v;
}

/** Mount points anywhere below a block device (partitions, LVM volumes, md members). */
function mountsBelow(dev: BlockDevice): string[] {
  return [...dev.mountpoints, ...dev.children.flatMap(mountsBelow)];
}

function longestPrefix(path: string, mounts: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const m of mounts) {
    if (!m.startsWith('/')) continue;
    const under = m === '/' || path === m || path.startsWith(`${m}/`);
    if (under && (!best || m.length > best.length)) best = m;
  }
  return best;
}

/**
 * What a disk holds, from where things are mounted: a disk holds a role's data
 * when the longest mount prefix of that role's path lies on it (so a host with
 * no separate /var/lib/nova mount keeps its VM images on the root disk). Swap:
 * a partition or volume lsblk shows as [SWAP], or a swap file on one of its
 * filesystems. Best effort: a Docker/containerd data-root moved elsewhere by
 * configuration is not seen. Paths the host does not have (`rolePaths`: `ls -d`
 * of them) are skipped; without that answer, a role with a dedicated mount is
 * not also credited to / for its other paths, and container-root is left out
 * when systemd says no container runtime runs.
 */
export function diskRoles(
  tree: readonly BlockDevice[],
  swaps: readonly { path: string; type: string }[],
  hints: { containerRuntime?: boolean; existingPaths?: readonly string[] } = {},
): Map<string, { roles: DiskRole[]; mounts: string[] }> {
  const disks = tree.filter((d) => d.type === 'disk');
  const byDisk = new Map(disks.map((d) => [d.name, mountsBelow(d)] as const));
  const all = [...byDisk.values()].flat().filter((m) => m.startsWith('/'));
  // Where each role's data lives. A role with a dedicated mount for one of its paths (say
  // /var/lib/nova/instances) is not also credited to / for its other, unused paths.
  const roleMounts = new Map<DiskRole, string[]>();
  for (const { role, path } of ROLE_PATHS) {
    if (role !== 'os' && hints.existingPaths && !hints.existingPaths.includes(path)) continue;
    const at = longestPrefix(path, all);
    if (at) roleMounts.set(role, [...(roleMounts.get(role) ?? []), at]);
  }
  for (const [role, at] of roleMounts) {
    const dedicated = at.filter((m) => m !== '/');
    if (role !== 'os' && dedicated.length > 0) roleMounts.set(role, dedicated);
  }
  const result = new Map<string, { roles: DiskRole[]; mounts: string[] }>();
  for (const [name, mounts] of byDisk) {
    const roles = new Set<DiskRole>();
    for (const [role, at] of roleMounts) {
      if (role === 'container-root' && hints.containerRuntime === false) continue;
      if (at.some((m) => mounts.includes(m))) roles.add(role);
    }
    if (mounts.includes('[SWAP]')) roles.add('swap');
    for (const s of swaps) {
      if (s.type !== 'file') continue;
      const at = longestPrefix(s.path, all);
      if (at && mounts.includes(at)) roles.add('swap');
    }
    const explained = new Set([...roleMounts.values()].flat());
    if (mounts.some((m) => m.startsWith('/') && !explained.has(m) && m !== '/boot/efi')) roles.add('other');
    result.set(name, { roles: [...roles], mounts: mounts.filter((m) => m.length > 0) });
  }
  return result;
}

/** False when systemd says neither docker nor containerd runs (is-active answers "inactive" for absent units too). */
function containerRuntimePresent(outputs: HostOutputs): boolean | undefined {
  const services = outputs.get('services');
  if (!services?.stdout.trim()) return undefined;
  const answers = parseSystemctlIsActive(services.stdout, SERVICE_UNITS).value;
  if (answers.docker === undefined && answers.containerd === undefined) return undefined;
  return answers.docker === 'active' || answers.containerd === 'active' || answers.docker === 'activating' || answers.containerd === 'activating';
}

function collectDisks(
  host: string,
  outputs: HostOutputs,
  take: <T>(p: Parsed<T>) => T,
  warnings: string[],
  text: (id: string) => string | undefined,
): DiskInput[] {
  const listed = text('lsblkDisks');
  const disks = listed !== undefined ? take(parseLsblk(listed)).filter((d) => d.type === 'disk') : [];
  const treeText = text('lsblkTree');
  const tree = treeText !== undefined ? take(parseLsblk(treeText)) : [];
  const swapsText = text('swaps');
  const swaps = swapsText !== undefined ? take(parseProcSwaps(swapsText)) : [];
  const paths = outputs.get('rolePaths');
  const existingPaths = paths && paths.exitCode !== null ? paths.stdout.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('/')) : undefined;
  const runtime = containerRuntimePresent(outputs);
  const roles = diskRoles(tree, swaps, { ...(runtime !== undefined ? { containerRuntime: runtime } : {}), ...(existingPaths ? { existingPaths } : {}) });
  const names = new Set<string>(disks.map((d) => d.name));
  for (const id of outputs.keys()) {
    const m = /^smart(?:Text)?:(.+)$/.exec(id);
    if (m?.[1]) names.add(m[1]);
  }
  const out: DiskInput[] = [];
  for (const name of names) {
    const json = outputs.get(`smart:${name}`);
    const plain = outputs.get(`smartText:${name}`);
    const source = plain && plain.stdout.trim() ? plain : json;
    if (!source) continue; // a disk lsblk lists but the collector did not query (virtual, zram): not a SMART device
    let smart: SmartFacts = { protocol: 'unknown', smartPassed: null };
    if (source.truncated) warnings.push(`${source.command}: output was cut at the size limit`);
    if (source.stdout.trim()) smart = take(parseSmartctl(source.stdout, name));
    else warnings.push(`${source.command}: ${(source.stderr.trim().split('\n')[0] ?? '').slice(0, 200) || 'no output'}`);
    const lsblk = disks.find((d) => d.name === name);
    const role = roles.get(name);
    const disk: DiskInput = {
      host,
      device: `/dev/${name}`,
      protocol: smart.protocol,
      smartPassed: smart.smartPassed,
      holds: role?.roles ?? [],
    };
    const model = smart.model ?? lsblk?.model;
    if (model) disk.model = model;
    const optional = {
      modelFamily: smart.modelFamily,
      serial: smart.serial,
      nvmeErrorLogEntries: smart.nvmeErrorLogEntries,
      mediaErrors: smart.mediaErrors,
      reallocatedSectors: smart.reallocatedSectors,
      pendingSectors: smart.pendingSectors,
      uncorrectableSectors: smart.uncorrectableSectors,
      crcErrors: smart.crcErrors,
      temperatureC: smart.temperatureC,
      powerOnHours: smart.powerOnHours,
      smr: smart.smr,
      rotational: smart.rotational ?? lsblk?.rotational,
      mounts: role?.mounts,
    };
    for (const [k, v] of Object.entries(optional)) if (v !== undefined) (disk as Record<string, unknown>)[k] = v;
    out.push(disk);
  }
  return out;
}
