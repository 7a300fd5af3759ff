/** The worker thread of http-thread.ts: runs each exchange it is sent, answers with the result. */
import { parentPort } from 'node:worker_threads';
import { errorMessage } from '../../core/errors.js';
import { AttemptTimeout, nodeExchange, type NodeHeaders } from './http.js';
import type { ThreadReply, ThreadRequest } from './http-thread.js';

const running = new Map<number, AbortController>();

parentPort?.on('message', (m: ThreadRequest | { cancel: number }) => {
  if ('cancel' in m) {
    running.get(m.cancel)?.abort(new Error('cancelled'));
    return;
  }
  const controller = new AbortController();
  running.set(m.id, controller);
  nodeExchange(m.request, m.timeoutMs, controller.signal).then(
    (answer) => {
      running.delete(m.id);
      if (controller.signal.aborted) return;
      // The body's memory moves to the main thread instead of being copied when it is the body's
      // alone; a small body sits in Node's shared buffer pool, which must not move: copy it out.
      const own = answer.body.byteOffset === 0 && answer.body.byteLength === answer.body.buffer.byteLength;
      const body = own ? answer.body : new Uint8Array(answer.body);
      const reply: ThreadReply = { id: m.id, answer: { status: answer.status, statusText: answer.statusText, headers: (answer.headers as NodeHeaders).raw, body } };
      parentPort?.postMessage(reply, [body.buffer as ArrayBuffer]);
    },
    (err: unknown) => {
      running.delete(m.id);
      if (controller.signal.aborted) return;
      const code = (err as { code?: unknown } | null)?.code;
      const reply: ThreadReply = { id: m.id, error: { message: errorMessage(err), ...(typeof code === 'string' ? { code } : {}), timeout: err instanceof AttemptTimeout } };
      parentPort?.postMessage(reply);
    },
  );
});
