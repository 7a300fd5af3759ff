import { execFile, spawn } from 'node:child_process';
import { chmod, chown, cp, mkdtemp, rm } from 'node:fs/promises';
import { readdirSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SqlEngine } from './engine.js';
import { OutboxStore } from './outbox.js';
import { Store, type StoreLocation } from './store.js';

/**
 * Test support: every store test runs against both engines. The server is
 * Debian's PostgreSQL, started here without systemd (initdb + pg_ctl into a
 * temporary directory, on loopback), as the postgres user because PostgreSQL
 * refuses to run as root. FAULTLINE_TEST_PG_URL points the tests at a server
 * someone already runs instead.
 */
const run = promisify(execFile);

export interface TestPostgres {
  readonly url: string;
  stop(): Promise<void>;
}

function pgBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a)) : [];
  const newest = versions[0];
  if (newest === undefined) throw new Error('no PostgreSQL server under /usr/lib/postgresql (install the postgresql package: scripts/install-deps.sh --test)');
  return join(root, newest, 'bin');
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const server = createServer();
    server.once('error', rej);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? res(address.port) : rej(new Error('no port'))));
    });
  });
}

async function asPostgres(cmd: string, args: readonly string[]): Promise<void> {
  const root = process.getuid?.() === 0;
  const [file, argv] = root ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, [...args]];
  await run(file, argv, { timeout: 60_000 });
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const given = process.env['FAULTLINE_TEST_PG_URL'];
  if (given) return { url: given, stop: async () => undefined };
  const bin = pgBin();
  const dir = await mkdtemp(join(tmpdir(), 'faultline-pg-'));
  const data = join(dir, 'data');
  if (process.getuid?.() === 0) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  await chmod(dir, 0o700);
  await asPostgres(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--locale=C']);
  const port = await freePort();
  // fsync off: the tests check faultline's transactions, not the disk under a throwaway cluster.
  const options = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  await asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh database on the test server, so tests do not see each other's rows. */
export async function freshDatabase(serverUrl: string): Promise<string> {
  const name = `t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export interface EngineUnderTest {
  readonly name: 'embedded' | 'server';
  /** A new, empty store location. */
  location(): Promise<StoreLocation>;
}

/** Both engines, for `for (const engine of engines) describe(engine.name, …)`; call `setup` in a before hook. */
export function testEngines(): { engines: readonly EngineUnderTest[]; setup(): Promise<void>; teardown(): Promise<void> } {
  let server: TestPostgres | undefined;
  const dirs: string[] = [];
  // PGlite's initdb takes seconds; a copy of one initialised, closed data directory takes milliseconds.
  let template: Promise<string> | undefined;
  const makeTemplate = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'faultline-store-template-'));
    dirs.push(dir);
    const { PGlite } = await import('@electric-sql/pglite');
    const db = await PGlite.create(join(dir, 'pgdata'));
    await db.close();
    return dir;
  };
  return {
    engines: [
      {
        name: 'embedded',
        async location() {
          const dir = await mkdtemp(join(tmpdir(), 'faultline-store-'));
          dirs.push(dir);
          template ??= makeTemplate();
          await cp(await template, join(dir, 'store'), { recursive: true });
          return { kind: 'embedded', path: join(dir, 'store') };
        },
      },
      {
        name: 'server',
        async location() {
          if (!server) throw new Error('testEngines: setup() was not called');
          return { kind: 'server', url: await freshDatabase(server.url) };
        },
      },
    ],
    async setup() {
      server = await startTestPostgres();
    },
    async teardown() {
      await server?.stop();
      for (const d of dirs) await rm(d, { recursive: true, force: true });
    },
  };
}

export function openTestStore(location: StoreLocation): Promise<Store> {
  return Store.open({ location, lockTimeoutMs: 5_000, connectTimeoutMs: 5_000, command: 'faultline test' });
}

/** Starts a child process and resolves once it has printed `marker`. */
export function spawnUntil(cmd: string, args: readonly string[], marker: string): Promise<ReturnType<typeof spawn>> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(marker)) res(child);
    });
    child.on('exit', (code) => rej(new Error(`${cmd} exited (${code}) before "${marker}": ${out}`)));
  });
}

/**
 * Puts notices in the outbox and takes each through the sender's own states
 * (claim, sending, settle) to where a test wants it: sent, failed, or still
 * pending. Nothing goes on a wire; the rows are what a delivery would leave.
 */
export async function outboxRows(engine: SqlEngine, rows: readonly { key: string; sink: string; state: 'sent' | 'failed' | 'pending' }[], at = new Date()): Promise<void> {
  const outbox = new OutboxStore(engine);
  for (const r of rows) {
    await outbox.enqueue({ key: r.key, sink: r.sink, payload: { text: r.key }, at });
    if (r.state === 'pending') continue;
    const [claimed] = await outbox.claim(at, { leaseMs: 60_000, limit: 1, keys: [r.key] });
    if (!claimed || !(await outbox.markSending(r.key, claimed.token, at))) throw new Error(`outbox row ${r.key} could not be claimed`);
    const settled = await outbox.settle(r.key, claimed.token, at, r.state === 'sent' ? { state: 'sent', status: 200 } : { state: 'failed', error: 'HTTP 404 from the sink', status: 404 });
    if (!settled) throw new Error(`outbox row ${r.key} could not be settled`);
  }
}
