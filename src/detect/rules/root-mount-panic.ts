import { z } from 'zod';
import type { Evidence } from '../../core/findings.js';
import { SEVERITIES } from '../../core/severity.js';
import { defineDetector, type RawFinding } from '../define.js';
import { recentEvents, serverEvidence, serverRef, serverUrgency, type ConsoleEvent } from '../resources.js';

type Messages = 'rootMountPanic';

const VFS = /VFS: Unable to mount root fs/i;

function isRootMountPanic(e: ConsoleEvent): boolean {
  return e.kind === 'root-mount-panic' || (e.kind === 'panic' && VFS.test(e.line));
}

/** `unknown-block(0,0)`: the kernel found no root device at all (no driver, no initramfs) rather than an unreadable one. */
function blockOf(line: string): string | undefined {
  return /on (unknown-block\(\d+,\d+\)|\S+)/.exec(line)?.[1];
}

export default defineDetector({
  id: 'root-mount-panic',
  title: 'Guest cannot mount its root filesystem',
  layer: 'host',
  severity: 'high',
  description: 'Finds servers whose console log ends in `Kernel panic - not syncing: VFS: Unable to mount root fs`: the server cannot boot.',
  explanation:
    'The guest kernel started but could not mount its root filesystem, so it panicked before any service ran: the server ' +
    'is down however often it is restarted. `unknown-block(0,0)` means the kernel found no root device at all, typically ' +
    'a kernel installed without its initramfs by an interrupted update; a named block device means the disk is there but ' +
    'unreadable. Seed 002\'s server hit it after `dnf update` ran while the host\'s storage stalled: the image was damaged ' +
    'and had to be restored from a backup.',
  requires: ['consoleLogs'],
  uses: ['servers', 'hypervisors', 'regions', 'inventory'],
  messages: {
    rootMountPanic: 'Server {{server}} cannot boot: its kernel panics with "VFS: Unable to mount root fs on {{block}}"; the root disk or the boot files are damaged.',
  },
  options: z.object({
    withinHours: z.number().positive().default(168).describe('only panics logged within this many hours before the scan count (panics without a time always count)'),
    devSeverity: z.enum(SEVERITIES).default('medium').describe('severity for servers in a dev zone'),
  }),
  remediation: {
    runbook: 'inspect-vm',
    steps: [
      'Read the console (runbook inspect-vm): `openstack console log show <server>`; note the kernel version and whether the block is unknown-block(0,0).',
      'Prod zone: tell the owners, and the DB on-call if it is a DB server; the server is down until its disk is repaired.',
      'Try the previous kernel from the GRUB menu on the noVNC console (`openstack console url show <server>`); if it boots, rebuild the initramfs (`dracut -f` / `update-initramfs -u`) for the new kernel.',
      'If no kernel boots, stop the server and check its image on the hypervisor (`qemu-img check`, qcow2-refcount-errors), or restore it from the latest backup or snapshot.',
      'Check the hypervisor\'s storage (guest-async-pf-panic, nvme-error-log): an update interrupted by a storage stall is a common cause.',
    ],
  },
  source: 'catalog §3 host layer (root-mount-panic); seed 002 (Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0))',
  detect({ index, snapshot, options, now }) {
    const out: RawFinding<Messages>[] = [];
    const latestByServer = new Map<string, { event: ConsoleEvent; count: number }>();
    for (const e of recentEvents(snapshot.consoleLogs, now, options.withinHours)) {
      if (!isRootMountPanic(e)) continue;
      const seen = latestByServer.get(e.serverId);
      latestByServer.set(e.serverId, { event: e, count: (seen?.count ?? 0) + 1 });
    }
    for (const [serverId, { event, count }] of latestByServer) {
      const block = blockOf(event.line) ?? 'an unknown device';
      const evidence: Evidence[] = [
        { label: 'console_line', value: event.line, source: 'console log' },
        ...(event.time !== undefined ? [{ label: 'panic_time', value: event.time, source: 'console log' }] : []),
        { label: 'panics', value: count, source: 'console log' },
        { label: 'root_block', value: block, source: 'console log' },
      ];
      const server = index.server(serverId);
      if (!server) {
        out.push({ messageId: 'rootMountPanic', data: { server: serverId, block }, resource: { kind: 'server', id: serverId }, evidence });
        continue;
      }
      const urgency = serverUrgency(index, server, 'high', options.devSeverity);
      out.push({
        messageId: 'rootMountPanic',
        data: { server: server.name, block },
        resource: serverRef(index, server),
        severity: urgency.severity,
        evidence: [...evidence, ...serverEvidence(index, server), ...(server.image?.name ? [{ label: 'image', value: server.image.name, source: 'nova' }] : []), ...urgency.evidence],
      });
    }
    return out;
  },
});
