/**
 * What a Kubernetes node VM would tell someone who logged in: the same kernel log,
 * memory, filesystems, units and reboots a hypervisor keeps (so the same renderers
 * serve them), plus what the cluster failure checklist reads on a node: the containerd
 * socket, the kubelet and join journal, interfaces with their MTU, routes, iSCSI
 * sessions and multipath maps. Plain data; scenarios patch it through `LabFaults`.
 */
import type { LabServer } from '../fleet/types.js';
import type { HostFacts } from './facts.js';

export interface LabInterface {
  name: string;
  mtu: number;
  up: boolean;
  mac: string;
  /** `10.20.4.17/24` */
  addresses: string[];
}

export interface LabRoute {
  /** `default` or a prefix. */
  destination: string;
  gateway: string | null;
  device: string;
  source: string | null;
}

export interface LabIscsiSession {
  sid: number;
  /** `10.20.0.11:3260` */
  portal: string;
  target: string;
}

export interface LabMultipathPath {
  /** SCSI host:channel:target:lun */
  hctl: string;
  device: string;
  devt: string;
  /** Kernel device-mapper view and the path checker's, as multipath -ll prints them. */
  dmState: 'active' | 'failed';
  checker: 'ready' | 'faulty';
}

export interface LabMultipathMap {
  name: string;
  wwid: string;
  dm: string;
  vendorProduct: string;
  sizeGb: number;
  paths: LabMultipathPath[];
}

export interface JournalEntry {
  unit: 'kubelet' | 'kubeadm-join';
  ident: string;
  at: number;
  message: string;
}

export interface NodeExtras {
  clusterRole: 'control-plane' | 'worker';
  containerdSocket: boolean;
  /** What `journalctl -u kubelet -u kubeadm-join` shows, oldest first; `ident` is the syslog identifier and pid. */
  journal: JournalEntry[];
  interfaces: LabInterface[];
  routes: LabRoute[];
  /** Targets the node is configured to log in to (`iscsiadm -m node`). */
  iscsiNodes: { portal: string; target: string }[];
  iscsiSessions: LabIscsiSession[];
  multipath: LabMultipathMap[];
}

/** A node's facts: a hypervisor's shape plus the node part. */
export type NodeFacts = HostFacts & { node: NodeExtras };

/** The lab's storage network and its NetApp-style iSCSI portals (two, for two paths). */
const STORAGE_PORTALS = ['10.240.0.11:3260', '10.240.0.12:3260'];
export const STORAGE_INTERFACE = 'stor0';
export const STORAGE_MTU = 9000;

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

const GIB = 1024 ** 3;

function macOf(h: number, nic: number): string {
  const b = [0xfa, 0x16, 0x3e, (h >>> 16) & 0xff, (h >>> 8) & 0xff, (h + nic) & 0xff];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** The server's unique loopback address stands in for its tenant address; the storage network is its own /16. */
function storageAddress(h: number): string {
  return `10.240.${1 + ((h >>> 8) % 250)}.${2 + (h % 250)}`;
}

/**
 * A healthy node VM: kubelet and containerd active, the socket there, no swap, the
 * storage NIC at jumbo MTU and both iSCSI paths up. Stable for a server name.
 */
export function healthyNodeFacts(server: LabServer, ramMb: number, diskGb: number, bootedAt: number, now: number): NodeFacts {
  const h = hash(server.name);
  const clusterRole = server.roles.includes('k8s-control-plane') ? 'control-plane' : 'worker';
  const total = ramMb * 1024 * 1024;
  const root = Math.max(20, diskGb) * GIB;
  const storage = storageAddress(h);
  const iqn = `iqn.1992-08.com.netapp:sn.${(h % 0xffffffff).toString(16).padStart(8, '0')}:vs.${3 + (h % 7)}`;
  const wwid = `3600a0980383${(h % 0xfffffff).toString(16).padStart(7, '0')}5a2b4f4a50`;
  const uptimeSeconds = Math.max(60, Math.round((now - bootedAt) / 1000));
  return {
    hostname: server.name,
    hostIp: server.ip,
    kernel: '5.15.0-91-generic',
    uptimeSeconds,
    kernelLog: [],
    libvirtLogs: [],
    disks: [],
    memory: { totalBytes: total, availableBytes: Math.round(total * 0.46), swapTotalBytes: 0, swapUsedBytes: 0 },
    filesystems: [{ mount: '/', device: '/dev/vda1', sizeBytes: root, usedBytes: Math.round(root * (0.3 + (h % 25) / 100)) }],
    runtime: 'containerd',
    containers: [],
    services: { containerd: 'active', kubelet: 'active', docker: 'inactive' },
    cpuTemperaturesC: [],
    virtualization: { vtx: false, vtd: false, x2apic: true, sriovTotalVfs: 0, iommuDefaultDomain: 'Translated' },
    hugepages: { defaultPageSizeKb: 2048, pools: [{ pageSizeKb: 2048, total: 0, free: 0 }] },
    reboots: [bootedAt],
    node: {
      clusterRole,
      containerdSocket: true,
      journal: [
        { unit: 'kubelet', ident: 'systemd[1]', at: bootedAt + 21_000, message: 'Started kubelet: The Kubernetes Node Agent.' },
        { unit: 'kubelet', ident: `kubelet[${1000 + (h % 900)}]`, at: bootedAt + 23_000, message: `${klogPrefix('I', bootedAt + 23_000, 1000 + (h % 900))} kubelet_node_status.go:76] "Successfully registered node" node="${server.name}"` },
      ],
      interfaces: [
        { name: 'lo', mtu: 65536, up: true, mac: '00:00:00:00:00:00', addresses: ['127.0.0.1/8'] },
        { name: 'ens3', mtu: 1500, up: true, mac: macOf(h, 0), addresses: [`${server.ip}/8`] },
        { name: STORAGE_INTERFACE, mtu: STORAGE_MTU, up: true, mac: macOf(h, 1), addresses: [`${storage}/16`] },
        { name: 'tunl0', mtu: 1480, up: true, mac: '00:00:00:00', addresses: [] },
      ],
      routes: [
        { destination: 'default', gateway: '127.0.0.1', device: 'ens3', source: server.ip },
        { destination: '10.240.0.0/16', gateway: null, device: STORAGE_INTERFACE, source: storage },
      ],
      iscsiNodes: STORAGE_PORTALS.map((portal) => ({ portal, target: iqn })),
      iscsiSessions: STORAGE_PORTALS.map((portal, i) => ({ sid: i + 1, portal, target: iqn })),
      multipath: [
        {
          name: 'mpatha',
          wwid,
          dm: 'dm-0',
          vendorProduct: 'NETAPP,LUN C-Mode',
          sizeGb: 100,
          paths: [
            { hctl: '2:0:0:0', device: 'sda', devt: '8:0', dmState: 'active', checker: 'ready' },
            { hctl: '3:0:0:0', device: 'sdb', devt: '8:16', dmState: 'active', checker: 'ready' },
          ],
        },
      ],
    },
  };
}

/** klog's header: `I1203 03:12:44.118204    1021` (severity, month, day, time, thread id). */
export function klogPrefix(severity: 'I' | 'W' | 'E', at: number, pid: number): string {
  const d = new Date(at);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return `${severity}${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())} ${d.toISOString().slice(11, 23)}000 ${String(pid).padStart(7)}`;
}

/** True for a lab server that is a Kubernetes node VM. */
export function isNodeServer(server: LabServer): boolean {
  return server.roles.includes('k8s-worker') || server.roles.includes('k8s-control-plane');
}

/**
 * What the platform's join automation logs when `kubeadm join` fails its preflight on a
 * node whose containerd is not running (seed 004), one journal message per line.
 */
export function kubeadmPreflightFailure(at: number): string[] {
  const stamp = new Date(at).toISOString().slice(0, 19);
  return [
    '[preflight] Running pre-flight checks',
    'error execution phase preflight: [preflight] Some fatal errors occurred:',
    `\t[ERROR CRI]: container runtime is not running: output: time="${stamp}Z" level=fatal msg="unable to determine runtime API version: rpc error: code = Unavailable desc = connection error: desc = \\"transport: Error while dialing dial unix /var/run/containerd/containerd.sock: connect: no such file or directory\\""`,
    ', error: exit status 1',
    '[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`',
    'To see the stack trace of this error execute with --v=5 or higher',
  ];
}
