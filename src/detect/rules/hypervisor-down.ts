import { z } from 'zod';
import type { Evidence } from '../../core/findings.js';
import { SEVERITIES, type Severity } from '../../core/severity.js';
import type { ComputeService, Hypervisor } from '../../snapshot/schema.js';
import type { FleetIndex } from '../../snapshot/fleet-index.js';
import { defineDetector, type RawFinding } from '../define.js';
import { hypervisorProbe, hypervisorRef, hypervisorUrgency, isValidPattern, judgeReachability, probeEvidence, timeOf } from '../resources.js';

type Messages = 'pingFailed' | 'sshFailed' | 'forcedDown' | 'serviceDown' | 'serviceDisabled';

/** What Nova says about the compute service of one hypervisor. */
interface ServiceView {
  readonly state: 'up' | 'down' | undefined;
  readonly status: 'enabled' | 'disabled' | undefined;
  readonly forcedDown: boolean;
  readonly disabledReason: string | null;
  readonly heartbeat: string | null;
  readonly source: string;
}

/**
 * The nova-compute service record of a hypervisor. When a host was renamed or
 * re-registered there can be several; the one with the newest heartbeat speaks
 * for it. Without any record, the hypervisor API's own state and status stand in.
 */
function serviceOf(index: FleetIndex, hv: Hypervisor): ServiceView {
  const records = [...index.computeServicesOn(hv.host), ...(hv.name !== hv.host ? index.computeServicesOn(hv.name) : [])].filter(
    (s) => s.binary === 'nova-compute',
  );
  const newest = records.reduce<ComputeService | undefined>(
    (best, s) => (best === undefined || (timeOf(s.updatedAt) ?? 0) > (timeOf(best.updatedAt) ?? 0) ? s : best),
    undefined,
  );
  if (newest) {
    return {
      state: newest.state,
      status: newest.status,
      forcedDown: newest.forcedDown === true,
      disabledReason: newest.disabledReason ?? null,
      heartbeat: newest.updatedAt ?? null,
      source: 'nova os-services',
    };
  }
  return { state: hv.state, status: hv.status, forcedDown: false, disabledReason: null, heartbeat: null, source: 'nova os-hypervisors' };
}

function describeService(s: ServiceView): string {
  if (s.state === undefined && s.status === undefined) return 'of unknown state';
  const parts = [s.state ?? 'state unknown', s.status ?? 'status unknown'];
  if (s.forcedDown) parts.push('forced down');
  return parts.join(', ');
}

const SSH_OUTCOME: Readonly<Record<string, string>> = {
  refused: 'is refused',
  timeout: 'times out',
  hang: 'hangs without a banner',
  error: 'fails',
};

export default defineDetector({
  id: 'hypervisor-down',
  title: 'Hypervisor down, disabled or unreachable',
  layer: 'openstack',
  severity: 'high',
  description: 'Finds hypervisors whose nova-compute service is down, forced down or disabled, or whose host does not answer ping or ssh.',
  explanation:
    'A hypervisor whose nova-compute service stops reporting can no longer start, stop or repair its servers, and a host ' +
    'that stops answering ping is usually hung outright, taking every server on it down. Forced down is what fencing or ' +
    'an operator sets when the host is known dead. A disabled service leaves running servers alone but takes the host out ' +
    'of scheduling, which is right during maintenance and a quiet loss of capacity when it is forgotten.',
  requires: ['hypervisors', 'computeServices'],
  uses: ['probes', 'servers', 'regions', 'inventory'],
  messages: {
    pingFailed: 'Hypervisor {{host}} does not answer ping at {{address}}; nova-compute is {{service}}.',
    sshFailed: 'Hypervisor {{host}} answers ping but ssh {{outcome}} at {{address}}; nova-compute is {{service}}.',
    forcedDown: 'nova-compute on {{host}} is forced down ({{service}}).',
    serviceDown: 'nova-compute on {{host}} is down; last heartbeat {{heartbeat}}.',
    serviceDisabled: 'nova-compute on {{host}} is disabled: {{reason}}.',
  },
  options: z.object({
    devSeverity: z.enum(SEVERITIES).default('medium').describe('severity for a down or unreachable hypervisor in a dev zone'),
    disabledSeverity: z.enum(SEVERITIES).default('low').describe('severity for a service that is only disabled (still up and reachable)'),
    maintenanceReasonPattern: z
      .string()
      .refine(isValidPattern, 'not a valid regular expression')
      .default('maint|점검|작업|repair|rma|replac|upgrade|evacuat')
      .describe('a disabled_reason matching this regular expression (case-insensitive) marks planned maintenance'),
    maintenanceSeverity: z.enum(SEVERITIES).default('info').describe('severity for any finding on a hypervisor disabled for maintenance'),
  }),
  remediation: {
    runbook: 'pm-hang',
    steps: [
      'Prod zone: list the servers on the hypervisor and check for DB servers; if any is already unreachable, move fast and tell the DB on-call.',
      'Try `ssh <hypervisor>`. If it answers, check the compute agents (runbook compute-agents-down): `docker-compose ps` under /opt/krane/nova, or `crictl ps --name nova-*` on containerd hosts.',
      'If it is really hung: get the fault notice out first, then reboot it out of band (IPMI/iDRAC).',
      'After the reboot: start its servers (`openstack server start` for each SHUTOFF one) and confirm every one is ACTIVE and answers ping and ssh; restart stragglers one by one.',
      'Still bad: prod, page the platform on-call; dev, mention the on-call during the day.',
      'Disabled on purpose: finish the maintenance and `openstack compute service set --enable <host> nova-compute`; clear forced down with `--up` once the host is healthy.',
    ],
  },
  source: 'catalog §3 OpenStack API layer (hypervisor-down); seed 000 §4.4, §4.10',
  detect({ snapshot, index, options }) {
    const out: RawFinding<Messages>[] = [];
    const maintenance = new RegExp(options.maintenanceReasonPattern, 'i');
    for (const hv of snapshot.hypervisors) {
      const service = serviceOf(index, hv);
      const probe = hypervisorProbe(index, hv);
      const reach = judgeReachability(probe, false);
      const address = probe?.address || hv.hostIp || hv.name;
      const serviceText = describeService(service);

      let messageId: Messages;
      let data: Record<string, string>;
      if (reach === 'ping-failed') {
        messageId = 'pingFailed';
        data = { host: hv.name, address, service: serviceText };
      } else if (reach === 'ssh-failed' || reach === 'ssh-hang') {
        messageId = 'sshFailed';
        data = { host: hv.name, address, service: serviceText, outcome: SSH_OUTCOME[probe?.ssh?.state ?? ''] ?? 'fails' };
      } else if (service.forcedDown) {
        messageId = 'forcedDown';
        data = { host: hv.name, service: serviceText };
      } else if (service.state === 'down') {
        messageId = 'serviceDown';
        data = { host: hv.name, heartbeat: service.heartbeat ?? 'unknown' };
      } else if (service.status === 'disabled') {
        messageId = 'serviceDisabled';
        data = { host: hv.name, reason: service.disabledReason || 'no reason given' };
      } else {
        continue;
      }

      const inMaintenance = service.status === 'disabled' && service.disabledReason != null && maintenance.test(service.disabledReason);
      // A host that does not answer has taken its servers down with it; a dead service alone has not.
      const hung = messageId === 'pingFailed' || messageId === 'sshFailed';
      const urgency = hypervisorUrgency(index, hv, 'high', options.devSeverity, hung ? 'affected' : 'serving');
      let severity: Severity;
      if (inMaintenance) severity = options.maintenanceSeverity;
      else if (messageId === 'serviceDisabled') severity = options.disabledSeverity;
      else severity = urgency.severity;

      const evidence: Evidence[] = [
        { label: 'service_state', value: service.state ?? null, source: service.source },
        { label: 'service_status', value: service.status ?? null, source: service.source },
        { label: 'forced_down', value: service.forcedDown, source: service.source },
        { label: 'disabled_reason', value: service.disabledReason, source: service.source },
        { label: 'last_heartbeat', value: service.heartbeat, source: service.source },
        ...(probe ? probeEvidence(probe) : [{ label: 'probe', value: 'not probed', source: 'probes' }]),
        ...urgency.evidence,
        ...(inMaintenance ? [{ label: 'maintenance', value: `disabled for maintenance, severity lowered: ${service.disabledReason}`, source: 'nova os-services' }] : []),
      ];
      out.push({ messageId, data, severity, resource: hypervisorRef(hv), evidence });
    }
    return out;
  },
});
