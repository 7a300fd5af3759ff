import { userInfo } from 'node:os';
import { createInterface } from 'node:readline';
import type { RegionClient } from '../act/openstack/nova.js';
import type { ReachabilityOptions } from '../act/openstack/reachability.js';
import { describeIdentity } from '../collect/openstack/auth.js';
import { createOpenStackClient, openstackRegions } from '../collect/plan.js';
import type { FaultlineConfig } from '../config/schema.js';
import { ConfigError, UsageError } from '../core/errors.js';
import { singleLine, textWidth } from '../report/text.js';
import { loadCliConfig, type CliConfig } from './config.js';
import type { CliContext } from './context.js';

/** What the server commands share: the configuration, a client per region, and who is acting. */
export interface OpenStackSession {
  readonly loaded: CliConfig;
  readonly clients: RegionClient[];
  /** `<local user> as <openstack identity>`: the "who" of every audit record. */
  readonly actor: string;
  readonly reachability: ReachabilityOptions;
}

export async function openstackSession(ctx: CliContext, flags: { config?: string; verbose?: boolean }): Promise<OpenStackSession> {
  const loaded = await loadCliConfig(ctx, flags.config);
  if (loaded.cloudError) throw loaded.cloudError;
  const cloud = loaded.cloud;
  if (!cloud) {
    throw new ConfigError({ problem: 'no OpenStack cloud configured', fix: 'set openstack.cloud in faultline.yaml, or export OS_CLOUD, or source an openrc file' });
  }
  const log = ctx.term.logger(flags.verbose ?? false);
  const clients = openstackRegions(loaded.config, cloud).map((region) => ({ region, client: createOpenStackClient(loaded.config, cloud, region, log) }));
  const identity = describeIdentity({ ...cloud.auth, interface: cloud.interface });
  let local = ctx.env['USER'] ?? ctx.env['LOGNAME'];
  if (!local) {
    try {
      local = userInfo().username;
    } catch {
      local = 'unknown';
    }
  }
  return { loaded, clients, actor: `${local} as ${identity}`, reachability: reachabilityOptions(loaded.config) };
}

/** The scan's probe settings (faultline.yaml `probes`), for `show` and the checks after start and restart. */
export function reachabilityOptions(config: FaultlineConfig): ReachabilityOptions {
  const p = config.probes;
  return {
    sshPort: p.sshPort,
    sshConnectTimeoutMs: p.sshConnectTimeoutSeconds * 1000,
    sshHangMs: p.sshHangSeconds * 1000,
    concurrency: Math.min(p.sshConcurrency, 256),
    ping: { timeoutMs: p.pingTimeoutMs, retries: p.pingRetries, batchSize: 4096, concurrency: 2 },
    pingOnly: new RegExp(p.pingOnlyPattern),
  };
}

/** Reads a positive number flag (seconds, counts); a UsageError naming the flag otherwise. */
export function positiveNumber(flag: string, value: string | undefined, fallback: number, integer = false): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new UsageError(`${flag}: "${value}" is not a positive ${integer ? 'whole ' : ''}number`);
  return n;
}

/** The stream a confirmation is read from; process.stdin unless a test passes its own. */
export type Input = NodeJS.ReadableStream & { isTTY?: boolean };

/** Asks a yes/no question on stderr and reads one line; only `y` or `yes` agree. */
export function askYesNo(ctx: CliContext, input: Input, question: string): Promise<boolean> {
  return new Promise((resolve) => {
    const rl = createInterface({ input, terminal: false });
    let answered = false;
    ctx.term.err(`${question} [y/N] `);
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      resolve(/^\s*y(es)?\s*$/i.test(line));
    });
    rl.once('close', () => {
      if (!answered) resolve(false);
    });
  });
}

/** Plain aligned columns; cells from the cloud are made single-line with visible control characters. */
export function renderColumns(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = rows.map((r) => r.map((c) => singleLine(c)));
  const widths = headers.map((h, i) => Math.max(textWidth(h), ...cells.map((r) => textWidth(r[i] ?? ''))));
  const line = (r: readonly string[]): string =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat((widths[i] ?? 0) - textWidth(c))))
      .join('  ')
      .trimEnd();
  return `${[line(headers), ...cells.map(line)].join('\n')}\n`;
}
