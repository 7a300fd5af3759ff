/**
 * The lab's alarm feed, in the two shapes faultline reads: a ticket-system export
 * (`GET /alarms/tickets`) and an Alertmanager webhook payload, version 4
 * (`GET /alarms/alertmanager`).
 */
import { createHash } from 'node:crypto';
import type { LabResponse } from '../openstack/http.js';
import type { LabFaults, LabTicket } from '../scenarios/faults.js';

const URGENT = new Set(['CPU', 'NIC', 'MAINBOARD', 'MEM_UE', 'PSU', 'DISK_FAILED', 'DISK_DATA_LOSS', 'PING_FAIL', 'SYS_KERNEL_PANIC']);

function alert(t: LabTicket, origin: string): Record<string, unknown> {
  return {
    status: t.status === 'open' ? 'firing' : 'resolved',
    labels: {
      alertname: t.fault_code,
      fault_code: t.fault_code,
      host: t.host,
      ticket_id: t.ticket_id,
      location: t.location,
      ip: t.ips.join(','),
      count: String(t.count),
      severity: URGENT.has(t.fault_code) ? 'critical' : 'warning',
    },
    annotations: { summary: t.message },
    startsAt: t.raised_at,
    endsAt: t.closed_at ?? '0001-01-01T00:00:00Z',
    generatorURL: `${origin}/alarms/tickets#${t.ticket_id}`,
    fingerprint: createHash('sha256').update(`${t.host}/${t.fault_code}/${t.ticket_id}`).digest('hex').slice(0, 16),
  };
}

/** An Alertmanager webhook body (version 4) carrying every ticket as an alert. */
export function alertmanagerPayload(tickets: readonly LabTicket[], origin: string): Record<string, unknown> {
  const firing = tickets.some((t) => t.status === 'open');
  return {
    version: '4',
    groupKey: '{}:{}',
    truncatedAlerts: 0,
    status: firing ? 'firing' : 'resolved',
    receiver: 'faultline',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: `${origin}/alarms`,
    alerts: tickets.map((t) => alert(t, origin)),
  };
}

export function handleAlarms(faults: LabFaults, method: string, path: string, origin: string): LabResponse {
  if (method !== 'GET' && method !== 'HEAD') return { status: 405, body: { error: 'only GET' } };
  const tickets = faults.ticketFeed().map(({ fault_id: _faultId, ...t }) => t);
  if (path === '/tickets') return { status: 200, body: tickets };
  if (path === '/alertmanager') return { status: 200, body: alertmanagerPayload(faults.ticketFeed(), origin) };
  return { status: 404, body: { error: 'try /alarms/tickets or /alarms/alertmanager' } };
}
