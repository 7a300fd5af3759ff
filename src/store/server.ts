import type { SqlEngine, SqlRunner } from './engine.js';
import { redactUrl } from './redact-url.js';

export interface ServerOptions {
  readonly url: string;
  readonly connectTimeoutMs: number;
  /** Shown in pg_stat_activity, so a DBA sees who is connected. */
  readonly applicationName: string;
}

/** A PostgreSQL server through node-postgres: one connection, which is all a scan needs. */
export async function openServer(options: ServerOptions): Promise<SqlEngine> {
  const { default: pg } = await import('pg');
  const { PARSERS } = await import('./types-parse.js');
  const client = new pg.Client({
    connectionString: options.url,
    connectionTimeoutMillis: options.connectTimeoutMs,
    application_name: options.applicationName,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') => PARSERS[oid] ?? pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // A server that drops the connection later must not crash the process with an unhandled 'error'.
  client.on('error', () => undefined);
  await client.connect();
  await client.query("SET TimeZone = 'UTC'");
  // One connection serves every caller of this engine. A long-running process (faultline serve) has
  // several at once, and on one connection a statement sent while another caller's BEGIN is open
  // runs inside that transaction; so transactions take turns, and lone statements wait for them.
  let turn: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const mine = turn.then(fn, fn);
    turn = mine.catch(() => undefined);
    return mine;
  };
  const base: SqlRunner = {
    async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
      const result = await client.query(sql, [...params]);
      return result.rows as T[];
    },
    async exec(sql: string): Promise<void> {
      await client.query(sql);
    },
  };
  return {
    kind: 'server',
    where: redactUrl(options.url),
    query: (sql, params) => exclusive(() => base.query(sql, params)),
    exec: (sql) => exclusive(() => base.exec(sql)),
    transaction: (fn) =>
      exclusive(async () => {
        await client.query('BEGIN');
        try {
          const value = await fn(base);
          await client.query('COMMIT');
          return value;
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
      }),
    async close() {
      await client.end();
    },
  };
}
