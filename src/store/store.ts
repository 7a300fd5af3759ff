import { ConfigError, errorMessage } from '../core/errors.js';
import type { Incident } from '../correlate/types.js';
import type { History } from '../snapshot/schema.js';
import type { SqlEngine, SqlRunner } from './engine.js';
import { StoreError } from './errors.js';
import { readHistory, type HistoryQuery } from './history.js';
import { LATEST_VERSION, StoreTooNewError, currentVersion, migrate, type MigrationReport } from './migrations.js';
import { prune, recordActions, recordIncidents, recordMoreResults, recordScan, type ActionEntry, type Pruned, type RecordedFindings, type RecordedIncidents, type RecordedScan, type Retention, type ScanToRecord } from './record.js';
import { redactUrl } from './redact-url.js';

export type StoreLocation = { readonly kind: 'embedded'; readonly path: string } | { readonly kind: 'server'; readonly url: string };

export interface OpenStoreOptions {
  readonly location: StoreLocation;
  /** How long to wait for another process holding an embedded store. */
  readonly lockTimeoutMs: number;
  readonly connectTimeoutMs: number;
  /** Who opens it (e.g. `faultline scan`), named in the lock and in pg_stat_activity. */
  readonly command: string;
  /** The faultline.yaml the location came from, for error messages. */
  readonly configFile?: string;
}

/** One scan's work on the store: writes and reads in one transaction. */
export interface ScanSession {
  recordScan(scan: ScanToRecord): Promise<RecordedScan>;
  /** Findings of detectors that ran after the history was read, in the same scan. */
  recordMoreResults(scanId: number, scan: Pick<ScanToRecord, 'results' | 'evaluatedAt' | 'regions'>): Promise<RecordedFindings>;
  recordIncidents(scanId: number, at: Date, incidents: readonly Incident[], regions?: readonly string[], judged?: readonly string[]): Promise<RecordedIncidents>;
  readHistory(query: HistoryQuery): Promise<History>;
}

export interface StoreStatus {
  readonly engine: SqlEngine['kind'];
  readonly where: string;
  readonly schemaVersion: number;
  readonly binaryVersion: number;
  readonly counts: Readonly<Record<string, number>>;
  readonly firstScanAt: string | null;
  readonly lastScanAt: string | null;
  readonly openFindings: number;
  readonly openIncidents: number;
}

// Thrown inside a transaction to undo it on purpose (a scan with --no-record), carrying the result out.
class Rollback<T> {
  constructor(readonly value: T) {}
}

// Leases and instance rows (region-leases.ts) are left out: they say who works now, not what happened.
export const STORE_TABLES = ['scans', 'findings', 'detector_runs', 'finding_episodes', 'incidents', 'incident_episodes', 'alarms', 'alarm_counts', 'host_stops', 'actions', 'runbook_runs', 'runbook_steps', 'runbook_leases', 'runbook_approvals', 'runbook_audit', 'runbook_switch', 'notify_outbox', 'alerts', 'action_budget'] as const;

export class Store {
  private constructor(
    readonly engine: SqlEngine,
    readonly migration: MigrationReport,
  ) {}

  /** Opens (creating and migrating as needed); every failure is a ConfigError naming the store and the fix. */
  static async open(options: OpenStoreOptions): Promise<Store> {
    const { location } = options;
    const key = location.kind === 'embedded' ? 'store.path' : 'store.url';
    const where = location.kind === 'embedded' ? location.path : redactUrl(location.url);
    let engine: SqlEngine;
    try {
      if (location.kind === 'embedded') {
        const { openEmbedded } = await import('./embedded.js');
        engine = await openEmbedded({ path: location.path, lockTimeoutMs: options.lockTimeoutMs, command: options.command });
      } else {
        const { openServer } = await import('./server.js');
        engine = await openServer({ url: location.url, connectTimeoutMs: options.connectTimeoutMs, applicationName: options.command });
      }
    } catch (err) {
      throw storeConfigError(options, key, `cannot open the store at ${where}: ${scrub(errorMessage(err), location)}`, openFix(err, location));
    }
    try {
      return new Store(engine, await migrate(engine));
    } catch (err) {
      await engine.close().catch(() => undefined);
      if (err instanceof StoreTooNewError) throw storeConfigError(options, key, err.message, 'run a faultline at least as new as the one that wrote the store');
      throw storeConfigError(
        options,
        key,
        `cannot migrate the store at ${where} to schema version ${LATEST_VERSION}: ${scrub(errorMessage(err), location)}`,
        'check the user may create tables there; run `faultline store status` to see the version it holds',
      );
    }
  }

  get kind(): SqlEngine['kind'] {
    return this.engine.kind;
  }

  get where(): string {
    return this.engine.where;
  }

  close(): Promise<void> {
    return this.engine.close();
  }

  /**
   * Runs one scan's reads and writes in one transaction, so a process killed
   * half-way loses that scan and nothing else. With `commit` false everything
   * is rolled back at the end: the history is read as if the scan were kept,
   * and the store is left as it was.
   */
  async scan<T>(commit: boolean, fn: (session: ScanSession) => Promise<T>): Promise<T> {
    try {
      return await this.engine.transaction(async (tx) => {
        const value = await fn(session(tx));
        if (!commit) throw new Rollback(value);
        return value;
      });
    } catch (err) {
      if (err instanceof Rollback) return err.value as T;
      throw err;
    }
  }

  recordActions(actions: readonly ActionEntry[]): Promise<number> {
    return this.engine.transaction((tx) => recordActions(tx, actions));
  }

  prune(now: Date, retention: Retention): Promise<Pruned> {
    return this.engine.transaction((tx) => prune(tx, now, retention));
  }

  async status(): Promise<StoreStatus> {
    const counts: Record<string, number> = {};
    for (const table of STORE_TABLES) {
      const [row] = await this.engine.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`);
      counts[table] = Number(row?.n ?? 0);
    }
    const [scans] = await this.engine.query<{ first: string | null; last: string | null }>('SELECT min(evaluated_at) AS first, max(evaluated_at) AS last FROM scans');
    const [open] = await this.engine.query<{ f: number; i: number }>(
      'SELECT (SELECT count(*) FROM findings WHERE resolved_at IS NULL) AS f, (SELECT count(*) FROM incidents WHERE resolved_at IS NULL) AS i',
    );
    return {
      engine: this.engine.kind,
      where: this.engine.where,
      schemaVersion: await currentVersion(this.engine),
      binaryVersion: LATEST_VERSION,
      counts,
      firstScanAt: scans?.first ?? null,
      lastScanAt: scans?.last ?? null,
      openFindings: Number(open?.f ?? 0),
      openIncidents: Number(open?.i ?? 0),
    };
  }
}

function session(tx: SqlRunner): ScanSession {
  return {
    recordScan: (scan) => recordScan(tx, scan),
    recordMoreResults: (scanId, scan) => recordMoreResults(tx, scanId, scan),
    recordIncidents: (scanId, at, incidents, regions, judged) => recordIncidents(tx, scanId, at.toISOString(), incidents, regions, judged),
    readHistory: (query) => readHistory(tx, query),
  };
}

function scrub(message: string, location: StoreLocation): string {
  return location.kind === 'server' ? message.split(location.url).join(redactUrl(location.url)) : message;
}

function openFix(err: unknown, location: StoreLocation): string {
  if (err instanceof StoreError) return 'let the other faultline finish, or raise store.lockTimeoutSeconds; remove the lock file only if that process is gone';
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (location.kind === 'server') {
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH') return 'start the PostgreSQL server, or correct the host and port in store.url';
    if (code === '28P01' || code === '28000') return 'correct the user and password in store.url';
    if (code === '3D000') return 'create the database (createdb), or name an existing one in store.url';
    return 'check store.url (postgres://user:password@host:5432/database) and that the server accepts connections';
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return 'make the directory writable by this user, or set store.path to one that is';
  return 'check store.path is a faultline store (or an empty directory); if it is damaged, move it aside and import a `faultline store export`';
}

function storeConfigError(options: OpenStoreOptions, key: string, problem: string, fix: string): ConfigError {
  return new ConfigError({ ...(options.configFile ? { file: options.configFile } : {}), key, problem, fix });
}
