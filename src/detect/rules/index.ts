import type { AnyDetector } from '../define.js';
import hypervisorDown from './hypervisor-down.js';
import hypervisorMassImpact from './hypervisor-mass-impact.js';
import networkAgentsDown from './network-agents-down.js';
import serverError from './server-error.js';
import serverShutoffFlapping from './server-shutoff-flapping.js';
import serverStuckTask from './server-stuck-task.js';
import serverUnreachable from './server-unreachable.js';
import serverUnrequestedShutoff from './server-unrequested-shutoff.js';
import diskDataLoss from './disk-data-loss.js';
import partNeedsJudgement from './part-needs-judgement.js';
import partNonUrgent from './part-non-urgent.js';
import partUrgent from './part-urgent.js';

/**
 * Every detector faultline ships, in documentation order. A parity test checks
 * that each file under rules/ is listed here and has a docs page.
 */
export const detectors = [
  // OpenStack API layer: servers, then the hypervisors and agents under them.
  serverError,
  serverUnreachable,
  serverUnrequestedShutoff,
  serverShutoffFlapping,
  serverStuckTask,
  hypervisorDown,
  hypervisorMassImpact,
  networkAgentsDown,
  // Hardware alarms from the ticket feed, by handling class.
  partNonUrgent,
  partNeedsJudgement,
  partUrgent,
  diskDataLoss,
] as const satisfies readonly AnyDetector[];

export type DetectorId = (typeof detectors)[number]['id'];
