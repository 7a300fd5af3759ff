/**
 * Test-only: incidents and tickets the way correlation and the alarm feed hand
 * them to the notices, with names an attacker (or an unlucky developer) might
 * give a server. Not part of the notices' API.
 */
import { radiusOf } from '../../correlate/blast-radius.js';
import type { AffectedServer, Incident, IncidentCase } from '../../correlate/types.js';
import type { Alarm } from '../../snapshot/schema.js';

/** Server names that would turn into formatting, links, code or mentions if pasted raw. */
export const HOSTILE_NAMES = ['*evil*_name_', '`rm -rf`', '<!channel>', '@here', '[x](http://e)', '~~gone~~ #general', '```code```', '<img src=x onerror=alert(1)>', 'a&amp;b > c', 'www.example.com'] as const;

export const TICKET: Alarm = {
  ticketId: '721440',
  host: 'krane-pg1-com908',
  faultCode: 'PING_FAIL',
  location: 'PG1-024-22-14-33',
  ips: ['10.61.128.38', '10.162.120.200'],
  message: 'CRITICAL - Plugin timed out',
  raisedAt: '2026-12-03T01:00:00.000Z',
  status: 'open',
  count: 1,
};

export function server(name: string, extra: Partial<AffectedServer> = {}): AffectedServer {
  return { id: `id-${name}`, name, hypervisor: 'krane-pg1-com908', region: 'pg1', project: 'commerce-prod', ips: ['10.1.0.5'], owners: ['alice'], db: false, impacted: true, ...extra };
}

export function incident(options: { case?: IncidentCase; servers?: readonly AffectedServer[]; title?: string; tickets?: readonly string[]; zone?: 'prod' | 'dev' } = {}): Incident {
  const servers = options.servers ?? [server('web-1'), server('toros-stargate-my1', { db: true, owners: ['bob', 'alice'] })];
  return {
    id: 'inc-pm-hang-krane-pg1-com908',
    title: options.title ?? 'krane-pg1-com908 is hung',
    case: options.case ?? 'pm-hang',
    severity: 'critical',
    region: 'pg1',
    zone: options.zone ?? 'prod',
    root: { resource: { kind: 'hypervisor', id: 'hv-908', name: 'krane-pg1-com908', region: 'pg1' }, detectorId: 'hypervisor-down', fingerprint: 'fp-root' },
    chain: [{ resource: { kind: 'hypervisor', id: 'hv-908', name: 'krane-pg1-com908' }, detectorId: 'hypervisor-down', summary: 'no ping, no ssh' }],
    blastRadius: radiusOf(servers, []),
    findings: ['fp-root'],
    tickets: options.tickets ?? [TICKET.ticketId],
  };
}

/** A pm-hang incident whose every server, owner and ticket field is hostile. */
export function hostileIncident(): { incident: Incident; alarms: Alarm[] } {
  const servers = HOSTILE_NAMES.map((name, i) => server(name, { owners: ['alice'], project: i === 0 ? '_proj_' : 'commerce-prod', db: i === 2 }));
  return {
    incident: incident({ servers, title: '*hung* `krane-pg1-com908` <!here>' }),
    alarms: [{ ...TICKET, message: '**CRITICAL** @channel <!everyone> see [docs](http://x)', location: '<@U999>' }],
  };
}
