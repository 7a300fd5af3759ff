import { z } from 'zod';
import { SEVERITIES } from '../../core/severity.js';
import { defineDetector, type RawFinding } from '../define.js';
import { isUnrequestedStop, serverEvidence, serverRef, serverUrgency, timeOf } from '../resources.js';

type Messages = 'shutoffFlapping';

const DAY_MS = 24 * 60 * 60 * 1000;

export default defineDetector({
  id: 'server-shutoff-flapping',
  title: 'Server keeps being stopped by Nova',
  layer: 'openstack',
  severity: 'high',
  description: 'Finds servers that Nova stopped on its own repeatedly within a recent window, whatever their state now.',
  explanation:
    'One stop that nobody requested can be bad luck; several within weeks mean something on the hypervisor keeps killing ' +
    'the guest (memory pressure and the OOM killer, a failing disk or NVMe controller, overheating, a corrupted image). ' +
    'Starting the server again each time, by hand or by a watchdog script, hides the problem: the server looks fine ' +
    'between crashes, and whatever runs on it (Kubernetes workers in particular) keeps losing capacity.',
  requires: ['servers', 'instanceActions'],
  scope: 'server',
  uses: ['hypervisors', 'regions', 'inventory'],
  messages: {
    shutoffFlapping:
      'Server {{name}} was stopped by Nova itself {{count}} times in the last {{days}} days (first {{first}}, last {{last}}); the cause is on {{host}}.',
  },
  options: z.object({
    threshold: z.number().int().min(2).default(3).describe('unrequested stops within the window that make a server flapping'),
    windowDays: z.number().positive().default(30).describe('how far back from the evaluation time stops are counted, in days'),
    devSeverity: z.enum(SEVERITIES).default('medium').describe('severity for servers in a dev zone'),
  }),
  remediation: {
    runbook: 'auto-start-shutoff',
    steps: [
      'Stop restarting it blindly: if a watchdog starts SHUTOFF servers automatically, exclude this one until the cause is found.',
      'Line the stop times up with the hypervisor\'s logs: `dmesg -T` (OOM killer, qemu-system oops, hung tasks), `journalctl -k` (block I/O errors), `/var/log/libvirt/qemu/<instance>.log` (why qemu exited, qcow2 refcount errors).',
      'Check the hypervisor\'s memory and swap (`free -h`), disk health (`smartctl -a`, the NVMe error log) and temperatures (`sensors`).',
      'If the hypervisor is at fault, move the server away (cold or live migration) once a DB server\'s owners, if any, agree.',
      'If only this server dies, stop it, back up its disk image and check it (`qemu-img check -r all`).',
    ],
  },
  source: 'catalog §3 OpenStack API layer (server-shutoff-flapping), §4 auto-start SHUTOFF workers; seed 002',
  detect({ snapshot, index, options, now }) {
    const out: RawFinding<Messages>[] = [];
    const end = now.getTime();
    const start = end - options.windowDays * DAY_MS;
    const inWindow = (iso: string): boolean => {
      const t = timeOf(iso);
      return t !== undefined && t >= start && t <= end;
    };
    for (const server of snapshot.servers) {
      const actions = index.actionsOf(server.id).filter((a) => inWindow(a.startTime));
      const stops = actions.filter(isUnrequestedStop); // newest first
      if (stops.length < options.threshold) continue;
      const last = stops[0];
      const first = stops[stops.length - 1];
      if (!last || !first) continue;
      const requestedStops = actions.filter((a) => a.action === 'stop' && !isUnrequestedStop(a)).length;
      const starts = actions.filter((a) => a.action === 'start').length;
      const urgency = serverUrgency(index, server, 'high', options.devSeverity, server.status.toUpperCase() === 'ACTIVE' ? 'serving' : 'affected');
      out.push({
        messageId: 'shutoffFlapping',
        severity: urgency.severity,
        data: {
          name: server.name,
          count: stops.length,
          days: options.windowDays,
          first: first.startTime,
          last: last.startTime,
          host: server.host ?? index.hypervisorOf(server)?.name ?? 'its hypervisor',
        },
        resource: serverRef(index, server),
        evidence: [
          ...serverEvidence(index, server),
          { label: 'unrequested_stops', value: stops.length, source: 'nova instance actions' },
          { label: 'first_stop', value: first.startTime, source: 'nova instance actions' },
          { label: 'last_stop', value: last.startTime, source: 'nova instance actions' },
          { label: 'window_days', value: options.windowDays, source: 'options' },
          { label: 'starts_in_window', value: starts, source: 'nova instance actions' },
          { label: 'requested_stops_in_window', value: requestedStops, source: 'nova instance actions' },
          { label: 'stop_requests', value: stops.slice(0, 5).map((a) => a.requestId).join(', ') + (stops.length > 5 ? ` (+${stops.length - 5} more)` : ''), source: 'nova instance actions' },
          ...urgency.evidence,
        ],
      });
    }
    return out;
  },
});
