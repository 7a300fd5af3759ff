/**
 * The one interface both engines implement. Everything above it writes plain
 * PostgreSQL (the oldest server we support is 15, PGlite is 18), so the SQL in
 * this folder never branches on the engine.
 */
export type EngineKind = 'embedded' | 'server';

export interface SqlRunner {
  /** One statement with `$1`-style parameters; returns its rows. */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface SqlEngine extends SqlRunner {
  readonly kind: EngineKind;
  /** The data directory or the URL with its password replaced, for messages. */
  readonly where: string;
  /** Runs `fn` in one transaction: all of it is committed, or none of it. */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
