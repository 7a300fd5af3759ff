import { connect } from 'node:net';

export type SshState = 'ok' | 'refused' | 'timeout' | 'hang' | 'error';

export interface SshProbeResult {
  readonly state: SshState;
  readonly banner?: string;
  readonly elapsedMs: number;
  readonly error?: string;
}

export interface SshProbeOptions {
  readonly port: number;
  /** How long the TCP connect may take. */
  readonly connectTimeoutMs: number;
  /** How long after connecting the banner may take; past it the server "hangs" (catalog: 10 s). */
  readonly bannerTimeoutMs: number;
  readonly signal?: AbortSignal;
}

/**
 * The operator's "does ssh answer": a TCP connect, then the server's `SSH-`
 * identification line. A server that accepts the connection but never sends it
 * is the catalog's "ssh hangs" case, distinct from refused and unreachable.
 */
export function probeSsh(address: string, options: SshProbeOptions): Promise<SshProbeResult> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    let buffer = '';
    const socket = connect({ host: address, port: options.port });
    const finish = (r: Omit<SshProbeResult, 'elapsedMs'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve({ ...r, elapsedMs: elapsed() });
    };
    const onAbort = (): void => finish({ state: 'error', error: 'cancelled' });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let timer = setTimeout(() => finish({ state: 'timeout', error: `no TCP connection within ${options.connectTimeoutMs} ms` }), options.connectTimeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      timer = setTimeout(() => finish({ state: 'hang', error: `connected but no SSH banner within ${options.bannerTimeoutMs} ms` }), options.bannerTimeoutMs);
    });
    socket.on('data', (d: Buffer) => {
      buffer += d.toString('latin1');
      const nl = buffer.indexOf('\n');
      // RFC 4253 lets a server send other lines before its identification; only `SSH-` counts.
      for (const line of buffer.split('\n').slice(0, nl === -1 ? 0 : undefined)) {
        if (line.startsWith('SSH-')) return finish({ state: 'ok', banner: line.replace(/\r$/, '').slice(0, 255) });
      }
      if (buffer.length > 8192) finish({ state: 'error', error: 'no SSH identification in the first 8 KiB' });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') finish({ state: 'refused', error: 'connection refused' });
      else if (err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH' || err.code === 'ETIMEDOUT') finish({ state: 'timeout', error: err.code });
      else finish({ state: 'error', error: err.code ?? err.message });
    });
    socket.once('close', () => finish({ state: 'error', error: 'connection closed before an SSH banner' }));
  });
}
