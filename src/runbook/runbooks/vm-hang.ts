import { defineRunbook, type RunbookStep } from '../define.js';

const MINUTE = 60_000;

/** The VM-hang steps on "the run's server", shared with the kernel-panic runbook that treats its one server the same way. */
export const vmHangSteps: readonly RunbookStep[] = [
  { kind: 'approval', id: 'dba-acknowledged', gate: 'db-servers', when: 'db-serving', text: 'The server is a DB server that still answers: the DBA acknowledges before it is stopped (§4.1).' },
  { kind: 'action', id: 'stop', effect: 'server.stop', on: 'server', text: 'Stop the server and wait for SHUTOFF.', next: { failed: { goto: 'restart' } } },
  { kind: 'waitFor', id: 'confirm-no-ping', condition: 'server.no-ping', on: 'server', timeoutMs: MINUTE, text: 'Confirm it no longer answers ping (it really is off).', next: { failed: 'escalate' } },
  { kind: 'action', id: 'start', effect: 'server.start', on: 'server', text: 'Start the server and wait for ACTIVE.', next: { failed: { goto: 'restart' } } },
  {
    kind: 'waitFor',
    id: 'ssh-check',
    condition: 'server.reachable',
    on: 'server',
    timeoutMs: 2 * MINUTE,
    text: 'Wait for ping and an SSH banner (fast path done when it answers).',
    next: { ok: 'finish', failed: { goto: 'restart' } },
  },
  { kind: 'action', id: 'restart', effect: 'server.restart', on: 'server', text: 'Slow path: restart (soft, hard if the guest stays silent).', next: { failed: 'escalate' } },
  { kind: 'waitFor', id: 'ssh-check-after-restart', condition: 'server.reachable', on: 'server', timeoutMs: 2 * MINUTE, text: 'Wait for ping and an SSH banner after the restart.', next: { ok: 'finish', failed: 'escalate' } },
  { kind: 'escalate', id: 'escalate', text: 'Still bad after stop/start and restart: page the platform on-call (prod) or mention them in the daytime (dev).' },
];

export default defineRunbook({
  id: 'vm-hang',
  title: 'VM hang',
  section: '§4.2',
  target: 'server',
  description: 'One server does not serve while its hypervisor is fine: stop, confirm no ping, start, check ssh; else restart; else escalate.',
  steps: vmHangSteps,
});
