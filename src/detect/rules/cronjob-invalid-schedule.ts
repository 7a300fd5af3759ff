import { z } from 'zod';
import { defineDetector, type RawFinding } from '../define.js';
import { canFire, parseCron } from '../cron.js';
import { judgedClusters } from '../inputs.js';
import { workloadRef } from '../kubernetes.js';

type Messages = 'invalidSchedule' | 'neverFires' | 'invalidTimeZone';

/** Whether the runtime knows an IANA zone name (Node ships the full tz database). */
function knownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export default defineDetector({
  id: 'cronjob-invalid-schedule',
  title: 'CronJob with an invalid schedule',
  layer: 'kubernetes',
  severity: 'medium',
  description: 'Finds CronJobs whose schedule does not parse, can never fire (30 February), or names an unknown time zone.',
  explanation:
    'The CronJob controller does not fail loudly on a bad schedule: it logs an error and never creates a Job, so the ' +
    'backup or report silently stops. A schedule that parses but names a day that does not exist in its months never ' +
    'fires either, and an unknown spec.timeZone stops the CronJob the same way.',
  requires: ['kubernetes'],
  kubernetesKinds: ['workloads'],
  messages: {
    invalidSchedule: 'CronJob {{cronjob}} in cluster {{cluster}} has the schedule "{{schedule}}", which does not parse: {{error}}.',
    neverFires: 'CronJob {{cronjob}} in cluster {{cluster}} has the schedule "{{schedule}}", which never fires: no month it names has that day.',
    invalidTimeZone: 'CronJob {{cronjob}} in cluster {{cluster}} sets time zone "{{zone}}", which is not an IANA time zone name.',
  },
  options: z.object({}),
  remediation: {
    steps: [
      'Read it: `kubectl -n <ns> get cronjob <name> -o jsonpath={.spec.schedule}`.',
      'Fix it: `kubectl -n <ns> patch cronjob <name> -p \'{"spec":{"schedule":"0 3 * * *"}}\'` (five fields: minute hour day-of-month month day-of-week, or @daily/@hourly/@every 1h); put the time zone in spec.timeZone (e.g. Asia/Seoul), not in the schedule.',
      'Check the next run: `kubectl -n <ns> get cronjob <name>` shows LAST SCHEDULE once it has fired.',
    ],
  },
  source: 'k8sgpt core analyzers (CronJob schedule); catalog §3 Kubernetes layer',
  detect({ snapshot }) {
    const out: RawFinding<Messages>[] = [];
    for (const cluster of judgedClusters(snapshot, ['workloads'])) {
      for (const w of cluster.workloads) {
        if (w.kind !== 'CronJob') continue;
        const base = { resource: workloadRef(cluster, w), evidence: [{ label: 'schedule', value: w.schedule ?? null, source: 'kubernetes' }, { label: 'time_zone', value: w.timeZone ?? null, source: 'kubernetes' }, { label: 'suspend', value: w.suspend ?? false, source: 'kubernetes' }] };
        const data = { cronjob: `${w.namespace}/${w.name}`, cluster: cluster.name, schedule: w.schedule ?? '' };
        const parsed = parseCron(w.schedule ?? '');
        if (!parsed.ok) out.push({ ...base, messageId: 'invalidSchedule', data: { ...data, error: parsed.error } });
        else if (parsed.schedule !== 'interval' && !canFire(parsed.schedule)) out.push({ ...base, messageId: 'neverFires', data });
        if (w.timeZone !== undefined && !knownTimeZone(w.timeZone)) out.push({ ...base, messageId: 'invalidTimeZone', data: { ...data, zone: w.timeZone }, key: 'timeZone' });
      }
    }
    return out;
  },
});
