import { z } from 'zod';
import { DATA_KEYS } from '../core/data-keys.js';

/**
 * The fleet model (catalog §1) as one schema: it is the TypeScript type, the
 * validator at load time and the published JSON Schema. Field names are
 * faultline's own (camelCase), normalised from Nova/Neutron/Kubernetes by the collectors.
 */
export const SNAPSHOT_SCHEMA_VERSION = 1;

const isoTime = z.string().describe('ISO 8601 timestamp');
const nullableTime = isoTime.nullable();

export const regionSchema = z.object({
  name: z.string().min(1),
  center: z.string().optional(),
  zone: z.enum(['prod', 'dev']).describe('prod or dev zone; DB rules apply to prod'),
});

export const hypervisorSchema = z.object({
  id: z.string().min(1).describe('Nova hypervisor id (UUID with microversion 2.53+)'),
  name: z.string().min(1).describe('hypervisor_hostname, usually the FQDN'),
  host: z.string().min(1).describe('compute service host name, as servers reference it'),
  region: z.string().optional(),
  state: z.enum(['up', 'down']).optional(),
  status: z.enum(['enabled', 'disabled']).optional(),
  hostIp: z.string().optional(),
  hypervisorType: z.string().optional(),
  /** Hardware facts used for spare selection and readiness. */
  model: z.string().optional(),
  rack: z.string().optional(),
});

export const addressSchema = z.object({
  network: z.string(),
  addr: z.string(),
  version: z.union([z.literal(4), z.literal(6)]).optional(),
  type: z.enum(['fixed', 'floating']).optional(),
});

export const serverSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  region: z.string().optional(),
  projectId: z.string().optional(),
  projectName: z.string().optional(),
  userId: z.string().optional(),
  status: z.string().describe('Nova status: ACTIVE, SHUTOFF, ERROR, …'),
  vmState: z.string().nullable().optional(),
  taskState: z.string().nullable().optional(),
  powerState: z.number().int().nullable().optional().describe('0 NOSTATE, 1 RUNNING, 3 PAUSED, 4 SHUTDOWN, 6 CRASHED, 7 SUSPENDED'),
  host: z.string().nullable().optional().describe('OS-EXT-SRV-ATTR:host'),
  hypervisorHostname: z.string().nullable().optional(),
  instanceName: z.string().nullable().optional().describe('libvirt domain name, e.g. instance-0000abcd'),
  hostStatus: z.string().nullable().optional().describe('UP, DOWN, MAINTENANCE, UNKNOWN or empty'),
  addresses: z.array(addressSchema).default([]),
  flavor: z.object({ name: z.string(), vcpus: z.number().optional(), ramMiB: z.number().optional(), diskGiB: z.number().optional() }).optional(),
  image: z.object({ id: z.string().optional(), name: z.string().optional() }).optional(),
  volumes: z.array(z.string()).default([]),
  metadata: z.record(z.string(), z.string()).default({}),
  locked: z.boolean().optional(),
  createdAt: isoTime.optional(),
  updatedAt: isoTime.optional(),
  launchedAt: nullableTime.optional(),
  fault: z.object({ code: z.number().optional(), message: z.string(), created: isoTime.optional(), details: z.string().optional() }).optional(),
});

export const computeServiceSchema = z.object({
  id: z.string(),
  binary: z.string(),
  host: z.string(),
  zone: z.string().optional(),
  region: z.string().optional(),
  status: z.enum(['enabled', 'disabled']),
  state: z.enum(['up', 'down']),
  forcedDown: z.boolean().optional(),
  disabledReason: z.string().nullable().optional(),
  updatedAt: nullableTime.optional(),
});

export const networkAgentSchema = z.object({
  id: z.string(),
  binary: z.string(),
  host: z.string(),
  agentType: z.string(),
  region: z.string().optional(),
  alive: z.boolean(),
  adminStateUp: z.boolean(),
  heartbeatTimestamp: z.string().nullable().optional(),
});

export const instanceActionEventSchema = z.object({
  event: z.string(),
  startTime: nullableTime.optional(),
  finishTime: nullableTime.optional(),
  result: z.string().nullable().optional(),
  host: z.string().nullable().optional(),
  traceback: z.string().nullable().optional(),
});

export const instanceActionSchema = z.object({
  serverId: z.string(),
  requestId: z.string(),
  action: z.string().describe('stop, start, reboot, create, …'),
  startTime: isoTime,
  updatedAt: nullableTime.optional(),
  userId: z.string().nullable().describe('null when Nova itself acted (e.g. power-state sync)'),
  projectId: z.string().nullable(),
  message: z.string().nullable().optional(),
  events: z.array(instanceActionEventSchema).default([]),
});

export const probeSchema = z.object({
  targetKind: z.enum(['server', 'hypervisor', 'node']),
  targetId: z.string().describe('server id, hypervisor name or node name'),
  address: z.string(),
  probedAt: isoTime,
  ping: z.object({ ok: z.boolean(), rttMs: z.number().optional() }).nullable().describe('null when not probed'),
  ssh: z
    .object({
      state: z.enum(['ok', 'refused', 'timeout', 'hang', 'error', 'not-expected']),
      banner: z.string().optional(),
      elapsedMs: z.number().optional(),
      error: z.string().optional(),
    })
    .nullable()
    .describe('hang = TCP accepted but no SSH banner within the limit (10 s by default)'),
});

const logEventSchema = z.object({
  kind: z.string().describe('oops, bug, hung-task, oom-kill, io-error, panic, …'),
  time: z.string().optional(),
  line: z.string(),
  process: z.string().optional(),
  pid: z.number().optional(),
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

export const hostFactsSchema = z.object({
  host: z.string().describe('hypervisor or node host name'),
  collectedAt: isoTime,
  memory: z.object({ totalBytes: z.number(), availableBytes: z.number(), swapTotalBytes: z.number(), swapUsedBytes: z.number() }).optional(),
  filesystems: z
    .array(z.object({ filesystem: z.string(), mount: z.string(), sizeBytes: z.number(), usedBytes: z.number(), usedPercent: z.number() }))
    .optional(),
  kernelEvents: z.array(logEventSchema).optional().describe('parsed from dmesg -T / journal'),
  libvirtLogEvents: z.array(logEventSchema.extend({ instanceName: z.string().optional(), file: z.string().optional() })).optional(),
  services: z.record(z.string(), z.string()).optional().describe('systemd unit → is-active answer'),
  containers: z
    .array(
      z.object({
        runtime: z.enum(['docker-compose', 'containerd']),
        project: z.string().optional(),
        name: z.string(),
        state: z.string().describe('running, exited, restarting, paused, created or unknown'),
        status: z.string().optional().describe('the state as the tool printed it, e.g. "Exit 137", "Up 3 weeks (healthy)"'),
      }),
    )
    .optional(),
  virtualization: z
    .object({
      vtx: z.boolean().optional(),
      vtd: z.boolean().optional(),
      x2apic: z.boolean().optional(),
      sriov: z.boolean().optional(),
      iommuDefaultDomain: z.string().optional(),
    })
    .optional(),
  temperatures: z.array(z.object({ sensor: z.string(), celsius: z.number(), highC: z.number().optional(), critC: z.number().optional() })).optional(),
  hugepages: z
    .object({
      defaultPageSizeKb: z.number().optional().describe('Hugepagesize in /proc/meminfo (default_hugepagesz)'),
      pools: z.array(z.object({ pageSizeKb: z.number(), total: z.number().describe('pages reserved'), free: z.number().optional().describe('pages not in use') })),
    })
    .optional()
    .describe('huge pages reserved per page size (/proc/meminfo, /sys/kernel/mm/hugepages)'),
  bootTime: isoTime.optional(),
  reboots: z.array(z.object({ time: isoTime, kernel: z.string().optional() })).optional(),
  warnings: z.array(z.string()).default([]).describe('parse warnings: what could not be read'),
});

export const diskSchema = z.object({
  host: z.string(),
  device: z.string(),
  protocol: z.enum(['ATA', 'NVMe', 'SCSI', 'unknown']),
  model: z.string().optional(),
  modelFamily: z.string().optional(),
  serial: z.string().optional(),
  smartPassed: z.boolean().nullable(),
  nvmeErrorLogEntries: z.number().optional(),
  reallocatedSectors: z.number().optional(),
  pendingSectors: z.number().optional(),
  uncorrectableSectors: z.number().optional(),
  crcErrors: z.number().optional(),
  temperatureC: z.number().optional(),
  smr: z.boolean().optional(),
  mediaErrors: z.number().optional().describe('NVMe media and data integrity errors'),
  powerOnHours: z.number().optional(),
  rotational: z.boolean().optional(),
  mounts: z.array(z.string()).optional().describe('mount points on the disk (incl. partitions and LVM volumes; [SWAP] for swap), the evidence for holds'),
  holds: z.array(z.enum(['vm-images', 'swap', 'container-root', 'os', 'other'])).default([]),
});

export const consoleEventSchema = z.object({
  serverId: z.string(),
  kind: z.enum(['async-pf-panic', 'root-mount-panic', 'panic']).describe('what the guest kernel printed on its console'),
  line: z.string(),
  time: z.string().optional(),
});

export const alarmSchema = z.object({
  ticketId: z.string(),
  host: z.string(),
  faultCode: z.string().describe('e.g. PING_FAIL, SYS_KERNEL_PANIC, HW-MC-ERROR, MEM_SBE, DISK_FAILURE_PREDICTED, FAN, PSU'),
  location: z.string().optional(),
  ips: z.array(z.string()).default([]),
  message: z.string().default(''),
  raisedAt: isoTime,
  status: z.enum(['open', 'closed']).default('open'),
  count: z.number().int().positive().default(1).describe('how many times this alarm fired (ticket-count rules)'),
});

export const inventoryEntrySchema = z.object({
  match: z.object({ serverId: z.string().optional(), serverName: z.string().optional(), host: z.string().optional() }),
  roles: z.array(z.string()).default([]).describe('e.g. db'),
  owners: z.array(z.string()).default([]),
  tags: z.record(z.string(), z.string()).default({}),
});

const k8sConditionSchema = z.object({ type: z.string(), status: z.string(), reason: z.string().optional(), message: z.string().optional(), lastHeartbeatTime: z.string().optional(), lastTransitionTime: z.string().optional() });

export const kubernetesClusterSchema = z.object({
  name: z.string(),
  nodes: z.array(
    z.object({
      name: z.string(),
      providerId: z.string().optional(),
      internalIp: z.string().optional(),
      kubeletVersion: z.string().optional(),
      roles: z.array(z.string()).default([]),
      conditions: z.array(k8sConditionSchema).default([]),
      unschedulable: z.boolean().optional(),
      taints: z.array(z.object({ key: z.string(), value: z.string().optional(), effect: z.string() })).default([]),
    }),
  ).default([]),
  pods: z.array(
    z.object({
      namespace: z.string(),
      name: z.string(),
      nodeName: z.string().optional(),
      phase: z.string(),
      ready: z.boolean().optional(),
      restarts: z.number().default(0),
      waitingReason: z.string().optional(),
      staticPod: z.boolean().optional(),
      tolerations: z.array(z.object({ key: z.string().optional(), operator: z.string().optional(), effect: z.string().optional() })).default([]),
    }),
  ).default([]),
  events: z.array(
    z.object({
      namespace: z.string(),
      type: z.string(),
      reason: z.string(),
      message: z.string(),
      object: z.string(),
      count: z.number().default(1),
      lastTimestamp: z.string().optional(),
    }),
  ).default([]),
});

/**
 * What the store remembers from earlier scans, read just before the rules that
 * need memory run (ticket counts over time, three times in a month, stops across
 * days, recurrence). Absent when no store is configured: those rules are skipped.
 */
export const historySchema = z.object({
  since: isoTime.describe('start of the lookback window'),
  scans: z.number().int().nonnegative().describe('scans the store holds'),
  firstScanAt: nullableTime.describe('when the oldest scan the store holds was judged'),
  alarmTickets: z
    .array(
      z.object({
        ticketId: z.string(),
        host: z.string(),
        faultCode: z.string(),
        message: z.string().default(''),
        raisedAt: isoTime,
        status: z.enum(['open', 'closed']),
        maxCount: z.number().int().nonnegative().describe('highest count any feed read showed'),
        firstSeen: isoTime,
        lastSeen: isoTime,
      }),
    )
    .default([])
    .describe('tickets seen in the window, including ones the feed no longer lists'),
  findingEpisodes: z
    .array(
      z.object({
        fingerprint: z.string(),
        detectorId: z.string(),
        messageId: z.string(),
        resourceKind: z.string(),
        resourceId: z.string(),
        resourceName: z.string().nullable().optional(),
        parentId: z.string().nullable().optional(),
        openedAt: isoTime,
        closedAt: nullableTime,
      }),
    )
    .default([])
    .describe('spells of findings of the detectors the memory rules count, opened or still open in the window'),
  hostStops: z
    .array(z.object({ requestId: z.string(), serverId: z.string(), serverName: z.string().nullable().optional(), host: z.string().nullable().optional(), startedAt: isoTime }))
    .default([])
    .describe('stops Nova did on its own, kept after its action list has dropped them'),
  recurrences: z
    .array(
      z.object({
        fingerprint: z.string(),
        detectorId: z.string(),
        messageId: z.string(),
        message: z.string(),
        resource: z.object({ kind: z.string(), id: z.string(), name: z.string().nullable().optional(), parentId: z.string().nullable().optional(), parentName: z.string().nullable().optional() }),
        firstSeen: isoTime,
        previous: z.array(z.object({ openedAt: isoTime, closedAt: isoTime })).describe('earlier spells, oldest first'),
        actions: z
          .array(z.object({ at: isoTime, actor: z.string(), action: z.string(), target: z.string(), result: z.string(), requestId: z.string().nullable().optional(), detail: z.string() }))
          .default([])
          .describe('what operators did to the resource during and just after the earlier spells'),
      }),
    )
    .default([])
    .describe('findings of this scan that were resolved before and came back'),
});

export const collectionOutcomeSchema = z.object({
  collector: z.string(),
  status: z.enum(['ok', 'partial', 'failed']),
  produces: z.array(z.enum(DATA_KEYS)),
  startedAt: isoTime,
  durationMs: z.number(),
  error: z.string().optional(),
  warnings: z.array(z.string()).default([]),
});

export const snapshotSchema = z
  .object({
    schemaVersion: z.literal(SNAPSHOT_SCHEMA_VERSION),
    collectedAt: isoTime,
    producer: z.object({ tool: z.string(), version: z.string() }).optional(),
    description: z.string().optional(),
    /** What was collected and how it went; a section absent here was not collected at all. */
    collection: z.array(collectionOutcomeSchema).default([]),
    regions: z.array(regionSchema).default([]),
    hypervisors: z.array(hypervisorSchema).default([]),
    servers: z.array(serverSchema).default([]),
    computeServices: z.array(computeServiceSchema).default([]),
    networkAgents: z.array(networkAgentSchema).default([]),
    instanceActions: z.array(instanceActionSchema).default([]),
    probes: z.array(probeSchema).default([]),
    hostFacts: z.array(hostFactsSchema).default([]),
    disks: z.array(diskSchema).default([]),
    consoleLogs: z.array(consoleEventSchema).default([]).describe('panics read from guest console output'),
    alarms: z.array(alarmSchema).default([]),
    inventory: z.array(inventoryEntrySchema).default([]),
    kubernetes: z.object({ clusters: z.array(kubernetesClusterSchema).default([]) }).default({ clusters: [] }),
    history: historySchema.optional(),
  })
  .describe('faultline fleet snapshot');

export type SnapshotInput = z.input<typeof snapshotSchema>;
export type Snapshot = z.output<typeof snapshotSchema>;
export type Region = z.output<typeof regionSchema>;
export type Hypervisor = z.output<typeof hypervisorSchema>;
export type Server = z.output<typeof serverSchema>;
export type ComputeService = z.output<typeof computeServiceSchema>;
export type NetworkAgent = z.output<typeof networkAgentSchema>;
export type InstanceAction = z.output<typeof instanceActionSchema>;
export type Probe = z.output<typeof probeSchema>;
export type HostFacts = z.output<typeof hostFactsSchema>;
export type Disk = z.output<typeof diskSchema>;
export type Alarm = z.output<typeof alarmSchema>;
export type ConsoleEvent = z.output<typeof consoleEventSchema>;
export type InventoryEntry = z.output<typeof inventoryEntrySchema>;
export type KubernetesCluster = z.output<typeof kubernetesClusterSchema>;
export type History = z.output<typeof historySchema>;
export type CollectionOutcome = z.output<typeof collectionOutcomeSchema>;

export function snapshotJsonSchema(): unknown {
  return z.toJSONSchema(snapshotSchema, { io: 'input', target: 'draft-2020-12' });
}
