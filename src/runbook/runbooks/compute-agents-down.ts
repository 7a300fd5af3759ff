import { defineRunbook } from '../define.js';

const MINUTE = 60_000;

export default defineRunbook({
  id: 'compute-agents-down',
  title: 'Compute agents down',
  section: '§4.10',
  target: 'hypervisor',
  description:
    'nova-compute, the Neutron agents or the route agents are not Running on a hypervisor: swap must be 0B (else swapoff -a and restart kubelet), then restart the runtime and check nova (1), neutron (3) and route containers, three tries a minute apart, then escalate.',
  steps: [
    {
      kind: 'waitFor',
      id: 'swap-check',
      condition: 'host.swap-off',
      on: 'hypervisor',
      // Swap does not go away by itself: one look is the check.
      timeoutMs: 0,
      text: 'Check swap is 0B (free): kubelet does not run the agents while swap is on.',
      next: { ok: { goto: 'restart-runtime' }, failed: { goto: 'swapoff' } },
    },
    {
      kind: 'action',
      id: 'swapoff',
      effect: 'host.swapoff',
      on: 'hypervisor',
      text: 'Swap is on: swapoff -a (a DB server that still serves waits for the DBA: pages coming back from swap can make the OOM killer take a guest).',
      next: { failed: 'escalate' },
    },
    {
      kind: 'action',
      id: 'restart-kubelet',
      effect: 'host.restart-kubelet',
      on: 'hypervisor',
      text: 'Restart kubelet now that swap is off (containerd hosts; a docker-compose host has no kubelet to restart).',
      next: { failed: 'escalate' },
    },
    {
      kind: 'action',
      id: 'restart-runtime',
      effect: 'host.restart-runtime',
      on: 'hypervisor',
      retry: { tries: 3, intervalMs: MINUTE },
      text: 'Restart the runtime: docker, then docker-compose restart in each project with an agent down (docker-compose hosts); containerd, kubelet, then crictl stop of the running agents so kubelet starts them fresh (containerd hosts). Each try waits for the containers to run.',
      next: { failed: 'escalate' },
    },
    {
      kind: 'waitFor',
      id: 'agents-up',
      condition: 'host.agents-up',
      on: 'hypervisor',
      timeoutMs: MINUTE,
      text: 'Check: nova-compute (1), the Neutron agents (3) and the route agents Running.',
      next: { ok: 'finish', failed: 'escalate' },
    },
    { kind: 'escalate', id: 'escalate', text: 'The agents are still down after three restarts a minute apart: page the platform on-call with the run id and the host evidence (faultline triage <hypervisor>).' },
  ],
});
