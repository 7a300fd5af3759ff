import { fleet, type FleetBuilder } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './filesystem-full.js';

const PM = 'openstack-host';
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

interface Fs {
  filesystem: string;
  mount: string;
  sizeBytes: number;
  usedBytes: number;
  usedPercent: number;
}

function fs(filesystem: string, mount: string, sizeGiB: number, usedGiB: number, usedPercent: number): Fs {
  return { filesystem, mount, sizeBytes: sizeGiB * GiB, usedBytes: usedGiB * GiB, usedPercent };
}

/** Seed 002's `df -h`, with the root at `rootPercent`. */
function host(rootPercent: number, extra: Fs[] = [], zone: 'prod' | 'dev' = 'prod'): FleetBuilder {
  return fleet()
    .region('r1', zone)
    .hypervisor(PM, { region: 'r1' })
    .hostFacts(PM, {
      filesystems: [
        fs('devtmpfs', '/dev', 4 * MiB / GiB, 0, 0),
        fs('tmpfs', '/dev/shm', 7.7, 0, 0),
        fs('/dev/mapper/rl-root', '/', 70, (70 * rootPercent) / 100, rootPercent),
        fs('/dev/nvme0n1p1', '/boot', 1014 * MiB / GiB, 676 * MiB / GiB, 67),
        fs('/dev/mapper/rl-home', '/home', 398, 32, 8),
        ...extra,
      ],
    });
}

testDetector(detector, {
  valid: [
    { name: 'a host with every filesystem under 90 % passes', snapshot: host(89).build() },
    {
      name: 'tmpfs, overlay and squashfs snaps at 100 % are ignored by default',
      snapshot: host(50, [fs('tmpfs', '/run', 3.1, 3.1, 100), fs('overlay', '/var/lib/docker/overlay2/3f2a/merged', 70, 70, 100), fs('/dev/loop3', '/snap/core20/2015', 0.06, 0.06, 100)]).build(),
    },
    { name: 'a raised threshold passes a 90 % root', snapshot: host(90).build(), options: { thresholdPercent: 95 } },
    { name: 'ignoreMounts hides a mount the operator accepts as full', snapshot: host(50, [fs('/dev/sdb1', '/backup', 1000, 990, 99)]).build(), options: { ignoreMounts: ['/backup'] } },
  ],
  invalid: [
    {
      name: 'seed 002: the root at exactly 90 % is reported, per mount, medium in prod',
      snapshot: host(90).build(),
      findings: [
        {
          messageId: 'filesystemFull',
          resource: PM,
          severity: 'medium',
          message: `Filesystem / on ${PM} is 90 % full (63.0 GiB of 70.0 GiB, /dev/mapper/rl-root).`,
          evidence: { mount: '/', used_percent: 90, free: '7.0 GiB' },
        },
      ],
    },
    {
      name: 'at criticalPercent the finding is criticalSeverity, and every full mount is its own finding',
      snapshot: host(97, [fs('/dev/mapper/rl-var', '/var', 50, 46, 92)]).build(),
      findings: [
        { messageId: 'filesystemFull', severity: 'high', message: /^Filesystem \/ on .* is 97 % full/ },
        { messageId: 'filesystemFull', severity: 'medium', message: /^Filesystem \/var on .* is 92 % full/ },
      ],
    },
    {
      name: 'emptying ignoreFilesystems reports a full tmpfs; a dev host uses devSeverity',
      snapshot: host(10, [fs('tmpfs', '/run', 3.1, 3.0, 98)], 'dev').build(),
      options: { ignoreFilesystems: [], ignoreMounts: [], devSeverity: 'info' },
      findings: [{ messageId: 'filesystemFull', severity: 'info', evidence: { filesystem: 'tmpfs', zone: 'dev' } }],
    },
  ],
});
