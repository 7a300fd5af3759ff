import { z } from 'zod';
import type { Evidence } from '../../core/findings.js';
import { SEVERITIES } from '../../core/severity.js';
import { dbAdvice, faultEvidence, faultResource, faultsOfClass, hostLabel, impactEvidence, reachPhrase } from '../alarm-classes.js';
import { defineDetector, type RawFinding } from '../define.js';

type Messages = 'diskFailed' | 'diskWarningServersDown';

export default defineDetector({
  id: 'disk-data-loss',
  title: 'Disk failed: data on the hypervisor is lost',
  layer: 'hardware',
  severity: 'critical',
  description: 'Finds hypervisors whose disk failed or lost data, and disk warnings on hypervisors whose servers already stopped answering.',
  explanation:
    'The servers on a compute node keep their disks on its local drives. When a drive must be replaced, or its data is gone, ' +
    'the servers on it cannot be recovered: the hypervisor gets a new disk and a fresh OS from the standard template, and the ' +
    'owners rebuild (runbook §4.9). Owners hear it once, in a data-loss notice with fixed wording; a later "recovered" notice ' +
    'would mislead them. A failure-predicted or SMART alarm on a hypervisor whose servers stopped answering is treated the same ' +
    'way until shown otherwise. A file-system error that fsck repairs at reboot, with every server back, is not this case.',
  requires: ['alarms'],
  uses: ['hypervisors', 'servers', 'probes', 'inventory', 'regions'],
  messages: {
    diskFailed:
      'Hypervisor {{host}} has {{part}} (ticket {{ticket}}, {{code}}): send the data-loss notice for its {{servers}}, swap the disk and reinstall the OS from the standard template; {{db}}.',
    diskWarningServersDown:
      'Hypervisor {{host}} has {{part}} (ticket {{ticket}}, {{code}}) and {{reach}}: check for lost data; unless a reboot with fsck brings every server back, treat the disk as failed.',
  },
  options: z.object({
    devSeverity: z.enum(SEVERITIES).default('high').describe('severity for hypervisors in a dev zone (their data is lost just the same, but no service depends on it)'),
    maxServersListed: z.number().int().min(0).default(20).describe('how many affected server names the evidence lists'),
  }),
  remediation: {
    runbook: 'disk-data-loss',
    steps: [
      'Rule out the simple case: if a reboot with fsck brings the hypervisor and every server back, handle it as a plain reboot.',
      'Ask the monitoring desk for the data-loss notice, in its fixed wording: all data is lost, the servers cannot be recovered and will be deleted within 2 days, Kubernetes workers and ingress nodes must be removed and new ones added.',
      'Swap the disk from the spare pool and reinstall the hypervisor OS from the prescribed template.',
      'Tell the platform engineers the reinstall is done; send no "recovered" notice to the owners.',
      'Requests for new servers from affected owners go to the engineers who own those servers.',
    ],
  },
  source: 'catalog §3 Hardware alarms (disk-data-loss), §4 Disk failure / data loss; seed 000 §4.9, §5.5.2',
  detect({ index, options }) {
    const out: RawFinding<Messages>[] = [];
    for (const { fault, impact } of faultsOfClass(index, 'disk-data-loss')) {
      const n = impact.servers.length;
      const listed = impact.servers.slice(0, options.maxServersListed);
      const evidence: Evidence[] = [
        ...faultEvidence(fault),
        ...impactEvidence(impact),
        ...listed.map((s) => ({ label: 'affected_server', value: s.name, source: 'nova' })),
      ];
      if (n > listed.length) evidence.push({ label: 'affected_servers_not_listed', value: n - listed.length, source: 'nova' });
      out.push({
        messageId: fault.kind.diskWarning ? 'diskWarningServersDown' : 'diskFailed',
        data: {
          host: hostLabel(fault, impact),
          part: fault.kind.part,
          ticket: fault.ticketIds[0] ?? '',
          code: fault.faultCode,
          servers: impact.serversCollected ? `${n} server${n === 1 ? '' : 's'}` : 'servers',
          reach: reachPhrase(impact),
          db: dbAdvice(impact),
        },
        resource: faultResource(index, fault, impact),
        ...(impact.prod ? {} : { severity: options.devSeverity }),
        key: fault.kind.key,
        evidence,
      });
    }
    return out;
  },
});
