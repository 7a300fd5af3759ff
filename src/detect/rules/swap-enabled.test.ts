import { fleet, type FleetBuilder } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './swap-enabled.js';

const PM = 'krane-ay2dev-com0031';
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

function host(swapTotalBytes: number, swapUsedBytes: number, zone: 'prod' | 'dev' = 'prod'): FleetBuilder {
  return fleet()
    .region('r1', zone)
    .hypervisor(PM, { region: 'r1' })
    .hostFacts(PM, { memory: { totalBytes: 15 * GiB, availableBytes: 451 * MiB, swapTotalBytes, swapUsedBytes } });
}

testDetector(detector, {
  valid: [
    { name: 'Swap: 0B 0B 0B passes', snapshot: host(0, 0).build() },
    { name: 'a host whose memory was not read is not judged', snapshot: fleet().hostFacts(PM, {}).build() },
  ],
  invalid: [
    {
      name: 'seed 002: 7.8 GiB of swap with 1.7 GiB used is high in prod and says how to fix it',
      snapshot: host(7.8 * GiB, 1.7 * GiB).build(),
      findings: [
        {
          messageId: 'swapInUse',
          resource: PM,
          severity: 'high',
          message: `Swap is on and in use on ${PM}: 1.7 GiB used of 7.8 GiB. It must be 0B: run \`swapoff -a\` and remove the swap entry from /etc/fstab.`,
          evidence: { swap_total: '7.8 GiB', swap_used: '1.7 GiB', memory_available: '451.0 MiB of 15.0 GiB' },
        },
      ],
    },
    {
      name: 'swap configured but unused is configuredSeverity',
      snapshot: host(2 * GiB, 0).build(),
      options: { configuredSeverity: 'low' },
      findings: [{ messageId: 'swapConfigured', severity: 'low', message: `Swap is configured on ${PM} (2.0 GiB, none used yet). It must be 0B: run \`swapoff -a\` and remove the swap entry from /etc/fstab.` }],
    },
    {
      name: 'one byte of swap is still swap; a dev host in use gets devSeverity',
      snapshot: host(1, 1, 'dev').build(),
      options: { devSeverity: 'low' },
      findings: [{ messageId: 'swapInUse', severity: 'low', evidence: { swap_total: '1B', zone: 'dev' } }],
    },
    {
      name: 'a Kubernetes node that is not a hypervisor is judged too, as prod when its zone is unknown',
      snapshot: fleet().hostFacts('k8s-worker-1', { memory: { totalBytes: 8 * GiB, availableBytes: 6 * GiB, swapTotalBytes: 6898 * MiB, swapUsedBytes: 0 } }).build(),
      findings: [{ messageId: 'swapConfigured', resource: 'k8s-worker-1', severity: 'medium', evidence: { swap_total: '6.7 GiB' } }],
    },
  ],
});
