import { fleet, type FleetBuilder } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './server-unrequested-shutoff.js';

const PM = 'krane-ay1prod-com0031';
const DEV_PM = 'krane-ay1dev-com0007';

/** Nova's own stop, as seed 002 shows it: no user, no project, one compute_stop_instance event. */
const novaStop = (startTime: string, requestId: string) => ({
  action: 'stop',
  requestId,
  startTime,
  userId: null,
  projectId: null,
  events: [{ event: 'compute_stop_instance', startTime, finishTime: startTime, result: 'Success', traceback: null }],
});

/** A stop somebody asked for through the API. */
const userStop = (startTime: string) => ({
  action: 'stop',
  startTime,
  userId: 'c3a7b2e1d4f5',
  projectId: '9f8e7d6c5b4a',
  events: [{ event: 'compute_stop_instance', startTime, finishTime: startTime, result: 'Success' }],
});

/** A prod hypervisor with two Kubernetes workers (the seed's setup), created in February. */
function workers(worker1Status = 'ACTIVE'): FleetBuilder {
  return fleet()
    .at('2025-07-03T07:00:00Z')
    .region('ay1prod', 'prod')
    .hypervisor(PM, { region: 'ay1prod' })
    .server('k8s-worker-1', { on: PM, region: 'ay1prod', status: worker1Status, vmState: worker1Status === 'SHUTOFF' ? 'stopped' : 'active', powerState: worker1Status === 'SHUTOFF' ? 4 : 1 })
    .server('k8s-worker-2', { on: PM, region: 'ay1prod' })
    .action('k8s-worker-1', { action: 'create', startTime: '2025-02-18T04:59:30Z' })
    .action('k8s-worker-2', { action: 'create', startTime: '2025-02-18T05:01:12Z' });
}

testDetector(detector, {
  valid: [
    { name: 'a healthy fleet with only create actions passes', snapshot: workers().build() },
    {
      name: 'a server its owner stopped is not reported',
      snapshot: workers('SHUTOFF').action('k8s-worker-1', userStop('2025-06-30T07:19:53Z')).build(),
    },
    {
      name: 'only the latest stop counts: an older Nova stop followed by a user stop passes',
      snapshot: workers('SHUTOFF')
        .action('k8s-worker-1', novaStop('2025-06-21T10:08:53Z', 'req-cf674d81-520a-416b-871d-451f4ea041ff'))
        .action('k8s-worker-1', { action: 'start', startTime: '2025-06-22T01:00:00Z' })
        .action('k8s-worker-1', userStop('2025-06-30T07:19:53Z'))
        .build(),
    },
    {
      name: 'an ACTIVE server whose last stop came from Nova was already started again (see server-shutoff-flapping)',
      snapshot: workers()
        .action('k8s-worker-1', novaStop('2025-06-30T07:03:01Z', 'req-11b42f25-e920-4b11-aca0-45fabb7e8d41'))
        .action('k8s-worker-1', { action: 'start', startTime: '2025-06-30T07:06:52Z' })
        .build(),
    },
    {
      name: 'a SHUTOFF server with no stop on record is not guessed at',
      snapshot: workers('SHUTOFF').build(),
    },
    {
      name: 'a stop with a project but no user is not treated as Nova\'s own (both must be empty)',
      snapshot: workers('SHUTOFF')
        .action('k8s-worker-1', { ...novaStop('2025-06-30T07:19:53Z', 'req-0a1b2c3d'), projectId: '9f8e7d6c5b4a' })
        .build(),
    },
    { name: 'an empty fleet passes', snapshot: fleet().build({ collected: ['servers', 'instanceActions'] }) },
  ],
  invalid: [
    {
      name: 'seed 002: k8s-worker-1 SHUTOFF after a stop with no user or project is reported with the request and its events',
      snapshot: workers('SHUTOFF')
        .action('k8s-worker-1', { action: 'start', startTime: '2025-06-30T07:06:52Z' })
        .action('k8s-worker-1', novaStop('2025-06-30T07:19:53Z', 'req-d59eac56-66ed-433a-8b02-d487499ad30c'))
        .build(),
      findings: [
        {
          messageId: 'unrequestedShutoff',
          resource: 'k8s-worker-1',
          severity: 'high',
          message: `Server k8s-worker-1 was stopped by Nova itself at 2025-06-30T07:19:53Z (no user or project on request req-d59eac56-66ed-433a-8b02-d487499ad30c); look for the cause on ${PM}.`,
          evidence: {
            request_id: 'req-d59eac56-66ed-433a-8b02-d487499ad30c',
            stopped_at: '2025-06-30T07:19:53Z',
            events: 'compute_stop_instance Success 2025-06-30T07:19:53Z',
            compute_stop_instance_event: true,
            user_id: null,
            project_id: null,
            power_state: 4,
          },
        },
      ],
    },
    {
      name: 'the latest stop decides: a user stop long ago, then Nova\'s own stop, is reported',
      snapshot: workers('SHUTOFF')
        .action('k8s-worker-1', userStop('2025-03-01T06:18:35Z'))
        .action('k8s-worker-1', { action: 'start', startTime: '2025-03-01T08:13:30Z' })
        .action('k8s-worker-1', novaStop('2025-06-30T07:19:53Z', 'req-d59eac56'))
        .build(),
      findings: [{ messageId: 'unrequestedShutoff', resource: 'k8s-worker-1', evidence: { request_id: 'req-d59eac56' } }],
    },
    {
      name: 'Nova timestamps without a zone and a stop without events are still reported, and say no event was recorded',
      snapshot: workers('SHUTOFF')
        .action('k8s-worker-1', { action: 'stop', requestId: 'req-45edd104', startTime: '2025-05-14T08:44:51.000000', userId: null, projectId: null })
        .build(),
      findings: [
        {
          messageId: 'unrequestedShutoff',
          resource: 'k8s-worker-1',
          evidence: { events: 'no events recorded', compute_stop_instance_event: false, stopped_at: '2025-05-14T08:44:51.000000' },
        },
      ],
    },
    {
      name: 'a DB server in a prod zone is critical with the DB on-call note',
      snapshot: workers('SHUTOFF')
        .inventory({ match: { serverName: 'k8s-worker-1' }, roles: ['db'], owners: [], tags: {} })
        .action('k8s-worker-1', novaStop('2025-06-30T07:19:53Z', 'req-d59eac56'))
        .build(),
      findings: [
        {
          messageId: 'unrequestedShutoff',
          resource: 'k8s-worker-1',
          severity: 'critical',
          evidence: { role: 'db', zone: 'prod', urgency: 'DB server in a prod zone, already affected: move fast and tell the DB on-call' },
        },
      ],
    },
    {
      name: 'a dev-zone server uses devSeverity',
      snapshot: fleet()
        .region('ay1dev', 'dev')
        .hypervisor(DEV_PM, { region: 'ay1dev' })
        .server('dkosv3-dev-worker-aa01', { on: DEV_PM, region: 'ay1dev', status: 'SHUTOFF', vmState: 'stopped', powerState: 4 })
        .action('dkosv3-dev-worker-aa01', novaStop('2025-12-31T22:00:00Z', 'req-7e1f'))
        .build(),
      options: { devSeverity: 'low' },
      findings: [{ messageId: 'unrequestedShutoff', resource: 'dkosv3-dev-worker-aa01', severity: 'low', evidence: { zone: 'dev' } }],
    },
    {
      name: 'both workers stopped by Nova give one finding each',
      snapshot: fleet()
        .region('ay1prod', 'prod')
        .hypervisor(PM, { region: 'ay1prod' })
        .server('k8s-worker-1', { on: PM, region: 'ay1prod', status: 'SHUTOFF' })
        .server('k8s-worker-2', { on: PM, region: 'ay1prod', status: 'SHUTOFF' })
        .action('k8s-worker-1', novaStop('2025-06-30T07:19:53Z', 'req-a'))
        .action('k8s-worker-2', novaStop('2025-06-30T07:19:55Z', 'req-b'))
        .build(),
      findings: [
        { messageId: 'unrequestedShutoff', resource: 'k8s-worker-1', evidence: { request_id: 'req-a' } },
        { messageId: 'unrequestedShutoff', resource: 'k8s-worker-2', evidence: { request_id: 'req-b' } },
      ],
    },
  ],
});
