import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { SqlEngine } from '../store/engine.js';

/** Test support: Debian's real Prometheus and Alertmanager, started on loopback, and a store that is not there. */

/** For an app whose calls under test touch no database: one that did fails loudly instead of passing on an empty store. */
export const noDatabase: SqlEngine = {
  kind: 'embedded',
  where: 'nowhere',
  query: () => Promise.reject(new Error('no database in this test')),
  exec: () => Promise.reject(new Error('no database in this test')),
  transaction: () => Promise.reject(new Error('no database in this test')),
  close: () => Promise.resolve(),
};

export const ALERTMANAGER_BIN = process.env['FAULTLINE_ALERTMANAGER'] ?? '/usr/bin/prometheus-alertmanager';
export const PROMETHEUS_BIN = process.env['FAULTLINE_PROMETHEUS'] ?? '/usr/bin/prometheus';

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? res(a.port) : rej(new Error('no port'))));
    });
  });
}

export interface Daemon {
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `bin` and resolves once `${url}/-/ready` answers 200 (both daemons have that endpoint). */
export async function startDaemon(bin: string, args: readonly string[], url: string, timeoutMs = 20_000): Promise<Daemon> {
  const child = spawn(bin, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const daemon: Daemon = {
    child,
    output: () => out,
    stop: () =>
      new Promise((res) => {
        if (child.exitCode !== null || child.signalCode !== null) return res();
        child.once('exit', () => res());
        child.kill('SIGTERM');
      }),
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${bin} exited with ${child.exitCode}: ${out.slice(-800)}`);
    try {
      const r = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      if (r.ok) return daemon;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await daemon.stop();
  throw new Error(`${bin} not ready at ${url} in ${timeoutMs} ms: ${out.slice(-800)}`);
}

/** Polls `check` until it returns a value, or fails with `what` after the timeout. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
