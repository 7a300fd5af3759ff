import { z } from 'zod';
import type { Evidence } from '../../core/findings.js';
import { SEVERITIES } from '../../core/severity.js';
import { defineDetector, type RawFinding } from '../define.js';
import { formatBytes, recentEvents, serverEvidence, serverRef, serverUrgency, type ConsoleEvent } from '../resources.js';

type Messages = 'asyncPfPanic';

const ASYNC_PF = /Host injected async #PF/i;

function isAsyncPfPanic(e: ConsoleEvent): boolean {
  return e.kind === 'async-pf-panic' || (e.kind === 'panic' && ASYNC_PF.test(e.line));
}

export default defineDetector({
  id: 'guest-async-pf-panic',
  title: 'Guest panicked on a host storage stall',
  layer: 'host',
  severity: 'high',
  description: 'Finds servers whose console log shows `Kernel panic - not syncing: Host injected async #PF`: the hypervisor\'s storage stalled under them.',
  explanation:
    'With KVM asynchronous page faults, a guest touching memory the host has to fetch from disk keeps running while the ' +
    'host waits. When the host cannot complete that fetch, it injects the fault into the guest, and a guest kernel that ' +
    'gets it in kernel mode panics: "Host injected async #PF in kernel mode". The guest is not at fault; the hypervisor\'s ' +
    'storage (a stalling drive or controller, swap on a slow disk, a corrupted image) did not answer. The same stall ' +
    'shows on the host as tasks blocked in D state. Restarting the server helps until the next stall.',
  requires: ['consoleLogs'],
  uses: ['servers', 'hostFacts', 'disks', 'hypervisors', 'regions', 'inventory'],
  messages: {
    asyncPfPanic: 'Server {{server}} panicked with "Host injected async #PF": the storage of its hypervisor {{host}} stalled under it.',
  },
  options: z.object({
    withinHours: z.number().positive().default(168).describe('only panics logged within this many hours before the scan count (panics without a time always count)'),
    devSeverity: z.enum(SEVERITIES).default('medium').describe('severity for servers in a dev zone'),
  }),
  remediation: {
    runbook: 'vm-hang',
    steps: [
      'Look at the hypervisor first, not the guest: `dmesg -T | grep "blocked for more than"` (hung-task), `smartctl -a` on the drive holding the images (nvme-error-log, smart-failing), `free -h` for swap (swap-enabled).',
      'Read the console (runbook inspect-vm): `openstack console log show <server>`; the panic trace shows `__kvm_handle_async_pf`.',
      'Restart the server (runbook vm-hang): `openstack server stop <server>`, confirm, `openstack server start <server>`; if it does not boot, check its image (qcow2-refcount-errors).',
      'Fix the host cause (swap off, drive replaced, images moved) or migrate the server away; otherwise it will panic again under load.',
    ],
  },
  source: 'catalog §3 host layer (guest-async-pf-panic); seed 002 (Kernel panic - not syncing: Host injected async #PF in kernel mode)',
  detect({ snapshot, index, options, now }) {
    const out: RawFinding<Messages>[] = [];
    const byServer = new Map<string, ConsoleEvent[]>();
    for (const e of recentEvents(snapshot.consoleLogs, now, options.withinHours)) {
      if (!isAsyncPfPanic(e)) continue;
      const list = byServer.get(e.serverId);
      if (list) list.push(e);
      else byServer.set(e.serverId, [e]);
    }
    for (const [serverId, panics] of byServer) {
      const latest = panics[panics.length - 1] as ConsoleEvent;
      const server = index.server(serverId);
      const consoleEvidence: Evidence[] = [
        { label: 'console_line', value: latest.line, source: 'console log' },
        ...(latest.time !== undefined ? [{ label: 'panic_time', value: latest.time, source: 'console log' }] : []),
        { label: 'panics', value: panics.length, source: 'console log' },
      ];
      if (!server) {
        // The console log names a server the servers section does not hold (not collected, or deleted since).
        out.push({
          messageId: 'asyncPfPanic',
          data: { server: serverId, host: 'an unknown host' },
          resource: { kind: 'server', id: serverId },
          evidence: consoleEvidence,
        });
        continue;
      }
      const host = server.host ?? server.hypervisorHostname ?? 'an unknown host';
      const facts = server.host ? index.hostFacts(server.host) : undefined;
      const stalls = (facts?.kernelEvents ?? []).filter((k) => k.kind === 'hung-task');
      const disks = server.host ? index.disksOn(server.host) : [];
      const nvmeErrors = disks.reduce((sum, d) => sum + (d.nvmeErrorLogEntries ?? 0), 0);
      const urgency = serverUrgency(index, server, 'high', options.devSeverity);
      const evidence: Evidence[] = [
        ...consoleEvidence,
        ...serverEvidence(index, server),
        ...(facts ? [{ label: 'host_hung_tasks', value: stalls.length, source: 'host dmesg' }] : []),
        ...(facts?.memory ? [{ label: 'host_swap_used', value: formatBytes(facts.memory.swapUsedBytes), source: 'host free' }] : []),
        ...(disks.length > 0 ? [{ label: 'host_nvme_error_log_entries', value: nvmeErrors, source: 'host smartctl' }] : []),
        ...urgency.evidence,
      ];
      out.push({
        messageId: 'asyncPfPanic',
        data: { server: server.name, host },
        resource: serverRef(index, server),
        severity: urgency.severity,
        evidence,
      });
    }
    return out;
  },
});
