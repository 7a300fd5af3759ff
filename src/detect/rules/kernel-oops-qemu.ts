import { z } from 'zod';
import type { Evidence } from '../../core/findings.js';
import { SEVERITIES } from '../../core/severity.js';
import type { Server } from '../../snapshot/schema.js';
import { defineDetector, type RawFinding } from '../define.js';
import {
  UNREACHABLE,
  eventEvidence,
  hostRef,
  hostUrgency,
  instanceNameIn,
  isValidPattern,
  judgeReachability,
  listNames,
  probeEvidence,
  recentEvents,
  serverEvidence,
  serverProbe,
  serverRef,
  serverUrgency,
  serversOnHost,
  type KernelEvent,
} from '../resources.js';

type Messages = 'oopsServerFound' | 'oopsServerUnknown';

/** The probe verdict in the runbook's words (the ssh column of `show <PM>`). */
const VERDICT_WORDS: Readonly<Record<string, string>> = {
  'ssh-hang': 'it hangs on ssh',
  'ssh-failed': 'its ssh fails',
  'ping-failed': 'it answers neither ping nor ssh',
};

/** The `Tainted: G D …` flags of an oops, from the parsed detail or the line itself. */
function taintOf(event: KernelEvent): string {
  const parsed = event.detail?.['tainted'];
  if (typeof parsed === 'string' && parsed !== '') return parsed;
  if (/not tainted/i.test(event.line)) return 'not tainted';
  const m = /Tainted:\s*([^\s].*?)\s+\d+\.\d+\S*/.exec(event.line);
  return m ? (m[1] as string) : 'unknown';
}

/**
 * A soft or hard lockup is reported as `BUG:` too, but the watchdog only warns that a
 * CPU did not schedule for seconds; the qemu process lives on.
 */
function isLockup(event: KernelEvent): boolean {
  const headline = event.detail?.['headline'];
  return /\b(soft|hard) lockup\b/i.test(`${typeof headline === 'string' ? headline : ''} ${event.line}`);
}

export default defineDetector({
  id: 'kernel-oops-qemu',
  title: 'Kernel oops in a qemu process',
  layer: 'host',
  severity: 'high',
  description: 'Finds kernel oops and BUG reports on a hypervisor whose process is a qemu VM, and names the one server that died with it.',
  explanation:
    'A kernel oops or BUG whose `Comm:` is `qemu-system-*` (or `qemu-kvm`) means the kernel killed the process running ' +
    'one VM while the hypervisor itself stayed up: the other servers on the host are fine, one is not. The alarm often ' +
    'arrives as SYS_KERNEL_PANIC for the whole host, so the work is to find that one server (it fails ssh or hangs on ' +
    'it), recover it like a hung VM and name only it on the ticket. If the host itself does not answer, this is a ' +
    'hypervisor hang instead.',
  requires: ['hostFacts'],
  uses: ['hypervisors', 'servers', 'probes', 'regions', 'inventory'],
  messages: {
    oopsServerFound: 'Kernel {{kind}} in {{process}} (pid {{pid}}) on {{host}}: server {{server}} is the VM that died ({{how}}).',
    oopsServerUnknown: 'Kernel {{kind}} in {{process}} (pid {{pid}}) on {{host}} killed one VM; {{count}} candidate server(s): {{candidates}}.',
  },
  options: z.object({
    processPattern: z
      .string()
      .refine(isValidPattern, 'not a valid regular expression')
      .default('^(qemu-system-|qemu-kvm)')
      .describe('a `Comm:` value matching this regular expression is a VM process'),
    withinHours: z.number().positive().default(168).describe('only oopses logged within this many hours before the scan count (events without a time always count)'),
    devSeverity: z.enum(SEVERITIES).default('medium').describe('severity on a host in a dev zone'),
  }),
  remediation: {
    runbook: 'kernel-panic-pm-fine',
    steps: [
      'Make sure the hypervisor itself answers ssh; if it does not, this is a hypervisor hang (runbook pm-hang).',
      'Find the one server whose ssh fails or hangs for more than 10 seconds: `faultline show <hypervisor>` or the probe results in this finding.',
      'Prod zone: check whether that server is a DB server; if it is, tell the DB on-call.',
      'Recover it like a hung VM (runbook vm-hang): `openstack server stop <server>`, confirm ping stops, `openstack server start <server>`, wait, ssh.',
      'Name only that server on the ticket.',
      'If that does not bring it back, treat the hypervisor as hung: fault notice, reboot it, start its servers.',
    ],
  },
  source: 'catalog §3 host layer (kernel-oops-qemu), §4.5; seed 000 §4.5',
  detect({ snapshot, index, options, now }) {
    const out: RawFinding<Messages>[] = [];
    const vmProcess = new RegExp(options.processPattern);
    for (const facts of snapshot.hostFacts) {
      const oopses = recentEvents(facts.kernelEvents ?? [], now, options.withinHours).filter(
        (e) => (e.kind === 'oops' || e.kind === 'bug') && e.process !== undefined && vmProcess.test(e.process) && !isLockup(e),
      );
      // One trace can yield both a BUG and an Oops event for the same process: one finding per process.
      const byProcess = new Map<string, KernelEvent>();
      for (const e of oopses) {
        const key = e.pid !== undefined ? `pid ${e.pid}` : e.line;
        if (!byProcess.has(key)) byProcess.set(key, e);
      }
      const servers = serversOnHost(index, facts.host);
      const unreachable = servers.filter(
        (s) => s.status.toUpperCase() === 'ACTIVE' && UNREACHABLE.has(judgeReachability(serverProbe(index, s), false)),
      );

      for (const [key, event] of byProcess) {
        const base = {
          kind: event.kind === 'bug' ? 'BUG' : 'oops',
          process: event.process ?? 'qemu',
          pid: event.pid ?? 'unknown',
          host: facts.host,
        };
        const evidence: Evidence[] = [...eventEvidence(event, 'dmesg'), { label: 'tainted', value: taintOf(event), source: 'dmesg' }];

        const instance = instanceNameIn(event.line);
        const named = instance ? index.serverByInstance(instance) : undefined;
        let found: { server: Server; how: string } | undefined;
        if (named) found = { server: named, how: `the log line names ${instance}` };
        else if (unreachable.length === 1) {
          const only = unreachable[0] as Server;
          const verdict = judgeReachability(serverProbe(index, only), false);
          found = { server: only, how: `the only server on the host that fails its probe: ${VERDICT_WORDS[verdict] ?? verdict}` };
        }

        if (found) {
          const urgency = serverUrgency(index, found.server, 'high', options.devSeverity);
          const probe = serverProbe(index, found.server);
          out.push({
            messageId: 'oopsServerFound',
            data: { ...base, server: found.server.name, how: found.how },
            resource: serverRef(index, found.server),
            severity: urgency.severity,
            key,
            evidence: [...evidence, ...serverEvidence(index, found.server), ...(probe ? probeEvidence(probe) : []), ...urgency.evidence],
          });
          continue;
        }

        // Unreachable servers are the likely ones; with none, every server not known to answer is a candidate.
        const candidates = unreachable.length > 0 ? unreachable : servers.filter((s) => judgeReachability(serverProbe(index, s), false) !== 'reachable');
        const urgency = hostUrgency(index, facts.host, 'high', options.devSeverity);
        out.push({
          messageId: 'oopsServerUnknown',
          data: {
            ...base,
            count: candidates.length,
            candidates:
              candidates.length > 0
                ? listNames(candidates.map((s) => s.name))
                : servers.length > 0
                  ? 'none, every server on the host answers ping and ssh'
                  : 'no servers known on this host',
          },
          resource: hostRef(index, facts.host),
          severity: urgency.severity,
          key,
          evidence: [
            ...evidence,
            { label: 'unreachable_servers', value: unreachable.length, source: 'probes' },
            ...(unreachable.length >= 3 ? [{ label: 'mass_impact', value: `${unreachable.length} servers unreachable: treat the hypervisor as hung (runbook pm-hang)`, source: 'probes' }] : []),
            ...urgency.evidence,
          ],
        });
      }
    }
    return out;
  },
});
