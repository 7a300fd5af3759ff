import { fleet, type FleetBuilder } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './server-stopped-by-host-repeatedly.js';

const NOW = '2025-07-03T07:00:00Z';
const PM = 'krane-ay1prod-com0031';

const workers = (): FleetBuilder => fleet().at(NOW).region('ay1prod', 'prod').hypervisor(PM, { region: 'ay1prod' }).server('k8s-worker-1', { on: PM, region: 'ay1prod' });

const stored = (b: FleetBuilder, times: readonly string[]): FleetBuilder => {
  const id = b.build().servers[0]?.id ?? '';
  return b.history({ hostStops: times.map((t, i) => ({ requestId: `req-old-${i}`, serverId: id, serverName: 'k8s-worker-1', host: PM, startedAt: t })) });
};

const novaStop = (b: FleetBuilder, startTime: string, requestId: string): FleetBuilder => b.action('k8s-worker-1', { action: 'stop', userId: null, projectId: null, startTime, requestId });

testDetector(detector, {
  valid: [
    { name: 'a server never stopped by its host passes', snapshot: workers().history().build() },
    { name: 'three stops on one day are one bad day, not a pattern across days', snapshot: stored(workers(), ['2025-06-30T07:03:01Z', '2025-06-30T07:19:53Z', '2025-06-30T09:00:00Z']).build() },
    { name: 'stops older than the window do not count', snapshot: stored(workers(), ['2025-03-03T03:20:37Z', '2025-03-11T06:18:55Z', '2025-06-30T07:03:01Z']).build() },
    {
      name: 'a stop both stored and still in Nova counts once',
      snapshot: novaStop(
        workers().history({ hostStops: [{ requestId: 'req-a', serverId: 'x', startedAt: '2025-06-21T10:08:53Z' }] }),
        '2025-06-21T10:08:53Z',
        'req-a',
      ).build(),
    },
  ],
  invalid: [
    {
      name: 'stops Nova no longer lists still make the pattern',
      snapshot: novaStop(stored(workers(), ['2025-06-21T10:08:53Z', '2025-06-25T07:03:01Z']), '2025-06-30T07:19:53Z', 'req-new').build(),
      findings: [
        {
          messageId: 'stoppedAcrossDays',
          resource: 'k8s-worker-1',
          severity: 'high',
          message: `Server k8s-worker-1 was stopped by its host 3 times on 3 different days in the last 30 days (first 2025-06-21T10:08:53.000Z, last 2025-06-30T07:19:53.000Z); Nova's action list still holds 1 of them. The cause is on ${PM}.`,
          evidence: { only_in_store: 2, days_with_stops: '2025-06-21, 2025-06-25, 2025-06-30' },
        },
      ],
    },
    {
      name: 'a dev server gets the dev severity',
      snapshot: stored(fleet().at(NOW).region('ay1dev', 'dev').hypervisor(PM, { region: 'ay1dev' }).server('k8s-worker-1', { on: PM, region: 'ay1dev' }), [
        '2025-06-21T10:08:53Z',
        '2025-06-25T07:03:01Z',
        '2025-06-30T07:19:53Z',
      ]).build(),
      findings: [{ messageId: 'stoppedAcrossDays', severity: 'medium' }],
    },
  ],
});
