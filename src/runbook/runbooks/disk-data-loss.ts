import { defineRunbook } from '../define.js';

const MINUTE = 60_000;

/** The data-loss notice's fixed wording (§4.9): it says what is lost, so nobody waits for a recovery. */
export const DATA_LOSS_NOTICE =
  'Data loss: the disk of this hypervisor failed and all data on it is lost. The servers on it cannot be recovered and will be deleted within 2 days. Kubernetes workers among them must be re-added to their clusters.';

export default defineRunbook({
  id: 'disk-data-loss',
  title: 'Disk failure / data loss',
  section: '§4.9',
  target: 'hypervisor',
  description:
    'A disk that must be replaced, with the data on it lost (not a filesystem error fsck fixed): the fixed data-loss notice, the disk swap and the reinstall from the prescribed template (each a person approves), a check, the owners told; never a "recovered" notice.',
  steps: [
    { kind: 'notice', id: 'data-loss-notice', notice: 'data-loss', text: DATA_LOSS_NOTICE },
    { kind: 'approval', id: 'disk-swapped', gate: 'disk-swapped', text: 'Swap the failed disk (the spare pool first), then approve.' },
    { kind: 'approval', id: 'os-reinstalled', gate: 'os-reinstalled', text: 'Reinstall the OS from the prescribed template and check the host (faultline check-host), then approve.' },
    { kind: 'waitFor', id: 'hypervisor-up', condition: 'hypervisor.up', on: 'hypervisor', timeoutMs: 10 * MINUTE, retry: { tries: 3, intervalMs: MINUTE }, text: 'The reinstalled hypervisor is up: power On and nova-compute up.', next: { failed: 'escalate' } },
    {
      kind: 'notice',
      id: 'owners-notice',
      notice: 'owners',
      text: 'The hypervisor was reinstalled after the disk failure. The data and servers on it were lost and are not coming back: recreate the servers, and re-add cluster workers to their clusters.',
      next: { ok: 'finish' },
    },
    { kind: 'escalate', id: 'escalate', text: 'The reinstalled hypervisor did not come up: page the platform on-call with the run id.' },
  ],
});
