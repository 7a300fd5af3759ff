/**
 * The scenario format: a seeded fleet plus a list of faults, each aimed at targets
 * chosen by role, name pattern, region or zone. The same fault schema is accepted by
 * the admin API (`POST /lab/faults`), so a test can inject anything a file can.
 */
import { z } from 'zod';

const regex = z.string().refine(
  (s) => {
    try {
      new RegExp(s);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'is not a valid regular expression' },
);

export const SERVER_ROLES = ['db', 'amphora', 'k8s-control-plane', 'k8s-worker', 'web', 'batch', 'cache', 'generic'] as const;

export const hypervisorSelectorSchema = z
  .strictObject({
    sameAs: z.string().min(1).optional().describe('The hypervisor of an earlier fault with this id (for server faults: the host of its first server).'),
    hostname: z.string().min(1).optional().describe('Exact hostname.'),
    pattern: regex.optional().describe('Regular expression over the hostname.'),
    region: z.string().min(1).optional(),
    zone: z.enum(['prod', 'dev']).optional(),
    runtime: z.enum(['docker-compose', 'containerd']).optional().describe('How its agents run.'),
    withRole: z.enum(SERVER_ROLES).optional().describe('Hosts at least one ACTIVE server with this role.'),
    minServers: z.number().int().min(1).optional().describe('Hosts at least this many ACTIVE servers.'),
    pick: z.number().int().min(0).default(0).describe('Which match to take (0 = first, in fleet order) among those not already used by another fault.'),
  })
  .describe('Chooses one hypervisor.');

export const serverSelectorSchema = z
  .strictObject({
    sameAs: z.string().min(1).optional().describe('The servers of an earlier fault with this id.'),
    name: z.string().min(1).optional().describe('Exact server name.'),
    pattern: regex.optional().describe('Regular expression over the server name.'),
    role: z.enum(SERVER_ROLES).optional(),
    region: z.string().min(1).optional(),
    zone: z.enum(['prod', 'dev']).optional(),
    on: hypervisorSelectorSchema.optional().describe('Only servers on this hypervisor.'),
    count: z.number().int().min(1).default(1).describe('How many servers to take.'),
  })
  .describe('Chooses ACTIVE servers (never amphorae unless role: amphora), not already used by another fault.');

export const ALARM_CODES = [
  'PING_FAIL',
  'SYS_KERNEL_PANIC',
  'HW-MC-ERROR',
  'MEM_SBE',
  'MEM_UE',
  'DISK_FAILURE_PREDICTED',
  'DISK_SMART_ERROR',
  'DISK_FAILED',
  'DISK_DATA_LOSS',
  'FAN',
  'PSU_REDUNDANCY_LOST',
  'PSU',
  'CPU',
  'NIC',
  'MAINBOARD',
] as const;

const diskPatch = z.strictObject({
  device: z.string().regex(/^(sd[a-z]{1,3}|nvme\d+n\d+)$/, 'is not a disk name such as sda or nvme0n1'),
  model: z.string().optional(),
  modelFamily: z.string().nullable().optional(),
  transport: z.enum(['nvme', 'sata']).optional(),
  rotational: z.boolean().optional(),
  smr: z.boolean().optional(),
  sizeGb: z.number().positive().optional(),
  smartPassed: z.boolean().optional(),
  nvmeErrorLogEntries: z.number().int().min(0).optional(),
  reallocatedSectors: z.number().int().min(0).optional(),
  pendingSectors: z.number().int().min(0).optional(),
  uncorrectableSectors: z.number().int().min(0).optional(),
  crcErrors: z.number().int().min(0).optional(),
  holds: z.array(z.enum(['vm-images', 'swap', 'container-data', 'os'])).optional(),
});

export const hostFactsPatchSchema = z
  .strictObject({
    kernelLog: z.array(z.string()).optional().describe('Lines appended to dmesg; `{time}` becomes the dmesg -T time of the fault.'),
    libvirtLogs: z
      .array(z.strictObject({ file: z.string().min(1), lines: z.array(z.string()) }))
      .optional()
      .describe('Lines for /var/log/libvirt/qemu/<file>; `{instance}` is not expanded here.'),
    disks: z.array(diskPatch).optional().describe('Merged by device; an unknown device is added.'),
    memory: z
      .strictObject({
        availablePercent: z.number().min(0).max(100).optional(),
        swapTotalGb: z.number().min(0).optional(),
        swapUsedGb: z.number().min(0).optional(),
      })
      .optional(),
    filesystems: z
      .array(z.strictObject({ mount: z.string().startsWith('/'), usedPercent: z.number().min(0).max(100), sizeGb: z.number().positive().optional(), device: z.string().optional() }))
      .optional()
      .describe('Merged by mount point.'),
    containers: z.array(z.strictObject({ name: z.string().min(1), state: z.enum(['running', 'exited', 'restarting', 'created']) })).optional(),
    services: z.record(z.string(), z.enum(['active', 'inactive', 'failed'])).optional().describe('systemd unit states.'),
    cpuTemperaturesC: z.array(z.number()).optional(),
    virtualization: z
      .strictObject({
        vtx: z.boolean().optional(),
        vtd: z.boolean().optional(),
        x2apic: z.boolean().optional(),
        sriovTotalVfs: z.number().int().min(0).optional(),
        iommuDefaultDomain: z.enum(['Passthrough', 'Translated']).optional(),
      })
      .optional(),
    hugepages: z
      .strictObject({
        pageSize: z.enum(['2M', '1G']).default('1G'),
        total: z.number().int().min(0).describe('Pages of that size reserved at boot; 0 = none (a host installed without the hypervisor template).'),
      })
      .optional()
      .describe('/proc/meminfo and /sys/kernel/mm/hugepages.'),
    reboot: z
      .strictObject({
        minutesAgo: z.number().min(0).default(40).describe('How long before the fault appears the host booted.'),
        guests: z
          .enum(['shutoff', 'resumed'])
          .default('shutoff')
          .describe("The servers that were running: shutoff (Nova's power sync stops them, no user on record) or resumed (resume_guests_state_on_host_boot)."),
      })
      .optional()
      .describe('An unplanned reboot: uptime starts over, `last reboot` shows the new boot, dmesg keeps only what came after it.'),
  })
  .describe('Host-side facts to declare on a hypervisor.');

export const nodeFactsPatchSchema = z
  .strictObject({
    services: z
      .strictObject({ kubelet: z.enum(['active', 'inactive', 'failed']).optional(), containerd: z.enum(['active', 'inactive', 'failed']).optional() })
      .optional()
      .describe('kubelet and containerd unit states.'),
    containerdSocket: z.boolean().optional().describe('Whether /run/containerd/containerd.sock exists.'),
    swap: z.strictObject({ totalGb: z.number().positive(), usedGb: z.number().min(0).default(0) }).optional().describe('Swap turned on: free and /proc/swaps show it; kubelet refuses to start with it.'),
    reboot: z
      .strictObject({ minutesAgo: z.number().min(0).default(40).describe('How long before the fault appears the node booted.') })
      .optional()
      .describe('An unplanned reboot: uptime starts over and `last reboot` shows the new boot.'),
    interfaces: z
      .array(z.strictObject({ name: z.string().min(1), mtu: z.number().int().positive() }))
      .optional()
      .describe('MTU per interface, merged by name (the storage NIC is stor0, 9000 when healthy).'),
    failedPaths: z.number().int().min(0).optional().describe('Paths of the multipath map mpatha that are down (failed faulty).'),
    journal: z.array(z.strictObject({ unit: z.enum(['kubelet', 'kubeadm-join']), message: z.string().min(1) })).optional().describe('Journal messages logged when the fault appears.'),
  })
  .describe('Facts to declare on a Kubernetes node VM.');

const common = {
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'is not a kebab-case id')
    .optional()
    .describe('Names the fault so later faults can say sameAs: <id>; generated when omitted.'),
  at: z.number().min(0).default(0).describe('Seconds after the lab starts at which the fault appears.'),
  note: z.string().optional(),
};

const EVIDENCE = ['nvme-error-log', 'qcow2-refcount', 'hung-task', 'swap'] as const;

export const faultSchema = z.discriminatedUnion('kind', [
  z.strictObject({ ...common, kind: z.literal('vm-hang'), servers: serverSelectorSchema.prefault({}) }).describe('Ping answers, the SSH port accepts but never sends a banner.'),
  z.strictObject({ ...common, kind: z.literal('vm-down'), servers: serverSelectorSchema.prefault({}) }).describe('Neither ping nor SSH answers; Nova still says ACTIVE.'),
  z
    .strictObject({
      ...common,
      kind: z.literal('pm-hang'),
      hypervisor: hypervisorSelectorSchema.prefault({}),
      startedMinutesAgo: z.number().min(0).default(10).describe('When the host stopped reporting, before the fault appears.'),
      alarm: z.boolean().default(true).describe('Raise a PING_FAIL ticket.'),
    })
    .describe('The host and all its servers stop answering; nova-compute and the Neutron agents stop reporting (host_status UNKNOWN).'),
  z
    .strictObject({ ...common, kind: z.literal('kernel-oops'), servers: serverSelectorSchema.prefault({}), alarm: z.boolean().default(true) })
    .describe('A kernel oops in one qemu process on the host: that server hangs, the host is fine, SYS_KERNEL_PANIC ticket.'),
  z
    .strictObject({ ...common, kind: z.literal('server-error'), servers: serverSelectorSchema.prefault({}), message: z.string().min(1).default('internal error: process exited while connecting to monitor') })
    .describe('The server goes to ERROR with this fault message.'),
  z
    .strictObject({
      ...common,
      kind: z.literal('unrequested-shutoff'),
      servers: serverSelectorSchema.prefault({}),
      flaps: z.number().int().min(0).default(0).describe('Earlier host-initiated stop/start cycles on record.'),
      overDays: z.number().positive().default(30).describe('Spread the earlier cycles over this many past days.'),
      evidence: z.array(z.enum(EVIDENCE)).default([]).describe('Host-side evidence to declare on its hypervisor.'),
      minutesAgo: z.number().min(0).default(0).describe('How long before the fault appears the stop happened (a Kubernetes node on it is NotReady at once when this exceeds the 40 s grace period).'),
    })
    .describe("Nova's power sync stops the server (instance action stop with no user, compute_stop_instance)."),
  z
    .strictObject({
      ...common,
      kind: z.literal('stuck-task'),
      servers: serverSelectorSchema.prefault({}),
      taskState: z.enum(['powering-on', 'powering-off', 'rebooting', 'rebooting_hard', 'reboot_started_hard', 'spawning', 'deleting', 'migrating']).default('powering-on'),
      sinceMinutes: z.number().positive().default(180),
    })
    .describe('The task state stays put past any reasonable limit.'),
  z
    .strictObject({
      ...common,
      kind: z.literal('agent-down'),
      hypervisor: hypervisorSelectorSchema.prefault({}),
      containers: z.array(z.string().min(1)).min(1).default(['nova-compute', 'neutron-dhcp-agent', 'neutron-metadata-agent', 'neutron-linuxbridge-agent']),
      startedMinutesAgo: z.number().min(0).default(10),
      persistent: z.boolean().default(false).describe('The containers exit again right after every restart (a broken image or config): no remedy brings them back.'),
    })
    .describe('These agent containers exit; the matching Nova service and Neutron agents stop reporting. Restarting the runtime (or the compose project) brings them back unless persistent.'),
  z
    .strictObject({
      ...common,
      kind: z.literal('alarm'),
      hypervisor: hypervisorSelectorSchema.prefault({}),
      code: z.enum(ALARM_CODES),
      count: z.number().int().min(1).default(1).describe('Ticket count (how often the alarm repeated).'),
      message: z.string().optional(),
      location: z.string().optional(),
    })
    .describe('A ticket in the alarm feed.'),
  z.strictObject({ ...common, kind: z.literal('host-facts'), hypervisor: hypervisorSelectorSchema.prefault({}), facts: hostFactsPatchSchema }).describe('Declares host-side facts.'),
  z
    .strictObject({
      ...common,
      kind: z.literal('guest-async-pf-panic'),
      servers: serverSelectorSchema.prefault({}),
      process: z
        .string()
        .regex(/^\S{1,15}$/, 'is not a kernel task name (at most 15 characters, no spaces)')
        .default('unattended-upgr')
        .describe('The guest task that took the fault (`Comm:`), as the kernel truncates it.'),
      evidence: z.array(z.enum(EVIDENCE)).default(['hung-task']).describe('How the storage stall shows on the hypervisor.'),
    })
    .describe('The guest kernel panics with "Host injected async #PF in kernel mode": the host\'s storage stalled under it. Ping and SSH dropped, Nova still says ACTIVE.'),
  z
    .strictObject({
      ...common,
      kind: z.literal('root-mount-panic'),
      servers: serverSelectorSchema.prefault({}),
      kernel: z
        .string()
        .regex(/^\d+\.\d+\.\d+-\d+-generic$/, 'is not an Ubuntu kernel release such as 5.15.0-92-generic')
        .default('5.15.0-92-generic')
        .describe('The kernel the update installed (without its initramfs).'),
    })
    .describe('After an update the guest rebooted into a kernel that cannot mount its root filesystem ("VFS: Unable to mount root fs on unknown-block(0,0)"). Ping and SSH dropped, Nova still says ACTIVE.'),
  z
    .strictObject({
      ...common,
      kind: z.literal('calico-crashloop'),
      servers: serverSelectorSchema.prefault({ role: 'k8s-worker' }),
      restarts: z.number().int().min(1).default(14).describe('Restarts on record when the fault appears; one more every five minutes after.'),
      sinceMinutes: z.number().min(1).default(70).describe('How long it has been crashing when the fault appears.'),
    })
    .describe("calico-node on these servers' nodes crash-loops: confd wrote no bird.cfg, so bird cannot start (its log says so) and the readiness probe fails."),
  z
    .strictObject({ ...common, kind: z.literal('node-facts'), servers: serverSelectorSchema.prefault({ role: 'k8s-worker' }), facts: nodeFactsPatchSchema })
    .describe("Declares facts on these Kubernetes node VMs (what SSH on the node shows); a kubelet that is not active stops the node's heartbeats."),
  z
    .strictObject({ ...common, kind: z.literal('node-not-joined'), servers: serverSelectorSchema.prefault({ role: 'k8s-worker' }) })
    .describe('The server is ACTIVE but never joined its cluster: no Node object (kubeadm join failed its preflight because containerd was not running).'),
  z
    .strictObject({
      ...common,
      kind: z.literal('kubelet-version-skew'),
      servers: serverSelectorSchema.prefault({ role: 'k8s-worker' }),
      minorsBehind: z.number().int().min(1).max(5).default(3).describe("How many minor releases the kubelet is behind the cluster's control plane."),
    })
    .describe("These nodes' kubelets run an older release than the rest of their cluster."),
  z
    .strictObject({ ...common, kind: z.literal('control-plane-workload'), servers: serverSelectorSchema.prefault({ role: 'k8s-control-plane' }) })
    .describe("In this control-plane server's cluster a team Deployment tolerates the control-plane taint and runs on the masters (the workaround for lost workers)."),
  z
    .strictObject({ ...common, kind: z.literal('service-endpoints'), servers: serverSelectorSchema.prefault({ role: 'k8s-worker' }) })
    .describe("In this server's cluster a Service has no ready endpoints (its pods fail readiness) and the team API Service is partly available (one of three pods not ready)."),
  z
    .strictObject({ ...common, kind: z.literal('workload-failures'), servers: serverSelectorSchema.prefault({ role: 'k8s-worker' }) })
    .describe("In this server's cluster a Job failed (backoff limit reached), a CronJob is suspended and a PersistentVolumeClaim is Pending on a StorageClass that does not exist."),
  z
    .strictObject({
      ...common,
      kind: z.literal('rollout-lag'),
      servers: serverSelectorSchema.prefault({ role: 'k8s-worker' }),
      days: z.number().min(0).max(365).default(12).describe('How many days ago the canary moved to the release the stable stage never got.'),
    })
    .describe("In this server's cluster the team's orders canary runs a newer release than its stable (blue-green) stage, since `days` ago."),
  z
    .strictObject({ ...common, kind: z.literal('unused-services'), servers: serverSelectorSchema.prefault({ role: 'k8s-worker' }) })
    .describe("In this server's cluster an HTTP Service nobody called for 7 days, a Kafka consumer that consumed nothing and a CronJob suspended for a month, beside a workload two days old, one scaled on a schedule and a busy consumer (the lab's Prometheus history says so)."),
]);

const faultRef = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'is not a fault id');

/** `40d`, `30h`, `19d23h20m`: how long before the present. */
export const AGO = /^(?=\d)(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$/;

/** Milliseconds in an `ago` text, which the schema has checked. */
export function agoMs(text: string): number {
  const m = AGO.exec(text);
  if (!m) throw new Error(`not a duration: ${text}`);
  return ((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 60_000;
}

export const pastMomentSchema = z
  .strictObject({
    ago: z.string().regex(AGO, 'is not a duration before the present such as 40d, 30h or 19d23h20m').describe('How long before the present this moment is.'),
    note: z.string().optional(),
    faults: z.array(faultSchema).default([]).describe('Faults that appear at this moment (their `at` must be left out).'),
    counts: z
      .array(z.strictObject({ fault: faultRef, count: z.number().int().min(1) }))
      .default([])
      .describe("The count the feed shows from now on for the tickets of an earlier alarm fault (the monitoring system's repeat count grew)."),
    clear: z.array(faultRef).default([]).describe('Faults that end at this moment: their tickets close, their servers get their earlier state back.'),
    forget: z
      .array(faultRef)
      .default([])
      .describe("The feed stops listing these faults' tickets, as a ticket export that keeps only open and recent tickets does."),
    ownerStarts: z
      .array(faultRef)
      .default([])
      .describe("The servers of these faults are started by their owner (a user's start on Nova's record), which ends the fault."),
    operator: z
      .array(z.strictObject({ command: z.enum(['restart', 'start', 'stop']), fault: faultRef }))
      .default([])
      .describe('Operator commands the replay runs at this moment, through faultline itself (`faultline <command> <server> --yes`) on each server of the fault, so the store records them.'),
    scan: z.boolean().default(true).describe('Whether the replay runs `faultline scan --record` at this moment, after its changes and commands.'),
  })
  .describe('One moment of the past the lab replays.');

export const scenarioSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'is not a kebab-case name'),
  title: z.string().min(1),
  description: z.string().min(1),
  covers: z.array(z.string().min(1)).default([]).describe('Catalog detectors and runbooks the scenario exercises.'),
  fleet: z
    .strictObject({
      seed: z.union([z.string(), z.number()]).default('faultline'),
      size: z.union([z.enum(['small', 'medium', 'large']), z.strictObject({ regions: z.number().int().min(1), hypervisors: z.number().int().min(1), servers: z.number().int().min(0) })]).default('small'),
      baseline: z.enum(['healthy', 'realistic']).default('healthy').describe('healthy: every server ACTIVE, no history; realistic: the generator’s background noise.'),
    })
    .prefault({}),
  faults: z.array(faultSchema).default([]).describe('Faults of the present (after the past, if any); `at` counts from the present.'),
  past: z
    .array(pastMomentSchema)
    .default([])
    .describe(
      'Earlier moments, oldest first or not: the lab starts its clock before the oldest, and a replay (`faultline lab --age`, or the aged-scenario test) moves the clock to each moment and records a real scan there, so the store holds the history the memory rules read.',
    ),
});

export type HypervisorSelector = z.infer<typeof hypervisorSelectorSchema>;
export type ServerSelector = z.infer<typeof serverSelectorSchema>;
export type FaultSpec = z.infer<typeof faultSchema>;
export type FaultInput = z.input<typeof faultSchema>;
export type FaultKind = FaultSpec['kind'];
export type HostFactsPatch = z.infer<typeof hostFactsPatchSchema>;
export type NodeFactsPatch = z.infer<typeof nodeFactsPatchSchema>;
export type Scenario = z.infer<typeof scenarioSchema>;
export type PastMoment = z.infer<typeof pastMomentSchema>;
export type AlarmCode = (typeof ALARM_CODES)[number];
export type ShutoffEvidence = (typeof EVIDENCE)[number];
