import { defineRunbook } from '../define.js';
import { plannedWorkSteps } from './part-non-urgent.js';

export default defineRunbook({
  id: 'part-needs-judgement',
  title: 'Part needing judgement',
  section: '§4.7',
  target: 'hypervisor',
  description:
    'Memory single-bit errors, HW-MC-ERROR or disk smartctl errors: the third time in a month, replace the box; ticket count (over time) ≥ 10, announce and do the work no earlier than the advance notice later, in business hours; under 10, watch 24 h and close without action if it stays under.',
  steps: [
    {
      kind: 'waitFor',
      id: 'repeat-check',
      condition: 'hypervisor.part-work-repeated',
      on: 'hypervisor',
      timeoutMs: 0,
      text: 'Has this hypervisor needed this work 3 times within a month (this run counted)?',
      next: { ok: { goto: 'replace-box' }, failed: { goto: 'ticket-count' } },
    },
    {
      kind: 'waitFor',
      id: 'ticket-count',
      condition: 'hypervisor.ticket-count-reached',
      on: 'hypervisor',
      timeoutMs: 0,
      text: 'Ticket count of the part, summed over time in the store: 10 or more?',
      next: { ok: { goto: 'business-hours' }, failed: { goto: 'monitor' } },
    },
    { kind: 'hold', id: 'monitor', until: { after: 'run-start', delay: 'monitor' }, text: 'Under the count: watch the part (runbooks.monitorHours, 24 h) before judging again.' },
    {
      kind: 'waitFor',
      id: 'recount',
      condition: 'hypervisor.ticket-count-reached',
      on: 'hypervisor',
      timeoutMs: 0,
      text: 'Count again after the watch: still under 10 closes the ticket without action (the part held); 10 or more is planned work.',
      next: { ok: { goto: 'business-hours' }, failed: 'finish' },
    },
    ...plannedWorkSteps(true),
    { kind: 'escalate', id: 'replace-box', text: 'The third part job on this hypervisor within a month: replace the whole box (spare pool: faultline spare <hypervisor>); page the platform on-call to plan it.' },
  ],
});
