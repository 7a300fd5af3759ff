import { fleet, type FleetBuilder } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './smr-disk-hot-path.js';

const PM = 'openstack-host';
const FAMILY = 'Western Digital Blue Mobile (SMR)';

type Holds = ('vm-images' | 'swap' | 'container-root' | 'os' | 'other')[];

/** Seed 002: a healthy NVMe drive for the OS plus a 2.5" WD Blue SMR drive holding `holds`. */
function host(holds: Holds, smr: { smr?: boolean; modelFamily?: string; mounts?: string[] } = { smr: true, modelFamily: FAMILY }, zone: 'prod' | 'dev' = 'prod'): FleetBuilder {
  return fleet()
    .region('r1', zone)
    .hypervisor(PM, { region: 'r1' })
    .disk(PM, { device: '/dev/nvme0n1', protocol: 'NVMe', model: 'SAMSUNG MZVLB512HBJQ-000', smr: false, holds: ['os', 'vm-images'] })
    .disk(PM, { device: '/dev/sda', protocol: 'ATA', model: 'WDC WD20SPZX-22UA7T0', smartPassed: true, holds, ...smr });
}

testDetector(detector, {
  valid: [
    { name: 'an SMR drive holding backups only passes', snapshot: host(['other']).build() },
    { name: 'an SMR drive holding nothing known passes', snapshot: host([]).build() },
    { name: 'a CMR drive holding VM images passes', snapshot: host(['vm-images'], { smr: false, modelFamily: 'Western Digital Red' }).build() },
    { name: 'hotPaths narrowed to VM images lets a swap-only SMR drive pass', snapshot: host(['swap']).build(), options: { hotPaths: ['vm-images'] } },
  ],
  invalid: [
    {
      name: 'seed 002: the SMR drive as container data root is medium, naming the model family',
      snapshot: host(['container-root'], { smr: true, modelFamily: FAMILY, mounts: ['/var/lib/containerd'] }).build(),
      findings: [
        {
          messageId: 'smrOnHotPath',
          resource: '/dev/sda on openstack-host',
          severity: 'medium',
          message: `/dev/sda on openstack-host is an SMR drive (${FAMILY}) and holds the container data root: random writes there stall for seconds.`,
          evidence: { smr: true, model_family: FAMILY, holds: 'container-root', mounts: '/var/lib/containerd' },
        },
      ],
    },
    {
      name: 'the collector flag wins: a drive-managed SMR model whose family does not say SMR is reported',
      snapshot: host(['vm-images'], { smr: true, modelFamily: 'Western Digital Blue' }).build(),
      findings: [{ messageId: 'smrOnHotPath', message: /is an SMR drive \(Western Digital Blue\) and holds VM images:/, evidence: { smr: true } }],
    },
    {
      name: 'SMR is read from the model family when the collector set no flag; every hot use is listed',
      snapshot: host(['vm-images', 'swap', 'other'], { modelFamily: FAMILY }).build(),
      findings: [{ messageId: 'smrOnHotPath', message: /holds VM images, swap:/, evidence: { smr: 'from model family' } }],
    },
    {
      name: 'hotPaths can add the OS; a dev host uses devSeverity',
      snapshot: host(['os'], { smr: true, modelFamily: FAMILY }, 'dev').build(),
      options: { hotPaths: ['os'], devSeverity: 'info' },
      findings: [{ messageId: 'smrOnHotPath', severity: 'info', message: /holds the OS:/ }],
    },
  ],
});
