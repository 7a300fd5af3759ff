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
export { healFleet } from './fleet/heal.js';
export { LabFaults, type LabFault, type LabTicket, type Reachability, type FaultStatus } from './scenarios/faults.js';
export { loadScenario, parseScenario, parseScenarioText, parseFault, scenarioNames, scenarioDirectory } from './scenarios/load.js';
export { faultSchema, scenarioSchema, ALARM_CODES, type Scenario, type FaultSpec, type FaultInput, type FaultKind } from './scenarios/schema.js';
export { startGuestNetwork, SSH_BANNER, type GuestNetwork, type GuestNetworkOptions } from './network/guest-network.js';
export { openFirewall, tableName, type Firewall } from './network/firewall.js';
export { healthyHostFacts, type HostFacts, type LabDisk, type LabContainer } from './hosts/facts.js';
