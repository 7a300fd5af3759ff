import { z } from 'zod';
import type { Evidence } from '../../core/findings.js';
import { SEVERITIES } from '../../core/severity.js';
import type { Server } from '../../snapshot/schema.js';
import type { FleetIndex } from '../../snapshot/fleet-index.js';
import { defineDetector, type RawFinding } from '../define.js';
import { inputState } from '../inputs.js';
import {
  UNREACHABLE,
  hypervisorRef,
  hypervisorUrgency,
  isUnrequestedStop,
  isValidPattern,
  judgeReachability,
  latestStop,
  listNames,
  serverProbe,
} from '../resources.js';

type Messages = 'massImpact';

type Cause = 'error' | 'unreachable' | 'unrequested-shutoff';

/** Why a server counts as affected, or undefined when it does not. */
function causeOf(index: FleetIndex, server: Server, pingOnly: RegExp): Cause | undefined {
  const status = server.status.toUpperCase();
  if (status === 'ERROR') return 'error';
  if (status === 'ACTIVE') {
    const verdict = judgeReachability(serverProbe(index, server), pingOnly.test(server.name));
    return UNREACHABLE.has(verdict) ? 'unreachable' : undefined;
  }
  if (status === 'SHUTOFF') {
    const stop = latestStop(index, server.id);
    return stop && isUnrequestedStop(stop) ? 'unrequested-shutoff' : undefined;
  }
  return undefined;
}

export default defineDetector({
  id: 'hypervisor-mass-impact',
  title: 'Many servers on one hypervisor affected',
  layer: 'openstack',
  severity: 'critical',
  description: 'Finds hypervisors where several servers at once are in ERROR, unreachable or stopped by Nova itself.',
  explanation:
    'One broken server is a server problem; several on the same hypervisor at the same time almost always share a cause ' +
    'on the host (a hang, storage stall, memory exhaustion, a dead network agent). The runbook treats three or more ' +
    'affected servers on one hypervisor as a hung hypervisor even when the hypervisor itself raised no alarm: fixing the ' +
    'servers one by one wastes time and the host fault stays.',
  requires: ['servers', 'hypervisors'],
  scope: 'hypervisor',
  uses: ['probes', 'instanceActions', 'regions', 'inventory'],
  messages: {
    massImpact: 'Hypervisor {{host}} has {{count}} of {{total}} servers affected ({{causes}}); treat it as a hung hypervisor.',
  },
  options: z.object({
    minAffected: z.number().int().min(2).default(3).describe('affected servers on one hypervisor that make it a hypervisor incident'),
    pingOnlyNamePattern: z
      .string()
      .refine(isValidPattern, 'not a valid regular expression')
      .default('^amphora-')
      .describe('servers whose name matches this regular expression are judged by ping only (load balancer VMs)'),
    devSeverity: z.enum(SEVERITIES).default('high').describe('severity for a hypervisor in a dev zone'),
  }),
  remediation: {
    runbook: 'pm-hang',
    steps: [
      'Prod zone: check the DB servers listed in the evidence; DB servers already affected mean move fast and tell the DB on-call; unaffected ones mean tell them before the reboot.',
      'Try `ssh <hypervisor>` and look at `dmesg -T`, memory (`free -h`) and the compute agents; if it is really hung, get the fault notice out first.',
      'Reboot the hypervisor out of band, then start its servers and confirm every one is ACTIVE and answers ping and ssh.',
      'Restart stragglers one by one; still bad: prod, page the platform on-call; dev, mention the on-call during the day.',
      'Recovery comment on the notice: what was done, who confirmed, and mention the owners of the affected servers.',
    ],
  },
  source: 'catalog §3 OpenStack API layer (hypervisor-mass-impact), §4 VM hang / PM hang; seed 000 §1, §4.2.5, §5.5.3',
  detect({ snapshot, index, options }) {
    const out: RawFinding<Messages>[] = [];
    const pingOnly = new RegExp(options.pingOnlyNamePattern);
    // Without probes or instance actions those causes cannot be counted; say so rather than show a reassuring 0.
    const collected = (key: 'probes' | 'instanceActions'): boolean => {
      const state = inputState(snapshot, key).state;
      return state === 'ok' || state === 'partial';
    };
    const haveProbes = collected('probes');
    const haveActions = collected('instanceActions');
    for (const hv of snapshot.hypervisors) {
      const servers = index.serversOn(hv);
      const affected: { server: Server; cause: Cause }[] = [];
      for (const server of servers) {
        const cause = causeOf(index, server, pingOnly);
        if (cause) affected.push({ server, cause });
      }
      if (affected.length < options.minAffected) continue;
      // By name, not by Nova's listing order: the evidence reads the same whichever order the servers were listed or judged in.
      affected.sort((a, b) => a.server.name.localeCompare(b.server.name) || a.server.id.localeCompare(b.server.id));

      const count = (c: Cause): number => affected.filter((a) => a.cause === c).length;
      const causes = (
        [
          ['error', 'ERROR'],
          ['unreachable', 'unreachable'],
          ['unrequested-shutoff', 'stopped by Nova'],
        ] as const
      )
        .filter(([c]) => count(c) > 0)
        .map(([c, label]) => `${count(c)} ${label}`)
        .join(', ');
      const dbAffected = affected.filter((a) => index.isDatabase(a.server)).map((a) => a.server.name);
      const urgency = hypervisorUrgency(index, hv, 'critical', options.devSeverity, dbAffected.length > 0 ? 'affected' : 'serving');
      const evidence: Evidence[] = [
        { label: 'affected', value: affected.length, source: 'faultline' },
        { label: 'affected_servers', value: listNames(affected.map((a) => a.server.name)), source: 'nova' },
        { label: 'in_error', value: count('error'), source: 'nova' },
        { label: 'unreachable', value: haveProbes ? count('unreachable') : 'not checked (no probes collected)', source: 'probes' },
        {
          label: 'stopped_by_nova',
          value: haveActions ? count('unrequested-shutoff') : 'not checked (no instance actions collected)',
          source: 'nova instance actions',
        },
        { label: 'db_servers_affected', value: dbAffected.length > 0 ? listNames(dbAffected) : 'none', source: 'inventory' },
        ...urgency.evidence,
      ];
      out.push({
        messageId: 'massImpact',
        severity: urgency.severity,
        data: { host: hv.name, count: affected.length, total: servers.length, causes },
        resource: hypervisorRef(hv),
        evidence,
      });
    }
    return out;
  },
});
