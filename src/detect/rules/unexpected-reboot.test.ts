import { fleet, type FleetBuilder } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './unexpected-reboot.js';

const PM = 'krane-pg1-com0908';

/** A prod hypervisor with one running and one SHUTOFF server, booted at `bootTime`; the snapshot is taken at 2026-01-01T00:00Z. */
function host(bootTime: string, reboots: string[] = [bootTime], zone: 'prod' | 'dev' = 'prod'): FleetBuilder {
  return fleet()
    .region('pg1', zone)
    .hypervisor(PM, { region: 'pg1' })
    .server('dkosv3-worker-1', { on: PM, region: 'pg1' })
    .server('mail-thor-pg42', { on: PM, region: 'pg1', status: 'SHUTOFF', vmState: 'stopped', powerState: 4 })
    .hostFacts(PM, { bootTime, reboots: reboots.map((time) => ({ time })) });
}

const WINDOW = { host: 'krane-pg1-com09*', from: '2025-12-31T18:00:00Z', to: '2025-12-31T20:00:00Z', reason: 'TMS 721440 BIOS update' };

testDetector(detector, {
  valid: [
    { name: 'a host up for 122 days passes', snapshot: host('2025-09-01T03:33:00Z').build() },
    { name: 'a boot just outside withinHours passes', snapshot: host('2025-12-30T23:59:59Z').build() },
    { name: 'a boot inside a maintenance window for a matching host passes', snapshot: host('2025-12-31T19:02:00Z').build(), options: { maintenanceWindows: [WINDOW] } },
    {
      name: 'a boot at the exact end of a window is covered',
      snapshot: host('2025-12-31T20:00:00Z').build(),
      options: { maintenanceWindows: [WINDOW] },
    },
    { name: 'a host without boot facts is not judged', snapshot: fleet().hostFacts(PM, {}).build() },
  ],
  invalid: [
    {
      name: 'a boot 2 h ago with no window is high in prod, listing the SHUTOFF servers',
      snapshot: host('2025-12-31T22:00:00Z').build(),
      findings: [
        {
          messageId: 'unexpectedReboot',
          resource: PM,
          severity: 'high',
          message: `${PM} booted at 2025-12-31T22:00:00Z (2 h ago) and no maintenance window covers it; 1 reboot(s) within 24 h.`,
          evidence: { boot_time: '2025-12-31T22:00:00Z', reboots_in_window: 1, shutoff_servers: 'mail-thor-pg42', zone: 'prod' },
        },
      ],
    },
    {
      name: 'a window for another host does not cover this one; exactly withinHours ago counts',
      snapshot: host('2025-12-31T00:00:00Z').build(),
      options: { maintenanceWindows: [{ ...WINDOW, host: 'krane-pg1-com07*', from: '2025-12-30T00:00:00Z', to: '2025-12-31T12:00:00Z' }] },
      findings: [{ messageId: 'unexpectedReboot', message: /\(24 h ago\)/ }],
    },
    {
      name: 'one boot in a window and a later one outside it: the later one is reported, the covered one counted',
      snapshot: host('2025-12-31T23:10:00Z', ['2025-12-31T19:02:00Z', '2025-12-31T23:10:05Z']).build(),
      options: { maintenanceWindows: [WINDOW] },
      findings: [
        {
          messageId: 'unexpectedReboot',
          message: /booted at 2025-12-31T23:10:00Z \(50 min ago\) .* 1 reboot\(s\) within 24 h\.$/,
          evidence: { reboots_in_window: 2, unexplained_reboots: 1, covered_by_maintenance: 1 },
        },
      ],
    },
    {
      name: 'repeated reboots are counted; a dev host uses devSeverity; a wider window catches an older boot',
      snapshot: host('2025-12-31T21:00:00Z', ['2025-12-29T02:00:00Z', '2025-12-31T21:00:00Z'], 'dev').build(),
      options: { withinHours: 72, devSeverity: 'low' },
      findings: [{ messageId: 'unexpectedReboot', severity: 'low', message: /2 reboot\(s\) within 72 h\.$/ }],
    },
  ],
});
