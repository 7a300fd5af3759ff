import { z } from 'zod';
import { SEVERITIES } from '../../core/severity.js';
import { defineDetector, type RawFinding } from '../define.js';
import { judgedClusters } from '../inputs.js';
import { clusterUrgency, kubectl, parseTime, workloadRef } from '../kubernetes.js';

type Messages = 'jobFailed';

export default defineDetector({
  id: 'job-failed',
  title: 'Job failed',
  layer: 'kubernetes',
  severity: 'medium',
  description: 'Finds Jobs with a Failed condition (backoff limit or deadline exceeded), unless a newer run of the same CronJob succeeded.',
  explanation:
    'A failed Job did not do its work: a backup, an import, a report. Kubernetes stops retrying once the backoff limit or ' +
    'the active deadline is reached and keeps the Job as the record; the reason and the last pod\'s log say what broke.',
  requires: ['kubernetes'],
  uses: ['servers', 'regions'],
  kubernetesKinds: ['workloads'],
  messages: {
    jobFailed: 'Job {{job}} in cluster {{cluster}} failed ({{reason}}){{cron}}: {{message}}',
  },
  options: z.object({
    devSeverity: z.enum(SEVERITIES).default('low').describe('severity for clusters in a dev zone'),
  }),
  remediation: {
    steps: [
      'See why: `kubectl -n <ns> describe job <job>` and the last pod\'s log: `kubectl -n <ns> logs job/<job>`.',
      'Fix the cause, then run it again: `kubectl -n <ns> create job <job>-retry --from=cronjob/<cronjob>` for a CronJob, or re-apply the Job.',
      'Delete the failed Job once handled so it stops being reported.',
    ],
  },
  source: 'k8sgpt core analyzers (Job); catalog §3 Kubernetes layer',
  detect({ snapshot, index, options }) {
    const out: RawFinding<Messages>[] = [];
    for (const cluster of judgedClusters(snapshot, ['workloads'])) {
      const jobs = cluster.workloads.filter((w) => w.kind === 'Job');
      for (const job of jobs) {
        const failed = job.conditions.find((c) => c.type === 'Failed' && c.status === 'True');
        if (!failed) continue;
        const cron = job.owner?.kind === 'CronJob' ? job.owner.name : undefined;
        // A CronJob whose later run completed has recovered; the old failure is history.
        const at = parseTime(job.createdAt);
        const recovered =
          cron !== undefined &&
          jobs.some((j) => j !== job && j.owner?.kind === 'CronJob' && j.owner.name === cron && j.namespace === job.namespace && (j.succeeded ?? 0) > 0 && (parseTime(j.createdAt) ?? 0) > (at ?? Infinity));
        if (recovered) continue;
        const urgency = clusterUrgency(index, cluster, 'medium', options.devSeverity);
        out.push({
          messageId: 'jobFailed',
          data: { job: `${job.namespace}/${job.name}`, cluster: cluster.name, reason: failed.reason ?? 'Failed', cron: cron ? `, run of CronJob ${cron}` : '', message: failed.message ?? 'no message recorded' },
          resource: workloadRef(cluster, job),
          severity: urgency.severity,
          evidence: [
            { label: 'reason', value: failed.reason ?? null, source: 'kubernetes' },
            { label: 'failed_pods', value: job.failed ?? null, source: 'kubernetes' },
            { label: 'backoff_limit', value: job.backoffLimit ?? null, source: 'kubernetes' },
            ...(cron ? [{ label: 'cronjob', value: cron, source: 'kubernetes' }] : []),
            { label: 'logs', value: kubectl(cluster, `-n ${job.namespace} logs job/${job.name}`), source: 'command' },
            ...urgency.evidence,
          ],
        });
      }
    }
    return out;
  },
});
