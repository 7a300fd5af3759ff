import { fleet } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './job-failed.js';

const FAILED = [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }];

testDetector(detector, {
  valid: [
    {
      name: 'a completed Job; a failed CronJob run followed by a successful one',
      snapshot: fleet()
        .k8s('c', (c) =>
          c
            .workload('Job', 'ops/migrate', { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] })
            .workload('Job', 'ops/backup-100', { owner: { kind: 'CronJob', name: 'backup' }, createdAt: '2026-01-30T03:00:00Z', failed: 7, conditions: FAILED })
            .workload('Job', 'ops/backup-101', { owner: { kind: 'CronJob', name: 'backup' }, createdAt: '2026-01-31T03:00:00Z', succeeded: 1 }),
        )
        .build(),
    },
  ],
  invalid: [
    {
      name: 'k8sgpt: a CronJob\'s latest run hit its backoff limit',
      snapshot: fleet()
        .k8s('k8s-shop-pg1-01', (c) =>
          c
            .workload('Job', 'ops/backup-100', { owner: { kind: 'CronJob', name: 'backup' }, createdAt: '2026-01-30T03:00:00Z', succeeded: 1 })
            .workload('Job', 'ops/backup-101', { owner: { kind: 'CronJob', name: 'backup' }, createdAt: '2026-01-31T03:00:00Z', failed: 7, backoffLimit: 6, conditions: FAILED }),
        )
        .build(),
      findings: [
        {
          messageId: 'jobFailed',
          resource: 'Job ops/backup-101',
          severity: 'medium',
          message: 'Job ops/backup-101 in cluster k8s-shop-pg1-01 failed (BackoffLimitExceeded), run of CronJob backup: Job has reached the specified backoff limit',
          evidence: { failed_pods: 7, backoff_limit: 6, cronjob: 'backup' },
        },
      ],
    },
    {
      name: 'a plain Job past its deadline',
      snapshot: fleet().k8s('c', (c) => c.workload('Job', 'ops/reindex', { conditions: [{ type: 'Failed', status: 'True', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' }] })).build(),
      findings: [{ messageId: 'jobFailed', message: 'Job ops/reindex in cluster c failed (DeadlineExceeded): Job was active longer than specified deadline' }],
    },
  ],
});
