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
  role: z.enum(['hypervisor', 'node']).optional().describe('what the host is: a hypervisor (host-ssh) or a Kubernetes node VM (node-ssh)'),
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
  containerdSocket: z.boolean().optional().describe('whether /run/containerd/containerd.sock exists (kubelet nodes); `services` carries the kubelet and containerd unit states'),
  interfaces: z
    .array(
      z.object({
        name: z.string(),
        mtu: z.number().int().positive(),
        up: z.boolean().optional(),
        role: z.enum(['storage', 'service', 'management', 'other']).optional().describe('what the network carries, from the host config or the interface naming rule'),
        addresses: z.array(z.string()).default([]),
      }),
    )
    .optional(),
  multipath: z
    .array(
      z.object({
        device: z.string().describe('the multipath map, e.g. mpatha'),
        wwid: z.string().optional(),
        paths: z.array(z.object({ device: z.string(), state: z.string().describe('multipath -ll path state: active, failed, faulty, …'), dmState: z.string().optional() })).default([]),
      }),
    )
    .optional()
    .describe('multipath -ll'),
  iscsi: z
    .object({
      nodes: z.array(z.object({ target: z.string(), portal: z.string() })).default([]).describe('iscsiadm -m node: the targets the host is configured to log in to'),
      sessions: z.array(z.object({ target: z.string(), portal: z.string(), state: z.string().optional() })).default([]).describe('iscsiadm -m session'),
    })
    .optional(),
  nodeJoinErrors: z.array(z.string()).optional().describe('error lines from the node join (kubeadm join preflight), as the join log printed them'),
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
  hardware: z
    .object({
      model: z.string().min(1).optional().describe('vendor model, e.g. R630 (compared without case, spaces or punctuation)'),
      memoryGiB: z.number().positive().optional().describe('memory module size in GiB, as the spare names write it (m16g2133: 16)'),
      memoryMHz: z.number().positive().optional().describe('memory clock in MHz (m16g2133: 2133)'),
      disk: z.enum(['nvme', 'ssd']).optional(),
      diskGB: z.number().positive().optional().describe('disk size in GB (nvme1920: 1920)'),
    })
    .optional()
    .describe('for a hypervisor: the box, which a spare must match (runbook §7)'),
  warrantyUntil: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}/, 'is not an ISO date')
    .optional()
    .describe('for a hypervisor: last day of the vendor warranty (RMA); after it a swapped box is re-procured by its owner'),
});

const k8sConditionSchema = z.object({ type: z.string(), status: z.string(), reason: z.string().optional(), message: z.string().optional(), lastHeartbeatTime: z.string().optional(), lastTransitionTime: z.string().optional() });
const labels = z.record(z.string(), z.string()).default({});
const ownerRefSchema = z.object({ kind: z.string(), name: z.string() }).describe('the controlling owner reference');
const tolerationSchema = z.object({ key: z.string().optional(), operator: z.string().optional(), value: z.string().optional(), effect: z.string().optional() });
/** Resource quantities normalised from Kubernetes' strings ("250m", "1Gi") so detectors add numbers. */
const quantitiesSchema = z
  .object({ cpuMillicores: z.number().nonnegative().optional(), memoryBytes: z.number().nonnegative().optional() })
  .default({})
  .describe('CPU in millicores, memory in bytes; an absent field was not set');

/** What the Kubernetes collector lists per cluster; a kind in `unlisted` was not read (forbidden, not served, timed out). */
export const KUBERNETES_KINDS = [
  'nodes',
  'leases',
  'pods',
  'workloads',
  'services',
  'endpointSlices',
  'persistentVolumeClaims',
  'ingresses',
  'admissionWebhooks',
  'events',
  'apiUsage',
] as const;
export type KubernetesKind = (typeof KUBERNETES_KINDS)[number];

export const kubernetesNodeSchema = z.object({
  name: z.string(),
  providerId: z.string().optional().describe('spec.providerID; `openstack:///<server uuid>` maps the node to its server'),
  internalIp: z.string().optional(),
  addresses: z.array(z.object({ type: z.string().describe('InternalIP, ExternalIP, Hostname'), address: z.string() })).default([]),
  labels,
  kubeletVersion: z.string().optional(),
  containerRuntimeVersion: z.string().optional().describe('e.g. containerd://1.7.13'),
  roles: z.array(z.string()).default([]),
  conditions: z.array(k8sConditionSchema).default([]),
  unschedulable: z.boolean().optional(),
  taints: z.array(z.object({ key: z.string(), value: z.string().optional(), effect: z.string() })).default([]),
  lastHeartbeat: nullableTime.optional().describe('renewTime of the node\'s Lease in kube-node-lease; null when the Lease is missing'),
  createdAt: isoTime.optional(),
});

const probeKinds = z.object({ liveness: z.boolean().default(false), readiness: z.boolean().default(false), startup: z.boolean().default(false) }).default({ liveness: false, readiness: false, startup: false });

export const kubernetesContainerSchema = z.object({
  name: z.string(),
  image: z.string().optional(),
  requests: quantitiesSchema,
  limits: quantitiesSchema,
  probes: probeKinds.describe('which probes the container declares'),
});

export const kubernetesContainerStatusSchema = z.object({
  name: z.string(),
  ready: z.boolean().default(false),
  restartCount: z.number().int().nonnegative().default(0),
  state: z.enum(['waiting', 'running', 'terminated', 'unknown']).default('unknown'),
  reason: z.string().optional().describe('the waiting or terminated reason: CrashLoopBackOff, ImagePullBackOff, OOMKilled, Error, …'),
  message: z.string().optional(),
  exitCode: z.number().int().optional(),
  lastTerminationReason: z.string().optional().describe('why the previous run ended (lastState.terminated.reason)'),
  lastExitCode: z.number().int().optional(),
  startedAt: isoTime.optional(),
});

export const kubernetesPodSchema = z.object({
  namespace: z.string(),
  name: z.string(),
  nodeName: z.string().optional(),
  phase: z.string().describe('Pending, Running, Succeeded, Failed, Unknown'),
  reason: z.string().optional().describe('status.reason, e.g. Evicted, NodeLost'),
  message: z.string().optional(),
  ready: z.boolean().optional(),
  restarts: z.number().default(0).describe('sum of the containers\' restart counts'),
  waitingReason: z.string().optional().describe('the first waiting reason among the containers'),
  staticPod: z.boolean().optional().describe('a mirror pod of a static manifest (/etc/kubernetes/manifests), annotation kubernetes.io/config.mirror'),
  tolerations: z.array(tolerationSchema).default([]),
  labels,
  owner: ownerRefSchema.optional(),
  createdAt: isoTime.optional(),
  startTime: isoTime.optional(),
  containers: z.array(kubernetesContainerSchema).default([]),
  containerStatuses: z.array(kubernetesContainerStatusSchema).default([]),
});

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob'] as const;

export const kubernetesWorkloadSchema = z.object({
  kind: z.enum(WORKLOAD_KINDS),
  namespace: z.string(),
  name: z.string(),
  labels,
  annotations: labels,
  owner: ownerRefSchema.optional(),
  createdAt: isoTime.optional(),
  selector: z.record(z.string(), z.string()).optional().describe('spec.selector.matchLabels'),
  desired: z.number().int().nonnegative().optional().describe('spec.replicas; desiredNumberScheduled for a DaemonSet; completions for a Job'),
  ready: z.number().int().nonnegative().optional().describe('readyReplicas; numberReady for a DaemonSet'),
  available: z.number().int().nonnegative().optional().describe('availableReplicas; numberAvailable for a DaemonSet'),
  updated: z.number().int().nonnegative().optional().describe('updatedReplicas; updatedNumberScheduled for a DaemonSet'),
  misscheduled: z.number().int().nonnegative().optional().describe('numberMisscheduled (DaemonSet)'),
  /** Job status. */
  active: z.number().int().nonnegative().optional(),
  succeeded: z.number().int().nonnegative().optional(),
  failed: z.number().int().nonnegative().optional(),
  backoffLimit: z.number().int().nonnegative().optional(),
  conditions: z.array(k8sConditionSchema).default([]).describe('e.g. a Job\'s Failed/BackoffLimitExceeded, a Deployment\'s Progressing'),
  /** CronJob spec and status. */
  schedule: z.string().optional(),
  timeZone: z.string().optional(),
  suspend: z.boolean().optional(),
  lastScheduleTime: isoTime.optional(),
  tolerations: z.array(tolerationSchema).default([]).describe('the pod template\'s tolerations'),
  containers: z
    .array(z.object({ name: z.string(), image: z.string().optional() }))
    .default([])
    .describe('the pod template\'s containers and their images (spec.template.spec.containers; a CronJob\'s from its Job template)'),
  podRequests: quantitiesSchema.describe('requests of one pod of the template, summed over its containers'),
});

export const kubernetesServiceSchema = z.object({
  namespace: z.string(),
  name: z.string(),
  type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']).default('ClusterIP'),
  selector: z.record(z.string(), z.string()).nullable().default(null).describe('null: no selector, endpoints are managed by hand'),
  clusterIp: z.string().optional().describe('"None" for a headless Service'),
  ports: z.array(z.object({ name: z.string().optional(), port: z.number().int(), targetPort: z.union([z.number().int(), z.string()]).optional(), protocol: z.string().default('TCP') })).default([]),
  labels,
  annotations: labels,
  createdAt: isoTime.optional(),
});

const endpointAddressSchema = z.object({ ip: z.string(), pod: z.string().optional(), nodeName: z.string().optional() });

export const kubernetesEndpointsSchema = z
  .object({
    namespace: z.string(),
    service: z.string(),
    ready: z.array(endpointAddressSchema).default([]),
    notReady: z.array(endpointAddressSchema).default([]),
  })
  .describe('the addresses of every EndpointSlice of one Service (label kubernetes.io/service-name), by readiness');

export const kubernetesPvcSchema = z.object({
  namespace: z.string(),
  name: z.string(),
  phase: z.enum(['Pending', 'Bound', 'Lost']),
  storageClass: z.string().optional(),
  volumeName: z.string().optional(),
  requestedBytes: z.number().nonnegative().optional(),
  createdAt: isoTime.optional(),
});

export const kubernetesIngressSchema = z.object({
  namespace: z.string(),
  name: z.string(),
  ingressClass: z.string().optional(),
  backends: z
    .array(z.object({ service: z.string(), port: z.union([z.number().int(), z.string()]).optional(), host: z.string().optional(), path: z.string().optional() }))
    .default([])
    .describe('every Service the rules and the default backend send to'),
});

export const kubernetesWebhookSchema = z.object({
  kind: z.enum(['validating', 'mutating']),
  configuration: z.string().describe('the ValidatingWebhookConfiguration or MutatingWebhookConfiguration'),
  name: z.string().describe('the webhook within it'),
  failurePolicy: z.enum(['Fail', 'Ignore']).default('Fail'),
  service: z.object({ namespace: z.string(), name: z.string(), port: z.number().int().optional() }).optional(),
  url: z.string().optional().describe('a webhook called by URL instead of through a Service'),
});

export const kubernetesEventSchema = z.object({
  namespace: z.string(),
  type: z.string(),
  reason: z.string(),
  message: z.string(),
  object: z.string().describe('Kind/name of the involved object'),
  count: z.number().default(1),
  firstTimestamp: z.string().optional(),
  lastTimestamp: z.string().optional(),
});

export const kubernetesApiUsageSchema = z
  .object({
    group: z.string().describe('"" for the core group'),
    version: z.string(),
    resource: z.string().describe('plural resource name, e.g. cronjobs'),
    requests: z.number().nonnegative().optional().describe('requests counted by the apiserver (apiserver_requested_deprecated_apis or the audit log)'),
    objects: z.number().int().nonnegative().optional().describe('objects stored at that version, when counted from manifests'),
    removedRelease: z.string().optional().describe('the apiserver\'s removed_release label, e.g. 1.25'),
  })
  .describe('an API group/version/resource the cluster\'s clients still use');

export const kubernetesClusterSchema = z.object({
  name: z.string().describe('the kubeconfig context / cluster name'),
  serverVersion: z.string().optional().describe('the apiserver\'s gitVersion, e.g. v1.29.4'),
  collection: z
    .object({
      status: z.enum(['ok', 'partial', 'failed']).default('ok'),
      error: z.string().optional().describe('why the cluster could not be read (unreachable, 401, timeout)'),
      collectedAt: isoTime.optional(),
      unlisted: z.array(z.enum(KUBERNETES_KINDS)).default([]).describe('kinds not read in this cluster; their lists below are empty for that reason'),
      warnings: z.array(z.string()).default([]),
    })
    .default({ status: 'ok', unlisted: [], warnings: [] })
    .describe('how reading this one cluster went; a failed cluster carries no objects'),
  nodes: z.array(kubernetesNodeSchema).default([]),
  pods: z.array(kubernetesPodSchema).default([]),
  workloads: z.array(kubernetesWorkloadSchema).default([]),
  services: z.array(kubernetesServiceSchema).default([]),
  endpoints: z.array(kubernetesEndpointsSchema).default([]),
  persistentVolumeClaims: z.array(kubernetesPvcSchema).default([]),
  ingresses: z.array(kubernetesIngressSchema).default([]),
  admissionWebhooks: z.array(kubernetesWebhookSchema).default([]),
  events: z.array(kubernetesEventSchema).default([]),
  apiUsage: z.array(kubernetesApiUsageSchema).default([]),
});

export const PROMETHEUS_SIGNALS = ['httpRequests', 'kafkaConsumption', 'cronjobSuspended'] as const;
export type PrometheusSignal = (typeof PROMETHEUS_SIGNALS)[number];

export const prometheusSignalSchema = z.object({
  cluster: z.string(),
  signal: z.enum(PROMETHEUS_SIGNALS).describe('httpRequests: istio_requests_total; kafkaConsumption: kafka_consumer_fetch_manager_records_consumed_rate; cronjobSuspended: kube_cronjob_spec_suspend'),
  query: z.string().describe('the PromQL that was sent'),
  status: z.enum(['ok', 'failed']),
  error: z.string().optional(),
  metricPresent: z
    .boolean()
    .describe('whether the metric has any series in this cluster over the window; without it an absent series says nothing'),
  results: z
    .array(
      z.object({
        namespace: z.string(),
        service: z.string().optional().describe('destination Service (httpRequests)'),
        workload: z.string().optional().describe('workload name (cronjobSuspended: the CronJob)'),
        consumerGroup: z.string().optional().describe('Kafka consumer group (kafkaConsumption)'),
        value: z.number(),
      }),
    )
    .default([])
    .describe('one value per series the query returned; a Service with no row had no series'),
});

export const prometheusSchema = z
  .object({
    windowDays: z.number().positive().default(7),
    evaluatedAt: isoTime.optional(),
    signals: z.array(prometheusSignalSchema).default([]),
  })
  .describe('what the unused-service PromQL signals said per cluster over the window');

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
        alarmTicket: z.string().nullable().optional().describe('the alarm ticket the spell was opened by, when its finding came from the alarm feed'),
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
    prometheus: prometheusSchema.default({ windowDays: 7, signals: [] }),
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
export type KubernetesNode = z.output<typeof kubernetesNodeSchema>;
export type KubernetesPod = z.output<typeof kubernetesPodSchema>;
export type KubernetesContainer = z.output<typeof kubernetesContainerSchema>;
export type KubernetesWorkload = z.output<typeof kubernetesWorkloadSchema>;
export type KubernetesService = z.output<typeof kubernetesServiceSchema>;
export type KubernetesEndpoints = z.output<typeof kubernetesEndpointsSchema>;
export type KubernetesEvent = z.output<typeof kubernetesEventSchema>;
export type PrometheusSection = z.output<typeof prometheusSchema>;
export type PrometheusSignalResult = z.output<typeof prometheusSignalSchema>;
export type History = z.output<typeof historySchema>;
export type CollectionOutcome = z.output<typeof collectionOutcomeSchema>;

export function snapshotJsonSchema(): unknown {
  return z.toJSONSchema(snapshotSchema, { io: 'input', target: 'draft-2020-12' });
}
