import { fleet } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './hypervisor-replace-box.js';

const NOW = '2026-11-30T00:00:00Z';
const HV = 'krane-hn1prod-com0369';
const daysAgo = (d: number): string => new Date(Date.parse(NOW) - d * 86_400_000).toISOString();

const swap = (openedDaysAgo: number, closedDaysAgo: number | null, messageId = 'announceAndWork', detectorId = 'part-needs-judgement', resourceId = 'hv-369') => ({
  fingerprint: `${detectorId}-${messageId}`,
  detectorId,
  messageId,
  resourceKind: 'hypervisor',
  resourceId,
  resourceName: resourceId === 'hv-369' ? HV : resourceId,
  openedAt: daysAgo(openedDaysAgo),
  closedAt: closedDaysAgo === null ? null : daysAgo(closedDaysAgo),
});

const base = () => fleet().at(NOW).region('hn1prod', 'prod').hypervisor(HV, { id: 'hv-369', region: 'hn1prod' });

testDetector(detector, {
  valid: [
    { name: 'no memory of swaps passes', snapshot: base().history().build() },
    { name: 'two swaps in a month are still part swaps', snapshot: base().history({ findingEpisodes: [swap(20, 18), swap(5, null)] }).build() },
    {
      name: 'a finding that went away for one read is one occurrence, not two',
      snapshot: base().history({ findingEpisodes: [swap(20, 18), swap(17.8, 15), swap(5, null)] }).build(),
    },
    {
      name: 'one alarm ticket that comes and goes is one time, however far apart',
      snapshot: base().history({ findingEpisodes: [{ ...swap(25, 23), alarmTicket: 'T-9' }, { ...swap(12, 10), alarmTicket: 'T-9' }, { ...swap(2, null), alarmTicket: 'T-9' }] }).build(),
    },
    { name: 'swaps older than the window do not count', snapshot: base().history({ findingEpisodes: [swap(50, 45), swap(40, 35), swap(5, null)] }).build() },
    { name: 'watching is not a swap', snapshot: base().history({ findingEpisodes: [swap(20, 18, 'monitor'), swap(10, 8, 'monitor'), swap(5, null, 'monitor')] }).build() },
    { name: 'swaps on different hypervisors do not add up', snapshot: base().history({ findingEpisodes: [swap(20, 18), swap(10, 8, 'announceAndWork', 'part-needs-judgement', 'hv-1'), swap(5, null)] }).build() },
  ],
  invalid: [
    {
      name: 'the third swap in a month replaces the box',
      snapshot: base().history({ findingEpisodes: [swap(25, 23), swap(12, 10, 'announceDiskSwap'), swap(2, null, 'workOverTime', 'part-judgement-over-time')] }).build(),
      findings: [
        {
          messageId: 'replaceBox',
          resource: HV,
          severity: 'high',
          message: `Hypervisor ${HV} needed the part swap 3 separate times in 30 days (from ${daysAgo(25)} to ${daysAgo(2)}): replace the whole box from the spare pool instead of another part swap.`,
          evidence: { times_in_window: 3 },
        },
      ],
    },
    {
      name: 'a dev hypervisor gets medium',
      snapshot: fleet().at(NOW).region('hn1dev', 'dev').hypervisor(HV, { id: 'hv-369', region: 'hn1dev' }).history({ findingEpisodes: [swap(25, 23), swap(12, 10), swap(2, null)] }).build(),
      findings: [{ messageId: 'replaceBox', severity: 'medium' }],
    },
  ],
});
