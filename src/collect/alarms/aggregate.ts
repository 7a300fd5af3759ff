import { shortHostName } from '../../snapshot/fleet-index.js';
import type { Alarm } from '../../snapshot/schema.js';

export interface Aggregated {
  readonly alarms: Alarm[];
  /** Open tickets folded into another ticket for the same host and fault. */
  readonly merged: number;
}

const hostKey = (a: Alarm): string => shortHostName(a.host);

/**
 * Folds duplicates so each open fault on a host is one alarm whose `count` says
 * how often it fired, which is what the ticket-count rules read.
 *
 * 1. The same ticket seen twice (a webhook re-sent, an export listing a row per
 *    update) is one ticket: the later row's status wins, the count is the
 *    largest seen, the time the earliest.
 * 2. Several open tickets for one host and fault code are one fault: counts add
 *    up and the earliest ticket names it; the other ticket ids go in the message.
 *    Closed tickets stay separate, because each is one past occurrence and the
 *    "three times in a month" rule counts them.
 */
export function aggregateAlarms(input: readonly Alarm[]): Aggregated {
  const byTicket = new Map<string, Alarm>();
  for (const a of input) {
    const key = `${a.ticketId}\u0000${hostKey(a)}\u0000${a.faultCode}`;
    const prev = byTicket.get(key);
    if (!prev) {
      byTicket.set(key, a);
      continue;
    }
    byTicket.set(key, {
      ...prev,
      ...a,
      raisedAt: a.raisedAt < prev.raisedAt ? a.raisedAt : prev.raisedAt,
      count: Math.max(a.count, prev.count),
      location: a.location ?? prev.location,
      ips: [...new Set([...prev.ips, ...a.ips])],
      message: a.message || prev.message,
    });
  }

  const out: Alarm[] = [];
  const openGroups = new Map<string, Alarm[]>();
  for (const a of byTicket.values()) {
    if (a.status === 'closed') {
      out.push(a);
      continue;
    }
    const key = `${hostKey(a)}\u0000${a.faultCode}`;
    const group = openGroups.get(key);
    if (group) group.push(a);
    else {
      const fresh = [a];
      openGroups.set(key, fresh);
      // Keep the feed's order: the group takes the slot of its first ticket.
      out.push(a);
    }
  }

  let merged = 0;
  for (const group of openGroups.values()) {
    if (group.length === 1) continue;
    merged += group.length - 1;
    const sorted = [...group].sort((x, y) => x.raisedAt.localeCompare(y.raisedAt) || x.ticketId.localeCompare(y.ticketId));
    const first = sorted[0] as Alarm;
    const others = sorted.slice(1).map((a) => a.ticketId);
    const folded: Alarm = {
      ...first,
      count: group.reduce((sum, a) => sum + a.count, 0),
      location: first.location ?? sorted.find((a) => a.location)?.location,
      ips: [...new Set(sorted.flatMap((a) => a.ips))],
      message: `${first.message || (sorted.find((a) => a.message)?.message ?? '')} (+${others.length} more ticket${others.length === 1 ? '' : 's'}: ${others.join(', ')})`.trim(),
    };
    if (folded.location === undefined) delete (folded as { location?: string }).location;
    out[out.indexOf(group[0] as Alarm)] = folded;
  }
  return { alarms: out, merged };
}
