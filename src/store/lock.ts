import { hostname } from 'node:os';
import { open, readFile, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreError } from './errors.js';

/**
 * PGlite is PostgreSQL in one process: two processes on one data directory would
 * each think they own it and corrupt it. A lock file created with O_EXCL keeps a
 * second faultline out; it waits for the holder until a deadline, then fails
 * naming who holds it. A lock left by a process that no longer exists on this
 * machine (kill -9, power loss) is taken over, since nobody can be writing.
 */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly command: string;
  readonly since: string;
}

export interface HeldLock {
  readonly path: string;
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readHolder(path: string): Promise<{ text: string; holder: LockHolder | undefined } | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') {
      return { text, holder: { pid: parsed.pid, host: parsed.host, command: String(parsed.command ?? '?'), since: String(parsed.since ?? '?') } };
    }
  } catch {
    // A holder killed between creating and writing the file leaves it empty or torn.
  }
  return { text, holder: undefined };
}

export function describeHolder(holder: LockHolder | undefined): string {
  return holder ? `process ${holder.pid} on ${holder.host} (${holder.command}, since ${holder.since})` : 'an unknown process (the lock file is unreadable)';
}

export async function acquireLock(path: string, options: { readonly timeoutMs: number; readonly command: string; readonly pollMs?: number }): Promise<HeldLock> {
  const deadline = Date.now() + options.timeoutMs;
  const me: LockHolder = { pid: process.pid, host: hostname(), command: options.command, since: new Date().toISOString() };
  let emptySince: number | undefined;
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(JSON.stringify(me));
        await handle.sync();
      } finally {
        await handle.close();
      }
      return {
        path,
        release: async () => {
          const current = await readHolder(path);
          // Only our own lock is removed: a stale-lock takeover may have replaced it.
          if (current?.holder?.pid === me.pid && current.holder.host === me.host) await unlink(path).catch(() => undefined);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StoreError(`cannot create the store lock ${path}: ${(err as Error).message}`);
      }
    }
    const current = await readHolder(path);
    if (current === undefined) continue;
    const { holder } = current;
    const stale =
      (holder !== undefined && holder.host === me.host && !alive(holder.pid)) ||
      // An unreadable lock that stays unreadable for a while was left by a writer that died mid-write.
      (holder === undefined && emptySince !== undefined && Date.now() - emptySince > 2000);
    if (holder === undefined) emptySince ??= Date.now();
    if (stale) {
      const again = await readHolder(path);
      if (again?.text === current.text) await unlink(path).catch(() => undefined);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new StoreError(
        `the store is in use by ${describeHolder(holder)}; waited ${Math.round(options.timeoutMs / 1000)} s for it (lock file ${path})`,
      );
    }
    await sleep(Math.min(options.pollMs ?? 200, Math.max(1, deadline - Date.now())));
  }
}
