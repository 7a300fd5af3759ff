import type { SqlRunner } from './engine.js';

/**
 * `faultline history <subject>`: everything the store knows about a host, a
 * server (by id or name) or a finding (by fingerprint), as one list in time order.
 */
export type TimelineKind = 'finding-opened' | 'finding-resolved' | 'incident-opened' | 'incident-resolved' | 'ticket' | 'host-stop' | 'action';

export interface TimelineEvent {
  readonly at: string;
  readonly kind: TimelineKind;
  /** The resource it is about, as the operator knows it. */
  readonly subject: string;
  readonly summary: string;
  /** The fingerprint, incident id, ticket id or Nova request id to look further with. */
  readonly ref?: string;
}

export interface Timeline {
  readonly subject: string;
  readonly events: readonly TimelineEvent[];
}

export async function timelineOf(db: SqlRunner, subject: string, limit = 500): Promise<Timeline> {
  const events: TimelineEvent[] = [];
  const findings = await db.query<{ fingerprint: string; detector_id: string; severity: string; message: string; message_id: string; alarm_ticket: string | null; resource_name: string | null; resource_id: string; opened_at: string; closed_at: string | null }>(
    `SELECT f.fingerprint, f.detector_id, f.severity, e.message, e.message_id, e.alarm_ticket, f.resource_name, f.resource_id, e.opened_at, e.closed_at
       FROM findings f JOIN finding_episodes e ON e.fingerprint = f.fingerprint
      WHERE f.fingerprint = $1 OR f.resource_id = $1 OR f.resource_name = $1 OR f.parent_id = $1 OR f.parent_name = $1`,
    [subject],
  );
  for (const f of findings) {
    const who = f.resource_name ?? f.resource_id;
    // Each spell shows the message it opened with, not the finding's latest wording.
    const ticket = f.alarm_ticket ? ` [ticket ${f.alarm_ticket}]` : '';
    events.push({ at: f.opened_at, kind: 'finding-opened', subject: who, summary: `${f.detector_id}/${f.message_id} (${f.severity}): ${f.message}${ticket}`, ref: f.fingerprint });
    if (f.closed_at) events.push({ at: f.closed_at, kind: 'finding-resolved', subject: who, summary: `${f.detector_id} no longer found`, ref: f.fingerprint });
  }
  const incidents = await db.query<{ id: string; incident_case: string; severity: string; title: string; root_name: string | null; root_id: string; opened_at: string; closed_at: string | null }>(
    `SELECT i.id, i.incident_case, i.severity, i.title, i.root_name, i.root_id, e.opened_at, e.closed_at
       FROM incidents i JOIN incident_episodes e ON e.incident_id = i.id
      WHERE i.id = $1 OR i.root_id = $1 OR i.root_name = $1 OR i.root_fingerprint = $1 OR i.finding_fingerprints ? $1`,
    [subject],
  );
  for (const i of incidents) {
    const who = i.root_name ?? i.root_id;
    events.push({ at: i.opened_at, kind: 'incident-opened', subject: who, summary: `${i.incident_case} (${i.severity}): ${i.title}`, ref: i.id });
    if (i.closed_at) events.push({ at: i.closed_at, kind: 'incident-resolved', subject: who, summary: `${i.incident_case} incident over`, ref: i.id });
  }
  const tickets = await db.query<{ ticket_id: string; host: string; fault_code: string; observed_at: string; count: number; status: string }>(
    `SELECT a.ticket_id, a.host, a.fault_code, c.observed_at, c.count, c.status
       FROM alarms a JOIN alarm_counts c ON c.ticket_id = a.ticket_id
      WHERE a.host = $1 OR a.ticket_id = $1`,
    [subject],
  );
  for (const t of tickets) {
    events.push({ at: t.observed_at, kind: 'ticket', subject: t.host, summary: `ticket ${t.ticket_id} ${t.fault_code}: count ${t.count}, ${t.status}`, ref: t.ticket_id });
  }
  const stops = await db.query<{ request_id: string; server_id: string; server_name: string | null; host: string | null; started_at: string }>(
    'SELECT request_id, server_id, server_name, host, started_at FROM host_stops WHERE server_id = $1 OR server_name = $1 OR host = $1 OR request_id = $1',
    [subject],
  );
  for (const s of stops) {
    events.push({ at: s.started_at, kind: 'host-stop', subject: s.server_name ?? s.server_id, summary: `stopped by Nova itself (no user), on ${s.host ?? 'an unknown host'}`, ref: s.request_id });
  }
  const actions = await db.query<{ at: string; actor: string; command: string; action: string; target_id: string; target_name: string | null; result: string; detail: string; request_id: string | null }>(
    'SELECT at, actor, command, action, target_id, target_name, result, detail, request_id FROM actions WHERE target_id = $1 OR target_name = $1 OR host = $1 OR request_id = $1',
    [subject],
  );
  for (const a of actions) {
    events.push({
      at: a.at,
      kind: 'action',
      subject: a.target_name ?? a.target_id,
      summary: `${a.actor} ran ${a.command}: ${a.action} ${a.result}${a.detail ? ` (${a.detail})` : ''}`,
      ...(a.request_id ? { ref: a.request_id } : {}),
    });
  }
  const order: Record<TimelineKind, number> = { 'finding-resolved': 0, 'incident-resolved': 1, 'host-stop': 2, ticket: 3, 'finding-opened': 4, 'incident-opened': 5, action: 6 };
  events.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || order[a.kind] - order[b.kind] || a.summary.localeCompare(b.summary));
  return { subject, events: events.slice(-limit) };
}
