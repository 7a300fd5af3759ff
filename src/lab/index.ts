/** The lab: a simulated fleet behind a simulated OpenStack control plane. */
export * from './fleet/types.js';
export { createRandom, type Random } from './fleet/random.js';
export { generateFleet, resolveFleetCounts, loopbackAddress, FLEET_SIZES, LAB_CREDENTIALS, DEFAULT_FLEET_EPOCH } from './fleet/generate.js';
export type { FleetSizeName, FleetCounts, GenerateFleetOptions } from './fleet/generate.js';
export { LabClock } from './openstack/clock.js';
export { LabState, LabError } from './openstack/state.js';
export type { LabToken, LabCaller, LabInstanceAction, LabActionEvent, LabStateOptions, ServerQuery } from './openstack/state.js';
export { startLab, type StartLabOptions, type RunningLab } from './openstack/lab.js';
export { NOVA_MAX_MINOR, NOVA_MIN_MINOR } from './openstack/nova.js';
export { serverStatus } from './openstack/nova-views.js';
