import { partOf } from '../detect/alarm-classes.js';
import { shortHostName } from '../snapshot/fleet-index.js';
import type { History } from '../snapshot/schema.js';
import type { RunRecord } from './ports.js';

/**
 * The memory behind the part-needs-judgement decisions (§4.7), as pure functions of what
 * the store read: the ticket count summed over time the way part-judgement-over-time
 * counts it, and how often the same box needed part work within a month.
 */

const DAY_MS = 86_400_000;

/** The runbooks that are part work on a hypervisor: three of them within a month and the box is replaced. */
export const PART_RUNBOOKS: readonly string[] = ['part-non-urgent', 'part-needs-judgement', 'part-urgent'];

/**
 * The hypervisor's needs-judgement part tickets seen within the window, each at the highest
 * count the store recorded for it, summed: a fault re-raised as new tickets still reaches
 * the count, and one ticket read many times is counted once.
 */
export function ticketCountOverTime(tickets: History['alarmTickets'], host: string, now: Date, windowDays = 30): { count: number; tickets: number } {
  const since = now.getTime() - windowDays * DAY_MS;
  const key = shortHostName(host);
  const best = new Map<string, number>();
  for (const t of tickets) {
    if (shortHostName(t.host) !== key || partOf(t)?.cls !== 'needs-judgement' || Date.parse(t.lastSeen) < since) continue;
    best.set(t.ticketId, Math.max(best.get(t.ticketId) ?? 0, t.maxCount));
  }
  return { count: [...best.values()].reduce((a, b) => a + b, 0), tickets: best.size };
}

/** Part runs on the hypervisor created within the window and not aborted (the run asking is one of them). */
export function partWorkWithin(runs: readonly RunRecord[], hypervisorId: string, now: Date, windowDays = 30): number {
  const since = now.getTime() - windowDays * DAY_MS;
  return runs.filter((r) => PART_RUNBOOKS.includes(r.runbook) && r.status !== 'aborted' && (r.context.hypervisor?.id ?? r.context.target.id) === hypervisorId && Date.parse(r.createdAt) >= since && Date.parse(r.createdAt) <= now.getTime()).length;
}
