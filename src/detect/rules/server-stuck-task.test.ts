import { fleet, type FleetBuilder } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './server-stuck-task.js';

const PM = 'krane-hn1prod-com0369';
const NOW = '2026-01-01T00:00:00Z';

/** `minutes` before the evaluation time, as Nova prints it. */
function ago(minutes: number, seconds = 0): string {
  return new Date(Date.parse(NOW) - minutes * 60_000 - seconds * 1000).toISOString();
}

/** A prod hypervisor (hn1prod) with two servers at rest. */
function hn1prod(): FleetBuilder {
  return fleet()
    .at(NOW)
    .region('hn1prod', 'prod')
    .hypervisor(PM, { region: 'hn1prod' })
    .server('dkosv3-bot-prod-hn-01-ingress-t8w8', { on: PM, region: 'hn1prod', updatedAt: ago(600) })
    .server('mobility-hyperdx01-mongo1', { on: PM, region: 'hn1prod', updatedAt: ago(3000) });
}

/** Adds a server busy with `task` since `updatedAt`. */
function busy(b: FleetBuilder, name: string, task: string, updatedAt: string | undefined, extra: Record<string, unknown> = {}): FleetBuilder {
  return b.server(name, { on: PM, region: 'hn1prod', taskState: task, ...(updatedAt ? { updatedAt } : {}), ...extra });
}

testDetector(detector, {
  valid: [
    { name: 'a healthy fleet with no task in progress passes', snapshot: hn1prod().build() },
    { name: 'a task exactly at the 15-minute limit is not yet stuck', snapshot: busy(hn1prod(), 'dannyho-test-r8b-1', 'powering-on', ago(15)).build() },
    { name: 'a reboot running for 14 minutes passes', snapshot: busy(hn1prod(), 'kakao1-vsc-stage3', 'rebooting', ago(14)).build() },
    { name: 'a live migration gets the longer built-in limit of 60 minutes', snapshot: busy(hn1prod(), 'dkosv3-rv-multi-worker-q6w4', 'migrating', ago(45)).build() },
    {
      name: 'limitMinutes 30 lets a 20-minute power-off pass',
      snapshot: busy(hn1prod(), 'mail-thor-pg42', 'powering-off', ago(20)).build(),
      options: { limitMinutes: 30 },
    },
    {
      name: 'a per-task limit in taskLimitsMinutes overrides limitMinutes for that task',
      snapshot: busy(hn1prod(), 'dkosv3-kserve-perf-worker-lg96', 'spawning', ago(30)).build(),
      options: { taskLimitsMinutes: { spawning: 40 } },
    },
    {
      name: 'a per-task limit set in config replaces the built-in one for that task',
      snapshot: busy(hn1prod(), 'dkosv3-navi-openapi-prod-master-4', 'migrating', ago(90)).build(),
      options: { taskLimitsMinutes: { migrating: 120 } },
    },
    {
      name: 'a task with no updated_at and no instance action cannot be timed and is not reported',
      snapshot: busy(hn1prod(), 'stage-log-supervisor43', 'powering-on', undefined).build(),
    },
    {
      name: 'an updated_at later than the evaluation time (clock skew) is not stuck',
      snapshot: busy(hn1prod(), 'mail-cinna-pghttp2', 'rebooting', '2026-01-01T00:05:00Z').build(),
    },
    { name: 'an empty fleet passes', snapshot: fleet().build({ collected: ['servers'] }) },
  ],
  invalid: [
    {
      name: 'seed 000: a server stopped and powering-on for two hours is stuck',
      snapshot: busy(hn1prod(), 'dannyho-test-r8b-1', 'powering-on', ago(120), { status: 'SHUTOFF', vmState: 'stopped', powerState: 4 }).build(),
      findings: [
        {
          messageId: 'stuckTask',
          resource: 'dannyho-test-r8b-1',
          severity: 'high',
          message: `Server dannyho-test-r8b-1 has been in task powering-on for 2 h 0 min (limit 15 min) on ${PM}.`,
          evidence: { task_state: 'powering-on', vm_state: 'stopped', age_minutes: 120, limit_minutes: 15, task_clock: 'server updated_at', task_since: ago(120) },
        },
      ],
    },
    {
      name: 'one second past the 15-minute limit is stuck',
      snapshot: busy(hn1prod(), 'kakao1-vsc-stage4', 'reboot_started_hard', ago(15, 1)).build(),
      findings: [{ messageId: 'stuckTask', resource: 'kakao1-vsc-stage4', message: /for 15 min \(limit 15 min\)/ }],
    },
    {
      name: 'a migration past the built-in 60 minutes is stuck',
      snapshot: busy(hn1prod(), 'dkosv3-rv-multi-worker-q6w4', 'migrating', ago(61)).build(),
      findings: [{ messageId: 'stuckTask', resource: 'dkosv3-rv-multi-worker-q6w4', evidence: { limit_minutes: 60 } }],
    },
    {
      name: 'config entries are added to the built-in per-task limits, not put in their place',
      snapshot: busy(busy(hn1prod(), 'dkos-capri-api-slave-11', 'rebooting', ago(6)), 'dkos-jeju-slave-1', 'migrating', ago(61)).build(),
      options: { taskLimitsMinutes: { rebooting: 5 } },
      findings: [
        { messageId: 'stuckTask', resource: 'dkos-capri-api-slave-11', evidence: { limit_minutes: 5 } },
        { messageId: 'stuckTask', resource: 'dkos-jeju-slave-1', evidence: { limit_minutes: 60 } },
      ],
    },
    {
      name: 'limitMinutes 5 catches a six-minute spawn',
      snapshot: busy(hn1prod(), 'dkosv3-bi-quality-monitor-worker-jdmj', 'spawning', ago(6)).build(),
      options: { limitMinutes: 5 },
      findings: [{ messageId: 'stuckTask', resource: 'dkosv3-bi-quality-monitor-worker-jdmj', evidence: { limit_minutes: 5, age_minutes: 6 } }],
    },
    {
      name: 'without updated_at the newest instance action dates the task, and the evidence says so',
      snapshot: busy(hn1prod(), 'mail-mint-pghttp21', 'rebooting', undefined)
        .action('mail-mint-pghttp21', { action: 'create', startTime: '2025-06-01T00:00:00Z' })
        .action('mail-mint-pghttp21', { action: 'reboot', requestId: 'req-52d24fd7', startTime: ago(60) })
        .build(),
      findings: [
        {
          messageId: 'stuckTask',
          resource: 'mail-mint-pghttp21',
          message: /for 60 min/,
          evidence: { task_clock: 'instance action reboot (req-52d24fd7)', age_minutes: 60 },
        },
      ],
    },
    {
      name: 'a stuck task of days is shown in days',
      snapshot: busy(hn1prod(), 'dkosv3-collect-airflow-prod-master-2', 'powering-off', ago(3 * 24 * 60 + 30)).build(),
      findings: [{ messageId: 'stuckTask', resource: 'dkosv3-collect-airflow-prod-master-2', message: /for 3 days/ }],
    },
    {
      name: 'a stuck DB server in a prod zone is critical',
      snapshot: busy(hn1prod(), 'openlink-toros-mongo8', 'rebooting', ago(40))
        .inventory({ match: { serverName: 'openlink-toros-mongo8' }, roles: ['db'], owners: [], tags: {} })
        .build(),
      findings: [
        {
          messageId: 'stuckTask',
          resource: 'openlink-toros-mongo8',
          severity: 'critical',
          evidence: { role: 'db', urgency: 'DB server in a prod zone, still serving: tell the DB on-call and wait for the DBA before any disruptive step' },
        },
      ],
    },
    {
      name: 'a stuck server in a dev zone uses devSeverity',
      snapshot: fleet()
        .at(NOW)
        .region('hn1dev', 'dev')
        .hypervisor('krane-hn1dev-com0012', { region: 'hn1dev' })
        .server('dev-sandbox-1', { on: 'krane-hn1dev-com0012', region: 'hn1dev', taskState: 'powering-on', updatedAt: ago(30) })
        .build(),
      options: { devSeverity: 'low' },
      findings: [{ messageId: 'stuckTask', resource: 'dev-sandbox-1', severity: 'low', evidence: { zone: 'dev' } }],
    },
  ],
});
