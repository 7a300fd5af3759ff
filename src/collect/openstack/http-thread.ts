import { Worker } from 'node:worker_threads';
import type { IncomingHttpHeaders } from 'node:http';
import { AttemptTimeout, nodeExchange, NodeHeaders, type Exchange, type HttpRequest, type RawAnswer } from './http.js';

/**
 * The node:http exchange, run on a worker thread. A full collection makes tens
 * of thousands of small requests (instance actions), and the socket writes,
 * HTTP parsing and buffering cost the main thread more than everything it does
 * with the answers; on the worker they use another core. Only the exchange moves:
 * tokens, retries, redaction and errors stay with the client on the main thread.
 * Should the thread fail to start or die, requests go through nodeExchange on
 * the main thread instead: slower, same result.
 */

export interface ThreadRequest {
  readonly id: number;
  readonly request: HttpRequest;
  readonly timeoutMs: number;
}
export type ThreadReply =
  | { readonly id: number; readonly answer: { status: number; statusText: string; headers: IncomingHttpHeaders; body: Uint8Array } }
  | { readonly id: number; readonly error: { message: string; code?: string; timeout: boolean } };

interface Pending {
  readonly resolve: (answer: RawAnswer) => void;
  readonly reject: (err: unknown) => void;
  readonly retryInPlace: () => void;
}

class HttpThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  broken = false;

  constructor() {
    this.#worker = new Worker(new URL('./http-worker.js', import.meta.url));
    this.#worker.unref();
    this.#worker.on('message', (m: ThreadReply) => {
      const job = this.#pending.get(m.id);
      if (!job) return;
      this.#settled(m.id);
      if ('answer' in m) {
        const { status, statusText, headers, body } = m.answer;
        job.resolve({ status, statusText, headers: new NodeHeaders(headers), body: Buffer.from(body.buffer, body.byteOffset, body.byteLength) });
      } else if (m.error.timeout) job.reject(new AttemptTimeout(m.error.message));
      else job.reject(Object.assign(new Error(m.error.message), m.error.code ? { code: m.error.code } : {}));
    });
    const fail = (): void => {
      if (this.broken) return;
      this.broken = true;
      const jobs = [...this.#pending.values()];
      this.#pending.clear();
      for (const job of jobs) job.retryInPlace();
    };
    this.#worker.on('error', fail);
    this.#worker.on('exit', fail);
  }

  #settled(id: number): void {
    this.#pending.delete(id);
    // An idle thread must not keep the process alive; a busy one must.
    if (this.#pending.size === 0) this.#worker.unref();
  }

  exchange: Exchange = (request, timeoutMs, signal) => {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.broken) return nodeExchange(request, timeoutMs, signal);
    return new Promise<RawAnswer>((resolve, reject) => {
      const id = this.#nextId++;
      const onAbort = (): void => {
        if (!this.#pending.has(id)) return;
        this.#settled(id);
        this.#worker.postMessage({ cancel: id });
        reject(signal?.reason);
      };
      const done = (): void => signal?.removeEventListener('abort', onAbort);
      this.#pending.set(id, {
        resolve: (a) => {
          done();
          resolve(a);
        },
        reject: (e) => {
          done();
          reject(e);
        },
        retryInPlace: () => {
          done();
          nodeExchange(request, timeoutMs, signal).then(resolve, reject);
        },
      });
      if (this.#pending.size === 1) this.#worker.ref();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#worker.postMessage({ id, request, timeoutMs } satisfies ThreadRequest);
    });
  };
}

let thread: HttpThread | undefined;

/** The shared HTTP thread's exchange (started on first use). */
export const threadExchange: Exchange = (request, timeoutMs, signal) => {
  if (!thread || thread.broken) {
    try {
      thread = new HttpThread();
    } catch {
      // Cannot start a thread here at all: stay on the main thread.
      return nodeExchange(request, timeoutMs, signal);
    }
  }
  return thread.exchange(request, timeoutMs, signal);
};
