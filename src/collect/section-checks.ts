import type { Server } from '../snapshot/schema.js';

/**
 * Hand-written twins of snapshot schemas for sections that run to 100,000
 * records, where zod's generic walk (and the copy it returns) costs seconds.
 * Each says "yes" only when the schema accepts the value AND would hand back an
 * equal value: no unknown key to strip, no default to fill in, plain objects
 * only. Anything else goes through the schema as before, so a "no" here only
 * costs time; a test holds each twin to its schema on valid and invalid records.
 */

type Dict = Record<string, unknown>;

const isPlain = (v: unknown): v is Dict => typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;

/** Every key is one of `allowed` (the schema drops the others). */
function onlyKeys(v: Dict, allowed: ReadonlySet<string>): boolean {
  for (const k in v) if (!allowed.has(k)) return false;
  return true;
}

const optString = (v: unknown): boolean => v === undefined || typeof v === 'string';
const optText = (v: unknown): boolean => v === undefined || v === null || typeof v === 'string';
const optNumber = (v: unknown): boolean => v === undefined || (typeof v === 'number' && Number.isFinite(v));

const SERVER_KEYS = new Set([
  'id', 'name', 'region', 'projectId', 'projectName', 'userId', 'status', 'vmState', 'taskState', 'powerState', 'host', 'hypervisorHostname',
  'instanceName', 'hostStatus', 'addresses', 'flavor', 'image', 'volumes', 'metadata', 'locked', 'createdAt', 'updatedAt', 'launchedAt', 'fault',
]);
const ADDRESS_KEYS = new Set(['network', 'addr', 'version', 'type']);
const FLAVOR_KEYS = new Set(['name', 'vcpus', 'ramMiB', 'diskGiB']);
const IMAGE_KEYS = new Set(['id', 'name']);
const FAULT_KEYS = new Set(['code', 'message', 'created', 'details']);

function isAddress(a: unknown): boolean {
  if (!isPlain(a) || !onlyKeys(a, ADDRESS_KEYS) || typeof a['network'] !== 'string' || typeof a['addr'] !== 'string') return false;
  const version = a['version'];
  const type = a['type'];
  return (version === undefined || version === 4 || version === 6) && (type === undefined || type === 'fixed' || type === 'floating');
}

/** True when `serverSchema` accepts `v` and returns it unchanged. */
export function isCompleteServer(v: unknown): v is Server {
  if (!isPlain(v) || !onlyKeys(v, SERVER_KEYS)) return false;
  const id = v['id'];
  if (typeof id !== 'string' || id.length === 0 || typeof v['name'] !== 'string' || typeof v['status'] !== 'string') return false;
  if (!optString(v['region']) || !optString(v['projectId']) || !optString(v['projectName']) || !optString(v['userId'])) return false;
  if (!optText(v['vmState']) || !optText(v['taskState']) || !optText(v['host']) || !optText(v['hypervisorHostname']) || !optText(v['instanceName']) || !optText(v['hostStatus'])) {
    return false;
  }
  const power = v['powerState'];
  if (power !== undefined && power !== null && !Number.isSafeInteger(power)) return false;
  const addresses = v['addresses'];
  if (!Array.isArray(addresses)) return false;
  for (const a of addresses) if (!isAddress(a)) return false;
  const flavor = v['flavor'];
  if (flavor !== undefined) {
    if (!isPlain(flavor) || !onlyKeys(flavor, FLAVOR_KEYS) || typeof flavor['name'] !== 'string') return false;
    if (!optNumber(flavor['vcpus']) || !optNumber(flavor['ramMiB']) || !optNumber(flavor['diskGiB'])) return false;
  }
  const image = v['image'];
  if (image !== undefined && !(isPlain(image) && onlyKeys(image, IMAGE_KEYS) && optString(image['id']) && optString(image['name']))) return false;
  const volumes = v['volumes'];
  if (!Array.isArray(volumes)) return false;
  for (const volume of volumes) if (typeof volume !== 'string') return false;
  const metadata = v['metadata'];
  if (!isPlain(metadata) || Object.hasOwn(metadata, '__proto__')) return false;
  for (const k in metadata) if (typeof metadata[k] !== 'string') return false;
  const locked = v['locked'];
  if (locked !== undefined && typeof locked !== 'boolean') return false;
  if (!optString(v['createdAt']) || !optString(v['updatedAt']) || !optText(v['launchedAt'])) return false;
  const fault = v['fault'];
  if (fault !== undefined) {
    if (!isPlain(fault) || !onlyKeys(fault, FAULT_KEYS) || typeof fault['message'] !== 'string') return false;
    if (!optNumber(fault['code']) || !optString(fault['created']) || !optString(fault['details'])) return false;
  }
  return true;
}

/** Per snapshot section, a check of one record; a section is taken as it is when every record passes. */
export const COMPLETE_RECORD_CHECKS: Readonly<Partial<Record<string, (v: unknown) => boolean>>> = {
  servers: isCompleteServer,
};
