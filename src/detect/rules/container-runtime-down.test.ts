import { fleet } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './container-runtime-down.js';

const PREFLIGHT =
  '[ERROR CRI]: container runtime is not running: output: time="2026-02-01T09:40:11Z" level=fatal msg="validate service connection: CRI v1 runtime API is not implemented for endpoint \\"unix:///var/run/containerd/containerd.sock\\": rpc error: code = Unavailable desc = connection error: desc = \\"transport: Error while dialing: dial unix /var/run/containerd/containerd.sock: connect: no such file or directory\\""';

const b = () => fleet().region('pg1').server('k8s-a-worker-1', { region: 'pg1', metadata: { 'kubernetes-cluster': 'k8s-a' } });

testDetector(detector, {
  valid: [
    { name: 'containerd active with its socket', snapshot: b().hostFacts('k8s-a-worker-1', { services: { containerd: 'active', kubelet: 'active' }, containerdSocket: true }).build() },
    { name: 'a hypervisor is not a Kubernetes node (compute-agents-down judges it)', snapshot: fleet().hypervisor('com1').hostFacts('com1', { services: { containerd: 'inactive' } }).build() },
  ],
  invalid: [
    {
      name: 'seed 004: a VM built for a cluster that never joined: containerd inactive, socket missing, the preflight error in evidence',
      snapshot: b().hostFacts('k8s-a-worker-1', { services: { containerd: 'inactive', kubelet: 'activating' }, containerdSocket: false, nodeJoinErrors: [PREFLIGHT] }).build(),
      findings: [
        {
          messageId: 'runtimeInactive',
          resource: 'k8s-a-worker-1',
          severity: 'high',
          message: 'containerd is inactive on Kubernetes node k8s-a-worker-1 (k8s-a); kubelet cannot start pods and the node cannot join.',
          evidence: { containerd_socket: false, join_error: PREFLIGHT, cluster: 'k8s-a' },
        },
      ],
    },
    {
      name: 'a joined node whose socket vanished while the unit says active',
      snapshot: fleet().hostFacts('node-7', { services: { containerd: 'active' }, containerdSocket: false }).k8s('edge', (c) => c.node('node-7')).build(),
      findings: [{ messageId: 'socketMissing', resource: 'node-7', evidence: { cluster: 'edge' } }],
    },
  ],
});
