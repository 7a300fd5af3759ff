import { z } from 'zod';
import { SEVERITIES } from '../../core/severity.js';
import { defineDetector, type RawFinding } from '../define.js';
import { DAY_MS, historyOf } from '../history.js';
import { isUnrequestedStop, serverEvidence, serverRef, serverUrgency, timeOf } from '../resources.js';

type Messages = 'stoppedAcrossDays';

export default defineDetector({
  id: 'server-stopped-by-host-repeatedly',
  title: 'Server stopped by its host on several days',
  layer: 'openstack',
  severity: 'high',
  description: 'Finds servers that Nova stopped on its own on several different days, counting the stops the store kept after Nova\'s action list dropped them.',
  explanation:
    'A server its host keeps stopping is not the same as one that stopped once: something on the hypervisor kills the guest again and again ' +
    '(memory pressure, a failing disk, overheating). Nova keeps only so many instance actions, and a watchdog that restarts the server adds a ' +
    'start for every stop, so the early stops fall off the list; seed 002 found dozens over months by hand. faultline keeps every stop it ' +
    'has seen, so the pattern across days survives.',
  requires: ['servers', 'history'],
  scope: 'server',
  uses: ['instanceActions', 'hypervisors', 'regions', 'inventory'],
  messages: {
    stoppedAcrossDays:
      'Server {{name}} was stopped by its host {{stops}} times on {{days}} different days in the last {{window}} days (first {{first}}, last {{last}}); Nova\'s action list still holds {{novaHolds}} of them. The cause is on {{host}}.',
  },
  options: z.object({
    minDays: z.number().int().min(2).default(3).describe('different days with a stop Nova did on its own that make the pattern'),
    windowDays: z.number().positive().default(30).describe('how far back stops are counted, in days'),
    devSeverity: z.enum(SEVERITIES).default('medium').describe('severity for servers in a dev zone'),
  }),
  remediation: {
    runbook: 'auto-start-shutoff',
    steps: [
      'Stop restarting it blindly: exclude it from any watchdog that starts SHUTOFF servers until the cause is found.',
      'Line the stop times (`faultline history <server>`) up with the hypervisor\'s kernel log, libvirt log and SMART data.',
      'If the hypervisor is at fault, move the server away once a DB server\'s owners, if any, agree.',
    ],
  },
  source: 'catalog §3 server-shutoff-flapping, §4 auto-start SHUTOFF workers; seed 002; issue 14 (beyond what Nova\'s action list still holds)',
  detect({ snapshot, index, options, now }) {
    const out: RawFinding<Messages>[] = [];
    const end = now.getTime();
    const start = end - options.windowDays * DAY_MS;
    const stops = new Map<string, Map<string, { at: number; nova: boolean }>>();
    const add = (serverId: string, requestId: string, at: number | undefined, nova: boolean): void => {
      if (at === undefined || at < start || at > end) return;
      const list = stops.get(serverId) ?? new Map<string, { at: number; nova: boolean }>();
      const known = list.get(requestId);
      list.set(requestId, { at, nova: nova || (known?.nova ?? false) });
      stops.set(serverId, list);
    };
    for (const s of historyOf(snapshot).hostStops) add(s.serverId, s.requestId, timeOf(s.startedAt), false);
    for (const a of snapshot.instanceActions) if (isUnrequestedStop(a)) add(a.serverId, a.requestId, timeOf(a.startTime), true);
    for (const server of snapshot.servers) {
      const list = [...(stops.get(server.id)?.values() ?? [])].sort((a, b) => a.at - b.at);
      const days = new Set(list.map((s) => new Date(s.at).toISOString().slice(0, 10)));
      if (days.size < options.minDays) continue;
      const first = list[0];
      const last = list[list.length - 1];
      if (!first || !last) continue;
      const urgency = serverUrgency(index, server, 'high', options.devSeverity, server.status.toUpperCase() === 'ACTIVE' ? 'serving' : 'affected');
      const novaHolds = list.filter((s) => s.nova).length;
      out.push({
        messageId: 'stoppedAcrossDays',
        severity: urgency.severity,
        data: {
          name: server.name,
          stops: list.length,
          days: days.size,
          window: options.windowDays,
          first: new Date(first.at).toISOString(),
          last: new Date(last.at).toISOString(),
          novaHolds,
          host: server.host ?? index.hypervisorOf(server)?.name ?? 'its hypervisor',
        },
        resource: serverRef(index, server),
        evidence: [
          ...serverEvidence(index, server),
          { label: 'stops_by_host', value: list.length, source: 'store and nova instance actions' },
          { label: 'days_with_stops', value: [...days].join(', '), source: 'store and nova instance actions' },
          { label: 'only_in_store', value: list.length - novaHolds, source: 'store' },
          ...urgency.evidence,
        ],
      });
    }
    return out;
  },
});
