import { defineRunbook, type RunbookStep } from '../define.js';

const MINUTE = 60_000;

/**
 * Planned part work in the daytime (§4.6, and §4.7 once the count is reached): announce,
 * stop the servers, do the work, check the host, start them, show, say it is done.
 * `advanceNotice`: the work starts no earlier than runbooks.advanceNoticeHours after the
 * announcement, and again only in business hours.
 */
export function plannedWorkSteps(advanceNotice: boolean): RunbookStep[] {
  return [
    { kind: 'hold', id: 'business-hours', until: 'business-hours', text: 'Daytime work: wait for business hours (no public notice at night).' },
    { kind: 'notice', id: 'announce', notice: 'announce', text: 'Announce the planned part work to the owners before stopping anything: the servers on the hypervisor stop for the swap.' },
    ...(advanceNotice
      ? ([
          { kind: 'hold', id: 'advance-notice', until: { after: 'announce', delay: 'advance-notice' }, text: 'The work starts no earlier than the advance notice after the announcement (runbooks.advanceNoticeHours; longer if the owners ask).' },
          { kind: 'hold', id: 'work-hours', until: 'business-hours', text: 'The work itself is done in business hours too.' },
        ] as const)
      : []),
    { kind: 'approval', id: 'dba-acknowledged', gate: 'db-servers', when: 'db-serving', text: 'A DB server on the hypervisor still answers: the DBA acknowledges before its servers are stopped (§4.1).' },
    { kind: 'action', id: 'stop-all', effect: 'server.stop', on: 'each-server', text: "Stop the hypervisor's servers, one by one, and wait for SHUTOFF.", next: { failed: { goto: 'escalate' } } },
    { kind: 'approval', id: 'part-swapped', gate: 'part-swapped', text: 'Do the work (swap the part from the spare pool), check the host is healthy (faultline check-host), then approve.' },
    { kind: 'waitFor', id: 'hypervisor-up', condition: 'hypervisor.up', on: 'hypervisor', timeoutMs: 10 * MINUTE, retry: { tries: 3, intervalMs: MINUTE }, text: 'Verify: power On and nova-compute up after the work.', next: { failed: { goto: 'escalate' } } },
    { kind: 'waitFor', id: 'power-sync', condition: 'server.settled', on: 'each-server', timeoutMs: 5 * MINUTE, text: 'Wait until Nova has synced every server (SHUTOFF, no task running).' },
    { kind: 'action', id: 'start-all', effect: 'server.start', on: 'each-server', text: 'Start every server on the hypervisor.' },
    { kind: 'waitFor', id: 'show', condition: 'server.reachable', on: 'each-server', timeoutMs: 3 * MINUTE, text: 'Show: every server ACTIVE with ping and ssh true?', next: { ok: { goto: 'completion-notice' }, failed: { goto: 'restart-stragglers' } } },
    { kind: 'action', id: 'restart-stragglers', effect: 'server.restart', on: { stragglersOf: 'show' }, text: 'Restart the stragglers one by one.' },
    { kind: 'waitFor', id: 'show-stragglers', condition: 'server.reachable', on: { stragglersOf: 'show' }, timeoutMs: 3 * MINUTE, text: 'Check the stragglers again.', next: { failed: { goto: 'escalate' } } },
    { kind: 'notice', id: 'completion-notice', notice: 'completion', text: 'The part work is done and every server answers again.', next: { ok: 'finish' } },
    { kind: 'escalate', id: 'escalate', text: 'Servers did not stop, the host did not come back, or servers stay silent after the part work: page the platform on-call with the run id.' },
  ];
}

export default defineRunbook({
  id: 'part-non-urgent',
  title: 'Non-urgent part',
  section: '§4.6',
  target: 'hypervisor',
  description:
    'A part fault that does not stop the hypervisor (fan, redundant PSU, disk predicted to fail): daytime only, announce, stop its servers, do the work (a person approves), verify, start, show, completion notice.',
  steps: plannedWorkSteps(false),
});
