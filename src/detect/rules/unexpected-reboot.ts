import { z } from 'zod';
import type { Evidence } from '../../core/findings.js';
import { SEVERITIES } from '../../core/severity.js';
import { defineDetector, type RawFinding } from '../define.js';
import { eventTime, hostRef, hostUrgency, listNames, matchesGlob, serversOnHost } from '../resources.js';

type Messages = 'unexpectedReboot';

const isoTime = z.string().refine((s) => eventTime(s) !== undefined, 'not a date or time');

function formatAgo(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h` : `${Math.round(hours / 24)} days`;
}

export default defineDetector({
  id: 'unexpected-reboot',
  title: 'Host rebooted without a maintenance record',
  layer: 'host',
  severity: 'high',
  description: 'Finds hosts that booted recently when no maintenance window covers the boot.',
  explanation:
    'A hypervisor that reboots takes every server on it down; Nova leaves them SHUTOFF, or restarts them only when ' +
    '`resume_guests_state_on_host_boot` is set. A Kubernetes node that reboots drops its pods. When nobody planned the ' +
    'reboot, something did it: a kernel panic, a watchdog, the board after a thermal trip or a power fault, or someone ' +
    'who did not announce the work. The servers need to be brought back and the cause found before it happens again.',
  requires: ['hostFacts'],
  uses: ['hypervisors', 'servers', 'regions', 'inventory'],
  messages: {
    unexpectedReboot: '{{host}} booted at {{time}} ({{ago}} ago) and no maintenance window covers it; {{count}} reboot(s) within {{hours}} h.',
  },
  options: z.object({
    withinHours: z.number().positive().default(24).describe('report boots within this many hours before the scan'),
    maintenanceWindows: z
      .array(
        z.object({
          host: z.string().describe('host name glob (`*`), e.g. "krane-pg1-com09*"'),
          from: isoTime.describe('start of the window, ISO 8601 (UTC unless a zone is given)'),
          to: isoTime.describe('end of the window, ISO 8601'),
          reason: z.string().optional().describe('ticket or work description, shown in the evidence'),
        }),
      )
      .default([])
      .describe('planned work: a boot of a matching host between from and to is expected'),
    devSeverity: z.enum(SEVERITIES).default('medium').describe('severity for a host in a dev zone'),
  }),
  remediation: {
    runbook: 'pm-hang',
    steps: [
      'Check the servers on the host: `faultline show <host>`; start the SHUTOFF ones (`openstack server start`) and confirm ping and ssh for each, restarting stragglers one by one (runbook pm-hang).',
      'Find the cause: `last -x reboot shutdown`, `journalctl --list-boots` then `journalctl -b -1 -e` for the end of the previous boot, `ipmitool sel list` for power and thermal events, kdump files under /var/crash.',
      'If the reboot was planned, add the window to `maintenanceWindows` (or suppress the finding) so it is recorded.',
      'A second unexplained reboot of the same host within a month: treat it as a hardware fault and plan a box swap.',
    ],
  },
  source: 'catalog §3 host layer (unexpected-reboot); seed 003 (last reboot / uptime checks)',
  detect({ snapshot, index, options, now }) {
    const out: RawFinding<Messages>[] = [];
    const since = now.getTime() - options.withinHours * 3_600_000;
    const windows = options.maintenanceWindows.map((w) => ({ ...w, fromMs: eventTime(w.from) as number, toMs: eventTime(w.to) as number }));
    for (const facts of snapshot.hostFacts) {
      const boots = [facts.bootTime, ...(facts.reboots ?? []).map((r) => r.time)]
        .map((t) => ({ text: t, ms: eventTime(t) }))
        .filter((b): b is { text: string; ms: number } => b.text !== undefined && b.ms !== undefined && b.ms >= since);
      // bootTime and the newest `last reboot` entry are usually the same boot, seconds apart.
      const distinct = boots.sort((a, b) => a.ms - b.ms).filter((b, i, all) => i === 0 || b.ms - (all[i - 1] as { ms: number }).ms > 5 * 60_000);
      const unexplained = distinct.filter((b) => !windows.some((w) => matchesGlob(w.host, facts.host) && b.ms >= w.fromMs && b.ms <= w.toMs));
      const latest = unexplained[unexplained.length - 1];
      if (!latest) continue;

      const servers = serversOnHost(index, facts.host);
      const shutoff = servers.filter((s) => s.status.toUpperCase() === 'SHUTOFF');
      const urgency = hostUrgency(index, facts.host, 'high', options.devSeverity);
      const evidence: Evidence[] = [
        { label: 'boot_time', value: latest.text, source: 'uptime / last reboot' },
        { label: 'reboots_in_window', value: distinct.length, source: 'last reboot' },
        { label: 'unexplained_reboots', value: unexplained.length, source: 'last reboot' },
        ...(distinct.length > unexplained.length ? [{ label: 'covered_by_maintenance', value: distinct.length - unexplained.length, source: 'options' }] : []),
        ...(shutoff.length > 0 ? [{ label: 'shutoff_servers', value: listNames(shutoff.map((s) => s.name)), source: 'nova' }] : []),
        ...urgency.evidence,
      ];
      out.push({
        messageId: 'unexpectedReboot',
        data: { host: facts.host, time: latest.text, ago: formatAgo(now.getTime() - latest.ms), count: unexplained.length, hours: options.withinHours },
        resource: hostRef(index, facts.host),
        severity: urgency.severity,
        evidence,
      });
    }
    return out;
  },
});
