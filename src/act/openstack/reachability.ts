import { DEFAULT_FPING, pingAll, type FpingOptions } from '../../collect/probe/fping.js';
import { probeSsh, type SshState } from '../../collect/probe/ssh-banner.js';
import { mapBounded } from '../../core/bounded.js';
import type { Server } from '../../snapshot/schema.js';

/**
 * The two columns of `show`: does the server answer ICMP, and does an SSH
 * server greet on the configured port. Uses the scan's probes (fping, banner
 * check) so `show` and `scan` never disagree about the same server.
 */
export interface Reachability {
  readonly address?: string;
  /** null: not probed (no address). */
  readonly ping: boolean | null;
  readonly rttMs?: number;
  /** `not-expected` for ping-only servers (amphorae); null when not probed. */
  readonly ssh: SshState | 'not-expected' | null;
  readonly sshBanner?: string;
  readonly sshError?: string;
}

export interface ReachabilityOptions {
  readonly sshPort: number;
  readonly sshConnectTimeoutMs: number;
  /** Past this after connecting without a banner, ssh "hangs" (catalog: 10 s). */
  readonly sshHangMs: number;
  readonly concurrency: number;
  readonly ping: FpingOptions;
  /** Servers judged by ping alone. */
  readonly pingOnly: RegExp;
}

export const DEFAULT_REACHABILITY: ReachabilityOptions = {
  sshPort: 22,
  sshConnectTimeoutMs: 3000,
  sshHangMs: 10_000,
  concurrency: 64,
  ping: DEFAULT_FPING,
  pingOnly: /^amphora-/,
};

/** The address probes use: the first fixed IPv4 address, else the first of any kind. */
export function probeAddress(server: Pick<Server, 'addresses'>): string | undefined {
  return server.addresses.find((a) => a.type !== 'floating' && (a.version ?? 4) === 4)?.addr ?? server.addresses[0]?.addr;
}

/** Whether the server passes: ping answered, and ssh greeted unless the server is ping-only. */
export function isReachable(r: Reachability): boolean {
  return r.ping === true && (r.ssh === 'ok' || r.ssh === 'not-expected');
}

/**
 * Probes every server that has an address, whatever its state: after a stop
 * the operator wants to see that it no longer answers, too.
 */
export async function checkReachability(servers: readonly Server[], options: ReachabilityOptions, signal?: AbortSignal): Promise<Map<string, Reachability>> {
  const addressed = servers.flatMap((s) => {
    const address = probeAddress(s);
    return address ? [{ server: s, address }] : [];
  });
  const ping = addressed.length ? await pingAll(addressed.map((a) => a.address), { ...options.ping, ...(signal ? { signal } : {}) }) : { results: new Map(), warnings: [] };
  const ssh = await mapBounded(addressed, options.concurrency, (a) =>
    options.pingOnly.test(a.server.name)
      ? Promise.resolve(undefined)
      : probeSsh(a.address, { port: options.sshPort, connectTimeoutMs: options.sshConnectTimeoutMs, bannerTimeoutMs: options.sshHangMs, ...(signal ? { signal } : {}) }),
  );
  const out = new Map<string, Reachability>();
  for (const s of servers) out.set(s.id, { ping: null, ssh: null });
  addressed.forEach((a, i) => {
    const p = ping.results.get(a.address);
    const s = ssh[i];
    out.set(a.server.id, {
      address: a.address,
      ping: p ? p.ok : null,
      ...(p?.rttMs !== undefined ? { rttMs: p.rttMs } : {}),
      ssh: s ? s.state : 'not-expected',
      ...(s?.banner ? { sshBanner: s.banner } : {}),
      ...(s?.error ? { sshError: s.error } : {}),
    });
  });
  return out;
}

/** `yes`/`no` for ping, the probe state for ssh, `-` when not probed: the words the table shows. */
export function pingWord(r: Reachability | undefined): string {
  return r?.ping === true ? 'yes' : r?.ping === false ? 'no' : '-';
}

export function sshWord(r: Reachability | undefined): string {
  if (!r || r.ssh === null) return '-';
  return r.ssh === 'not-expected' ? 'n/a' : r.ssh;
}
