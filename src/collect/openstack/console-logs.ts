import { CollectorError, errorMessage } from '../../core/errors.js';
import type { SnapshotInput } from '../../snapshot/schema.js';
import { parseConsoleOutput } from '../host/parsers/console.js';
import { mapBounded } from '../../core/bounded.js';
import type { CollectedData, Collector } from '../types.js';
import type { OpenStackClient } from './client.js';
import { OpenStackHttpError } from './http.js';

type ServerInput = NonNullable<CollectedData['servers']>[number];
type ConsoleEventInput = NonNullable<SnapshotInput['consoleLogs']>[number];

export interface ConsoleLogOptions {
  /** Told apart in the collector id when several regions are collected: `console-logs:pg1`. */
  readonly name?: string;
  /** Lines read from the end of each console log (Nova's `length`); a panic and its trace fit in 60. */
  readonly lines?: number;
  /** Console requests in flight at once. Each is an RPC to the server's compute host, so keep it small. */
  readonly concurrency?: number;
  /** At most this many servers are read; the rest are named in a warning. */
  readonly maxServers?: number;
  readonly timeoutMs?: number;
}

export const DEFAULT_CONSOLE_LOG_OPTIONS = { lines: 200, concurrency: 8, maxServers: 500 } as const;

/** Why a server's console is worth reading. */
export type ConsoleReason = 'ping' | 'ssh' | 'error';

export interface ConsoleTarget {
  readonly server: ServerInput;
  readonly reason: ConsoleReason;
}

export interface ConsoleTargets {
  readonly targets: ConsoleTarget[];
  /** Selected but not read: the compute host does not answer, so Nova could not fetch the log either. */
  readonly hostDown: ServerInput[];
  /** Selected but over `maxServers`. */
  readonly overLimit: ServerInput[];
}

const FAILED_SSH = new Set(['refused', 'timeout', 'hang', 'error']);

/** ping false, or an SSH check that was expected to answer and did not; `null` when the probe says the server is fine. */
function probeFailure(p: NonNullable<CollectedData['probes']>[number]): ConsoleReason | null {
  if (p.ping && !p.ping.ok) return 'ping';
  if (p.ssh && FAILED_SSH.has(p.ssh.state)) return 'ssh';
  return null;
}

/**
 * The servers whose console can explain them, never the whole fleet: ACTIVE
 * servers that failed a reachability probe (a guest kernel that panicked answers
 * nothing while Nova still says ACTIVE) and servers in ERROR, in that order.
 * Servers of another region (when `region` is known) are left to that region's
 * collector. A server whose compute host is down or unknown is left out: Nova
 * asks the host for the log and would only time out.
 */
export function consoleTargets(input: CollectedData, region: string | undefined, maxServers: number): ConsoleTargets {
  const servers = new Map((input.servers ?? []).filter((s) => region === undefined || s.region === undefined || s.region === region).map((s) => [s.id, s]));
  const picked = new Map<string, ConsoleTarget>();
  for (const p of input.probes ?? []) {
    if (p.targetKind !== 'server') continue;
    const server = servers.get(p.targetId);
    const reason = probeFailure(p);
    if (server && reason && !picked.has(server.id)) picked.set(server.id, { server, reason });
  }
  for (const server of servers.values()) {
    // An ERROR server never scheduled to a host has no console.
    if (server.status.toUpperCase() === 'ERROR' && server.host && !picked.has(server.id)) picked.set(server.id, { server, reason: 'error' });
  }
  const hostDown: ServerInput[] = [];
  const readable: ConsoleTarget[] = [];
  for (const t of picked.values()) {
    const status = (t.server.hostStatus ?? '').toUpperCase();
    if (status === 'DOWN' || status === 'UNKNOWN') hostDown.push(t.server);
    else readable.push(t);
  }
  return { targets: readable.slice(0, maxServers), hostDown, overLimit: readable.slice(maxServers).map((t) => t.server) };
}

const names = (servers: readonly ServerInput[], max = 5): string =>
  `${servers.slice(0, max).map((s) => s.name || s.id).join(', ')}${servers.length > max ? ` and ${servers.length - max} more` : ''}`;

const MAX_WARNINGS = 20;

/**
 * Reads guest console logs (Nova `os-getConsoleOutput`, the last `lines` lines)
 * of the servers `consoleTargets` picks, and records the guest kernel panics
 * found there as the snapshot's `consoleLogs`. It `needs` the server list and the
 * probe results. One server's log failing to load is a warning; the others are
 * read. When none of them could be read the collector fails, so the detectors
 * that rely on it are skipped rather than passed.
 */
export function createConsoleLogCollector(client: OpenStackClient, options: ConsoleLogOptions = {}): Collector {
  const lines = options.lines ?? DEFAULT_CONSOLE_LOG_OPTIONS.lines;
  const concurrency = options.concurrency ?? DEFAULT_CONSOLE_LOG_OPTIONS.concurrency;
  const maxServers = options.maxServers ?? DEFAULT_CONSOLE_LOG_OPTIONS.maxServers;
  return {
    id: `console-logs${options.name ? `:${options.name}` : ''}`,
    description: `Guest console logs (last ${lines} lines) of servers that failed a probe or are in ERROR, for kernel panics`,
    produces: ['consoleLogs'],
    needs: ['servers', 'probes'],
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    async collect(ctx) {
      const region = (await client.endpoint('compute', ctx.signal)).region;
      const { targets, hostDown, overLimit } = consoleTargets(ctx.input, region, maxServers);
      const warnings: string[] = [];
      const warn = (m: string): void => {
        if (warnings.length < MAX_WARNINGS) warnings.push(m);
      };
      if (hostDown.length > 0) warn(`${hostDown.length} console log(s) not read because the compute host does not answer (host_status DOWN or UNKNOWN): ${names(hostDown)}`);
      if (overLimit.length > 0) warn(`${overLimit.length} console log(s) not read: more than consoleLogs.maxServers (${maxServers}) servers need one: ${names(overLimit)}`);
      ctx.progress(`reading ${targets.length} console logs`);
      let done = 0;
      const results = await mapBounded(targets, concurrency, async ({ server }) => {
        try {
          // Nova counts the empty piece after a final newline as a line: one more gives `lines` real ones.
          const output = await client.getConsoleOutput(server.id, lines + 1, ctx.signal);
          return { server, output };
        } catch (err) {
          if (ctx.signal.aborted) throw err;
          const status = err instanceof OpenStackHttpError ? ` (HTTP ${err.status})` : '';
          return { server, error: `${errorMessage(err)}${status}` };
        } finally {
          done += 1;
          if (done % 50 === 0) ctx.progress(`console logs ${done}/${targets.length}`);
        }
      });
      const failed = results.flatMap((r) => ('error' in r ? [`${r.server.name || r.server.id}: ${r.error}`] : []));
      if (targets.length > 0 && failed.length === targets.length) {
        throw new CollectorError(`could not read any of ${targets.length} console log(s): ${failed[0] ?? ''}`);
      }
      if (failed.length > 0) warn(`${failed.length} of ${targets.length} console log(s) could not be read: ${failed.slice(0, 5).join('; ')}`);
      const consoleLogs: ConsoleEventInput[] = [];
      for (const r of results) {
        if ('error' in r) continue;
        const parsed = parseConsoleOutput(r.output);
        for (const w of parsed.warnings) warn(`${r.server.name || r.server.id}: ${w}`);
        for (const e of parsed.value) {
          if (e.kind !== 'async-pf-panic' && e.kind !== 'root-mount-panic' && e.kind !== 'panic') continue;
          consoleLogs.push({ serverId: r.server.id, kind: e.kind, line: e.line });
        }
      }
      const partial = failed.length > 0 || hostDown.length > 0 || overLimit.length > 0;
      return { data: { consoleLogs }, ...(partial ? { status: 'partial' as const } : {}), warnings };
    },
  };
}
