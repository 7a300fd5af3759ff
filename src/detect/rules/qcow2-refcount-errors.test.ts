import { fleet, type FleetBuilder } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './qcow2-refcount-errors.js';

const PM = 'openstack-host';

/** Seed 002: refcount errors in a rotated libvirt log of one domain. */
function refcount(cluster: number, instanceName = 'instance-00000001', file = `/var/log/libvirt/qemu/${instanceName}.log.0`) {
  return { kind: 'qcow2-refcount', line: `ERROR cluster ${cluster} refcount=0 reference=1`, instanceName, file };
}

/** A prod host running `compute` (instance-00000001) and `controller` (instance-00000002). */
function host(): FleetBuilder {
  return fleet().region('r1', 'prod').hypervisor(PM, { region: 'r1' }).server('compute', { on: PM, region: 'r1' }).server('controller', { on: PM, region: 'r1' });
}

testDetector(detector, {
  valid: [
    { name: 'a host with clean libvirt logs passes', snapshot: host().hostFacts(PM, { libvirtLogEvents: [] }).build() },
    {
      name: 'fewer errors than minErrors pass',
      snapshot: host().hostFacts(PM, { libvirtLogEvents: [refcount(261192), refcount(261193)] }).build(),
      options: { minErrors: 3 },
    },
    {
      name: 'other libvirt log events are not refcount errors',
      snapshot: host().hostFacts(PM, { libvirtLogEvents: [{ kind: 'qemu-shutdown', line: 'qemu-kvm: terminating on signal 15 from pid 1640 (/usr/sbin/libvirtd)', instanceName: 'instance-00000001' }] }).build(),
    },
  ],
  invalid: [
    {
      name: 'refcount errors of instance-00000001 name server compute, high in prod, with the line and the count',
      snapshot: host()
        .hostFacts(PM, { libvirtLogEvents: [refcount(261192), refcount(261193), refcount(213868, 'instance-00000001', '/var/log/libvirt/qemu/instance-00000001.log.1')] })
        .build(),
      findings: [
        {
          messageId: 'imageCorrupted',
          resource: 'compute',
          severity: 'high',
          message: 'The disk image of server compute (instance-00000001) on openstack-host is corrupted: 3 qcow2 refcount error(s) in its libvirt log.',
          evidence: {
            log_line: 'ERROR cluster 213868 refcount=0 reference=1',
            first_line: 'ERROR cluster 261192 refcount=0 reference=1',
            refcount_errors: 3,
            log_files: '/var/log/libvirt/qemu/instance-00000001.log.0, /var/log/libvirt/qemu/instance-00000001.log.1',
          },
        },
      ],
    },
    {
      name: 'minErrors counts per image: exactly the limit is reported, one below is not',
      snapshot: host().hostFacts(PM, { libvirtLogEvents: [refcount(10), refcount(11), refcount(12, 'instance-00000002')] }).build(),
      options: { minErrors: 2 },
      findings: [{ messageId: 'imageCorrupted', resource: 'compute', evidence: { refcount_errors: 2 } }],
    },
    {
      name: 'the domain is taken from the log file name when the collector gave no instance name',
      snapshot: host().hostFacts(PM, { libvirtLogEvents: [{ kind: 'qcow2-refcount', line: 'ERROR cluster 7 refcount=0 reference=1', file: '/var/log/libvirt/qemu/instance-00000002.log' }] }).build(),
      findings: [{ messageId: 'imageCorrupted', resource: 'controller' }],
    },
    {
      name: 'a domain no Nova server claims (a hand-made VM named after its log) is reported on the host',
      snapshot: host().hostFacts(PM, { libvirtLogEvents: [refcount(261192, 'compute-test')] }).build(),
      findings: [
        {
          messageId: 'unknownDomain',
          resource: PM,
          severity: 'high',
          message: 'A disk image on openstack-host is corrupted: 1 qcow2 refcount error(s) in the libvirt log of compute-test, which no Nova server claims.',
          evidence: { domain: 'compute-test' },
        },
      ],
    },
    {
      name: 'a server in a dev zone uses devSeverity',
      snapshot: fleet().region('d1', 'dev').hypervisor(PM, { region: 'd1' }).server('compute', { on: PM, region: 'd1' }).hostFacts(PM, { libvirtLogEvents: [refcount(1)] }).build(),
      options: { devSeverity: 'low' },
      findings: [{ messageId: 'imageCorrupted', resource: 'compute', severity: 'low' }],
    },
  ],
});
