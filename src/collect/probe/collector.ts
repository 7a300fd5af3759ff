import type { CollectedData, Collector } from '../types.js';
import { DEFAULT_FPING, pingAll, type FpingOptions } from './fping.js';
import { mapBounded } from '../../core/bounded.js';
import { probeSsh, type SshProbeResult } from './ssh-banner.js';

export interface ProbeOptions {
  readonly sshPort: number;
  readonly sshConnectTimeoutMs: number;
  /** The catalog's "ssh hangs" limit: 10 s. */
  readonly sshHangMs: number;
  readonly sshConcurrency: number;
  readonly ping: FpingOptions;
  /** Servers judged by ping alone (load-balancer amphorae). */
  readonly pingOnly: RegExp;
  /** Which server statuses to probe; others are not expected to answer. */
  readonly statuses: readonly string[];
  readonly probeHypervisors: boolean;
}

export const DEFAULT_PROBE_OPTIONS: ProbeOptions = {
  sshPort: 22,
  sshConnectTimeoutMs: 3000,
  sshHangMs: 10_000,
  sshConcurrency: 256,
  ping: DEFAULT_FPING,
  pingOnly: /^amphora-/,
  statuses: ['ACTIVE'],
  probeHypervisors: true,
};

type Target = { kind: 'server' | 'hypervisor'; id: string; address: string; ssh: boolean };

function targetsOf(input: CollectedData, options: ProbeOptions): { targets: Target[]; warnings: string[] } {
  const targets: Target[] = [];
  const warnings: string[] = [];
  let noAddress = 0;
  for (const s of input.servers ?? []) {
    if (!options.statuses.includes(s.status)) continue;
    const addr = (s.addresses ?? []).find((a) => a.type !== 'floating' && (a.version ?? 4) === 4)?.addr ?? s.addresses?.[0]?.addr;
    if (!addr) {
      noAddress += 1;
      continue;
    }
    targets.push({ kind: 'server', id: s.id, address: addr, ssh: !options.pingOnly.test(s.name) });
  }
  if (noAddress > 0) warnings.push(`${noAddress} server(s) have no address and were not probed`);
  if (options.probeHypervisors) {
    for (const h of input.hypervisors ?? []) if (h.hostIp) targets.push({ kind: 'hypervisor', id: h.name, address: h.hostIp, ssh: true });
  }
  return { targets, warnings };
}

/**
 * Reachability as the night shift checks it: ICMP through fping in large batches,
 * then an SSH banner check per target (bounded), `amphora-*` by ping alone.
 */
export function createProbeCollector(overrides: Partial<ProbeOptions> = {}): Collector {
  const options = { ...DEFAULT_PROBE_OPTIONS, ...overrides };
  return {
    id: 'probes',
    description: `ICMP (fping) and SSH banner (port ${options.sshPort}, hang after ${options.sshHangMs} ms) reachability`,
    produces: ['probes'],
    needs: ['servers', 'hypervisors'],
    async collect(ctx) {
      const { targets, warnings } = targetsOf(ctx.input, options);
      ctx.progress(`pinging ${targets.length} targets`);
      const ping = await pingAll(targets.map((t) => t.address), { ...options.ping, signal: ctx.signal });
      warnings.push(...ping.warnings.slice(0, 20));
      let done = 0;
      const ssh = await mapBounded(targets, options.sshConcurrency, async (t): Promise<SshProbeResult | null> => {
        if (!t.ssh) return null;
        const r = await probeSsh(t.address, { port: options.sshPort, connectTimeoutMs: options.sshConnectTimeoutMs, bannerTimeoutMs: options.sshHangMs, signal: ctx.signal });
        done += 1;
        if (done % 1000 === 0) ctx.progress(`ssh ${done}/${targets.length}`);
        return r;
      });
      const probedAt = ctx.now().toISOString();
      const probes = targets.map((t, i) => {
        const p = ping.results.get(t.address);
        const s = ssh[i];
        return {
          targetKind: t.kind,
          targetId: t.id,
          address: t.address,
          probedAt,
          ping: p ? { ok: p.ok, ...(p.rttMs !== undefined ? { rttMs: p.rttMs } : {}) } : null,
          ssh: s
            ? { state: s.state, elapsedMs: s.elapsedMs, ...(s.banner ? { banner: s.banner } : {}), ...(s.error ? { error: s.error } : {}) }
            : { state: 'not-expected' as const },
        };
      });
      const unanswered = probes.filter((p) => p.ping === null).length;
      return { data: { probes }, status: unanswered > 0 ? 'partial' : 'ok', warnings };
    },
  };
}
