/**
 * The lab's own model of a fleet: plain data, produced by the generator and then
 * owned (and mutated) by the simulated control plane. Deliberately separate from the
 * product's snapshot types so the product never depends on its simulator.
 */

export type ZoneKind = 'prod' | 'dev';

export interface LabRegion {
  /** Region id as it appears in the Keystone catalog, e.g. `pg1`, `ay1prod`. */
  id: string;
  /** The data center the region lives in, e.g. `pg`. */
  center: string;
  zone: ZoneKind;
  /** Nova availability zone of its compute hosts. */
  availabilityZone: string;
}

export interface LabDomain {
  id: string;
  name: string;
}

export interface LabProject {
  id: string;
  name: string;
  domainId: string;
}

export interface LabUser {
  id: string;
  name: string;
  password: string;
  domainId: string;
  /** Project the user's password token is scoped to by default. */
  defaultProjectId: string;
  roles: string[];
}

export interface LabApplicationCredential {
  id: string;
  name: string;
  secret: string;
  userId: string;
  projectId: string;
  roles: string[];
}

export interface LabRole {
  id: string;
  name: string;
}

export interface LabFlavor {
  id: string;
  name: string;
  vcpus: number;
  ramMb: number;
  diskGb: number;
  ephemeralGb: number;
  swapMb: number;
  isPublic: boolean;
  extraSpecs: Record<string, string>;
}

export interface LabImage {
  id: string;
  name: string;
  sizeBytes: number;
  minDiskGb: number;
  minRamMb: number;
  createdAt: number;
  ownerProjectId: string;
  visibility: 'public' | 'private' | 'community' | 'shared';
  osDistro: string;
}

/** Nova's power_state integers. */
export const PowerState = {
  NOSTATE: 0,
  RUNNING: 1,
  PAUSED: 3,
  SHUTDOWN: 4,
  CRASHED: 6,
  SUSPENDED: 7,
} as const;
export type PowerStateValue = (typeof PowerState)[keyof typeof PowerState];

export type VmState = 'active' | 'stopped' | 'error' | 'building' | 'paused' | 'suspended' | 'shelved_offloaded';

/** What the inventory (CMDB) says a server is for. */
export type ServerRole = 'db' | 'amphora' | 'k8s-control-plane' | 'k8s-worker' | 'web' | 'batch' | 'cache' | 'generic';

export interface LabServerFault {
  code: number;
  message: string;
  details: string;
  created: number;
}

export interface LabVolumeAttachment {
  id: string;
  deleteOnTermination: boolean;
}

export interface LabServer {
  id: string;
  name: string;
  projectId: string;
  userId: string;
  flavorId: string;
  /** Empty for boot-from-volume servers. */
  imageId: string;
  regionId: string;
  /** Compute host (= hypervisor hostname in this lab). */
  host: string;
  availabilityZone: string;
  /** Integer instance id; `instance_name` is `instance-%08x` of it. */
  instanceNumber: number;
  networkName: string;
  /** The server's fixed address: a unique loopback address so probes can reach it. */
  ip: string;
  mac: string;
  keyName: string | null;
  createdAt: number;
  launchedAt: number | null;
  updatedAt: number;
  vmState: VmState;
  powerState: PowerStateValue;
  taskState: string | null;
  locked: boolean;
  lockedReason: string | null;
  metadata: Record<string, string>;
  tags: string[];
  roles: ServerRole[];
  volumes: LabVolumeAttachment[];
  fault: LabServerFault | null;
  securityGroups: string[];
}

/** The box under a hypervisor, as the CMDB records it and the spare names spell it (runbook §7). */
export interface LabHardware {
  /** Vendor model as the CMDB writes it, e.g. `R630`. */
  model: string;
  memoryGiB: number;
  memoryMHz: number;
  disk: 'nvme' | 'ssd';
  diskGB: number;
}

export interface LabHypervisor {
  /** Compute node UUID (the 2.53+ hypervisor id). */
  id: string;
  /** Integer id used before microversion 2.53. */
  legacyId: number;
  hostname: string;
  regionId: string;
  availabilityZone: string;
  hostIp: string;
  vcpus: number;
  memoryMb: number;
  localGb: number;
  cpuModel: string;
  hypervisorType: string;
  hypervisorVersion: number;
  hardware: LabHardware;
  /** Last day of the vendor warranty (ms since epoch, UTC midnight). */
  warrantyUntil: number;
  /**
   * A forfault box of its center's spare pool: registered in Nova (as the runbook's
   * hypervisor list shows them) but running no servers, and never a fault's target.
   */
  spare: boolean;
}

export type ServiceBinary = 'nova-compute' | 'nova-conductor' | 'nova-scheduler';

export interface LabComputeService {
  id: string;
  legacyId: number;
  binary: ServiceBinary;
  host: string;
  regionId: string;
  /** `internal` for control services, the host's AZ for nova-compute. */
  zone: string;
  disabled: boolean;
  disabledReason: string | null;
  forcedDown: boolean;
  /** Time of the last heartbeat; null means "keeps heartbeating" (always fresh). */
  lastHeartbeatAt: number | null;
  createdAt: number;
}

export type AgentBinary = 'neutron-dhcp-agent' | 'neutron-metadata-agent' | 'neutron-linuxbridge-agent' | 'neutron-l3-agent';

export interface LabNetworkAgent {
  id: string;
  binary: AgentBinary;
  agentType: string;
  topic: string;
  host: string;
  regionId: string;
  availabilityZone: string | null;
  adminStateUp: boolean;
  /** Null means "keeps reporting" (always alive). */
  lastHeartbeatAt: number | null;
  createdAt: number;
  startedAt: number;
  configurations: Record<string, unknown>;
}

export interface LabFleet {
  seed: string;
  /** The instant the fleet was generated "at"; every timestamp is before it. */
  generatedAt: number;
  regions: LabRegion[];
  domains: LabDomain[];
  projects: LabProject[];
  users: LabUser[];
  roles: LabRole[];
  applicationCredentials: LabApplicationCredential[];
  flavors: LabFlavor[];
  images: LabImage[];
  hypervisors: LabHypervisor[];
  services: LabComputeService[];
  agents: LabNetworkAgent[];
  servers: LabServer[];
  /** Stops Nova did on its own (power sync), to seed instance-action history. */
  history: LabHistoryEntry[];
}

/** A past instance action the generator wants on record (besides each server's create). */
export interface LabHistoryEntry {
  serverId: string;
  action: 'stop' | 'start' | 'reboot';
  at: number;
  /** Null for host-initiated actions (Nova's power-state sync). */
  userId: string | null;
  projectId: string | null;
}
