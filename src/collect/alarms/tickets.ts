import { CollectorError } from '../../core/errors.js';
import type { Alarm } from '../../snapshot/schema.js';
import { FeedIssues, Fields, finishAlarm, parseCount, parseIps, parseTime } from './fields.js';

/** Field names accepted for each ticket field, most specific first. */
const NAMES = {
  ticketId: ['ticket_id', 'ticketId', 'ticket_no', 'ticket_number', 'ticket', 'id', 'no'],
  host: ['host', 'hostname', 'host_name', 'server', 'server_name', 'pm', 'node'],
  faultCode: ['fault_code', 'faultCode', 'code', 'fault', 'alarm_code', 'alarm', 'error_code'],
  location: ['location', 'server_location', 'position', 'loc', 'rack'],
  ips: ['ips', 'ip', 'ip_addresses', 'ip_address', 'addresses', 'server_ips'],
  message: ['message', 'server_message', 'msg', 'description', 'summary', 'detail'],
  raisedAt: ['raised_at', 'raisedAt', 'created_at', 'opened_at', 'occurred_at', 'time', 'timestamp', 'date'],
  status: ['status', 'state', 'ticket_status'],
  count: ['count', 'ticket_count', 'occurrences', 'repeat_count', 'times'],
} as const;

const OPEN = new Set(['open', 'opened', 'new', 'active', 'firing', 'inprogress', 'assigned', 'acknowledged', 'ack', 'pending', 'reopened']);
const CLOSED = new Set(['closed', 'close', 'resolved', 'done', 'completed', 'complete', 'cancelled', 'canceled', 'ok', 'cleared', 'fixed']);

export interface FeedReadOptions {
  /** Used when a row has no usable time, so the alarm is kept (and the feed marked partial). */
  readonly now: Date;
  /** Offset for times written without a zone. */
  readonly naiveTimeOffset: string;
}

export interface ParsedFeed {
  readonly alarms: Alarm[];
  readonly issues: FeedIssues;
}

function rowsOf(doc: unknown, source: string): unknown[] {
  if (Array.isArray(doc)) return doc;
  if (doc && typeof doc === 'object') {
    for (const key of ['tickets', 'items']) {
      const list = (doc as Record<string, unknown>)[key];
      if (Array.isArray(list)) return list;
    }
    const keys = Object.keys(doc).slice(0, 8).join(', ');
    throw new CollectorError(`alarm feed ${source}: expected an array of tickets or {"tickets": [...]}, got an object with keys ${keys || '(none)'}`);
  }
  throw new CollectorError(`alarm feed ${source}: expected an array of tickets or {"tickets": [...]}, got ${doc === null ? 'null' : typeof doc}`);
}

/**
 * Reads a ticket-system export: `ticket id / host / fault code / location / IPs /
 * message`, plus time, status and the ticket count. A bad row is reported and
 * skipped (or repaired, when only the time or count is unreadable); the rest of
 * the feed is kept, because one malformed ticket must not hide a dead mainboard.
 */
export function parseTicketFeed(doc: unknown, source: string, options: FeedReadOptions): ParsedFeed {
  const rows = rowsOf(doc, source);
  const issues = new FeedIssues();
  const alarms: Alarm[] = [];
  rows.forEach((row, i) => {
    let where = `tickets[${i}]`;
    if (!row || typeof row !== 'object' || Array.isArray(row)) {
      issues.problem(`${where}: not an object; skipped`);
      return;
    }
    const f = new Fields(row as Record<string, unknown>);
    const ticketId = f.text(NAMES.ticketId);
    if (ticketId) where += ` (ticket ${ticketId})`;
    const host = f.text(NAMES.host);
    const faultCode = f.text(NAMES.faultCode);
    const missing = [!host && 'host', !faultCode && 'fault code'].filter(Boolean);
    if (missing.length > 0 || !host || !faultCode) {
      issues.problem(`${where}: no ${missing.join(' and ')}; skipped`);
      return;
    }

    const rawTime = f.get(NAMES.raisedAt);
    const time = parseTime(rawTime, options.naiveTimeOffset);
    if (time?.naive) issues.naiveTime();
    if (!time) {
      issues.problem(`${where}: ${rawTime === undefined ? 'no time' : `unreadable time ${JSON.stringify(rawTime)}`}; using the collection time`);
    }

    const rawStatus = f.text(NAMES.status);
    let status: Alarm['status'] = 'open';
    if (rawStatus !== undefined) {
      const s = rawStatus.toLowerCase().replace(/[^a-z]/g, '');
      if (CLOSED.has(s)) status = 'closed';
      else if (!OPEN.has(s)) issues.note(`${where}: unknown status ${JSON.stringify(rawStatus)} read as open`);
    }

    const rawCount = f.get(NAMES.count);
    let count = rawCount === undefined ? 1 : parseCount(rawCount);
    if (count === undefined) {
      issues.problem(`${where}: count ${JSON.stringify(rawCount)} is not a positive whole number; using 1`);
      count = 1;
    }

    const rawIps = f.get(NAMES.ips);
    let ips = parseIps(rawIps);
    if (ips === undefined) {
      issues.problem(`${where}: IPs ${JSON.stringify(rawIps)} are neither a list nor text; ignored`);
      ips = [];
    }

    const location = f.text(NAMES.location);
    const alarm = finishAlarm(
      {
        ticketId: ticketId ?? `${host}/${faultCode}/row-${i}`,
        host,
        faultCode,
        ...(location ? { location } : {}),
        ips,
        message: f.text(NAMES.message) ?? '',
        raisedAt: time?.iso ?? options.now.toISOString(),
        status,
        count,
      },
      where,
      issues,
    );
    if (!ticketId && alarm) issues.problem(`${where}: no ticket id; named ${alarm.ticketId}`);
    if (alarm) alarms.push(alarm);
  });
  return { alarms, issues };
}
