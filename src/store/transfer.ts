import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { SqlRunner } from './engine.js';
import { StoreError } from './errors.js';
import { LATEST_VERSION } from './migrations.js';
import { STORE_TABLES, type Store } from './store.js';

/**
 * A store as JSON lines: a header, then one line per row (`{"table":…,"row":…}`).
 * Rows go through PostgreSQL's own JSON (row_to_json / jsonb_populate_recordset),
 * so every column type round-trips the same on both engines and the dump does not
 * care which engine wrote it: this is how an embedded store moves to a server.
 */
export const DUMP_FORMAT = 'faultline-store-dump';

export interface DumpHeader {
  readonly format: typeof DUMP_FORMAT;
  readonly schemaVersion: number;
  readonly exportedAt: string;
  readonly from: string;
  readonly rows: Readonly<Record<string, number>>;
}

const BATCH = 2000;

export async function exportStore(store: Store, write: (line: string) => Promise<void> | void): Promise<DumpHeader> {
  const db = store.engine;
  const rows: Record<string, number> = {};
  for (const table of STORE_TABLES) {
    const [row] = await db.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`);
    rows[table] = Number(row?.n ?? 0);
  }
  const header: DumpHeader = { format: DUMP_FORMAT, schemaVersion: LATEST_VERSION, exportedAt: new Date().toISOString(), from: store.where, rows };
  await write(`${JSON.stringify(header)}\n`);
  for (const table of STORE_TABLES) {
    // Paged by ctid would tie us to the heap layout; OFFSET over a stable order is plain SQL and fine at these sizes.
    for (let offset = 0; offset < (rows[table] ?? 0); offset += BATCH) {
      const page = await db.query<{ j: string }>(`SELECT row_to_json(t)::text AS j FROM (SELECT * FROM ${table} ORDER BY 1, 2 LIMIT ${BATCH} OFFSET ${offset}) t`);
      for (const r of page) await write(`{"table":${JSON.stringify(table)},"row":${r.j}}\n`);
    }
  }
  return header;
}

async function isEmpty(db: SqlRunner): Promise<boolean> {
  for (const table of STORE_TABLES) {
    const rows = await db.query(`SELECT 1 FROM ${table} LIMIT 1`);
    if (rows.length > 0) return false;
  }
  return true;
}

/** Loads a dump into an empty store, all or nothing. */
export async function importStore(store: Store, input: Readable, source: string): Promise<Readonly<Record<string, number>>> {
  // The iterator is taken at once: readline drops lines emitted before anyone iterates, and the checks below await first.
  const lines = createInterface({ input, crlfDelay: Infinity })[Symbol.asyncIterator]();
  let header: DumpHeader | undefined;
  let lineNo = 0;
  const counts: Record<string, number> = {};
  const known = new Set<string>(STORE_TABLES);
  await store.engine.transaction(async (tx) => {
    if (!(await isEmpty(tx))) {
      throw new StoreError(`the store at ${store.where} already holds data; import only into an empty store (a new store.path, or a new database for store.url)`);
    }
    let table: string | undefined;
    let batch: unknown[] = [];
    const flush = async (): Promise<void> => {
      if (table === undefined || batch.length === 0) return;
      await tx.query(`INSERT INTO ${table} SELECT * FROM jsonb_populate_recordset(NULL::${table}, $1::jsonb)`, [JSON.stringify(batch)]);
      counts[table] = (counts[table] ?? 0) + batch.length;
      batch = [];
    };
    for (let next = await lines.next(); !next.done; next = await lines.next()) {
      const line = next.value;
      lineNo++;
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new StoreError(`${source}: line ${lineNo} is not JSON; is this a faultline store export?`);
      }
      if (header === undefined) {
        const h = value as Partial<DumpHeader>;
        if (h.format !== DUMP_FORMAT) throw new StoreError(`${source}: not a faultline store export (its first line has no "format": "${DUMP_FORMAT}")`);
        if (h.schemaVersion !== LATEST_VERSION) {
          throw new StoreError(
            `${source}: written at schema version ${String(h.schemaVersion)}, this faultline writes ${LATEST_VERSION}; ` +
              'open the old store with this faultline once (it migrates) and export it again',
          );
        }
        header = h as DumpHeader;
        continue;
      }
      const item = value as { table?: unknown; row?: unknown };
      if (typeof item.table !== 'string' || !known.has(item.table) || item.row === null || typeof item.row !== 'object') {
        throw new StoreError(`${source}: line ${lineNo} is not a row of a store table`);
      }
      if (item.table !== table || batch.length >= BATCH) {
        await flush();
        table = item.table;
      }
      batch.push(item.row);
    }
    await flush();
    if (header === undefined) throw new StoreError(`${source}: empty; nothing to import`);
    for (const [name, expected] of Object.entries(header.rows)) {
      if ((counts[name] ?? 0) !== expected) throw new StoreError(`${source}: the header promises ${expected} row(s) of ${name}, the file holds ${counts[name] ?? 0}; the export is cut short`);
    }
    // Serial ids continue after the imported ones.
    for (const [t, column] of [['scans', 'id'], ['actions', 'id'], ['runbook_audit', 'id'], ['runbook_steps', 'seq'], ['action_budget', 'id']] as const) {
      await tx.query(`SELECT setval(pg_get_serial_sequence('${t}', '${column}'), coalesce((SELECT max(${column}) FROM ${t}), 0) + 1, false)`);
    }
  });
  return counts;
}
