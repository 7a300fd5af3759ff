import { PowerState, type LabFleet } from './types.js';

/**
 * Removes the generator's background noise (stopped, failed, stuck, flapping and
 * locked servers), so that a scenario's faults are the only faults in the fleet.
 */
export function healFleet(fleet: LabFleet): LabFleet {
  for (const s of fleet.servers) {
    s.vmState = 'active';
    s.powerState = PowerState.RUNNING;
    s.taskState = null;
    s.fault = null;
    s.locked = false;
    s.lockedReason = null;
    s.launchedAt ??= s.createdAt + 30_000;
    s.updatedAt = s.launchedAt;
  }
  fleet.history = [];
  return fleet;
}
