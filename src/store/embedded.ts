import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PGlite, PGliteOptions, Transaction } from '@electric-sql/pglite';
import type { SqlEngine, SqlRunner } from './engine.js';
import { acquireLock, type HeldLock } from './lock.js';

export interface EmbeddedOptions {
  /** The store's directory: PostgreSQL's files go in `pgdata/`, the lock beside them. */
  readonly path: string;
  /** How long to wait for another faultline holding the store. */
  readonly lockTimeoutMs: number;
  /** Who we are, written into the lock so a waiting process can name us. */
  readonly command: string;
}

// Compiled once per process: a process that opens two stores (export, import, tests) compiles the 9 MB module once.
type Modules = Required<Pick<PGliteOptions, 'pgliteWasmModule' | 'initdbWasmModule'>>;
// The project's lib settings leave out the DOM types that declare WebAssembly; Node has it all the same.
const { compile } = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<Modules['pgliteWasmModule']> } }).WebAssembly;
let wasm: Promise<Modules> | undefined;

function compiledModules(): Promise<Modules> {
  wasm ??= (async () => {
    const dist = dirname(fileURLToPath(import.meta.resolve('@electric-sql/pglite')));
    const [pgliteWasmModule, initdbWasmModule] = await Promise.all([
      readFile(join(dist, 'pglite.wasm')).then((b) => compile(b)),
      readFile(join(dist, 'initdb.wasm')).then((b) => compile(b)),
    ]);
    return { pgliteWasmModule, initdbWasmModule };
  })();
  return wasm;
}

function runner(db: PGlite | Transaction): SqlRunner {
  return {
    async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
      const result = await db.query<T>(sql, [...params]);
      return result.rows;
    },
    async exec(sql: string): Promise<void> {
      await db.exec(sql);
    },
  };
}

/** PostgreSQL compiled to WASM, in a directory: the store without a server to install. */
export async function openEmbedded(options: EmbeddedOptions): Promise<SqlEngine> {
  await mkdir(options.path, { recursive: true });
  const lock: HeldLock = await acquireLock(join(options.path, 'lock'), { timeoutMs: options.lockTimeoutMs, command: options.command });
  let db: PGlite;
  try {
    // Loaded here so commands that never touch the store do not pay for the WASM module.
    const { PGlite } = await import('@electric-sql/pglite');
    const { PARSERS } = await import('./types-parse.js');
    db = await PGlite.create(join(options.path, 'pgdata'), { parsers: PARSERS, ...(await compiledModules()) });
    await db.exec("SET TimeZone = 'UTC'");
  } catch (err) {
    await lock.release();
    throw err;
  }
  const base = runner(db);
  return {
    kind: 'embedded',
    where: options.path,
    query: base.query,
    exec: base.exec,
    transaction: (fn) => db.transaction((tx) => fn(runner(tx))),
    async close() {
      try {
        await db.close();
      } finally {
        await lock.release();
      }
    },
  };
}
