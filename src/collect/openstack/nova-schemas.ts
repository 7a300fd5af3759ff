import { z } from 'zod';

/**
 * The parts of Nova and Neutron answers faultline reads. Schemas accept what
 * the APIs send across the microversions in use (ids as numbers before 2.53,
 * flavor as a reference before 2.47, servers in a down cell without a name
 * since 2.69) and ignore everything else.
 */

const text = z.string();
const maybeText = z.string().nullable().optional();

export const linkSchema = z.object({ rel: z.string(), href: z.string() });
export const linksSchema = z.array(linkSchema).optional();

const addressSchema = z.object({
  addr: text,
  version: z.number().optional(),
  'OS-EXT-IPS:type': z.string().optional(),
});

export const rawServerSchema = z.object({
  id: text.min(1),
  name: z.string().optional(),
  status: text,
  tenant_id: z.string().optional(),
  user_id: z.string().optional(),
  'OS-EXT-STS:vm_state': maybeText,
  'OS-EXT-STS:task_state': maybeText,
  'OS-EXT-STS:power_state': z.number().int().nullable().optional(),
  'OS-EXT-SRV-ATTR:host': maybeText,
  'OS-EXT-SRV-ATTR:hypervisor_hostname': maybeText,
  'OS-EXT-SRV-ATTR:instance_name': maybeText,
  host_status: maybeText,
  addresses: z.record(z.string(), z.array(addressSchema)).optional(),
  flavor: z
    .object({
      original_name: z.string().optional(),
      id: z.union([z.string(), z.number()]).optional(),
      vcpus: z.number().optional(),
      ram: z.number().optional(),
      disk: z.number().optional(),
    })
    .optional(),
  // "" when the server boots from a volume.
  image: z.union([z.string(), z.object({ id: z.string().optional(), name: z.string().optional() })]).nullable().optional(),
  'os-extended-volumes:volumes_attached': z.array(z.object({ id: text })).optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  locked: z.boolean().nullable().optional(),
  created: z.string().optional(),
  updated: z.string().optional(),
  'OS-SRV-USG:launched_at': maybeText,
  fault: z
    .object({ code: z.number().optional(), message: z.string().optional(), created: z.string().optional(), details: z.string().nullable().optional() })
    .optional(),
});
export type RawServer = z.output<typeof rawServerSchema>;

// A hand-written twin of rawServerSchema for the hot path: a large fleet lists
// 100,000 servers per run, and zod's generic walk over each costs more than
// parsing the JSON did. It answers only "does the schema accept this?"; the
// schema stays the contract (a server it rejects goes through zod for the
// message), and a test holds the two to the same verdict on valid and invalid
// servers. Objects with an own "__proto__" key are left to zod, which drops it.
type Dict = Record<string, unknown>;
const isObject = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);
/** What z.record takes: a plain object (zod refuses a Date or a class instance there). */
const isDict = (v: unknown): v is Dict => {
  if (!isObject(v) || Object.hasOwn(v, '__proto__')) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};
const optString = (v: unknown): boolean => v === undefined || typeof v === 'string';
const optText = (v: unknown): boolean => v === undefined || v === null || typeof v === 'string';
const isNumber = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
const optNumber = (v: unknown): boolean => v === undefined || isNumber(v);

function isRawAddressMap(v: unknown): boolean {
  if (!isDict(v)) return false;
  for (const network in v) {
    const list = v[network];
    if (!Array.isArray(list)) return false;
    for (const a of list) {
      if (!isObject(a) || typeof a['addr'] !== 'string' || !optNumber(a['version']) || !optString(a['OS-EXT-IPS:type'])) return false;
    }
  }
  return true;
}

function isStringMap(v: unknown): boolean {
  if (!isDict(v)) return false;
  for (const k in v) if (typeof v[k] !== 'string') return false;
  return true;
}

/** True exactly when `rawServerSchema` accepts `v`; then `v` may be read as a RawServer as it is. */
export function isRawServer(v: unknown): v is RawServer {
  if (!isObject(v)) return false;
  const id = v['id'];
  if (typeof id !== 'string' || id.length === 0 || !optString(v['name']) || typeof v['status'] !== 'string') return false;
  if (!optString(v['tenant_id']) || !optString(v['user_id'])) return false;
  if (!optText(v['OS-EXT-STS:vm_state']) || !optText(v['OS-EXT-STS:task_state'])) return false;
  const power = v['OS-EXT-STS:power_state'];
  if (power !== undefined && power !== null && !Number.isSafeInteger(power)) return false;
  if (!optText(v['OS-EXT-SRV-ATTR:host']) || !optText(v['OS-EXT-SRV-ATTR:hypervisor_hostname']) || !optText(v['OS-EXT-SRV-ATTR:instance_name']) || !optText(v['host_status'])) {
    return false;
  }
  if (v['addresses'] !== undefined && !isRawAddressMap(v['addresses'])) return false;
  const flavor = v['flavor'];
  if (flavor !== undefined) {
    if (!isObject(flavor) || !optString(flavor['original_name']) || !optNumber(flavor['vcpus']) || !optNumber(flavor['ram']) || !optNumber(flavor['disk'])) return false;
    const fid = flavor['id'];
    if (fid !== undefined && typeof fid !== 'string' && !isNumber(fid)) return false;
  }
  const image = v['image'];
  if (image !== undefined && image !== null && typeof image !== 'string' && !(isObject(image) && optString(image['id']) && optString(image['name']))) return false;
  const volumes = v['os-extended-volumes:volumes_attached'];
  if (volumes !== undefined) {
    if (!Array.isArray(volumes)) return false;
    for (const vol of volumes) if (!isObject(vol) || typeof vol['id'] !== 'string') return false;
  }
  if (v['metadata'] !== undefined && !isStringMap(v['metadata'])) return false;
  const locked = v['locked'];
  if (locked !== undefined && locked !== null && typeof locked !== 'boolean') return false;
  if (!optString(v['created']) || !optString(v['updated']) || !optText(v['OS-SRV-USG:launched_at'])) return false;
  const fault = v['fault'];
  if (fault !== undefined) {
    if (!isObject(fault) || !optNumber(fault['code']) || !optString(fault['message']) || !optString(fault['created']) || !optText(fault['details'])) return false;
  }
  return true;
}

/** A page's frame; items are checked one by one so one odd server does not hide the rest. */
export const serversPageSchema = z.object({ servers: z.array(z.unknown()), servers_links: linksSchema });

export const rawHypervisorSchema = z.object({
  id: z.union([z.string().min(1), z.number()]),
  hypervisor_hostname: text.min(1),
  state: z.string().optional(),
  status: z.string().optional(),
  host_ip: z.string().nullable().optional(),
  hypervisor_type: z.string().optional(),
  service: z.object({ host: z.string(), id: z.union([z.string(), z.number()]).optional(), disabled_reason: maybeText }).optional(),
});
export const hypervisorsPageSchema = z.object({ hypervisors: z.array(z.unknown()), hypervisors_links: linksSchema });

export const rawComputeServiceSchema = z.object({
  id: z.union([z.string(), z.number()]),
  binary: text,
  host: text,
  zone: z.string().nullable().optional(),
  status: z.enum(['enabled', 'disabled']),
  state: z.enum(['up', 'down']),
  forced_down: z.boolean().optional(),
  disabled_reason: maybeText,
  updated_at: maybeText,
});
export const servicesListSchema = z.object({ services: z.array(z.unknown()) });

export const rawNetworkAgentSchema = z.object({
  id: text,
  binary: text,
  host: text,
  agent_type: text,
  alive: z.boolean(),
  admin_state_up: z.boolean(),
  heartbeat_timestamp: maybeText,
});
export const agentsPageSchema = z.object({ agents: z.array(z.unknown()), agents_links: linksSchema });

const rawActionFields = {
  action: text,
  request_id: text,
  start_time: text,
  updated_at: maybeText,
  user_id: z.string().nullable().optional(),
  project_id: z.string().nullable().optional(),
  message: maybeText,
};
export const rawInstanceActionSchema = z.object(rawActionFields);
export const instanceActionsPageSchema = z.object({ instanceActions: z.array(rawInstanceActionSchema), links: linksSchema });

export const rawActionEventSchema = z.object({
  event: text,
  start_time: maybeText,
  finish_time: maybeText,
  result: maybeText,
  traceback: maybeText,
  host: maybeText,
});
export const instanceActionDetailSchema = z.object({
  instanceAction: z.object({ ...rawActionFields, events: z.array(rawActionEventSchema).default([]) }),
});

export const consoleOutputSchema = z.object({ output: z.string() });
export const remoteConsoleSchema = z.object({ remote_console: z.object({ protocol: z.string(), type: z.string(), url: z.string() }) });
export const legacyConsoleSchema = z.object({ console: z.object({ type: z.string(), url: z.string() }) });
