import { z } from 'zod';
import type { Evidence, ResourceRef } from '../../core/findings.js';
import { SEVERITIES } from '../../core/severity.js';
import type { Server } from '../../snapshot/schema.js';
import { defineDetector, type RawFinding } from '../define.js';
import {
  hypervisorRef,
  isValidPattern,
  judgeReachability,
  listNames,
  probeEvidence,
  serverEvidence,
  serverProbe,
  serverRef,
  serverUrgency,
} from '../resources.js';

type Messages = 'pingFailed' | 'pingBlocked' | 'sshFailed' | 'sshHang' | 'notProbed';

const SSH_OUTCOME: Readonly<Record<string, string>> = {
  refused: 'was refused',
  timeout: 'timed out',
  error: 'failed without an SSH banner',
};

export default defineDetector({
  id: 'server-unreachable',
  title: 'ACTIVE server does not answer ping or ssh',
  layer: 'openstack',
  severity: 'high',
  description: 'Finds servers Nova calls ACTIVE that fail the ping or ssh probe, or hang on ssh.',
  explanation:
    'Nova reports what the hypervisor believes, not whether the guest works: a server can be ACTIVE while its kernel has ' +
    'panicked, its network is gone or it is stuck so hard that sshd accepts the TCP connection but never sends its banner ' +
    '(the runbook calls that "hanging": no prompt within 10 seconds). Such a server serves nothing, and when several ' +
    'servers on one hypervisor are in this state the hypervisor itself is usually at fault. Load balancer VMs ' +
    '(amphora) do not run sshd for users and are judged by ping alone.',
  requires: ['servers', 'probes'],
  uses: ['hypervisors', 'regions', 'inventory'],
  messages: {
    pingFailed: 'Server {{name}} is ACTIVE but does not answer ping at {{address}} (ssh: {{ssh}}).',
    pingBlocked: 'Server {{name}} answers ssh but not ping at {{address}}; ICMP is probably filtered.',
    sshFailed: 'Server {{name}} is ACTIVE but ssh to {{address}} {{outcome}} (ping: {{ping}}).',
    sshHang: 'Server {{name}} hangs on ssh at {{address}}: the SSH port accepts connections but no SSH banner arrived ({{waited}}).',
    notProbed: '{{count}} ACTIVE server(s) on {{host}} have no ping or ssh result, so their reachability was not checked.',
  },
  options: z.object({
    pingOnlyNamePattern: z
      .string()
      .refine(isValidPattern, 'not a valid regular expression')
      .default('^amphora-')
      .describe('servers whose name matches this regular expression are judged by ping only (load balancer VMs)'),
    devSeverity: z.enum(SEVERITIES).default('medium').describe('severity for servers in a dev zone'),
    reportNotProbed: z.boolean().default(true).describe('report, per hypervisor, ACTIVE servers that have no probe result'),
    notProbedSeverity: z.enum(SEVERITIES).default('low').describe('severity of the not-probed report'),
  }),
  remediation: {
    runbook: 'vm-hang',
    steps: [
      'Prod zone: check whether the server is a DB server; if it is, tell the DB on-call before stopping or restarting it.',
      'Confirm by hand: `ping <ip>` and `ssh <ip>`; a prompt that does not appear within 10 seconds is a hang.',
      'Read the console before acting (runbook inspect-vm): `openstack console log show <server>` for panics and boot messages, `openstack console url show <server>` for the noVNC console.',
      'Fast path: `openstack server stop <server>`, confirm ping stops answering, `openstack server start <server>`, wait, then ssh. Slow path: `openstack server reboot --hard <server>`, wait, then ssh.',
      'Still unreachable: in a prod zone page the platform on-call; in a dev zone mention the on-call during the day.',
      'Three or more servers on one hypervisor affected: stop here and treat the hypervisor as hung (hypervisor-mass-impact, runbook pm-hang).',
      'A kernel oops naming qemu-system on the hypervisor points at the one server that hangs (runbook kernel-panic-pm-fine).',
      'Not-probed servers: make sure the probe collector reaches that hypervisor\'s networks, then collect again.',
    ],
  },
  source: 'catalog §2 reachability semantics, §3 OpenStack API layer (server-unreachable); seed 000 §1, §4.2, §4.5',
  detect({ snapshot, index, options }) {
    const out: RawFinding<Messages>[] = [];
    const pingOnly = new RegExp(options.pingOnlyNamePattern);
    const byHost = new Map<string, { resource: ResourceRef; host: string; notProbed: Server[]; probed: number }>();

    for (const server of snapshot.servers) {
      if (server.status.toUpperCase() !== 'ACTIVE') continue;
      const probe = serverProbe(index, server);
      const isPingOnly = pingOnly.test(server.name);
      const verdict = judgeReachability(probe, isPingOnly);
      const hv = index.hypervisorOf(server);
      const host = hv?.name ?? server.host ?? 'an unknown host';

      const key = hv?.id ?? server.host ?? '';
      let group = byHost.get(key);
      if (!group) {
        const resource: ResourceRef = hv ? hypervisorRef(hv) : { kind: 'host', id: server.host ?? 'unknown-host', name: host };
        group = { resource, host, notProbed: [], probed: 0 };
        byHost.set(key, group);
      }
      if (verdict === 'not-probed') {
        group.notProbed.push(server);
        continue;
      }
      group.probed += 1;
      if (verdict === 'reachable') continue;
      if (!probe) continue; // judged verdicts always come from a probe

      const address = probe.address || server.addresses[0]?.addr || 'no address';
      const urgency = serverUrgency(index, server, 'high', options.devSeverity, verdict === 'ping-failed-ssh-ok' ? 'serving' : 'affected');
      const evidence: Evidence[] = [
        ...serverEvidence(index, server),
        ...probeEvidence(probe),
        ...(isPingOnly ? [{ label: 'check', value: 'ping only (name matches pingOnlyNamePattern)', source: 'options' }] : []),
        ...urgency.evidence,
      ];
      const base = { resource: serverRef(index, server), evidence };

      switch (verdict) {
        case 'ping-failed':
          out.push({
            ...base,
            messageId: 'pingFailed',
            severity: urgency.severity,
            data: { name: server.name, address, ssh: isPingOnly ? 'not checked, ping-only server' : (probe.ssh?.state ?? 'not checked') },
          });
          break;
        case 'ping-failed-ssh-ok':
          // sshd answered, so the guest is alive; a missing ICMP reply is worth a look, not a page.
          out.push({ ...base, messageId: 'pingBlocked', severity: 'low', data: { name: server.name, address } });
          break;
        case 'ssh-failed':
          out.push({
            ...base,
            messageId: 'sshFailed',
            severity: urgency.severity,
            data: {
              name: server.name,
              address,
              outcome: SSH_OUTCOME[probe.ssh?.state ?? ''] ?? 'failed',
              ping: probe.ping === null ? 'not checked' : probe.ping.ok ? 'answers' : 'no answer',
            },
          });
          break;
        case 'ssh-hang':
          out.push({
            ...base,
            messageId: 'sshHang',
            severity: urgency.severity,
            data: {
              name: server.name,
              address,
              waited: probe.ssh?.elapsedMs !== undefined ? `waited ${(probe.ssh.elapsedMs / 1000).toFixed(1)} s` : 'probe limit reached',
            },
          });
          break;
      }
    }

    if (options.reportNotProbed) {
      for (const group of byHost.values()) {
        if (group.notProbed.length === 0) continue;
        out.push({
          messageId: 'notProbed',
          severity: options.notProbedSeverity,
          data: { count: group.notProbed.length, host: group.host },
          resource: group.resource,
          evidence: [
            { label: 'not_probed', value: group.notProbed.length, source: 'probes' },
            { label: 'probed', value: group.probed, source: 'probes' },
            { label: 'servers', value: listNames(group.notProbed.map((s) => s.name)), source: 'nova' },
          ],
        });
      }
    }
    return out;
  },
});
