import { spawn } from 'node:child_process';
import { CollectorError } from '../../core/errors.js';

export interface PingResult {
  readonly ok: boolean;
  readonly rttMs?: number;
}

export interface FpingOptions {
  /** Per-target timeout in ms (fping -t). */
  readonly timeoutMs: number;
  /** Extra attempts after the first (fping -r). */
  readonly retries: number;
  /**
   * Gap between packets of one fping process (fping -i; its default is 10 ms,
   * which makes 10,000 targets take 100 s). 0 suits loopback and LANs that can take a burst.
   */
  readonly intervalMs?: number;
  /** Addresses per fping process. */
  readonly batchSize: number;
  /** fping processes at once. */
  readonly concurrency: number;
  readonly binary?: string;
  readonly signal?: AbortSignal;
}

export const DEFAULT_FPING: FpingOptions = { timeoutMs: 500, retries: 1, intervalMs: 1, batchSize: 4096, concurrency: 2 };

/**
 * Reads `fping -C 1 -q` output: one line per target, `addr : rtt` or `addr : -`.
 * Lines it does not understand are returned as warnings, never thrown.
 */
export function parseFpingOutput(text: string): { results: Map<string, PingResult>; warnings: string[] } {
  const results = new Map<string, PingResult>();
  const warnings: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const m = /^(\S+)\s+:\s+(.*)$/.exec(line);
    if (!m) {
      warnings.push(`fping: ${line}`);
      continue;
    }
    const [, addr, rest] = m as unknown as [string, string, string];
    const first = rest.trim().split(/\s+/)[0] ?? '-';
    if (first === '-') results.set(addr, { ok: false });
    else {
      const rtt = Number(first);
      if (Number.isFinite(rtt)) results.set(addr, { ok: true, rttMs: rtt });
      else warnings.push(`fping: cannot read "${line}"`);
    }
  }
  return { results, warnings };
}

function runBatch(addresses: readonly string[], options: FpingOptions): Promise<{ results: Map<string, PingResult>; warnings: string[] }> {
  return new Promise((resolve, reject) => {
    const args = ['-C', '1', '-q', '-t', String(options.timeoutMs), '-r', String(options.retries), '-i', String(options.intervalMs ?? 1), '-B', '1', '-f', '-'];
    const child = spawn(options.binary ?? 'fping', args, { stdio: ['pipe', 'pipe', 'pipe'], signal: options.signal });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') reject(new CollectorError('fping is not installed (Debian package "fping")'));
      else reject(new CollectorError(`fping failed: ${err.message}`));
    });
    child.on('close', (code) => {
      // fping exits 1 when some targets are unreachable and 2 for unknown hosts; both still print results.
      if (code !== null && code > 2) return reject(new CollectorError(`fping exited with ${code}: ${out.slice(0, 300)}`));
      const parsed = parseFpingOutput(out);
      for (const a of addresses) if (!parsed.results.has(a)) parsed.warnings.push(`fping gave no answer for ${a}`);
      resolve(parsed);
    });
    child.stdin.end(`${addresses.join('\n')}\n`);
  });
}

/** Pings many addresses with a few fping processes reading their targets from stdin. */
export async function pingAll(addresses: readonly string[], options: FpingOptions = DEFAULT_FPING): Promise<{ results: Map<string, PingResult>; warnings: string[] }> {
  const unique = [...new Set(addresses)];
  const batches: string[][] = [];
  for (let i = 0; i < unique.length; i += options.batchSize) batches.push(unique.slice(i, i + options.batchSize));
  const results = new Map<string, PingResult>();
  const warnings: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < batches.length) {
      const batch = batches[next++] as string[];
      const r = await runBatch(batch, options);
      for (const [k, v] of r.results) results.set(k, v);
      warnings.push(...r.warnings);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, batches.length) }, worker));
  return { results, warnings };
}
