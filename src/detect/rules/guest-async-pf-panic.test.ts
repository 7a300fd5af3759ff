import { fleet, type FleetBuilder } from '../../snapshot/builders.js';
import type { Snapshot } from '../../snapshot/schema.js';
import type { ConsoleEvent } from '../resources.js';
import { testDetector } from '../tester.js';
import detector from './guest-async-pf-panic.js';

const PM = 'openstack-host';
const GiB = 1024 ** 3;
// Seed 002: the compute VM panicked during `dnf update`.
const PANIC = '[ 3121.583458] Kernel panic - not syncing: Host injected async #PF in kernel mode';

/** Seed 002's host: swap in use, nova-compute blocked, the NVMe drive with 2,787 error log entries. */
function host(zone: 'prod' | 'dev' = 'prod'): FleetBuilder {
  return fleet()
    .region('r1', zone)
    .hypervisor(PM, { region: 'r1' })
    .server('compute', { on: PM, region: 'r1' })
    .server('controller', { on: PM, region: 'r1' })
    .hostFacts(PM, {
      memory: { totalBytes: 15 * GiB, availableBytes: 1.2 * GiB, swapTotalBytes: 7.8 * GiB, swapUsedBytes: 1.7 * GiB },
      kernelEvents: [{ kind: 'hung-task', line: 'INFO: task nova-compute:1069 blocked for more than 245 seconds.', process: 'nova-compute', pid: 1069, detail: { seconds: 245 } }],
    })
    .disk(PM, { device: '/dev/nvme0n1', nvmeErrorLogEntries: 2787, holds: ['vm-images'] });
}

function panicOf(b: FleetBuilder, server: string, fields: Partial<ConsoleEvent> = {}): ConsoleEvent {
  return { serverId: b.idOf(server), kind: 'async-pf-panic', line: PANIC, time: '2025-12-31T20:52:01Z', ...fields };
}

function scenario(events: (b: FleetBuilder) => ConsoleEvent[], zone: 'prod' | 'dev' = 'prod'): Snapshot {
  const b = host(zone);
  for (const e of events(b)) b.consoleLog(e);
  return b.build({ collected: ['consoleLogs'] });
}

testDetector(detector, {
  valid: [
    { name: 'servers whose console logs hold no panic pass', snapshot: scenario(() => []) },
    {
      name: 'a different panic (root mount) is not this detector',
      snapshot: scenario((b) => [panicOf(b, 'compute', { kind: 'root-mount-panic', line: 'Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)' })]),
    },
    {
      name: 'a generic panic with another reason is not an async #PF panic',
      snapshot: scenario((b) => [panicOf(b, 'compute', { kind: 'panic', line: 'Kernel panic - not syncing: Fatal exception in interrupt' })]),
    },
    { name: 'a panic older than withinHours is history', snapshot: scenario((b) => [panicOf(b, 'compute', { time: '2025-12-24T23:59:59Z' })]) },
  ],
  invalid: [
    {
      name: 'seed 002: the compute VM panicked; the finding points at the host evidence (hung nova-compute, swap, NVMe errors)',
      snapshot: scenario((b) => [panicOf(b, 'compute')]),
      findings: [
        {
          messageId: 'asyncPfPanic',
          resource: 'compute',
          severity: 'high',
          message: 'Server compute panicked with "Host injected async #PF": the storage of its hypervisor openstack-host stalled under it.',
          evidence: { console_line: PANIC, panics: 1, host_hung_tasks: 1, host_swap_used: '1.7 GiB', host_nvme_error_log_entries: 2787, host: PM },
        },
      ],
    },
    {
      name: 'a generic panic event whose line is the async #PF panic counts; repeated panics are one finding per server',
      snapshot: scenario((b) => [panicOf(b, 'controller', { kind: 'panic', time: '2025-12-31T01:00:00Z' }), panicOf(b, 'controller', { kind: 'panic' })]),
      findings: [{ messageId: 'asyncPfPanic', resource: 'controller', evidence: { panics: 2 } }],
    },
    {
      name: 'a console log of a server the servers section does not hold is reported by id',
      snapshot: fleet().consoleLog({ serverId: '6c59b812-2d8d-4da5-92d6-6bbe527926d6', kind: 'async-pf-panic', line: PANIC }).build(),
      findings: [{ messageId: 'asyncPfPanic', resource: '6c59b812-2d8d-4da5-92d6-6bbe527926d6', message: /an unknown host/ }],
    },
    {
      name: 'a server in a dev zone uses devSeverity; a panic exactly withinHours old counts',
      snapshot: scenario((b) => [panicOf(b, 'compute', { time: '2025-12-31T00:00:00Z' })], 'dev'),
      options: { devSeverity: 'low', withinHours: 24 },
      findings: [{ messageId: 'asyncPfPanic', resource: 'compute', severity: 'low', evidence: { zone: 'dev' } }],
    },
  ],
});
