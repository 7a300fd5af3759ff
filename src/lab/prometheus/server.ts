import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { access, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { historyOpenMetrics, type ClusterHistory, type HistoryOptions } from './history.js';

const run = promisify(execFile);

export const PROMETHEUS_BIN = process.env.FAULTLINE_PROMETHEUS ?? '/usr/bin/prometheus';
export const PROMTOOL_BIN = process.env.FAULTLINE_PROMTOOL ?? '/usr/bin/promtool';

/** Why the lab cannot serve Prometheus here, or undefined when it can. */
export async function prometheusMissing(): Promise<string | undefined> {
  for (const bin of [PROMETHEUS_BIN, PROMTOOL_BIN]) {
    try {
      await access(bin);
    } catch {
      return `${bin} is not installed (apt-get install prometheus, or scripts/install-deps.sh --test)`;
    }
  }
  return undefined;
}

export interface LabPrometheus {
  readonly url: string;
  readonly series: number;
  /** Milliseconds the promtool backfill took. */
  readonly backfillMs: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

async function waitReady(url: string, child: ChildProcess, stderr: () => string, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}: ${stderr().slice(-500)}`);
    try {
      const r = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      if (r.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`prometheus at ${url} not ready in time: ${stderr().slice(-500)}`);
}

/**
 * Writes the history, backfills it into a fresh TSDB with promtool and starts
 * Debian's prometheus on loopback over it, with no scrape targets (the data is
 * all history) and a retention longer than the history.
 */
export async function startLabPrometheus(dir: string, clusters: readonly ClusterHistory[], options: HistoryOptions): Promise<LabPrometheus> {
  const missing = await prometheusMissing();
  if (missing) throw new Error(`the lab cannot serve Prometheus: ${missing}`);
  await mkdir(dir, { recursive: true });
  const { text, series } = historyOpenMetrics(clusters, options);
  const file = join(dir, 'history.om.txt');
  const tsdb = join(dir, 'tsdb');
  await writeFile(file, text);
  // A TSDB left by an earlier lab in the same folder would overlap the new blocks.
  await rm(tsdb, { recursive: true, force: true });
  const t0 = Date.now();
  try {
    // One block per 162 h (the largest compaction range under the flag) instead of promtool's default of one per
    // 2 h: 8 days of history is then 3 blocks, not 97, and the backfill takes a fraction of a second instead of
    // tens of seconds. The flag is hidden in promtool's help but accepted since 2.24.
    await run(PROMTOOL_BIN, ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', '--max-block-duration=240h', file, tsdb], { maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    throw new Error(`promtool backfill of ${file} failed: ${(err as { stderr?: string }).stderr ?? String(err)}`);
  }
  const backfillMs = Date.now() - t0;
  const config = join(dir, 'prometheus.yml');
  await writeFile(config, 'global:\n  evaluation_interval: 1m\nscrape_configs: []\n');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(PROMETHEUS_BIN, [
    `--config.file=${config}`, `--storage.tsdb.path=${tsdb}`, `--web.listen-address=127.0.0.1:${port}`,
    '--storage.tsdb.retention.time=30d',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-4000); });
  try {
    await waitReady(url, child, () => err, Date.now() + 20_000);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return {
    url,
    series,
    backfillMs,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
