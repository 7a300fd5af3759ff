import { z } from 'zod';
import { defineDetector, type RawFinding } from '../define.js';
import { serverEvidence, serverRef } from '../resources.js';

type Messages = 'serverError';

export default defineDetector({
  id: 'server-error',
  title: 'Server in ERROR state',
  layer: 'openstack',
  severity: 'high',
  description: 'Finds servers whose Nova status is ERROR.',
  explanation:
    'Nova puts a server in ERROR when an operation on it failed (build, migration, reboot, a hypervisor fault). ' +
    'The server is not serving and Nova will not recover it by itself; the fault message usually names the cause.',
  requires: ['servers'],
  scope: 'server',
  uses: ['inventory', 'regions'],
  messages: {
    serverError: 'Server {{name}} is in ERROR state on {{host}}: {{fault}}',
  },
  options: z.object({
    devSeverity: z.enum(['info', 'low', 'medium', 'high', 'critical']).default('medium').describe('severity for servers in a dev zone'),
  }),
  remediation: {
    runbook: 'vm-hang',
    steps: [
      'Read the fault with `faultline show <server>` and the console log with `faultline log <server>`.',
      'Reset the state and hard-reboot the server if the fault is transient; otherwise fix the cause on the hypervisor first.',
      'If the server is a DB server in a prod zone, tell the DB on-call before acting.',
    ],
  },
  source: 'catalog §3 OpenStack API layer (server-error)',
  detect({ snapshot, index, options }) {
    const out: RawFinding<Messages>[] = [];
    for (const server of snapshot.servers) {
      if (server.status !== 'ERROR') continue;
      out.push({
        messageId: 'serverError',
        data: { name: server.name, host: server.host ?? 'no host', fault: server.fault?.message ?? 'no fault recorded' },
        resource: serverRef(index, server),
        severity: index.isProd(server) ? undefined : options.devSeverity,
        evidence: [
          ...serverEvidence(index, server),
          ...(server.fault ? [{ label: 'fault', value: server.fault.message, source: 'nova' }] : []),
        ],
      });
    }
    return out;
  },
});
