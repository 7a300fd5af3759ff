import type { LabFleet } from './types.js';

/** One entry of the lab's inventory file, in the shape faultline's inventory collector reads. */
export interface LabInventoryEntry {
  match: { host: string };
  roles: string[];
  owners: string[];
  tags: Record<string, string>;
  hardware: { model: string; memoryGiB: number; memoryMHz: number; disk: 'nvme' | 'ssd'; diskGB: number };
  warrantyUntil: string;
}

/**
 * What a CMDB export would say about the lab's hypervisors: the box each runs on,
 * its warranty, and the engineer who owns the hardware of its center. Spares are
 * listed as well, tagged as the pool's, the way the runbook's asset tree holds them.
 */
export function labInventory(fleet: LabFleet): { entries: LabInventoryEntry[] } {
  const centerOf = new Map(fleet.regions.map((r) => [r.id, r.center]));
  return {
    entries: fleet.hypervisors.map((hv) => {
      const center = centerOf.get(hv.regionId) ?? hv.regionId;
      return {
        match: { host: hv.hostname },
        roles: hv.spare ? ['spare'] : ['hypervisor'],
        owners: [`hw-${center}`],
        tags: { center, ...(hv.spare ? { pool: 'forfault' } : {}) },
        hardware: { ...hv.hardware },
        warrantyUntil: new Date(hv.warrantyUntil).toISOString().slice(0, 10),
      };
    }),
  };
}
