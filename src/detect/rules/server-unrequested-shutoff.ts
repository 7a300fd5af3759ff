import { z } from 'zod';
import { SEVERITIES } from '../../core/severity.js';
import { defineDetector, type RawFinding } from '../define.js';
import { describeEvents, isUnrequestedStop, latestStop, serverEvidence, serverRef, serverUrgency } from '../resources.js';

type Messages = 'unrequestedShutoff';

export default defineDetector({
  id: 'server-unrequested-shutoff',
  title: 'Server SHUTOFF without anyone asking',
  layer: 'openstack',
  severity: 'high',
  description: 'Finds SHUTOFF servers whose latest stop was recorded by Nova itself, with no user or project behind it.',
  explanation:
    'Every stop requested through the API is recorded with the user and project that asked for it. When the guest dies ' +
    'under Nova (the qemu process was killed by the OOM killer, crashed on an I/O error, or the hypervisor stalled), Nova ' +
    'only notices that the domain is gone and records a stop of its own: `compute_stop_instance` with no user and no ' +
    'project. Starting the server again brings it back, but the cause is on the hypervisor and will strike again until ' +
    'it is found.',
  requires: ['servers', 'instanceActions'],
  scope: 'server',
  uses: ['hypervisors', 'regions', 'inventory'],
  messages: {
    unrequestedShutoff:
      'Server {{name}} was stopped by Nova itself at {{time}} (no user or project on request {{requestId}}); look for the cause on {{host}}.',
  },
  options: z.object({
    devSeverity: z.enum(SEVERITIES).default('medium').describe('severity for servers in a dev zone'),
  }),
  remediation: {
    runbook: 'auto-start-shutoff',
    steps: [
      'Prod zone: check whether the server is a DB server; if it is, tell the DB on-call before starting it.',
      'Start the server (`openstack server start <server>`) and check ping and ssh once it has booted.',
      'On the hypervisor, look around the stop time: `dmesg -T` for the OOM killer or a qemu-system oops, `journalctl -k` for block I/O errors, `/var/log/libvirt/qemu/<instance>.log` for the reason qemu exited, `free -h` for memory and swap.',
      'Check the hypervisor\'s disks (smartctl, NVMe error log) when the logs show I/O stalls or errors.',
      'If it happens again, see server-shutoff-flapping: restarting alone will not hold.',
    ],
  },
  source: 'catalog §3 OpenStack API layer (server-unrequested-shutoff); seed 002',
  detect({ snapshot, index, options }) {
    const out: RawFinding<Messages>[] = [];
    for (const server of snapshot.servers) {
      if (server.status.toUpperCase() !== 'SHUTOFF') continue;
      const stop = latestStop(index, server.id);
      // No stop on record (history trimmed, or a shelve/offload path): nothing to say who did it.
      if (!stop || !isUnrequestedStop(stop)) continue;
      const urgency = serverUrgency(index, server, 'high', options.devSeverity, 'affected');
      out.push({
        messageId: 'unrequestedShutoff',
        severity: urgency.severity,
        data: {
          name: server.name,
          time: stop.startTime,
          requestId: stop.requestId,
          host: server.host ?? index.hypervisorOf(server)?.name ?? 'its hypervisor',
        },
        resource: serverRef(index, server),
        evidence: [
          ...serverEvidence(index, server),
          { label: 'power_state', value: server.powerState ?? null, source: 'nova' },
          { label: 'request_id', value: stop.requestId, source: 'nova instance actions' },
          { label: 'stopped_at', value: stop.startTime, source: 'nova instance actions' },
          { label: 'user_id', value: null, source: 'nova instance actions' },
          { label: 'project_id', value: null, source: 'nova instance actions' },
          { label: 'events', value: describeEvents(stop), source: 'nova instance actions' },
          { label: 'compute_stop_instance_event', value: stop.events.some((e) => e.event === 'compute_stop_instance'), source: 'nova instance actions' },
          ...(stop.message ? [{ label: 'message', value: stop.message, source: 'nova instance actions' }] : []),
          ...urgency.evidence,
        ],
      });
    }
    return out;
  },
});
