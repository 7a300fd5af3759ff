import { z } from 'zod';
import { SEVERITIES } from '../../core/severity.js';
import { dbAdvice, faultEvidence, faultResource, faultsOfClass, hostLabel, impactEvidence, serversAffected } from '../alarm-classes.js';
import { defineDetector, type RawFinding } from '../define.js';

type Messages = 'urgentPart' | 'mainboardSwap';

export default defineDetector({
  id: 'part-urgent',
  title: 'Hardware part fault that needs power work now',
  layer: 'hardware',
  severity: 'high',
  description: 'Finds open CPU, uncorrectable memory, network card, power supply and mainboard alarms: parts swapped at once with the hypervisor powered off.',
  explanation:
    'A failed CPU, DIMM with uncorrectable errors, network card, non-redundant power supply or mainboard cannot be swapped while ' +
    'the hypervisor runs, and the fault can take it down at any moment (runbook §4.8). Every server on it will be stopped, so a ' +
    'fault notice goes out first, then the servers are stopped, the box powered off and the part taken from the spare pool. ' +
    'After a mainboard or box swap the firmware settings a hypervisor needs (VT-x, VT-d, x2apic, SR-IOV) are often lost.',
  requires: ['alarms'],
  uses: ['hypervisors', 'servers', 'probes', 'inventory', 'regions'],
  messages: {
    urgentPart:
      'Hypervisor {{host}} has {{part}} (ticket {{ticket}}, {{code}}): request a fault notice, stop its {{servers}}, power it off and swap the part from the spare pool; {{db}}.',
    mainboardSwap:
      'Hypervisor {{host}} has a failed mainboard (ticket {{ticket}}, {{code}}): request a fault notice, stop its {{servers}}, swap the board or box from the spare pool and re-check VT-x, VT-d, x2apic and SR-IOV before starting them; {{db}}.',
  },
  options: z.object({
    devSeverity: z.enum(SEVERITIES).default('medium').describe('severity for hypervisors in a dev zone, where the work is done in daytime'),
    affectedSeverity: z.enum(SEVERITIES).default('critical').describe('severity in a prod zone when the hypervisor or some of its servers already do not answer'),
  }),
  remediation: {
    runbook: 'part-urgent',
    steps: [
      'Ask the monitoring desk for a fault notice; do nothing disruptive before it is out.',
      'In a prod zone, check for DB servers on the hypervisor: already down → tell the DB on-call now; still up → let the DBA act first.',
      'If the hypervisor still runs, stop all its servers and wait for the command to return.',
      'Power the hypervisor off, swap the part (or the box) from the spare pool of the same center, power it on.',
      'After a mainboard or box swap, check VT-x, VT-d, x2apic and SR-IOV before starting servers.',
      'Start all servers and confirm each answers ping and ssh; restart stragglers one by one, then escalate to the platform on-call.',
    ],
  },
  source: 'catalog §3 Hardware alarms (part-urgent), §4 Urgent part; seed 000 §4.8',
  detect({ index, options }) {
    const out: RawFinding<Messages>[] = [];
    for (const { fault, impact } of faultsOfClass(index, 'urgent')) {
      const n = impact.servers.length;
      const data = {
        host: hostLabel(fault, impact),
        part: fault.kind.part,
        ticket: fault.ticketIds[0] ?? '',
        code: fault.faultCode,
        servers: impact.serversCollected ? `${n} server${n === 1 ? '' : 's'}` : 'servers',
        db: dbAdvice(impact),
      };
      const severity = !impact.prod ? options.devSeverity : serversAffected(impact) ? options.affectedSeverity : undefined;
      out.push({
        messageId: fault.kind.key === 'MAINBOARD' ? 'mainboardSwap' : 'urgentPart',
        data,
        resource: faultResource(index, fault, impact),
        ...(severity ? { severity } : {}),
        key: fault.kind.key,
        evidence: [...faultEvidence(fault), ...impactEvidence(impact)],
      });
    }
    return out;
  },
});
