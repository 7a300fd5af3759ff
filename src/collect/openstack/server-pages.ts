import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { errorMessage } from '../../core/errors.js';
import { formatIssues } from '../../snapshot/issues.js';
import type { Server } from '../../snapshot/schema.js';
import { normaliseServer } from './normalise.js';
import { isRawServer, rawServerSchema, serversPageSchema } from './nova-schemas.js';
import { eachValid, nextQuery } from './paging.js';

/**
 * Reading a page of `/servers/detail`: decode, parse, check, normalise. On a
 * large fleet this is most of a collection's CPU time (a page of 1,000 servers
 * is 2 MB of JSON), so large pages are read on worker threads while the main
 * thread keeps the requests going; small pages are read in place, where a
 * thread would cost more than it saves. Both ways run the same function.
 */

export interface ServersPageInput {
  readonly body: Uint8Array;
  /** How errors and warnings name the request. */
  readonly what: string;
  /** Servers on earlier pages, so warnings give each server's index in the whole list. */
  readonly offset: number;
  readonly region: string | undefined;
}

export type ServersPageOutput =
  | { readonly ok: true; readonly servers: Server[]; readonly warnings: string[]; readonly count: number; readonly next: string | undefined }
  /** The body is not JSON; the client words that error (with an excerpt of the body). */
  | { readonly ok: false; readonly notJson: true }
  | { readonly ok: false; readonly notJson?: undefined; readonly message: string };

/** One page, start to end; never throws. */
export function readServersPage(input: ServersPageInput): ServersPageOutput {
  try {
    const text = Buffer.from(input.body.buffer, input.body.byteOffset, input.body.byteLength).toString('utf8');
    let json: unknown;
    if (text.trim() === '') json = {};
    else {
      try {
        json = JSON.parse(text);
      } catch {
        return { ok: false, notJson: true };
      }
    }
    const frame = serversPageSchema.safeParse(json);
    if (!frame.success) return { ok: false, message: `${input.what}: unexpected answer: ${formatIssues(frame.error.issues, 5).join('; ')}` };
    const servers: Server[] = [];
    const warnings: string[] = [];
    const items = frame.data.servers;
    eachValid(items, rawServerSchema, input.what, 'servers', input.offset, { add: (m) => warnings.push(m) }, (s) => servers.push(normaliseServer(s, input.region)), isRawServer);
    return { ok: true, servers, warnings, count: items.length, next: nextQuery(frame.data.servers_links)?.toString() };
  } catch (err) {
    return { ok: false, message: `${input.what}: reading the page failed: ${errorMessage(err)}` };
  }
}

/** Pages smaller than this are read in place. */
export const OFF_THREAD_MIN_BYTES = 256 * 1024;

interface Job {
  readonly resolve: (output: ServersPageOutput) => void;
  readonly reject: (err: Error) => void;
}

/** A worker thread reading pages, one message per page. */
class Reader {
  readonly #worker: Worker;
  readonly #jobs = new Map<number, Job>();
  #nextId = 0;
  #dead = false;

  constructor(onDead: (reader: Reader) => void) {
    this.#worker = new Worker(new URL('./server-page-worker.js', import.meta.url));
    this.#worker.unref();
    const fail = (err: Error): void => {
      if (this.#dead) return;
      this.#dead = true;
      onDead(this);
      for (const job of this.#jobs.values()) job.reject(err);
      this.#jobs.clear();
    };
    this.#worker.on('message', (m: { id: number; output: ServersPageOutput; serversJson?: string }) => {
      const job = this.#jobs.get(m.id);
      this.#jobs.delete(m.id);
      // An idle worker must not keep the process alive; a busy one must.
      if (this.#jobs.size === 0) this.#worker.unref();
      if (!job) return;
      try {
        job.resolve(m.serversJson !== undefined && m.output.ok ? { ...m.output, servers: JSON.parse(m.serversJson) as Server[] } : m.output);
      } catch (err) {
        job.reject(new Error(`the page-reading thread's answer does not parse: ${errorMessage(err)}`));
      }
    });
    this.#worker.on('error', (err) => fail(new Error(`the page-reading thread failed: ${errorMessage(err)}`)));
    this.#worker.on('exit', (code) => fail(new Error(`the page-reading thread exited (code ${code})`)));
  }

  get load(): number {
    return this.#jobs.size;
  }

  read(input: ServersPageInput): Promise<ServersPageOutput> {
    return new Promise((resolve, reject) => {
      const id = this.#nextId++;
      this.#jobs.set(id, { resolve, reject });
      if (this.#jobs.size === 1) this.#worker.ref();
      // The bytes are copied, not transferred: the caller keeps them to word a "not JSON" error.
      this.#worker.postMessage({ id, input });
    });
  }
}

const readers: Reader[] = [];
/** One thread fewer than the machine has cores: the main thread has the requests and the rest of the run. */
const maxReaders = Math.max(1, Math.min(4, availableParallelism() - 1));

function leastBusyReader(): Reader {
  const idle = readers.find((r) => r.load === 0);
  if (idle) return idle;
  if (readers.length < maxReaders) {
    const reader = new Reader((dead) => {
      const at = readers.indexOf(dead);
      if (at >= 0) readers.splice(at, 1);
    });
    readers.push(reader);
    return reader;
  }
  return readers.reduce((a, b) => (b.load < a.load ? b : a));
}

/**
 * Reads a page on a worker thread when it is large (`minBytes`, default
 * OFF_THREAD_MIN_BYTES), in place otherwise. Should a thread fail to start or
 * die, its pages are read in place instead: slower, same result.
 */
export function readServersPageAsync(input: ServersPageInput, minBytes = OFF_THREAD_MIN_BYTES): Promise<ServersPageOutput> {
  if (input.body.byteLength < minBytes) {
    pageReads.inPlace++;
    return Promise.resolve(readServersPage(input));
  }
  return leastBusyReader()
    .read(input)
    .then(
      (output) => {
        pageReads.onThread++;
        return output;
      },
      () => {
        pageReads.fellBack++;
        return readServersPage(input);
      },
    );
}

/** How pages were read in this process, for diagnostics and tests. */
export const pageReads = { inPlace: 0, onThread: 0, fellBack: 0 };
