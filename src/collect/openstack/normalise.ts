import type { ComputeService, Hypervisor, InstanceAction, NetworkAgent, Server } from '../../snapshot/schema.js';
import type { StringPool } from '../../core/string-pool.js';
import { withZone } from './auth.js';
import type { z } from 'zod';
import type {
  RawServer,
  instanceActionDetailSchema,
  rawActionEventSchema,
  rawComputeServiceSchema,
  rawHypervisorSchema,
  rawInstanceActionSchema,
  rawNetworkAgentSchema,
} from './nova-schemas.js';

/**
 * Nova/Neutron answers turned into faultline's fleet model. Times get an
 * explicit UTC zone (Nova leaves it off); absent optional fields stay absent
 * rather than becoming empty strings, so "unknown" and "empty" stay distinct.
 */

const time = (t: string | null | undefined): string | undefined => (t ? withZone(t) : undefined);
const nullableTime = (t: string | null | undefined): string | null | undefined => (t === null ? null : time(t));

type Address = Server['addresses'][number];
type RawAddress = NonNullable<RawServer['addresses']>[string][number];

function addressOf(network: string, a: RawAddress): Address {
  const version = a.version === 4 || a.version === 6 ? a.version : undefined;
  const raw = a['OS-EXT-IPS:type'];
  const type = raw === 'fixed' || raw === 'floating' ? raw : undefined;
  // The usual shape as one literal: one allocation with every field in the object itself.
  if (version !== undefined && type !== undefined) return { network, addr: a.addr, version, type };
  const address: Address = { network, addr: a.addr };
  if (version !== undefined) address.version = version;
  if (type !== undefined) address.type = type;
  return address;
}

function addressesOf(raw: RawServer['addresses']): Address[] {
  if (!raw) return [];
  const networks = Object.keys(raw);
  // map() sizes the array to fit; push() onto [] reserves room for 17 addresses,
  // which across 100,000 servers is 13 MB of empty slots.
  if (networks.length === 1) {
    const network = networks[0] as string;
    return (raw[network] ?? []).map((a) => addressOf(network, a));
  }
  const out: Address[] = [];
  for (const network of networks) for (const a of raw[network] ?? []) out.push(addressOf(network, a));
  return out;
}

/** A repeated value through the pool, when there is one. */
function pooled<T extends string | null>(pool: StringPool | undefined, value: T): T {
  return pool && value !== null ? (pool.get(value) as T) : value;
}

/**
 * Fields are set in the order of the snapshot's server schema, so the object is
 * already what validating it yields (zod rebuilds objects in schema order) and
 * the runner can check it without rebuilding 100,000 of them. With a `pool`,
 * the values servers share (project, user, host, flavor and image) are kept
 * once: see StringPool.
 */
export function normaliseServer(raw: RawServer, region: string | undefined, pool?: StringPool): Server {
  const server = {
    id: raw.id,
    // Servers in an unreachable cell come back (2.69+) with little more than id and status.
    name: raw.name ?? '',
  } as Server;
  if (region !== undefined) server.region = region;
  if (raw.tenant_id !== undefined) server.projectId = pooled(pool, raw.tenant_id);
  if (raw.user_id !== undefined) server.userId = pooled(pool, raw.user_id);
  server.status = raw.status;
  if (raw['OS-EXT-STS:vm_state'] !== undefined) server.vmState = raw['OS-EXT-STS:vm_state'];
  if (raw['OS-EXT-STS:task_state'] !== undefined) server.taskState = raw['OS-EXT-STS:task_state'];
  if (raw['OS-EXT-STS:power_state'] !== undefined) server.powerState = raw['OS-EXT-STS:power_state'];
  if (raw['OS-EXT-SRV-ATTR:host'] !== undefined) server.host = pooled(pool, raw['OS-EXT-SRV-ATTR:host']);
  if (raw['OS-EXT-SRV-ATTR:hypervisor_hostname'] !== undefined) server.hypervisorHostname = pooled(pool, raw['OS-EXT-SRV-ATTR:hypervisor_hostname']);
  if (raw['OS-EXT-SRV-ATTR:instance_name'] !== undefined) server.instanceName = raw['OS-EXT-SRV-ATTR:instance_name'];
  if (raw.host_status !== undefined) server.hostStatus = raw.host_status;
  server.addresses = addressesOf(raw.addresses);
  const flavor = raw.flavor;
  if (flavor) {
    // 2.47+ embeds the flavor as it was at boot; before that only its id is given.
    const name = flavor.original_name ?? (flavor.id !== undefined ? String(flavor.id) : undefined);
    if (name !== undefined) {
      server.flavor = { name: pooled(pool, name) };
      if (flavor.vcpus !== undefined) server.flavor.vcpus = flavor.vcpus;
      if (flavor.ram !== undefined) server.flavor.ramMiB = flavor.ram;
      if (flavor.disk !== undefined) server.flavor.diskGiB = flavor.disk;
    }
  }
  if (raw.image && typeof raw.image === 'object' && (raw.image.id !== undefined || raw.image.name !== undefined)) {
    server.image = {};
    if (raw.image.id !== undefined) server.image.id = pooled(pool, raw.image.id);
    if (raw.image.name !== undefined) server.image.name = pooled(pool, raw.image.name);
  }
  server.volumes = (raw['os-extended-volumes:volumes_attached'] ?? []).map((v) => v.id);
  server.metadata = raw.metadata ? { ...raw.metadata } : {};
  if (raw.locked !== undefined && raw.locked !== null) server.locked = raw.locked;
  const created = time(raw.created);
  if (created) server.createdAt = created;
  const updated = time(raw.updated);
  if (updated) server.updatedAt = updated;
  const launched = nullableTime(raw['OS-SRV-USG:launched_at']);
  if (launched !== undefined) server.launchedAt = launched;
  if (raw.fault) {
    const fault: NonNullable<Server['fault']> = {} as NonNullable<Server['fault']>;
    if (raw.fault.code !== undefined) fault.code = raw.fault.code;
    fault.message = raw.fault.message ?? '';
    const faultAt = time(raw.fault.created);
    if (faultAt) fault.created = faultAt;
    if (raw.fault.details) fault.details = raw.fault.details;
    server.fault = fault;
  }
  return server;
}

export function normaliseHypervisor(raw: z.output<typeof rawHypervisorSchema>, region: string | undefined): Hypervisor {
  const hypervisor: Hypervisor = {
    id: String(raw.id),
    name: raw.hypervisor_hostname,
    host: raw.service?.host || raw.hypervisor_hostname,
  };
  if (region !== undefined) hypervisor.region = region;
  if (raw.state === 'up' || raw.state === 'down') hypervisor.state = raw.state;
  if (raw.status === 'enabled' || raw.status === 'disabled') hypervisor.status = raw.status;
  if (raw.host_ip) hypervisor.hostIp = raw.host_ip;
  if (raw.hypervisor_type) hypervisor.hypervisorType = raw.hypervisor_type;
  return hypervisor;
}

export function normaliseComputeService(raw: z.output<typeof rawComputeServiceSchema>, region: string | undefined): ComputeService {
  const service: ComputeService = { id: String(raw.id), binary: raw.binary, host: raw.host, status: raw.status, state: raw.state };
  if (raw.zone) service.zone = raw.zone;
  if (region !== undefined) service.region = region;
  if (raw.forced_down !== undefined) service.forcedDown = raw.forced_down;
  if (raw.disabled_reason !== undefined) service.disabledReason = raw.disabled_reason;
  const updated = nullableTime(raw.updated_at);
  if (updated !== undefined) service.updatedAt = updated;
  return service;
}

export function normaliseNetworkAgent(raw: z.output<typeof rawNetworkAgentSchema>, region: string | undefined): NetworkAgent {
  const agent: NetworkAgent = {
    id: raw.id,
    binary: raw.binary,
    host: raw.host,
    agentType: raw.agent_type,
    alive: raw.alive,
    adminStateUp: raw.admin_state_up,
  };
  if (region !== undefined) agent.region = region;
  if (raw.heartbeat_timestamp !== undefined) agent.heartbeatTimestamp = nullableTime(raw.heartbeat_timestamp) ?? null;
  return agent;
}

type RawAction = z.output<typeof rawInstanceActionSchema>;
type RawEvent = z.output<typeof rawActionEventSchema>;

export function normaliseInstanceAction(
  serverId: string,
  raw: RawAction | z.output<typeof instanceActionDetailSchema>['instanceAction'],
  events: readonly RawEvent[] = 'events' in raw ? raw.events : [],
): InstanceAction {
  const action: InstanceAction = {
    serverId,
    requestId: raw.request_id,
    action: raw.action,
    startTime: withZone(raw.start_time),
    // Nova records its own actions (power-state sync) with no user and no project.
    userId: raw.user_id ?? null,
    projectId: raw.project_id ?? null,
    events: events.map((e) => {
      const event: InstanceAction['events'][number] = { event: e.event };
      const started = nullableTime(e.start_time);
      if (started !== undefined) event.startTime = started;
      const finished = nullableTime(e.finish_time);
      if (finished !== undefined) event.finishTime = finished;
      if (e.result !== undefined) event.result = e.result;
      if (e.host !== undefined) event.host = e.host;
      if (e.traceback !== undefined) event.traceback = e.traceback;
      return event;
    }),
  };
  const updated = nullableTime(raw.updated_at);
  if (updated !== undefined) action.updatedAt = updated;
  if (raw.message !== undefined) action.message = raw.message;
  return action;
}
