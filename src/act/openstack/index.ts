export { type RegionClient, type ServerFilter, getServer, findServerById, listServers, listHypervisors, listInstanceActions, projectNames, imageNames, consoleLog, lastLines } from './nova.js';
export { type Target, type LocatedServer, resolveTarget, serversOf, hypervisorMatches, exactPattern, looksLikeUuid } from './target.js';
export { type Reachability, type ReachabilityOptions, DEFAULT_REACHABILITY, checkReachability, isReachable, probeAddress, pingWord, sshWord } from './reachability.js';
export {
  type PowerVerb,
  type ActionKind,
  type ActionResult,
  type ActionRecord,
  type ServerRef,
  type ServerOutcome,
  type PowerOptions,
  type PlannedServer,
  planPower,
  runPower,
  refOf,
  stateOf,
} from './power.js';
