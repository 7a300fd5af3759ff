import type { Finding } from '../core/findings.js';

/**
 * What one finding means for correlation (catalog §7): a cause on a hypervisor,
 * a symptom on a server, a Kubernetes symptom, or hygiene that explains nothing
 * and is never an incident by itself.
 *
 * Host causes come in families; a family says which symptoms it can explain and
 * which runbook case it leads to. The table is keyed by detector and, where one
 * detector reports different things, by message id.
 */
export type HostFamily =
  /** The host does not answer: everything on it is down with it (§4.4). */
  | 'hung'
  /** A part that needs power work now (§4.8) or a disk that lost data (§4.9). */
  | 'part-urgent'
  | 'disk-data-loss'
  /** Faults under the guests that make Nova stop them or the guests panic (seed 002). */
  | 'storage'
  | 'memory'
  | 'heat'
  | 'reboot'
  /** nova-compute or the agents are not running while the host answers (§4.10). */
  | 'agents'
  /** A VM process died in the host kernel; one server is affected (§4.5). */
  | 'guest-oops'
  /** Hardware alarms handled in daytime (§4.6, §4.7). */
  | 'part-needs-judgement'
  | 'part-non-urgent'
  /** Three or more servers affected and nothing else explains it (§1, §5.5.3). */
  | 'mass-impact';

export type Role =
  | { readonly kind: 'host-cause'; readonly family: HostFamily }
  | { readonly kind: 'server-symptom'; readonly symptom: ServerSymptom }
  | { readonly kind: 'kubernetes' }
  | { readonly kind: 'hygiene' };

export type ServerSymptom =
  /** Does not serve: no ping, ssh refused or hanging. */
  | 'unreachable'
  | 'error'
  /** Stopped by Nova or the host, not by a user. */
  | 'host-stopped'
  | 'guest-panic'
  /** The guest's own disk image or root filesystem is broken: the server's own fault. */
  | 'image-damaged'
  | 'stuck-task';

const cause = (family: HostFamily): Role => ({ kind: 'host-cause', family });
const symptom = (s: ServerSymptom): Role => ({ kind: 'server-symptom', symptom: s });
const HYGIENE: Role = { kind: 'hygiene' };
const KUBERNETES: Role = { kind: 'kubernetes' };

/** By detector id, then optionally by message id. */
const ROLES: Readonly<Record<string, Role | Readonly<Record<string, Role>>>> = {
  'hypervisor-down': { pingFailed: cause('hung'), sshFailed: cause('hung'), forcedDown: cause('agents'), serviceDown: cause('agents'), serviceDisabled: HYGIENE },
  'hypervisor-mass-impact': cause('mass-impact'),
  'compute-agents-down': cause('agents'),
  'network-agents-down': cause('agents'),
  'part-urgent': cause('part-urgent'),
  'disk-data-loss': cause('disk-data-loss'),
  'part-needs-judgement': cause('part-needs-judgement'),
  'part-non-urgent': cause('part-non-urgent'),
  'nvme-error-log': cause('storage'),
  'smart-failing': cause('storage'),
  'io-errors': cause('storage'),
  'hung-task': cause('storage'),
  'qcow2-refcount-errors': cause('storage'),
  'oom-kill': cause('memory'),
  'memory-pressure': cause('memory'),
  'cpu-overheat': cause('heat'),
  'unexpected-reboot': cause('reboot'),
  'kernel-oops-qemu': cause('guest-oops'),
  'server-unreachable': { pingFailed: symptom('unreachable'), sshFailed: symptom('unreachable'), sshHang: symptom('unreachable'), pingBlocked: HYGIENE, notProbed: HYGIENE },
  'server-error': symptom('error'),
  'server-unrequested-shutoff': symptom('host-stopped'),
  'server-shutoff-flapping': symptom('host-stopped'),
  'guest-async-pf-panic': symptom('guest-panic'),
  'root-mount-panic': symptom('image-damaged'),
  'server-stuck-task': symptom('stuck-task'),
  'swap-enabled': HYGIENE,
  'filesystem-full': HYGIENE,
  'smr-disk-hot-path': HYGIENE,
  'virtualization-misconfigured': HYGIENE,
  // Kubernetes: a node's own trouble and the pods that keep a cluster alive follow the VM behind the node.
  'node-not-ready': KUBERNETES,
  'node-never-joined': KUBERNETES,
  'kubelet-down': KUBERNETES,
  'container-runtime-down': KUBERNETES,
  'node-network': KUBERNETES,
  'system-pod-unhealthy': KUBERNETES,
  'static-pod-unhealthy': KUBERNETES,
  'pod-crashloop': KUBERNETES,
  'pod-failed': KUBERNETES,
};

export function roleOf(finding: Pick<Finding, 'detectorId' | 'messageId' | 'resource'>): Role {
  const entry = ROLES[finding.detectorId];
  if (entry === undefined) {
    // Detectors this table does not know: a node or pod finding follows its node; the rest (workloads,
    // Services, claims, hygiene) explains nothing below it and stays a finding.
    return finding.resource.kind === 'node' || finding.resource.kind === 'pod' ? KUBERNETES : HYGIENE;
  }
  if ('kind' in entry) return entry as Role;
  return (entry as Readonly<Record<string, Role>>)[finding.messageId] ?? HYGIENE;
}

/**
 * Which server symptoms a host family explains. A hung host explains all of them;
 * the storage, memory, heat and reboot families explain what seed 002 saw them do
 * (servers stopped under the guest, guests panicking, then unreachable); agents
 * only leave tasks hanging. An image or root filesystem that is damaged stays the
 * server's own incident.
 */
export const EXPLAINS: Readonly<Record<HostFamily, ReadonlySet<ServerSymptom>>> = {
  hung: new Set(['unreachable', 'error', 'host-stopped', 'guest-panic', 'stuck-task']),
  'part-urgent': new Set(['unreachable', 'error', 'host-stopped', 'guest-panic', 'stuck-task']),
  'disk-data-loss': new Set(['unreachable', 'error', 'host-stopped', 'guest-panic', 'stuck-task', 'image-damaged']),
  storage: new Set(['host-stopped', 'guest-panic', 'unreachable', 'error']),
  memory: new Set(['host-stopped', 'guest-panic', 'unreachable']),
  heat: new Set(['host-stopped', 'unreachable']),
  reboot: new Set(['host-stopped', 'unreachable']),
  agents: new Set(['stuck-task', 'error']),
  'guest-oops': new Set(),
  'part-needs-judgement': new Set(),
  'part-non-urgent': new Set(),
  'mass-impact': new Set(['unreachable', 'error', 'host-stopped', 'guest-panic', 'stuck-task']),
};

/**
 * Families in the order they claim a host's findings: the first present is the
 * root, and it takes over the findings of the families it subsumes. A failed part
 * that hung the host is the root of the hang; a hung host makes its agents' state
 * moot; among the causes under the guests storage comes first, because seed 002's
 * memory pressure and heat were consequences of the stalled disk.
 */
export const FAMILY_ORDER: readonly HostFamily[] = [
  'disk-data-loss',
  'part-urgent',
  'hung',
  'storage',
  'memory',
  'heat',
  'reboot',
  'agents',
  'mass-impact',
  'guest-oops',
  'part-needs-judgement',
  'part-non-urgent',
];

/** Families one root absorbs into its incident when they are on the same host. */
export const ABSORBS: Readonly<Record<HostFamily, ReadonlySet<HostFamily>>> = {
  'disk-data-loss': new Set(['storage', 'hung', 'mass-impact', 'agents', 'memory', 'heat', 'reboot', 'part-needs-judgement', 'part-non-urgent']),
  'part-urgent': new Set(['hung', 'mass-impact', 'agents', 'heat', 'reboot']),
  hung: new Set(['agents', 'mass-impact', 'reboot']),
  storage: new Set(['memory', 'heat', 'reboot', 'mass-impact']),
  memory: new Set(['heat', 'reboot', 'mass-impact']),
  heat: new Set(['reboot', 'mass-impact']),
  reboot: new Set(['mass-impact']),
  agents: new Set(),
  'mass-impact': new Set(),
  'guest-oops': new Set(),
  'part-needs-judgement': new Set(),
  'part-non-urgent': new Set(),
};
