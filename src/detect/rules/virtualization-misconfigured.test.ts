import { fleet, type FleetBuilder } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './virtualization-misconfigured.js';

const PM = 'krane-pg1-com0908';

interface Virt {
  vtx?: boolean;
  vtd?: boolean;
  x2apic?: boolean;
  sriov?: boolean;
  iommuDefaultDomain?: string;
}

const READY: Virt = { vtx: true, vtd: true, x2apic: true, sriov: true, iommuDefaultDomain: 'Passthrough' };

function host(virtualization: Virt, zone: 'prod' | 'dev' = 'prod'): FleetBuilder {
  return fleet().region('pg1', zone).hypervisor(PM, { region: 'pg1' }).hostFacts(PM, { virtualization });
}

testDetector(detector, {
  valid: [
    { name: 'a hypervisor with every item on and Passthrough passes', snapshot: host(READY).build() },
    { name: 'absent facts are not judged (old Ubuntu prints no default domain line)', snapshot: host({ vtx: true, vtd: true }).build() },
    { name: 'a host without virtualization facts is not judged', snapshot: fleet().hypervisor(PM).hostFacts(PM, {}).build() },
    { name: 'ignoreItems skips SR-IOV on a fleet that does not use it', snapshot: host({ ...READY, sriov: false }).build(), options: { ignoreItems: ['SR-IOV'] } },
    {
      name: 'a Kubernetes node that is a VM is not a hypervisor: VT-d off there is expected',
      snapshot: fleet().hypervisor(PM).server('k8s-worker-1', { on: PM }).hostFacts('k8s-worker-1', { virtualization: { vtx: false, vtd: false } }).build(),
    },
    {
      name: 'with nodeNamePattern set, a host Nova does not know and the pattern does not match is not judged',
      snapshot: fleet().hostFacts('krane-pg1-api001', { virtualization: { vtx: false } }).build(),
      options: { nodeNamePattern: '-com\\d+$' },
    },
  ],
  invalid: [
    {
      name: 'after a box swap: VT-d and x2apic off and Translated are one high finding listing each item with its fix',
      snapshot: host({ vtx: true, vtd: false, x2apic: false, sriov: true, iommuDefaultDomain: 'Translated' }).build(),
      findings: [
        {
          messageId: 'notReady',
          resource: PM,
          severity: 'high',
          message: `${PM} is not ready as a hypervisor: VT-d off, x2apic off, IOMMU default domain is Translated.`,
          evidence: {
            'VT-x': true,
            'VT-d': false,
            'IOMMU default domain': 'Translated',
            'fix x2apic': 'enable x2APIC in the UEFI/BIOS; dmesg must show "x2apic enabled"',
          },
        },
      ],
    },
    {
      name: 'VT-x off alone is enough; items not collected say so in the evidence',
      snapshot: host({ vtx: false }).build(),
      findings: [{ messageId: 'notReady', message: `${PM} is not ready as a hypervisor: VT-x off.`, evidence: { 'VT-x': false, 'VT-d': 'not collected' } }],
    },
    {
      name: 'a new box not yet in Nova is judged when its name matches nodeNamePattern, as prod when its zone is unknown',
      snapshot: fleet().hostFacts('krane-pg1-com0999', { virtualization: { vtx: true, sriov: false } }).build(),
      options: { nodeNamePattern: '-com\\d+$' },
      findings: [{ messageId: 'notReady', resource: 'krane-pg1-com0999', severity: 'high', message: /SR-IOV off\.$/ }],
    },
    {
      name: 'a dev-zone hypervisor uses devSeverity',
      snapshot: host({ ...READY, iommuDefaultDomain: 'translated' }, 'dev').build(),
      options: { devSeverity: 'low' },
      findings: [{ messageId: 'notReady', severity: 'low', message: /IOMMU default domain is translated\.$/ }],
    },
  ],
});
