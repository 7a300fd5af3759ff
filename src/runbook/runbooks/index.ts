import type { Runbook } from '../define.js';
import computeAgentsDown from './compute-agents-down.js';
import diskDataLoss from './disk-data-loss.js';
import hostStoppedServer from './host-stopped-server.js';
import kernelPanicPmFine from './kernel-panic-pm-fine.js';
import partNeedsJudgement from './part-needs-judgement.js';
import partNonUrgent from './part-non-urgent.js';
import partUrgent from './part-urgent.js';
import pmHang from './pm-hang.js';
import vmHang from './vm-hang.js';

/** Every runbook, by id. runbooks.test.ts checks each file under runbooks/ is here and has its doc. */
export const RUNBOOKS: readonly Runbook[] = [vmHang, pmHang, kernelPanicPmFine, hostStoppedServer, computeAgentsDown, partNonUrgent, partNeedsJudgement, partUrgent, diskDataLoss];

export function runbookById(id: string): Runbook | undefined {
  return RUNBOOKS.find((r) => r.id === id);
}
