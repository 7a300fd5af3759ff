import { fleet, type FleetBuilder } from '../../snapshot/builders.js';
import type { Snapshot } from '../../snapshot/schema.js';
import type { ConsoleEvent } from '../resources.js';
import { testDetector } from '../tester.js';
import detector from './root-mount-panic.js';

const PM = 'openstack-host';
// Seed 002: the compute VM after the interrupted `dnf update`.
const PANIC = '[    1.233824] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)';

function host(zone: 'prod' | 'dev' = 'prod'): FleetBuilder {
  return fleet()
    .region('r1', zone)
    .hypervisor(PM, { region: 'r1' })
    .server('compute', { on: PM, region: 'r1', status: 'ACTIVE', image: { name: 'Rocky-9.6-x86_64' } })
    .server('controller', { on: PM, region: 'r1' });
}

function scenario(events: (b: FleetBuilder) => ConsoleEvent[], zone: 'prod' | 'dev' = 'prod'): Snapshot {
  const b = host(zone);
  for (const e of events(b)) b.consoleLog(e);
  return b.build({ collected: ['consoleLogs'] });
}

function panicOf(b: FleetBuilder, server: string, fields: Partial<ConsoleEvent> = {}): ConsoleEvent {
  return { serverId: b.idOf(server), kind: 'root-mount-panic', line: PANIC, time: '2025-12-31T21:10:00Z', ...fields };
}

testDetector(detector, {
  valid: [
    { name: 'servers whose console logs hold no panic pass', snapshot: scenario(() => []) },
    {
      name: 'an async #PF panic is not a root mount failure',
      snapshot: scenario((b) => [panicOf(b, 'compute', { kind: 'async-pf-panic', line: 'Kernel panic - not syncing: Host injected async #PF in kernel mode' })]),
    },
    {
      name: 'a generic panic with another reason is not a root mount failure',
      snapshot: scenario((b) => [panicOf(b, 'compute', { kind: 'panic', line: 'Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000009' })]),
    },
    { name: 'a panic older than withinHours is history', snapshot: scenario((b) => [panicOf(b, 'compute', { time: '2025-12-24T23:59:59Z' })]) },
  ],
  invalid: [
    {
      name: 'seed 002: unknown-block(0,0) after an update is high in prod, with the line, the block and the image',
      snapshot: scenario((b) => [panicOf(b, 'compute')]),
      findings: [
        {
          messageId: 'rootMountPanic',
          resource: 'compute',
          severity: 'high',
          message: 'Server compute cannot boot: its kernel panics with "VFS: Unable to mount root fs on unknown-block(0,0)"; the root disk or the boot files are damaged.',
          evidence: { console_line: PANIC, root_block: 'unknown-block(0,0)', image: 'Rocky-9.6-x86_64', host: PM },
        },
      ],
    },
    {
      name: 'a generic panic event with the VFS line counts; every boot attempt is counted in one finding',
      snapshot: scenario((b) => [
        panicOf(b, 'controller', { kind: 'panic', line: 'Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(252,1)', time: '2025-12-31T21:00:00Z' }),
        panicOf(b, 'controller', { kind: 'panic', line: 'Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(252,1)' }),
      ]),
      findings: [{ messageId: 'rootMountPanic', resource: 'controller', evidence: { panics: 2, root_block: 'unknown-block(252,1)' } }],
    },
    {
      name: 'a dev-zone server uses devSeverity; a panic exactly withinHours old counts',
      snapshot: scenario((b) => [panicOf(b, 'compute', { time: '2025-12-31T00:00:00Z' })], 'dev'),
      options: { devSeverity: 'low', withinHours: 24 },
      findings: [{ messageId: 'rootMountPanic', resource: 'compute', severity: 'low', evidence: { zone: 'dev' } }],
    },
    {
      name: 'a console log of a server the servers section does not hold is reported by id',
      snapshot: fleet().consoleLog({ serverId: '6c59b812-2d8d-4da5-92d6-6bbe527926d6', kind: 'root-mount-panic', line: PANIC }).build(),
      findings: [{ messageId: 'rootMountPanic', resource: '6c59b812-2d8d-4da5-92d6-6bbe527926d6', severity: 'high' }],
    },
  ],
});
