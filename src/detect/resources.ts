import type { Evidence, ResourceRef } from '../core/findings.js';
import type { FleetIndex } from '../snapshot/fleet-index.js';
import type { Hypervisor, Server } from '../snapshot/schema.js';

/** A server as a finding's resource, placed on its hypervisor. */
export function serverRef(index: FleetIndex, server: Server): ResourceRef {
  const hv = index.hypervisorOf(server);
  const host = server.host ?? server.hypervisorHostname ?? undefined;
  const region = server.region ?? hv?.region;
  return {
    kind: 'server',
    id: server.id,
    name: server.name,
    ...(hv ? { parent: { kind: 'hypervisor' as const, id: hv.id, name: hv.name } } : host ? { parent: { kind: 'hypervisor' as const, id: host, name: host } } : {}),
    ...(region ? { region } : {}),
  };
}

export function hypervisorRef(hv: Hypervisor): ResourceRef {
  return { kind: 'hypervisor', id: hv.id, name: hv.name, ...(hv.region ? { region: hv.region } : {}) };
}

/** A host known only by name (from host facts or alarms), attached to its hypervisor when known. */
export function hostRef(index: FleetIndex, host: string): ResourceRef {
  const hv = index.hypervisor(host);
  return hv ? hypervisorRef(hv) : { kind: 'host', id: host, name: host };
}

/** The evidence every server finding shows: where it is and what Nova says about it. */
export function serverEvidence(index: FleetIndex, server: Server): Evidence[] {
  const out: Evidence[] = [
    { label: 'status', value: server.status, source: 'nova' },
    { label: 'vm_state', value: server.vmState ?? null, source: 'nova' },
    { label: 'task_state', value: server.taskState ?? null, source: 'nova' },
    { label: 'host', value: server.host ?? null, source: 'nova' },
  ];
  const ip = server.addresses[0]?.addr;
  if (ip) out.push({ label: 'ip', value: ip, source: 'nova' });
  if (index.isDatabase(server)) out.push({ label: 'role', value: 'db', source: 'inventory' });
  return out;
}
