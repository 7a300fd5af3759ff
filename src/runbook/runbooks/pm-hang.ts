import { defineRunbook } from '../define.js';

const MINUTE = 60_000;

export default defineRunbook({
  id: 'pm-hang',
  title: 'PM hang',
  section: '§4.4',
  target: 'hypervisor',
  description: 'The hypervisor hangs with its servers: fault notice, power cycle out of band, wait for it, start every server, check, restart the stragglers one by one, escalate.',
  steps: [
    { kind: 'notice', id: 'fault-notice', notice: 'fault', text: 'Post the fault notice before any action on the hypervisor.' },
    { kind: 'approval', id: 'dba-acknowledged', gate: 'db-servers', when: 'db-serving', text: 'A DB server on the hypervisor still answers: the DBA acknowledges before the power cycle (§4.1).' },
    { kind: 'action', id: 'power-cycle', effect: 'hypervisor.power-cycle', on: 'hypervisor', text: 'Power-cycle the hypervisor out of band (BMC ForceRestart).', next: { failed: 'escalate' } },
    { kind: 'waitFor', id: 'hypervisor-up', condition: 'hypervisor.up', on: 'hypervisor', timeoutMs: 10 * MINUTE, retry: { tries: 3, intervalMs: MINUTE }, text: 'Wait for the hypervisor: power On and nova-compute up.', next: { failed: 'escalate' } },
    { kind: 'waitFor', id: 'power-sync', condition: 'server.settled', on: 'each-server', timeoutMs: 5 * MINUTE, text: 'Wait until Nova has synced every server (they come back SHUTOFF after a host reboot).' },
    { kind: 'action', id: 'start-all', effect: 'server.start', on: 'each-server', text: 'Start every server on the hypervisor.' },
    { kind: 'waitFor', id: 'show', condition: 'server.reachable', on: 'each-server', timeoutMs: 3 * MINUTE, text: 'Show: every server ACTIVE with ping and ssh true?', next: { ok: 'finish', failed: { goto: 'restart-stragglers' } } },
    { kind: 'action', id: 'restart-stragglers', effect: 'server.restart', on: { stragglersOf: 'show' }, text: 'Restart the stragglers one by one.' },
    { kind: 'waitFor', id: 'show-stragglers', condition: 'server.reachable', on: { stragglersOf: 'show' }, timeoutMs: 3 * MINUTE, text: 'Check the stragglers again.', next: { ok: 'finish', failed: 'escalate' } },
    { kind: 'escalate', id: 'escalate', text: 'The hypervisor or some of its servers did not come back: page the platform on-call with the run id.' },
  ],
});
