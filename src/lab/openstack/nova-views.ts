import { createHash } from 'node:crypto';
import type { LabComputeService, LabFlavor, LabHypervisor, LabImage, LabServer } from '../fleet/types.js';
import type { LabInstanceAction, LabState } from './state.js';
import { isoMicros, isoSeconds } from './time-format.js';

/**
 * How Nova renders its resources, per microversion and per role. `mv` is the minor
 * part of the negotiated 2.x version; `admin` decides the admin-only attributes.
 */
export interface ViewContext {
  mv: number;
  admin: boolean;
  /** `http://127.0.0.1:<port>[/<region>]/compute`: the root of self and bookmark links. */
  computeRoot: string;
}

/** vm_state → task_state → status, as Nova maps them (the subset the lab produces). */
const STATUS_MAP: Record<string, Record<string, string>> = {
  active: {
    default: 'ACTIVE',
    rebooting: 'REBOOT',
    reboot_pending: 'REBOOT',
    reboot_started: 'REBOOT',
    rebooting_hard: 'HARD_REBOOT',
    reboot_pending_hard: 'HARD_REBOOT',
    reboot_started_hard: 'HARD_REBOOT',
    rebuilding: 'REBUILD',
    migrating: 'MIGRATING',
  },
  building: { default: 'BUILD' },
  stopped: { default: 'SHUTOFF', rebuilding: 'REBUILD' },
  error: { default: 'ERROR', rebuilding: 'REBUILD' },
  paused: { default: 'PAUSED' },
  suspended: { default: 'SUSPENDED' },
  shelved_offloaded: { default: 'SHELVED_OFFLOADED' },
};

export function serverStatus(server: LabServer): string {
  const byTask = STATUS_MAP[server.vmState];
  if (!byTask) return 'UNKNOWN';
  return (server.taskState !== null ? byTask[server.taskState] : undefined) ?? byTask.default ?? 'UNKNOWN';
}

/**
 * The vm_state/task_state pairs a `status` filter selects. A status that is some
 * vm_state's default selects that vm_state whatever its task (Nova's own quirk:
 * `status=ACTIVE` also returns servers that are rebooting).
 */
export function statusFilter(statuses: readonly string[]): { vmState: string; taskStates: (string | null)[] | null }[] {
  const wanted = new Set(statuses.map((s) => s.trim().toUpperCase()));
  const out: { vmState: string; taskStates: (string | null)[] | null }[] = [];
  for (const [vmState, byTask] of Object.entries(STATUS_MAP)) {
    if (byTask.default !== undefined && wanted.has(byTask.default)) {
      out.push({ vmState, taskStates: null });
      continue;
    }
    const tasks = Object.entries(byTask)
      .filter(([task, status]) => task !== 'default' && wanted.has(status))
      .map(([task]) => task);
    if (tasks.length) out.push({ vmState, taskStates: tasks });
  }
  return out;
}

const hostIds = new Map<string, string>();

/** Nova's hostId: sha224 of project id + host, so projects cannot compare hosts. */
function hostId(server: LabServer): string {
  if (!server.host) return '';
  const key = server.projectId + server.host;
  let id = hostIds.get(key);
  if (id === undefined) {
    id = createHash('sha224').update(key).digest('hex');
    if (hostIds.size < 500_000) hostIds.set(key, id);
  }
  return id;
}

function links(ctx: ViewContext, collection: string, id: string): { rel: string; href: string }[] {
  return [
    { rel: 'self', href: `${ctx.computeRoot}/v2.1/${collection}/${id}` },
    { rel: 'bookmark', href: `${ctx.computeRoot}/${collection}/${id}` },
  ];
}

export function serverSummary(ctx: ViewContext, server: LabServer): Record<string, unknown> {
  return { id: server.id, links: links(ctx, 'servers', server.id), name: server.name };
}

const PROGRESS_STATUSES = new Set(['ACTIVE', 'BUILD', 'REBUILD', 'RESIZE', 'VERIFY_RESIZE', 'MIGRATING']);

/** Microversions at which the server view changes; the cache keys on which side of each we are. */
const SERVER_VIEW_STEPS = [3, 9, 16, 19, 26, 47, 63, 73, 90, 96];
const detailCache = new WeakMap<LabServer, { key: string; json: string }>();

/**
 * The serialised detail view, cached per server for the last view asked for. Large
 * listings repeat the same servers page after page; rebuilding and stringifying
 * each object is what would dominate. The key covers every input that changes:
 * all state transitions move `updatedAt`, and host_status is checked each time.
 */
export function serverDetailJson(ctx: ViewContext, state: LabState, server: LabServer): string {
  let step = 0;
  while (step < SERVER_VIEW_STEPS.length && ctx.mv >= (SERVER_VIEW_STEPS[step] as number)) step++;
  const hostStatus = ctx.admin && ctx.mv >= 16 ? state.hostStatus(server) : '';
  const key = `${step}|${ctx.admin ? 1 : 0}|${ctx.computeRoot}|${server.updatedAt}|${server.vmState}|${server.taskState}|${server.powerState}|${server.locked}|${server.host}|${server.name}|${hostStatus}`;
  const hit = detailCache.get(server);
  if (hit && hit.key === key) return hit.json;
  const json = JSON.stringify(serverDetail(ctx, state, server));
  detailCache.set(server, { key, json });
  return json;
}

export function serverDetail(ctx: ViewContext, state: LabState, server: LabServer): Record<string, unknown> {
  const { mv, admin } = ctx;
  const status = serverStatus(server);
  const flavor = state.flavors.get(server.flavorId);
  const out: Record<string, unknown> = {
    id: server.id,
    name: server.name,
    status,
    tenant_id: server.projectId,
    user_id: server.userId,
    metadata: { ...server.metadata },
    hostId: hostId(server),
    image: server.imageId ? { id: server.imageId, links: [{ rel: 'bookmark', href: `${ctx.computeRoot}/images/${server.imageId}` }] } : '',
    flavor: mv >= 47 ? embeddedFlavor(flavor) : { id: server.flavorId, links: [{ rel: 'bookmark', href: `${ctx.computeRoot}/flavors/${server.flavorId}` }] },
    created: isoSeconds(server.createdAt),
    updated: isoSeconds(server.updatedAt),
    addresses: {
      [server.networkName]: [{ version: 4, addr: server.ip, 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': server.mac }],
    },
    accessIPv4: '',
    accessIPv6: '',
    links: links(ctx, 'servers', server.id),
    'OS-DCF:diskConfig': 'MANUAL',
  };
  if (PROGRESS_STATUSES.has(status)) out.progress = 0;
  out['OS-EXT-AZ:availability_zone'] = server.availabilityZone;
  out.config_drive = '';
  out.key_name = server.keyName;
  out['OS-SRV-USG:launched_at'] = server.launchedAt === null ? null : isoMicros(server.launchedAt);
  out['OS-SRV-USG:terminated_at'] = null;
  if (admin) {
    out['OS-EXT-SRV-ATTR:host'] = server.host;
    out['OS-EXT-SRV-ATTR:instance_name'] = `instance-${server.instanceNumber.toString(16).padStart(8, '0')}`;
    out['OS-EXT-SRV-ATTR:hypervisor_hostname'] = server.host;
    if (mv >= 3) {
      out['OS-EXT-SRV-ATTR:reservation_id'] = `r-${server.id.slice(0, 8)}`;
      out['OS-EXT-SRV-ATTR:launch_index'] = 0;
      out['OS-EXT-SRV-ATTR:hostname'] = server.name.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 63);
      out['OS-EXT-SRV-ATTR:kernel_id'] = '';
      out['OS-EXT-SRV-ATTR:ramdisk_id'] = '';
      out['OS-EXT-SRV-ATTR:root_device_name'] = '/dev/vda';
      out['OS-EXT-SRV-ATTR:user_data'] = null;
    }
  } else if (mv >= 90) {
    out['OS-EXT-SRV-ATTR:hostname'] = server.name.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 63);
  }
  out['OS-EXT-STS:task_state'] = server.taskState;
  out['OS-EXT-STS:vm_state'] = server.vmState;
  out['OS-EXT-STS:power_state'] = server.powerState;
  out['os-extended-volumes:volumes_attached'] = server.volumes.map((v) => (mv >= 3 ? { id: v.id, delete_on_termination: v.deleteOnTermination } : { id: v.id }));
  out.security_groups = server.securityGroups.map((name) => ({ name }));
  if (server.fault && (status === 'ERROR' || status === 'DELETED')) {
    const fault: Record<string, unknown> = { code: server.fault.code, created: isoSeconds(server.fault.created), message: server.fault.message };
    // Nova hides a 500 fault's details from non-admins.
    if (admin || server.fault.code !== 500) fault.details = server.fault.details;
    out.fault = fault;
  }
  if (mv >= 9) out.locked = server.locked;
  if (mv >= 16 && admin) out.host_status = state.hostStatus(server);
  if (mv >= 19) out.description = null;
  if (mv >= 26) out.tags = [...server.tags];
  if (mv >= 63) out.trusted_image_certificates = null;
  if (mv >= 73) out.locked_reason = server.locked ? server.lockedReason : null;
  if (mv >= 96) out.pinned_availability_zone = null;
  return out;
}

function embeddedFlavor(flavor: LabFlavor | undefined): Record<string, unknown> {
  if (!flavor) return {};
  return {
    vcpus: flavor.vcpus,
    ram: flavor.ramMb,
    disk: flavor.diskGb,
    ephemeral: flavor.ephemeralGb,
    swap: flavor.swapMb,
    original_name: flavor.name,
    extra_specs: { ...flavor.extraSpecs },
  };
}

export function flavorSummary(ctx: ViewContext, flavor: LabFlavor): Record<string, unknown> {
  const out: Record<string, unknown> = { id: flavor.id, links: links(ctx, 'flavors', flavor.id), name: flavor.name };
  if (ctx.mv >= 55) out.description = null;
  return out;
}

export function flavorDetail(ctx: ViewContext, flavor: LabFlavor): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: flavor.id,
    name: flavor.name,
    ram: flavor.ramMb,
    disk: flavor.diskGb,
    vcpus: flavor.vcpus,
    links: links(ctx, 'flavors', flavor.id),
    'OS-FLV-EXT-DATA:ephemeral': flavor.ephemeralGb,
    'OS-FLV-DISABLED:disabled': false,
    // Before 2.75 Nova spells "no swap" as an empty string.
    swap: flavor.swapMb === 0 && ctx.mv < 75 ? '' : flavor.swapMb,
    rxtx_factor: 1.0,
    'os-flavor-access:is_public': flavor.isPublic,
  };
  if (ctx.mv >= 55) out.description = null;
  if (ctx.mv >= 61) out.extra_specs = { ...flavor.extraSpecs };
  return out;
}

export function imageView(ctx: ViewContext, image: LabImage, detail: boolean): Record<string, unknown> {
  const base: Record<string, unknown> = { id: image.id, name: image.name, links: links(ctx, 'images', image.id) };
  if (!detail) return base;
  return {
    ...base,
    status: 'ACTIVE',
    progress: 100,
    minDisk: image.minDiskGb,
    minRam: image.minRamMb,
    metadata: { os_distro: image.osDistro },
    created: isoSeconds(image.createdAt),
    updated: isoSeconds(image.createdAt),
    'OS-EXT-IMG-SIZE:size': image.sizeBytes,
  };
}

export function serviceView(ctx: ViewContext, state: LabState, service: LabComputeService): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: ctx.mv >= 53 ? service.id : service.legacyId,
    binary: service.binary,
    disabled_reason: service.disabledReason,
    host: service.host,
    state: state.serviceIsUp(service) ? 'up' : 'down',
    status: service.disabled ? 'disabled' : 'enabled',
    updated_at: isoMicros(state.serviceUpdatedAt(service)),
    zone: service.zone,
  };
  if (ctx.mv >= 11) out.forced_down = service.forcedDown;
  return out;
}

export function hypervisorView(
  ctx: ViewContext,
  state: LabState,
  hv: LabHypervisor,
  opts: { detail: boolean; show?: boolean; withServers?: boolean; uptime?: string },
): Record<string, unknown> {
  const service = state.computeService(hv.hostname);
  const out: Record<string, unknown> = {
    id: ctx.mv >= 53 ? hv.id : hv.legacyId,
    hypervisor_hostname: hv.hostname,
    state: service && state.serviceIsUp(service) ? 'up' : 'down',
    status: service?.disabled ? 'disabled' : 'enabled',
  };
  if (opts.detail) {
    const cpuInfo = {
      arch: 'x86_64',
      model: hv.cpuModel,
      vendor: 'Intel',
      topology: { cells: 2, sockets: 1, cores: hv.vcpus / 4, threads: 2 },
      features: ['pge', 'avx', 'avx2', 'vmx', 'x2apic', 'tsc-deadline', 'pdpe1gb'],
    };
    out.host_ip = hv.hostIp;
    out.hypervisor_type = hv.hypervisorType;
    out.hypervisor_version = hv.hypervisorVersion;
    out.service = {
      host: hv.hostname,
      id: service ? (ctx.mv >= 53 ? service.id : service.legacyId) : null,
      disabled_reason: service?.disabledReason ?? null,
    };
    out.cpu_info = ctx.mv >= 28 ? cpuInfo : JSON.stringify(cpuInfo);
    if (ctx.mv < 88) {
      const servers = state.serversOnHost(hv.hostname);
      let vcpusUsed = 0;
      let ramUsed = 512; // reserved_host_memory_mb
      let diskUsed = 0;
      for (const s of servers) {
        const f = state.flavors.get(s.flavorId);
        if (!f) continue;
        vcpusUsed += f.vcpus;
        ramUsed += f.ramMb;
        diskUsed += f.diskGb + f.ephemeralGb;
      }
      out.current_workload = 0;
      out.disk_available_least = hv.localGb - diskUsed;
      out.free_disk_gb = hv.localGb - diskUsed;
      out.free_ram_mb = hv.memoryMb - ramUsed;
      out.local_gb = hv.localGb;
      out.local_gb_used = diskUsed;
      out.memory_mb = hv.memoryMb;
      out.memory_mb_used = ramUsed;
      out.running_vms = servers.length;
      out.vcpus = hv.vcpus;
      out.vcpus_used = vcpusUsed;
    } else if (opts.show) {
      out.uptime = opts.uptime ?? null;
    }
  }
  if (opts.withServers) {
    const servers = state.serversOnHost(hv.hostname);
    // Before 2.75 a hypervisor without servers has no `servers` key at all.
    if (servers.length || ctx.mv >= 75) out.servers = servers.map((s) => ({ name: `instance-${s.instanceNumber.toString(16).padStart(8, '0')}`, uuid: s.id }));
  }
  return out;
}

export function instanceActionView(ctx: ViewContext, action: LabInstanceAction, withEvents: boolean, serverProjectId: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    action: action.action,
    instance_uuid: action.serverId,
    message: action.message,
    project_id: action.projectId,
    request_id: action.requestId,
    start_time: isoMicros(action.startTime),
    user_id: action.userId,
  };
  if (ctx.mv >= 58) out.updated_at = isoMicros(action.updatedAt);
  if (withEvents) {
    out.events = action.events.map((e) => {
      const ev: Record<string, unknown> = {
        event: e.event,
        start_time: isoMicros(e.startTime),
        finish_time: e.finishTime === null ? null : isoMicros(e.finishTime),
        result: e.result,
      };
      if (ctx.admin) ev.traceback = e.traceback;
      if (ctx.mv >= 62) {
        if (ctx.admin) ev.host = e.host;
        ev.hostId = createHash('sha224').update(serverProjectId + e.host).digest('hex');
      }
      if (ctx.mv >= 84 && ctx.admin) ev.details = e.details;
      return ev;
    });
  }
  return out;
}
