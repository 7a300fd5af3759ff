import type { LabFleet, LabServer } from './types.js';

/**
 * The CMDB export a real fleet keeps next to Nova, in the shape faultline's
 * inventory collector reads (`match`, `roles`, `owners`, `tags`): for every
 * hypervisor the box it runs on, its warranty and the engineer who owns the
 * hardware of its center (spares listed as the pool's, the way the runbook's
 * asset tree holds them); for every server its role tags (DB servers above all,
 * which change what may be done and when), its owners and its cluster.
 * `faultline lab` writes it as inventory.json.
 */
export interface LabHypervisorEntry {
  match: { host: string };
  roles: string[];
  owners: string[];
  tags: Record<string, string>;
  hardware: { model: string; memoryGiB: number; memoryMHz: number; disk: 'nvme' | 'ssd'; diskGB: number };
  warrantyUntil: string;
}

export interface LabServerEntry {
  match: { serverId: string; serverName: string };
  roles: string[];
  owners: string[];
  tags: Record<string, string>;
}

export type LabInventoryEntry = LabHypervisorEntry | LabServerEntry;

/** `k8s-payments-pg1-01-worker-003` → `k8s-payments-pg1-01`. */
function clusterOf(server: LabServer): string | undefined {
  if (!server.roles.some((r) => r === 'k8s-worker' || r === 'k8s-control-plane')) return undefined;
  return /^(.*)-(?:master|worker)-\d+$/.exec(server.name)?.[1];
}

function hypervisorEntries(fleet: LabFleet): LabHypervisorEntry[] {
  const centerOf = new Map(fleet.regions.map((r) => [r.id, r.center]));
  return fleet.hypervisors.map((hv) => {
    const center = centerOf.get(hv.regionId) ?? hv.regionId;
    return {
      match: { host: hv.hostname },
      roles: hv.spare ? ['spare'] : ['hypervisor'],
      owners: [`hw-${center}`],
      tags: { center, ...(hv.spare ? { pool: 'forfault' } : {}) },
      hardware: { ...hv.hardware },
      warrantyUntil: new Date(hv.warrantyUntil).toISOString().slice(0, 10),
    };
  });
}

function serverEntries(fleet: LabFleet): LabServerEntry[] {
  const projectName = new Map(fleet.projects.map((p) => [p.id, p.name]));
  return fleet.servers.map((s) => {
    const project = projectName.get(s.projectId) ?? 'unknown';
    // Owners as chat handles: the team that owns the project, and the DBA on-call for DB servers.
    const team = project.replace(/\d*-(prod|dev)$/, '');
    const owners = project === 'service' ? ['octavia.oncall'] : [`${team}.lead`];
    if (s.roles.includes('db')) owners.push('dba.oncall');
    const cluster = clusterOf(s);
    return {
      match: { serverId: s.id, serverName: s.name },
      roles: s.roles.filter((r) => r !== 'generic'),
      owners,
      tags: { project, ...(cluster ? { cluster } : {}) },
    };
  });
}

export function labInventory(fleet: LabFleet): { entries: LabInventoryEntry[] } {
  return { entries: [...hypervisorEntries(fleet), ...serverEntries(fleet)] };
}
