import { errorMessage } from '../../core/errors.js';
import { deliverDue, type Delivered, type DeliveryQueue, type RetryPolicy } from './deliver.js';
import type { Sink } from './sink.js';

/**
 * The outbox's delivery in the background of a long-running process: a pass
 * over the due rows every interval, until stopped. Any number of these may run
 * on one store (one per `faultline serve`): each row is claimed with a lease
 * before it is sent, so two loops split the rows and never both send one.
 * A pass in progress when the loop is stopped is finished (each request has its
 * sink's timeout), so a row is never left claimed by a process that exits cleanly.
 */
export interface DeliveryLoopOptions {
  readonly queue: DeliveryQueue;
  readonly sinks: Readonly<Record<string, Sink | undefined>>;
  readonly policy: RetryPolicy;
  readonly intervalMs: number;
  /** Rows taken per pass. */
  readonly limit?: number;
  readonly onDelivered?: (d: Delivered) => void;
  readonly onError?: (message: string) => void;
}

export async function runDeliveryLoop(o: DeliveryLoopOptions, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    try {
      // A full pass means more may be due: go again at once instead of waiting out the interval.
      let more = true;
      while (more && !signal.aborted) {
        const done = await deliverDue(o.queue, o.sinks, { policy: o.policy, limit: o.limit ?? 50 });
        for (const d of done) o.onDelivered?.(d);
        more = done.length >= (o.limit ?? 50);
      }
    } catch (err) {
      o.onError?.(errorMessage(err));
    }
    await new Promise<void>((res) => {
      const t = setTimeout(done, o.intervalMs);
      function done(): void {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        res();
      }
      if (signal.aborted) return done();
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
