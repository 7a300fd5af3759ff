import { z } from 'zod';
import { SEVERITIES } from '../../core/severity.js';
import { dbAdvice, faultEvidence, faultResource, faultsOfClass, hostLabel, impactEvidence, reachPhrase, serversVerifiedFine } from '../alarm-classes.js';
import { defineDetector, type RawFinding } from '../define.js';

type Messages = 'partFault' | 'diskFailurePredicted' | 'diskPredictedUnverified';

export default defineDetector({
  id: 'part-non-urgent',
  title: 'Hardware part fault that can wait for daytime',
  layer: 'hardware',
  severity: 'low',
  description: 'Finds open fan, redundant power supply and disk failure-predicted alarms on hypervisors whose servers still answer.',
  explanation:
    'A failed fan, one lost supply of a redundant pair, or a drive that predicts its own failure leaves the hypervisor running: ' +
    'nothing is down yet, so the part is swapped in business hours and no public fault notice goes out (runbook §4.6). ' +
    'The swap still stops every server on the hypervisor, so it is announced to their owners first. A disk warning is routine ' +
    'only while the servers answer; when they do not, the disk-data-loss detector takes it.',
  requires: ['alarms'],
  uses: ['hypervisors', 'servers', 'probes', 'inventory', 'regions'],
  messages: {
    partFault: 'Hypervisor {{host}} has {{part}} (ticket {{ticket}}, {{code}}): schedule the swap for daytime, no public notice needed; {{db}}.',
    diskFailurePredicted:
      'Hypervisor {{host}} has a disk predicted to fail (ticket {{ticket}}) and {{reach}}: swap it in daytime, no public notice needed; {{db}}.',
    diskPredictedUnverified:
      'Hypervisor {{host}} has a disk predicted to fail (ticket {{ticket}}) but {{reach}}: confirm they all answer before treating it as daytime work.',
  },
  options: z.object({
    devSeverity: z.enum(SEVERITIES).default('info').describe('severity for hypervisors in a dev zone'),
  }),
  remediation: {
    runbook: 'part-non-urgent',
    steps: [
      'Tell the monitoring desk the fault will be handled in daytime; no public fault notice.',
      'In business hours, announce the work to the owners of the servers on the hypervisor.',
      'In a prod zone, if DB servers run there, wait for the DBA before stopping them.',
      'Stop the servers, swap the part, check the hardware reports healthy, start the servers and confirm every one answers ping and ssh.',
      'Post the completion notice and close the ticket with the team that did the work.',
    ],
  },
  source: 'catalog §3 Hardware alarms (part-non-urgent), §4 Non-urgent part; seed 000 §4.6',
  detect({ index, options }) {
    const out: RawFinding<Messages>[] = [];
    for (const { fault, impact } of faultsOfClass(index, 'non-urgent')) {
      const data = { host: hostLabel(fault, impact), part: fault.kind.part, ticket: fault.ticketIds[0] ?? '', code: fault.faultCode, reach: reachPhrase(impact), db: dbAdvice(impact) };
      const messageId: Messages = !fault.kind.diskWarning ? 'partFault' : serversVerifiedFine(impact) ? 'diskFailurePredicted' : 'diskPredictedUnverified';
      out.push({
        messageId,
        data,
        resource: faultResource(index, fault, impact),
        ...(impact.prod ? {} : { severity: options.devSeverity }),
        key: fault.kind.key,
        evidence: [...faultEvidence(fault), ...impactEvidence(impact)],
      });
    }
    return out;
  },
});
