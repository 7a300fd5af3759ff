import type { LabFleet, LabServer } from './types.js';

/**
 * The CMDB export a real fleet has next to Nova: each server's role tags (DB
 * servers above all, which change what may be done and when) and who owns it.
 * Written by `faultline lab` as inventory.json, in the shape faultline's
 * inventory collector reads (`match`, `roles`, `owners`, `tags`).
 */
export interface LabInventoryEntry {
  match: { serverId: string; serverName: string };
  roles: string[];
  owners: string[];
  tags: Record<string, string>;
}

/** `k8s-payments-pg1-01-worker-003` → `k8s-payments-pg1-01`. */
function clusterOf(server: LabServer): string | undefined {
  if (!server.roles.some((r) => r === 'k8s-worker' || r === 'k8s-control-plane')) return undefined;
  const m = /^(.*)-(?:master|worker)-\d+$/.exec(server.name);
  return m?.[1];
}

export function labInventory(fleet: LabFleet): LabInventoryEntry[] {
  const projectName = new Map(fleet.projects.map((p) => [p.id, p.name]));
  const out: LabInventoryEntry[] = [];
  for (const s of fleet.servers) {
    const project = projectName.get(s.projectId) ?? 'unknown';
    // Owners as chat handles: the team that owns the project, and the DBA on-call for DB servers.
    const team = project.replace(/\d*-(prod|dev)$/, '');
    const owners = project === 'service' ? ['octavia.oncall'] : [`${team}.lead`];
    if (s.roles.includes('db')) owners.push('dba.oncall');
    const cluster = clusterOf(s);
    out.push({
      match: { serverId: s.id, serverName: s.name },
      roles: s.roles.filter((r) => r !== 'generic'),
      owners,
      tags: { project, ...(cluster ? { cluster } : {}) },
    });
  }
  return out;
}
