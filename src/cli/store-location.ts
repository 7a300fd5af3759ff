import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { StoreConfig } from '../config/schema.js';
import type { Store, StoreLocation } from '../store/store.js';
import type { CliConfig } from './config.js';
import type { CliContext } from './context.js';

/** The embedded store's directory when store.path is not set (XDG base directory spec). */
export function defaultStorePath(env: NodeJS.ProcessEnv): string {
  const state = env['XDG_STATE_HOME'];
  // The spec says a relative XDG_STATE_HOME is invalid and must be ignored.
  if (state && state.startsWith('/')) return join(state, 'faultline');
  return join(env['HOME'] ?? homedir(), '.local', 'state', 'faultline');
}

export interface StoreOverrides {
  /** `--store <dir>` on a command: an embedded store in that directory, whatever the config says. */
  readonly path?: string;
}

/**
 * Where the store is: a command-line directory, else store.url, else store.path,
 * else the default directory. Undefined when nothing asks for a store (no store
 * section and no flag) unless `wanted` says the command needs one anyway.
 */
export function storeLocation(ctx: CliContext, store: StoreConfig | undefined, overrides: StoreOverrides, wanted: boolean): StoreLocation | undefined {
  if (overrides.path !== undefined) return { kind: 'embedded', path: resolve(ctx.cwd, overrides.path) };
  if (store === undefined && !wanted) return undefined;
  if (store?.url !== undefined) return { kind: 'server', url: store.url };
  return { kind: 'embedded', path: store?.path ?? defaultStorePath(ctx.env) };
}

export async function openCliStore(ctx: CliContext, loaded: CliConfig, location: StoreLocation, command: string): Promise<Store> {
  const { Store } = await import('../store/store.js');
  const settings = loaded.config.store;
  const lockTimeoutMs = (settings?.lockTimeoutSeconds ?? 30) * 1000;
  if (location.kind === 'embedded') ctx.term.progress(`opening the store at ${location.path}`);
  try {
    return await Store.open({
      location,
      lockTimeoutMs,
      connectTimeoutMs: (settings?.connectTimeoutSeconds ?? 10) * 1000,
      command,
      ...(loaded.file ? { configFile: loaded.file } : {}),
    });
  } finally {
    ctx.term.clearProgress();
  }
}

export function retentionOf(store: StoreConfig | undefined): { scansDays: number; resolvedDays: number; actionsDays: number } {
  return store?.retention ?? { scansDays: 400, resolvedDays: 400, actionsDays: 730 };
}
