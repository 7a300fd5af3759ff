/**
 * What a hypervisor would tell someone who logged in: kernel log, disks, memory,
 * filesystems, containers, sensors, virtualization readiness. The lab keeps these as
 * plain data per hypervisor (scenarios patch them); `host-commands.ts` renders them as
 * the tools' output and `ssh-server.ts` serves that over SSH. Nothing here runs a command.
 */
import type { LabHypervisor } from '../fleet/types.js';

export type ContainerRuntime = 'docker-compose' | 'containerd';
export type DiskRole = 'vm-images' | 'swap' | 'container-data' | 'os';

export interface LabDisk {
  /** Kernel name: `nvme0n1`, `sda`. */
  device: string;
  model: string;
  /** smartctl's "Model Family"; SMR drives say `(SMR)` there. */
  modelFamily: string | null;
  serial: string;
  transport: 'nvme' | 'sata';
  rotational: boolean;
  smr: boolean;
  sizeGb: number;
  /** SMART overall-health self-assessment. */
  smartPassed: boolean;
  /** NVMe "Error Information Log Entries". */
  nvmeErrorLogEntries: number;
  reallocatedSectors: number;
  pendingSectors: number;
  uncorrectableSectors: number;
  crcErrors: number;
  /** What lives on it. */
  holds: DiskRole[];
}

/** A disk with nothing to report: SMART passes and every error counter is zero. */
export const HEALTHY_DISK_HEALTH = {
  smartPassed: true,
  nvmeErrorLogEntries: 0,
  reallocatedSectors: 0,
  pendingSectors: 0,
  uncorrectableSectors: 0,
  crcErrors: 0,
} as const satisfies Partial<LabDisk>;

export interface LabFilesystem {
  mount: string;
  device: string;
  sizeBytes: number;
  usedBytes: number;
}

export interface LabContainer {
  name: string;
  /** docker-compose project (`nova`, `neutron`, `hostroute`); null under containerd. */
  project: 'nova' | 'neutron' | 'hostroute' | null;
  state: 'running' | 'exited' | 'restarting' | 'created';
}

export interface LabMemory {
  totalBytes: number;
  availableBytes: number;
  swapTotalBytes: number;
  swapUsedBytes: number;
}

export interface LabVirtualization {
  /** VT-x enabled in firmware (`kvm-ok`). */
  vtx: boolean;
  /** VT-d / IOMMU on (IOMMU groups exist). */
  vtd: boolean;
  x2apic: boolean;
  /** SR-IOV total VFs of the uplink NIC (0 = off). */
  sriovTotalVfs: number;
  iommuDefaultDomain: 'Passthrough' | 'Translated';
}

export interface LabHugepagePool {
  pageSizeKb: number;
  /** Reserved at boot (`hugepages=N` on the kernel command line, or sysctl). */
  total: number;
  /** Not used by guests; the lab derives it from the running servers' RAM. */
  free: number;
}

export interface LabHugepages {
  /** `Hugepagesize` in /proc/meminfo: the kernel's `default_hugepagesz`. */
  defaultPageSizeKb: number;
  pools: LabHugepagePool[];
}

export interface LabLibvirtLog {
  /** `/var/log/libvirt/qemu/<instance>.log` */
  file: string;
  lines: string[];
}

export interface HostFacts {
  hostname: string;
  hostIp: string;
  kernel: string;
  /** Seconds since boot at the lab's start; the lab adds elapsed time. */
  uptimeSeconds: number;
  /** `dmesg -T` lines, oldest first (timestamps already rendered). */
  kernelLog: string[];
  libvirtLogs: LabLibvirtLog[];
  disks: LabDisk[];
  memory: LabMemory;
  filesystems: LabFilesystem[];
  runtime: ContainerRuntime;
  containers: LabContainer[];
  /** systemd unit → `systemctl is-active` answer. */
  services: Record<string, 'active' | 'inactive' | 'failed' | 'activating'>;
  /** CPU package temperatures, °C, one per socket. */
  cpuTemperaturesC: number[];
  virtualization: LabVirtualization;
  hugepages: LabHugepages;
  /** Reboot times (ms since epoch), newest first. */
  reboots: number[];
}

const GIB = 1024 ** 3;
export const GIB_PAGE_KB = 1_048_576;

/** The containers a healthy compute host runs: nova (1), neutron (3), route (2 + exporter). */
export function healthyContainers(runtime: ContainerRuntime): LabContainer[] {
  const spec: [string, LabContainer['project']][] = [
    ['nova-compute', 'nova'],
    ['neutron-dhcp-agent', 'neutron'],
    ['neutron-metadata-agent', 'neutron'],
    ['neutron-linuxbridge-agent', 'neutron'],
    ['bird', 'hostroute'],
    ['bird-exporter', 'hostroute'],
    ['hostroute-agent', 'hostroute'],
  ];
  return spec.map(([name, project]) => ({ name, project: runtime === 'docker-compose' ? project : null, state: 'running' }));
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * A healthy compute host derived from the hypervisor record: stable for a given
 * hostname, so the same seed gives the same facts. Every other hypervisor runs its
 * agents under containerd, the rest under docker-compose, as in a fleet mid-migration.
 */
export function healthyHostFacts(hv: LabHypervisor, bootedAt: number): HostFacts {
  const h = hash(hv.hostname);
  const runtime: ContainerRuntime = hv.legacyId % 2 === 0 ? 'containerd' : 'docker-compose';
  const memTotal = hv.memoryMb * 1024 * 1024;
  const nvmeModel = h % 2 ? 'SAMSUNG MZQL23T8HCLS-00A07' : 'Micron_7450_MTFDKCC3T8TFR';
  const rootSize = 446 * GIB;
  const imagesSize = hv.localGb * GIB;
  const reservedGiB = Math.floor((hv.memoryMb / 1024) * 0.6);
  return {
    hostname: hv.hostname,
    hostIp: hv.hostIp,
    kernel: '5.15.0-91-generic',
    uptimeSeconds: 86_400 * (20 + (h % 200)),
    kernelLog: [],
    libvirtLogs: [],
    disks: [
      {
        device: 'sda',
        model: 'INTEL SSDSC2KB480G8',
        modelFamily: 'Intel S4510/S4610/S4500/S4600 Series SSDs',
        serial: `PHYF${(h % 1_000_000).toString().padStart(6, '0')}480BGN`,
        transport: 'sata',
        rotational: false,
        smr: false,
        sizeGb: 480,
        ...HEALTHY_DISK_HEALTH,
        holds: ['os'],
      },
      {
        device: 'nvme0n1',
        model: nvmeModel,
        modelFamily: null,
        serial: `S64HNE0T${(h % 100_000).toString().padStart(5, '0')}`,
        transport: 'nvme',
        rotational: false,
        smr: false,
        sizeGb: hv.localGb,
        ...HEALTHY_DISK_HEALTH,
        holds: ['vm-images', 'container-data'],
      },
    ],
    memory: { totalBytes: memTotal, availableBytes: Math.round(memTotal * 0.31), swapTotalBytes: 0, swapUsedBytes: 0 },
    filesystems: [
      { mount: '/', device: '/dev/sda2', sizeBytes: rootSize, usedBytes: Math.round(rootSize * (0.22 + (h % 20) / 100)) },
      { mount: '/var/lib/nova/instances', device: '/dev/nvme0n1p1', sizeBytes: imagesSize, usedBytes: Math.round(imagesSize * (0.35 + (h % 30) / 100)) },
    ],
    runtime,
    containers: healthyContainers(runtime),
    services: {
      docker: runtime === 'docker-compose' ? 'active' : 'inactive',
      containerd: 'active',
      kubelet: runtime === 'containerd' ? 'active' : 'inactive',
      libvirtd: 'active',
    },
    cpuTemperaturesC: [48 + (h % 9), 50 + (h % 7)],
    virtualization: { vtx: true, vtd: true, x2apic: true, sriovTotalVfs: 64, iommuDefaultDomain: 'Passthrough' },
    // The Krane hypervisor template reserves 1 GiB pages for guests at boot (seed 000 §8).
    hugepages: {
      defaultPageSizeKb: GIB_PAGE_KB,
      pools: [
        { pageSizeKb: 2048, total: 0, free: 0 },
        { pageSizeKb: GIB_PAGE_KB, total: reservedGiB, free: reservedGiB },
      ],
    },
    reboots: [bootedAt],
  };
}

/** `dmesg -T` timestamp: `[Tue Nov 24 03:12:45 2026]`. */
export function dmesgTime(ms: number): string {
  const d = new Date(ms);
  const day = d.toUTCString().slice(0, 3);
  const month = d.toUTCString().slice(8, 11);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `[${day} ${month} ${String(d.getUTCDate()).padStart(2, ' ')} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${d.getUTCFullYear()}]`;
}

/** Kernel oops in a qemu process, as in the compute-node runbook. */
export function qemuOopsLines(at: number, pid: number): string[] {
  const t = dmesgTime(at);
  return [
    `${t} BUG: unable to handle page fault for address: ffffb8e4c2a7f000`,
    `${t} #PF: supervisor read access in kernel mode`,
    `${t} Oops: 0000 [#1] SMP NOPTI`,
    `${t} CPU: 37 PID: ${pid} Comm: qemu-system-x86 Tainted: G           OE     5.15.0-91-generic #101-Ubuntu`,
    `${t} Hardware name: Dell Inc. PowerEdge R640/0H28RR, BIOS 2.19.1 06/14/2023`,
    `${t} RIP: 0010:kvm_mmu_page_fault+0x3b/0x6a0 [kvm]`,
    `${t} Call Trace:`,
    `${t}  <TASK>`,
    `${t}  vmx_handle_exit+0x12/0x50 [kvm_intel]`,
    `${t}  kvm_arch_vcpu_ioctl_run+0xd2a/0x1720 [kvm]`,
    `${t}  </TASK>`,
    `${t} ---[ end trace 6a2c1e9d0f6c4b21 ]---`,
  ];
}

/** `INFO: task nova-compute:<pid> blocked for more than N seconds.` */
export function hungTaskLines(at: number, task: string, pid: number, seconds: number): string[] {
  const t = dmesgTime(at);
  return [
    `${t} INFO: task ${task}:${pid} blocked for more than ${seconds} seconds.`,
    `${t}       Tainted: G           OE     5.15.0-91-generic #101-Ubuntu`,
    `${t} "echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.`,
    `${t} task:${task.padEnd(15)} state:D stack:    0 pid:${pid} ppid:     1 flags:0x00000000`,
  ];
}

/** qcow2 refcount errors as `qemu-img check` prints them into the instance log. */
export function qcow2RefcountLines(count: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) lines.push(`ERROR cluster ${183_245 + i * 17} refcount=0 reference=1`);
  lines.push(`${count} errors were found on the image.`, 'Data may be corrupted, or further writes to the image may corrupt it.');
  return lines;
}
