import { fleet, type FleetBuilder } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './memory-pressure.js';

const PM = 'openstack-host';
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

function host(totalBytes: number, availableBytes: number, zone: 'prod' | 'dev' = 'prod', swap = { swapTotalBytes: 0, swapUsedBytes: 0 }): FleetBuilder {
  return fleet().region('r1', zone).hypervisor(PM, { region: 'r1' }).hostFacts(PM, { memory: { totalBytes, availableBytes, ...swap } });
}

testDetector(detector, {
  valid: [
    { name: 'a host with plenty available passes', snapshot: host(256 * GiB, 120 * GiB).build() },
    { name: 'exactly the share limit is not below it', snapshot: host(100 * GiB, 10 * GiB).build() },
    { name: 'exactly minAvailableBytes is not below it', snapshot: host(8 * GiB, 2 * GiB).build(), options: { minAvailablePercent: 0 } },
    { name: 'both checks turned off never fire', snapshot: host(16 * GiB, 100 * MiB).build(), options: { minAvailablePercent: 0, minAvailableBytes: 0 } },
    { name: 'a host whose memory was not read is not judged', snapshot: fleet().hostFacts(PM, {}).build() },
  ],
  invalid: [
    {
      name: 'seed 002: 15.3 GiB with 1.8 GiB available and 4.4 GiB swapped out is below 2 GiB',
      snapshot: host(15654.8 * MiB, 1876.3 * MiB, 'prod', { swapTotalBytes: 8024 * MiB, swapUsedBytes: 4482.2 * MiB }).build(),
      findings: [
        {
          messageId: 'lowMemory',
          resource: PM,
          severity: 'medium',
          message: `Only 1.8 GiB of 15.3 GiB memory is available on ${PM} (12.0 %), below 2.0 GiB; swap used: 4.4 GiB of 7.8 GiB.`,
          evidence: { available_percent: 12, swap_used: '4.4 GiB' },
        },
      ],
    },
    {
      name: 'a big hypervisor under the share limit but over the bytes limit is still reported, naming the share',
      snapshot: host(512 * GiB, 40 * GiB).build(),
      findings: [{ messageId: 'lowMemory', message: /\(7\.8 %\), below 10 %; swap used: no swap\.$/ }],
    },
    {
      name: 'both limits crossed are both named; a dev host gets devSeverity',
      snapshot: host(16 * GiB, 1 * GiB, 'dev').build(),
      options: { devSeverity: 'info' },
      findings: [{ messageId: 'lowMemory', severity: 'info', message: /below 10 % and 2\.0 GiB;/ }],
    },
    {
      name: 'raised limits catch a host the defaults pass',
      snapshot: host(64 * GiB, 12 * GiB).build(),
      options: { minAvailablePercent: 20, minAvailableBytes: 0 },
      findings: [{ messageId: 'lowMemory', message: /\(18\.8 %\), below 20 %/ }],
    },
  ],
});
