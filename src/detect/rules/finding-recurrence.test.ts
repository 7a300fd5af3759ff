import { fleet } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './finding-recurrence.js';

const NOW = '2026-11-30T00:00:00Z';

const back = (fields: Partial<{ detectorId: string; previous: { openedAt: string; closedAt: string }[]; actions: { at: string; actor: string; action: string; target: string; result: string; requestId?: string | null; detail: string }[] }> = {}) => ({
  fingerprint: '450589acd7fb5d52',
  detectorId: 'server-error',
  messageId: 'serverError',
  message: 'Server batch-runner-01 is in ERROR state',
  resource: { kind: 'server', id: 'srv-1', name: 'batch-runner-01', parentId: 'hv-1', parentName: 'krane-pg1-com904' },
  firstSeen: '2025-11-02T10:00:00.000Z',
  previous: [{ openedAt: '2025-11-02T10:00:00.000Z', closedAt: '2025-11-03T08:00:00.000Z' }],
  actions: [],
  ...fields,
});

testDetector(detector, {
  valid: [
    { name: 'nothing came back', snapshot: fleet().at(NOW).history().build() },
    { name: 'findings of ignored detectors are not reported', snapshot: fleet().at(NOW).history({ recurrences: [back({ detectorId: 'finding-recurrence' })] }).build() },
    { name: 'fewer earlier spells than asked for pass', snapshot: fleet().at(NOW).history({ recurrences: [back()] }).build(), options: { minPrevious: 2 } },
  ],
  invalid: [
    {
      name: 'a finding back a year later says when it was solved and what was done',
      snapshot: fleet()
        .at(NOW)
        .history({
          recurrences: [
            back({
              actions: [{ at: '2025-11-03T07:40:00.000Z', actor: 'alice as admin@admin', action: 'reboot-hard', target: 'batch-runner-01', result: 'ok', requestId: 'req-1', detail: 'rebooted' }],
            }),
          ],
        })
        .build(),
      findings: [
        {
          messageId: 'cameBack',
          resource: 'batch-runner-01',
          message:
            'server-error on batch-runner-01 is back: it was resolved 1 time(s) before, last on 2025-11-03T08:00:00.000Z (first seen 2025-11-02T10:00:00.000Z). Done then: 2025-11-03T07:40:00.000Z alice as admin@admin: reboot-hard batch-runner-01 ok (req-1).',
          evidence: { fingerprint: '450589acd7fb5d52' },
        },
      ],
    },
    {
      name: 'without recorded actions it points at the history command',
      snapshot: fleet()
        .at(NOW)
        .history({ recurrences: [back({ previous: [{ openedAt: '2025-01-01T00:00:00.000Z', closedAt: '2025-01-02T00:00:00.000Z' }, { openedAt: '2025-11-02T10:00:00.000Z', closedAt: '2025-11-03T08:00:00.000Z' }] })] })
        .build(),
      findings: [{ messageId: 'cameBackNoAction', message: /resolved 2 time\(s\) before, last on 2025-11-03T08:00:00.000Z .*faultline history 450589acd7fb5d52/ }],
    },
  ],
});
