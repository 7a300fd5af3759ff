import { z } from 'zod';
import type { Evidence } from '../../core/findings.js';
import { SEVERITIES } from '../../core/severity.js';
import type { HostFacts } from '../../snapshot/schema.js';
import { defineDetector, type RawFinding } from '../define.js';
import { hostRef, hostUrgency, instanceNameIn, serverEvidence, serverRef, serverUrgency } from '../resources.js';

type Messages = 'imageCorrupted' | 'unknownDomain';
type LibvirtLogEvent = NonNullable<HostFacts['libvirtLogEvents']>[number];

/** The domain a libvirt log belongs to: the parsed name, else the one in the file name or line. */
function domainOf(event: LibvirtLogEvent): string | undefined {
  if (event.instanceName) return event.instanceName;
  const fromFile = event.file ? /([^/]+?)\.log(\.\d+)?$/.exec(event.file)?.[1] : undefined;
  return fromFile ?? instanceNameIn(event.line);
}

export default defineDetector({
  id: 'qcow2-refcount-errors',
  title: 'qcow2 image refcount errors',
  layer: 'host',
  severity: 'high',
  description: 'Finds `ERROR cluster N refcount=0 reference=1` lines in a server\'s libvirt/qemu log: its disk image is corrupted.',
  explanation:
    'qemu prints `ERROR cluster <n> refcount=0 reference=1` when the reference counts of a qcow2 image disagree with its ' +
    'mapping: clusters in use that the image calls free. The image is corrupted; qemu may pause the guest on a block I/O ' +
    'error, libvirt destroys it and Nova records a stop nobody asked for, so the server keeps going SHUTOFF. Left alone, ' +
    'freed clusters get reused and guest data is overwritten. The usual causes are a host crash or a stalling disk under ' +
    'the image.',
  requires: ['hostFacts'],
  uses: ['servers', 'hypervisors', 'regions', 'inventory'],
  messages: {
    imageCorrupted: 'The disk image of server {{server}} ({{domain}}) on {{host}} is corrupted: {{count}} qcow2 refcount error(s) in its libvirt log.',
    unknownDomain: 'A disk image on {{host}} is corrupted: {{count}} qcow2 refcount error(s) in the libvirt log of {{domain}}, which no Nova server claims.',
  },
  options: z.object({
    minErrors: z.number().int().positive().default(1).describe('report an image once its logs hold at least this many refcount errors'),
    devSeverity: z.enum(SEVERITIES).default('medium').describe('severity for servers in a dev zone'),
  }),
  remediation: {
    runbook: 'inspect-vm',
    steps: [
      'Prod zone: check whether the server is a DB server; if it is, tell the DB on-call and its owners before stopping it.',
      'Stop the server: `openstack server stop <server>` (the image must not be in use while it is repaired).',
      'Back up the image first: `cp /var/lib/nova/instances/<uuid>/disk <backup>` (or the path in the domain XML).',
      'Check and repair it: `qemu-img check <image>`, then `qemu-img check -r all <image>`; start the server and read its console (runbook inspect-vm).',
      'Find why it broke: the disk under the image (nvme-error-log, smart-failing, io-errors) and host crashes (unexpected-reboot).',
      'If the repair loses data the guest needs, restore the server from its backup.',
    ],
  },
  source: 'catalog §3 host layer (qcow2-refcount-errors); seed 002 (/var/log/libvirt/qemu/compute.log.0)',
  detect({ snapshot, index, options }) {
    const out: RawFinding<Messages>[] = [];
    for (const facts of snapshot.hostFacts) {
      const byDomain = new Map<string, { lines: LibvirtLogEvent[]; files: Set<string> }>();
      for (const event of facts.libvirtLogEvents ?? []) {
        if (event.kind !== 'qcow2-refcount') continue;
        const domain = domainOf(event) ?? 'an unnamed domain';
        let group = byDomain.get(domain);
        if (!group) {
          group = { lines: [], files: new Set() };
          byDomain.set(domain, group);
        }
        group.lines.push(event);
        if (event.file) group.files.add(event.file);
      }
      for (const [domain, group] of byDomain) {
        if (group.lines.length < options.minErrors) continue;
        const first = group.lines[0];
        const last = group.lines[group.lines.length - 1];
        const evidence: Evidence[] = [
          { label: 'log_line', value: last?.line ?? '', source: 'libvirt qemu log' },
          ...(first && first !== last ? [{ label: 'first_line', value: first.line, source: 'libvirt qemu log' }] : []),
          { label: 'refcount_errors', value: group.lines.length, source: 'libvirt qemu log' },
          { label: 'domain', value: domain, source: 'libvirt qemu log' },
          ...(group.files.size > 0 ? [{ label: 'log_files', value: [...group.files].join(', '), source: 'libvirt qemu log' }] : []),
        ];
        const server = index.serverByInstance(domain);
        if (server) {
          const urgency = serverUrgency(index, server, 'high', options.devSeverity);
          out.push({
            messageId: 'imageCorrupted',
            data: { server: server.name, domain, host: facts.host, count: group.lines.length },
            resource: serverRef(index, server),
            severity: urgency.severity,
            evidence: [...evidence, ...serverEvidence(index, server), ...urgency.evidence],
          });
        } else {
          const urgency = hostUrgency(index, facts.host, 'high', options.devSeverity);
          out.push({
            messageId: 'unknownDomain',
            data: { domain, host: facts.host, count: group.lines.length },
            resource: hostRef(index, facts.host),
            severity: urgency.severity,
            key: domain,
            evidence: [...evidence, ...urgency.evidence],
          });
        }
      }
    }
    return out;
  },
});
