import { fleet, type FleetBuilder } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './server-shutoff-flapping.js';

const PM = 'krane-ay1prod-com0031';
const NOW = '2025-07-03T07:00:00Z';

/** A stop Nova recorded on its own (seed 002): no user, no project. */
function novaStop(b: FleetBuilder, server: string, startTime: string, requestId: string): FleetBuilder {
  return b.action(server, {
    action: 'stop',
    requestId,
    startTime,
    userId: null,
    projectId: null,
    events: [{ event: 'compute_stop_instance', startTime, finishTime: startTime, result: 'Success' }],
  });
}

function start(b: FleetBuilder, server: string, startTime: string): FleetBuilder {
  return b.action(server, { action: 'start', startTime });
}

/** Two Kubernetes workers on one prod hypervisor, evaluated on 3 July 2025. */
function workers(): FleetBuilder {
  return fleet()
    .at(NOW)
    .region('ay1prod', 'prod')
    .hypervisor(PM, { region: 'ay1prod' })
    .server('k8s-worker-1', { on: PM, region: 'ay1prod' })
    .server('k8s-worker-2', { on: PM, region: 'ay1prod' })
    .action('k8s-worker-1', { action: 'create', startTime: '2025-02-18T04:59:30Z' })
    .action('k8s-worker-2', { action: 'create', startTime: '2025-02-18T05:01:12Z' });
}

/** The seed's June: three Nova stops, each followed by a start. */
function june(b: FleetBuilder): FleetBuilder {
  novaStop(b, 'k8s-worker-1', '2025-06-21T10:08:53Z', 'req-cf674d81-520a-416b-871d-451f4ea041ff');
  start(b, 'k8s-worker-1', '2025-06-30T06:43:57Z');
  novaStop(b, 'k8s-worker-1', '2025-06-30T07:03:01Z', 'req-11b42f25-e920-4b11-aca0-45fabb7e8d41');
  start(b, 'k8s-worker-1', '2025-06-30T07:06:52Z');
  novaStop(b, 'k8s-worker-1', '2025-06-30T07:19:53Z', 'req-d59eac56-66ed-433a-8b02-d487499ad30c');
  return start(b, 'k8s-worker-1', '2025-07-03T06:59:00Z');
}

/** The seed's spring: Nova stops from March to May, all outside a 30-day window ending 3 July. */
function spring(b: FleetBuilder): FleetBuilder {
  const times = ['2025-03-03T03:20:37Z', '2025-03-11T06:18:55Z', '2025-03-28T10:53:02Z', '2025-04-09T09:30:53Z', '2025-04-20T07:56:03Z', '2025-05-13T23:03:06Z', '2025-05-14T08:44:51Z'];
  times.forEach((t, i) => novaStop(b, 'k8s-worker-1', t, `req-spring-${i}`));
  return b;
}

testDetector(detector, {
  valid: [
    { name: 'a healthy fleet with no stops passes', snapshot: workers().build() },
    {
      name: 'two Nova stops in the window stay under the default threshold of three',
      snapshot: (() => {
        const b = workers();
        novaStop(b, 'k8s-worker-1', '2025-06-30T07:03:01Z', 'req-1');
        return novaStop(b, 'k8s-worker-1', '2025-06-30T07:19:53Z', 'req-2').build();
      })(),
    },
    {
      name: 'stops that users asked for are not counted, however many',
      snapshot: (() => {
        const b = workers();
        for (const day of ['10', '12', '15', '20', '25']) b.action('k8s-worker-2', { action: 'stop', startTime: `2025-06-${day}T09:00:00Z` });
        return b.build();
      })(),
    },
    {
      name: 'a Nova stop just over the window (30 days and 1 second ago) is not counted',
      snapshot: (() => {
        const b = workers();
        novaStop(b, 'k8s-worker-1', '2025-06-03T06:59:59Z', 'req-old');
        novaStop(b, 'k8s-worker-1', '2025-06-30T07:03:01Z', 'req-1');
        return novaStop(b, 'k8s-worker-1', '2025-06-30T07:19:53Z', 'req-2').build();
      })(),
    },
    {
      name: 'the spring history alone is outside the default 30-day window',
      snapshot: spring(workers()).build(),
    },
    {
      name: 'threshold 4 tolerates the three June stops',
      snapshot: june(workers()).build(),
      options: { threshold: 4 },
    },
    {
      name: 'windowDays 5 only sees the two stops of 30 June',
      snapshot: june(workers()).build(),
      options: { windowDays: 5 },
    },
    {
      name: 'stops dated after the evaluation time are not counted',
      snapshot: june(workers()).build(),
      now: '2025-06-30T07:10:00Z',
    },
    { name: 'an empty fleet passes', snapshot: fleet().build({ collected: ['servers', 'instanceActions'] }) },
  ],
  invalid: [
    {
      name: 'seed 002 June: three Nova stops in 30 days flag the worker even though it is ACTIVE again',
      snapshot: june(workers()).build(),
      findings: [
        {
          messageId: 'shutoffFlapping',
          resource: 'k8s-worker-1',
          severity: 'high',
          message: `Server k8s-worker-1 was stopped by Nova itself 3 times in the last 30 days (first 2025-06-21T10:08:53Z, last 2025-06-30T07:19:53Z); the cause is on ${PM}.`,
          evidence: {
            status: 'ACTIVE',
            unrequested_stops: 3,
            first_stop: '2025-06-21T10:08:53Z',
            last_stop: '2025-06-30T07:19:53Z',
            window_days: 30,
            starts_in_window: 3,
            stop_requests: 'req-d59eac56-66ed-433a-8b02-d487499ad30c, req-11b42f25-e920-4b11-aca0-45fabb7e8d41, req-cf674d81-520a-416b-871d-451f4ea041ff',
          },
        },
      ],
    },
    {
      name: 'a Nova stop exactly 30 days before the evaluation time is inside the window',
      snapshot: (() => {
        const b = workers();
        novaStop(b, 'k8s-worker-1', '2025-06-03T07:00:00Z', 'req-edge');
        novaStop(b, 'k8s-worker-1', '2025-06-30T07:03:01Z', 'req-1');
        return novaStop(b, 'k8s-worker-1', '2025-06-30T07:19:53Z', 'req-2').build();
      })(),
      findings: [{ messageId: 'shutoffFlapping', resource: 'k8s-worker-1', evidence: { unrequested_stops: 3, first_stop: '2025-06-03T07:00:00Z' } }],
    },
    {
      name: 'threshold 2 flags two stops',
      snapshot: (() => {
        const b = workers();
        novaStop(b, 'k8s-worker-2', '2025-06-30T07:03:01Z', 'req-1');
        return novaStop(b, 'k8s-worker-2', '2025-06-30T07:19:53Z', 'req-2').build();
      })(),
      options: { threshold: 2 },
      findings: [{ messageId: 'shutoffFlapping', resource: 'k8s-worker-2', evidence: { unrequested_stops: 2 } }],
    },
    {
      name: 'windowDays 180 counts the whole history, lists the newest five requests, and ignores user stops in the count',
      snapshot: (() => {
        const b = june(spring(workers()));
        return b.action('k8s-worker-1', { action: 'stop', startTime: '2025-06-30T06:40:00Z' }).build();
      })(),
      options: { windowDays: 180 },
      findings: [
        {
          messageId: 'shutoffFlapping',
          resource: 'k8s-worker-1',
          message: /10 times in the last 180 days \(first 2025-03-03T03:20:37Z, last 2025-06-30T07:19:53Z\)/,
          evidence: { unrequested_stops: 10, requested_stops_in_window: 1, stop_requests: 'req-d59eac56-66ed-433a-8b02-d487499ad30c, req-11b42f25-e920-4b11-aca0-45fabb7e8d41, req-cf674d81-520a-416b-871d-451f4ea041ff, req-spring-6, req-spring-5 (+5 more)' },
        },
      ],
    },
    {
      name: 'a flapping DB server in a prod zone is critical',
      snapshot: june(workers()).inventory({ match: { serverName: 'k8s-worker-1' }, roles: ['db'], owners: [], tags: {} }).build(),
      findings: [{ messageId: 'shutoffFlapping', resource: 'k8s-worker-1', severity: 'critical', evidence: { urgency: 'DB server in a prod zone, still serving: tell the DB on-call and wait for the DBA before any disruptive step' } }],
    },
    {
      name: 'a flapping server in a dev zone uses devSeverity',
      snapshot: (() => {
        const b = fleet().at(NOW).region('ay1dev', 'dev').hypervisor('krane-ay1dev-com0007', { region: 'ay1dev' });
        b.server('k8s-worker-1', { on: 'krane-ay1dev-com0007', region: 'ay1dev', status: 'SHUTOFF' });
        return june(b).build();
      })(),
      findings: [{ messageId: 'shutoffFlapping', resource: 'k8s-worker-1', severity: 'medium', evidence: { zone: 'dev', status: 'SHUTOFF' } }],
    },
  ],
});
