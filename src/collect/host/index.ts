/**
 * Host facts over SSH: the collector, the allow-listed commands, the pure
 * assembly of command outputs into `hostFacts` / `disks`, and the parsers
 * (also usable on text gathered another way, e.g. guest console logs).
 */
export { createNodeCollector, DEFAULT_NODE_SERVER_PATTERN, type NodeCollectorOptions } from './node-collector.js';
export { assembleNode, DEFAULT_STORAGE_INTERFACES } from './node-facts.js';
export { createHostCollector, DEFAULT_HOST_COLLECTOR, INSECURE_HOST_KEY_WARNING, type HostCollectorOptions, type JumpHostOptions } from './ssh-collector.js';
export { allowedCommands, BASE_COMMANDS, isAllowedCommand, SERVICE_UNITS, type CommandSpec } from './commands.js';
export { assembleHost, diskRoles, type CommandOutput, type HostOutputs, type AssembledHost, type DiskRole } from './facts.js';
export { parseKnownHosts, verifyHostKey, knownHostsName, fingerprint, type KnownHostEntry, type HostKeyVerdict } from './known-hosts.js';
export type { LogEvent, Parsed } from './parsers/common.js';
export { parseConsoleOutput } from './parsers/console.js';
export { parseKernelLog, mergeKernelEvents } from './parsers/kernel-log.js';
export { parseLibvirtLogs, instanceNameFromFile, type LibvirtLogEvent } from './parsers/libvirt-log.js';
export { parseSmartctl, parseSmartctlJson, parseSmartctlText, parseSmartctlScan, isSmr, KNOWN_SMR_MODELS, type SmartFacts } from './parsers/smartctl.js';
export { parseFree, type MemoryFacts } from './parsers/memory.js';
export { parseDf, type FilesystemFacts } from './parsers/filesystems.js';
export { parseComposePs, parseCrictlPs, normaliseState, COMPOSE_PROJECTS, type ContainerFacts, type ContainerState } from './parsers/containers.js';
export { parseSystemctlIsActive } from './parsers/systemctl.js';
export { parseKvmOk, parseCpuVirtFlag, parseIommuGroups, parseSriovTotalVfs, parseVirtualizationLog, type VirtualizationFacts } from './parsers/virtualization.js';
export { parseSensors, type TemperatureFacts } from './parsers/sensors.js';
export { parseLastReboot, parseUptime, parseHostDate, type RebootFacts, type HostClock } from './parsers/boot.js';
export { parseLsblk, parseProcSwaps, type BlockDevice } from './parsers/lsblk.js';
