import { z } from 'zod';
import { SEVERITIES } from '../../core/severity.js';
import { defineDetector, type RawFinding } from '../define.js';
import { serverEvidence, serverRef, serverUrgency, timeOf } from '../resources.js';

type Messages = 'stuckTask';

/**
 * Tasks that legitimately outlast the general limit: a live migration copies the
 * whole memory of a busy server, a snapshot uploads its whole disk to Glance.
 */
const LONGER_TASKS: Readonly<Record<string, number>> = {
  migrating: 60,
  resize_migrating: 60,
  image_uploading: 60,
  image_pending_upload: 60,
};

function formatAge(minutes: number): string {
  if (minutes < 120) return `${Math.floor(minutes)} min`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)} h ${Math.floor(minutes % 60)} min`;
  return `${Math.floor(minutes / (24 * 60))} days`;
}

export default defineDetector({
  id: 'server-stuck-task',
  title: 'Server stuck in a task',
  layer: 'openstack',
  severity: 'high',
  description: 'Finds servers whose task_state (powering-on, rebooting, spawning, migrating, …) has not changed for longer than a limit.',
  explanation:
    'A task state is set while Nova works on a server and cleared when the work ends; most tasks take seconds to a few ' +
    'minutes. A task that stays set means the operation never finished: nova-compute on the hypervisor died or hangs, ' +
    'the message bus lost the reply, or libvirt is blocked on storage. While a task is set Nova refuses other actions on ' +
    'the server, so the operator cannot simply stop or start it, and a server stuck powering on is not serving.',
  requires: ['servers'],
  scope: 'server',
  uses: ['instanceActions', 'hypervisors', 'regions', 'inventory'],
  messages: {
    stuckTask: 'Server {{name}} has been in task {{task}} for {{age}} (limit {{limit}} min) on {{host}}.',
  },
  options: z.object({
    limitMinutes: z.number().positive().default(15).describe('how long any task may last before the server counts as stuck, in minutes'),
    taskLimitsMinutes: z
      .record(z.string(), z.number().positive())
      .default({ ...LONGER_TASKS })
      .describe('per-task limits in minutes by task_state; entries set in config are added to these defaults'),
    devSeverity: z.enum(SEVERITIES).default('medium').describe('severity for servers in a dev zone'),
  }),
  remediation: {
    runbook: 'vm-hang',
    steps: [
      'Check the hypervisor first: a stuck task usually means nova-compute there is down or hangs (see hypervisor-down, compute-agents-down, hung-task).',
      'Prod zone: check whether the server is a DB server; if it is, tell the DB on-call before touching it.',
      'Once nova-compute is healthy, clear the task: `openstack server set --state active <server>` (or `nova reset-state --active <server>`).',
      'Then bring the server to the state it was meant to reach: stop and start it, or `openstack server reboot --hard <server>`, and check ping and ssh.',
      'A migration stuck for long: check `openstack server migration list --server <server>` before resetting, so the server is not left half-moved.',
    ],
  },
  source: 'catalog §3 OpenStack API layer (server-stuck-task); seed 000 §3 (`show` columns vm_state, task_state)',
  detect({ snapshot, index, options, now }) {
    const out: RawFinding<Messages>[] = [];
    const limits: Record<string, number> = { ...LONGER_TASKS, ...options.taskLimitsMinutes };
    for (const server of snapshot.servers) {
      const task = server.taskState;
      if (task === null || task === undefined || task === '') continue;
      // Nova bumps updated_at on every task transition, so it dates the current task.
      // Without it, the newest instance action (the request that set the task) is the
      // best clock; with neither there is no way to tell how long, so no finding.
      let since: string | undefined;
      let clock: string;
      if (timeOf(server.updatedAt) !== undefined) {
        since = server.updatedAt;
        clock = 'server updated_at';
      } else {
        const action = index.actionsOf(server.id)[0];
        since = action?.startTime;
        clock = action ? `instance action ${action.action} (${action.requestId})` : 'none';
      }
      const started = timeOf(since);
      if (started === undefined || since === undefined) continue;
      const ageMinutes = (now.getTime() - started) / 60_000;
      const ownLimit = Object.hasOwn(limits, task) ? limits[task] : undefined;
      const limit = ownLimit ?? options.limitMinutes;
      if (ageMinutes <= limit) continue;
      const running = server.status.toUpperCase() === 'ACTIVE' && server.powerState === 1;
      const urgency = serverUrgency(index, server, 'high', options.devSeverity, running ? 'serving' : 'affected');
      out.push({
        messageId: 'stuckTask',
        severity: urgency.severity,
        data: { name: server.name, task, age: formatAge(ageMinutes), limit, host: server.host ?? 'no host' },
        resource: serverRef(index, server),
        evidence: [
          ...serverEvidence(index, server),
          { label: 'power_state', value: server.powerState ?? null, source: 'nova' },
          { label: 'task_since', value: since, source: clock === 'server updated_at' ? 'nova' : 'nova instance actions' },
          { label: 'task_clock', value: clock, source: 'faultline' },
          { label: 'age_minutes', value: Math.floor(ageMinutes), source: 'faultline' },
          { label: 'limit_minutes', value: limit, source: ownLimit !== undefined ? 'taskLimitsMinutes' : 'limitMinutes' },
          ...urgency.evidence,
        ],
      });
    }
    return out;
  },
});
