import { z } from 'zod';
import type { Evidence } from '../../core/findings.js';
import { SEVERITIES } from '../../core/severity.js';
import type { HostFacts } from '../../snapshot/schema.js';
import { defineDetector, type RawFinding } from '../define.js';
import { hostRef, hostUrgency, isValidPattern } from '../resources.js';

type Messages = 'cpuHot' | 'cpuCritical';
type Reading = NonNullable<HostFacts['temperatures']>[number];

export default defineDetector({
  id: 'cpu-overheat',
  title: 'CPU overheating',
  layer: 'hardware',
  severity: 'medium',
  description: 'Finds hosts whose CPU temperature is at or above a limit, or at or above the sensor\'s own high or critical mark.',
  explanation:
    'A CPU that runs hot throttles first, slowing every guest on the host, and at its critical temperature the board ' +
    'shuts the host down without warning: every server on it goes SHUTOFF at once, which looks like a host crash with ' +
    'nothing in the logs. Seed 002\'s compute node reached 90 °C under load in summer because its fans could not keep ' +
    'up; extra fans brought it back to about 60 °C. Causes are failed or clogged fans, blocked airflow, a hot aisle or ' +
    'dried thermal paste.',
  requires: ['hostFacts'],
  uses: ['hypervisors', 'servers', 'regions', 'inventory'],
  messages: {
    cpuHot: 'CPU on {{host}} is at {{celsius}} °C ({{sensor}}), at or above {{limit}}.',
    cpuCritical: 'CPU on {{host}} is at {{celsius}} °C ({{sensor}}), at or above its critical mark of {{crit}} °C: the host may shut down.',
  },
  options: z.object({
    limitC: z.number().positive().default(85).describe('report a CPU sensor at or above this temperature, in °C'),
    useSensorHigh: z.boolean().default(true).describe('also report a sensor at or above its own "high" mark when that is lower than limitC'),
    sensorPattern: z
      .string()
      .refine(isValidPattern, 'not a valid regular expression')
      .default('package id|core \\d|tctl|tdie|cpu')
      .describe('sensors whose name matches this regular expression (case-insensitive) are CPU sensors'),
    criticalSeverity: z.enum(SEVERITIES).default('high').describe('severity at or above the sensor\'s critical mark (prod)'),
    devSeverity: z.enum(SEVERITIES).default('low').describe('severity for a host in a dev zone'),
  }),
  remediation: {
    runbook: 'part-non-urgent',
    steps: [
      'Confirm: `sensors` (coretemp: Package id, Core N) or `ipmitool sdr type Temperature`; compare with the load (`uptime`).',
      'Check the fans and airflow: `ipmitool sdr type Fan`, the BMC event log (`ipmitool sel list`), blanking panels, the aisle temperature.',
      'A failed fan is a non-urgent part: announce, stop the host\'s servers, replace it, start them and check ping and ssh (runbook part-non-urgent).',
      'At the critical mark do not wait for daytime: move the servers off (or stop them) before the board shuts the host down.',
    ],
  },
  source: 'catalog §3 host layer (cpu-overheat); seed 002 (CPU above 90 °C under load, fans added)',
  detect({ snapshot, index, options }) {
    const out: RawFinding<Messages>[] = [];
    const cpu = new RegExp(options.sensorPattern, 'i');
    for (const facts of snapshot.hostFacts) {
      const readings = (facts.temperatures ?? []).filter((t) => cpu.test(t.sensor));
      const critical = readings.filter((t) => t.critC !== undefined && t.critC > 0 && t.celsius >= t.critC);
      const limitOf = (t: Reading): number => (options.useSensorHigh && t.highC !== undefined && t.highC > 0 ? Math.min(options.limitC, t.highC) : options.limitC);
      const hot = readings.filter((t) => t.celsius >= limitOf(t));
      if (hot.length === 0 && critical.length === 0) continue;

      // The hottest reading speaks for the host; the others are evidence.
      const pick = (list: readonly Reading[]): Reading => list.reduce((a, b) => (b.celsius > a.celsius ? b : a));
      const worst = critical.length > 0 ? pick(critical) : pick(hot);
      const isCritical = critical.length > 0;
      const urgency = hostUrgency(index, facts.host, isCritical ? options.criticalSeverity : 'medium', options.devSeverity);
      const limit = limitOf(worst);
      const evidence: Evidence[] = [
        ...(isCritical ? critical : hot).map((t) => ({
          label: `temp ${t.sensor}`,
          value: `${t.celsius} °C${t.highC !== undefined ? `, high ${t.highC}` : ''}${t.critC !== undefined ? `, crit ${t.critC}` : ''}`,
          source: 'sensors',
        })),
        { label: 'max_celsius', value: worst.celsius, source: 'sensors' },
        ...urgency.evidence,
      ];
      out.push({
        messageId: isCritical ? 'cpuCritical' : 'cpuHot',
        data: {
          host: facts.host,
          celsius: worst.celsius,
          sensor: worst.sensor,
          crit: worst.critC ?? '',
          limit: limit < options.limitC ? `its high mark of ${limit} °C` : `the ${options.limitC} °C limit`,
        },
        resource: hostRef(index, facts.host),
        severity: urgency.severity,
        evidence,
      });
    }
    return out;
  },
});
