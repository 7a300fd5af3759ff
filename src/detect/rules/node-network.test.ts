import { fleet } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './node-network.js';

const NODE = 'k8s-shop-pg1-01-worker-003';
const nic = (name: string, mtu: number, role: 'storage' | 'service' | 'management' | 'other') => ({ name, mtu, role, up: true, addresses: [] });
const path = (device: string, state: string) => ({ device, state });
const IQN = 'iqn.2010-10.org.openstack:volume-5c1f';

testDetector(detector, {
  valid: [
    {
      name: 'storage at 9000, service at 1500, all paths active, every target logged in',
      snapshot: fleet()
        .hostFacts(NODE, {
          interfaces: [nic('ens3', 1500, 'service'), nic('ens4', 9000, 'storage'), nic('vxlan.calico', 1450, 'other')],
          multipath: [{ device: 'mpatha', paths: [path('sdb', 'active'), path('sdc', 'active')] }],
          iscsi: { nodes: [{ target: IQN, portal: '192.168.50.10:3260' }], sessions: [{ target: IQN, portal: '192.168.50.10:3260' }] },
        })
        .build(),
    },
    { name: 'other interfaces are not judged when checkOtherInterfaces is off', snapshot: fleet().hostFacts(NODE, { interfaces: [nic('ens3', 9000, 'service')] }).build(), options: { checkOtherInterfaces: false } },
  ],
  invalid: [
    {
      name: 'seed 003: a storage interface at 1500 instead of 9000, and a service interface at 9000',
      snapshot: fleet().hostFacts(NODE, { interfaces: [nic('ens3', 9000, 'service'), { ...nic('ens4', 1500, 'storage'), addresses: ['192.168.50.23/24'] }] }).build(),
      findings: [
        { messageId: 'storageMtu', severity: 'medium', message: `Storage interface ens4 on ${NODE} has MTU 1500; the storage network needs 9000.`, evidence: { mtu: 1500, addresses: '192.168.50.23/24' } },
        { messageId: 'interfaceMtu', severity: 'low', message: `Interface ens3 on ${NODE} has MTU 9000 instead of 1500.` },
      ],
    },
    {
      name: 'a multipath device with one failed path; all paths down is high',
      snapshot: fleet()
        .hostFacts(NODE, {
          multipath: [
            { device: 'mpatha', wwid: '3600a098038304437', paths: [path('sdb', 'active'), path('sdc', 'failed')] },
            { device: 'mpathb', paths: [path('sdd', 'faulty'), path('sde', 'failed')] },
          ],
        })
        .build(),
      findings: [
        { messageId: 'multipathFailed', severity: 'medium', message: `Multipath device mpatha on ${NODE} has 1 of 2 paths down (sdc failed).`, evidence: { wwid: '3600a098038304437' } },
        { messageId: 'multipathFailed', severity: 'high', message: /mpathb .* 2 of 2 paths down/ },
      ],
    },
    {
      name: 'an iSCSI target configured but not logged in',
      snapshot: fleet().hostFacts(NODE, { iscsi: { nodes: [{ target: IQN, portal: '192.168.50.10:3260' }, { target: IQN, portal: '192.168.51.10:3260' }], sessions: [{ target: IQN, portal: '192.168.50.10:3260' }] } }).build(),
      findings: [{ messageId: 'iscsiSessionMissing', message: `iSCSI target ${IQN} at 192.168.51.10:3260 is configured on ${NODE} but has no session.`, evidence: { sessions: 1 } }],
    },
  ],
});
