import { defineRunbook } from '../define.js';

const MINUTE = 60_000;

export default defineRunbook({
  id: 'part-urgent',
  title: 'Urgent part',
  section: '§4.8',
  target: 'hypervisor',
  description:
    'A failed CPU, memory, NIC, PSU or mainboard needs power work now: fault notice, stop every server, power the hypervisor off, swap the part from the spare pool (a person approves), power it on, start every server, check, restart the stragglers, escalate.',
  steps: [
    { kind: 'notice', id: 'fault-notice', notice: 'fault', text: 'Post the fault notice before touching the hypervisor.' },
    { kind: 'approval', id: 'dba-acknowledged', gate: 'db-servers', when: 'db-serving', text: 'A DB server on the hypervisor still answers: the DBA acknowledges before its servers are stopped (§4.1).' },
    {
      kind: 'waitFor',
      id: 'host-running',
      condition: 'hypervisor.up',
      on: 'hypervisor',
      // One look: the failed part may already have taken the hypervisor down, and with it every server.
      timeoutMs: 0,
      text: 'Does the hypervisor still run (power On, nova-compute up)? If not, its servers are down with it: go straight to the power off.',
      next: { ok: { goto: 'stop-all' }, failed: { goto: 'power-off' } },
    },
    { kind: 'action', id: 'stop-all', effect: 'server.stop', on: 'each-server', text: 'Stop every server on the hypervisor, one by one, and wait for SHUTOFF.', next: { failed: 'escalate' } },
    {
      kind: 'action',
      id: 'power-off',
      effect: 'hypervisor.power-off',
      on: 'hypervisor',
      text: 'Power the hypervisor off out of band (BMC ForceOff; its servers are stopped) and wait until PowerState reads Off.',
      next: { failed: 'escalate' },
    },
    {
      kind: 'approval',
      id: 'part-swapped',
      gate: 'part-swapped',
      text: 'Swap the failed part (or the box) with the spare from the pool, then approve. After a mainboard or box swap, re-check the virtualization settings first (VT-x, VT-d, x2apic, SR-IOV, IOMMU: faultline check-host).',
    },
    { kind: 'action', id: 'power-on', effect: 'hypervisor.power-on', on: 'hypervisor', text: 'Power the hypervisor on out of band (BMC On) and wait until PowerState reads On.', next: { failed: 'escalate' } },
    { kind: 'waitFor', id: 'hypervisor-up', condition: 'hypervisor.up', on: 'hypervisor', timeoutMs: 10 * MINUTE, retry: { tries: 3, intervalMs: MINUTE }, text: 'Wait for the hypervisor: power On and nova-compute up.', next: { failed: 'escalate' } },
    { kind: 'waitFor', id: 'power-sync', condition: 'server.settled', on: 'each-server', timeoutMs: 5 * MINUTE, text: 'Wait until Nova has synced every server (SHUTOFF, no task running).' },
    { kind: 'action', id: 'start-all', effect: 'server.start', on: 'each-server', text: 'Start every server on the hypervisor.' },
    { kind: 'waitFor', id: 'show', condition: 'server.reachable', on: 'each-server', timeoutMs: 3 * MINUTE, text: 'Show: every server ACTIVE with ping and ssh true?', next: { ok: 'finish', failed: { goto: 'restart-stragglers' } } },
    { kind: 'action', id: 'restart-stragglers', effect: 'server.restart', on: { stragglersOf: 'show' }, text: 'Restart the stragglers one by one.' },
    { kind: 'waitFor', id: 'show-stragglers', condition: 'server.reachable', on: { stragglersOf: 'show' }, timeoutMs: 3 * MINUTE, text: 'Check the stragglers again.', next: { ok: 'finish', failed: 'escalate' } },
    { kind: 'escalate', id: 'escalate', text: 'The hypervisor or some of its servers did not come back after the part swap: page the platform on-call with the run id.' },
  ],
});
