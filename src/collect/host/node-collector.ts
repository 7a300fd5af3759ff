/**
 * Collects host facts from Kubernetes node VMs over the same SSH transport as the
 * hypervisors (credentials, known_hosts, jump host, deadlines): which servers are nodes
 * comes from a server-name pattern over Nova's server list. Only running servers are
 * dialled; a SHUTOFF VM answers nothing and Nova already says why.
 */
import type { SnapshotInput } from '../../snapshot/schema.js';
import type { Collector } from '../types.js';
import { knownHostsName } from './known-hosts.js';
import { collectTargets, DEFAULT_HOST_COLLECTOR, hostCollectorDeadline, INSECURE_HOST_KEY_WARNING, loadSettings, type HostCollectorOptions, type HostTarget } from './ssh-collector.js';

type ServerInput = NonNullable<SnapshotInput['servers']>[number];

/** The fleet generator's and the platform's node names: `k8s-<team>-<region>-NN-{master,worker}-N`. */
export const DEFAULT_NODE_SERVER_PATTERN = '^k8s-.+-(master|worker)-\\d+$';

export interface NodeCollectorOptions extends Omit<HostCollectorOptions, 'hostPattern' | 'address' | 'resolve'> {
  /** Servers whose name matches are Kubernetes nodes. */
  readonly serverPattern: RegExp | string;
  /** Interfaces carrying storage traffic, by name. */
  readonly storageInterfaces?: RegExp | string;
}

const asRegExp = (p: RegExp | string): RegExp => (typeof p === 'string' ? new RegExp(p) : p);

export function nodeTargets(servers: readonly ServerInput[], options: NodeCollectorOptions): { targets: HostTarget[]; notRunning: string[]; noAddress: string[] } {
  const pattern = asRegExp(options.serverPattern);
  const port = options.port ?? DEFAULT_HOST_COLLECTOR.port;
  const storage = options.storageInterfaces === undefined ? undefined : asRegExp(options.storageInterfaces);
  const targets: HostTarget[] = [];
  const notRunning: string[] = [];
  const noAddress: string[] = [];
  const seen = new Set<string>();
  for (const s of servers) {
    if (!pattern.test(s.name) || seen.has(s.name)) continue;
    seen.add(s.name);
    if (s.status !== 'ACTIVE') {
      notRunning.push(s.name);
      continue;
    }
    const addresses = s.addresses ?? [];
    const ip = addresses.find((a) => a.version !== 6)?.addr ?? addresses[0]?.addr;
    if (!ip) {
      noAddress.push(s.name);
      continue;
    }
    targets.push({ host: s.name, address: ip, port, knownNames: [...new Set([ip, s.name])].map((n) => knownHostsName(n, port)), node: storage ? { storageInterfaces: storage } : {} });
  }
  return { targets, notRunning, noAddress };
}

const list = (names: readonly string[]): string => `${names.slice(0, 5).join(', ')}${names.length > 5 ? `, … (${names.length - 5} more)` : ''}`;

export function createNodeCollector(options: NodeCollectorOptions): Collector {
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_HOST_COLLECTOR.concurrency);
  return {
    id: 'node-ssh',
    description: `Kubernetes node facts over SSH (read-only allow-listed commands; ${concurrency} nodes at a time${options.jumpHost ? `, via ${options.jumpHost.host}` : ''})`,
    produces: ['hostFacts'],
    needs: ['servers'],
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    timeoutFor: (input) => hostCollectorDeadline(nodeTargets(input.servers ?? [], options).targets.length, concurrency, options.hostTimeoutMs ?? DEFAULT_HOST_COLLECTOR.hostTimeoutMs),
    async collect(ctx) {
      const { targets, notRunning, noAddress } = nodeTargets(ctx.input.servers ?? [], options);
      if (targets.length === 0) {
        const why = notRunning.length ? ` (${notRunning.length} matching server(s) are not ACTIVE)` : '';
        return { data: { hostFacts: [] }, status: 'ok', warnings: [`no ACTIVE server matches the node pattern ${String(options.serverPattern)}${why}`] };
      }
      const settings = await loadSettings(options);
      const warnings: string[] = [];
      if (settings.knownHosts === 'insecure') warnings.push(INSECURE_HOST_KEY_WARNING);
      if (noAddress.length) warnings.push(`${noAddress.length} node server(s) have no address and were not collected: ${list(noAddress)}`);
      if (notRunning.length) warnings.push(`${notRunning.length} node server(s) are not ACTIVE and were not dialled: ${list(notRunning)}`);
      const { hostFacts, failed } = await collectTargets(ctx, targets, settings, concurrency, warnings, 'node');
      return { data: { hostFacts }, status: failed > 0 ? 'partial' : 'ok', warnings };
    },
  };
}
