import { defineRunbook } from '../define.js';

const MINUTE = 60_000;

export default defineRunbook({
  id: 'host-stopped-server',
  title: 'Start a server its host stopped',
  section: 'seed 002',
  target: 'server',
  description: 'Nova stopped a server with no user (its host did): start it and check it answers; the cause is on the host, so a server stopped again is escalated, not restarted in a loop.',
  steps: [
    { kind: 'action', id: 'start', effect: 'server.start', on: 'server', retry: { tries: 2, intervalMs: MINUTE }, text: 'Start the server and wait for ACTIVE.', next: { failed: 'escalate' } },
    { kind: 'waitFor', id: 'ssh-check', condition: 'server.reachable', on: 'server', timeoutMs: 2 * MINUTE, text: 'Wait for ping and an SSH banner.', next: { ok: 'finish', failed: 'escalate' } },
    { kind: 'escalate', id: 'escalate', text: 'The server did not come back: escalate with the host evidence (faultline triage <server>).' },
  ],
});
