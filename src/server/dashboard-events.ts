import type { ServerResponse } from 'node:http';

/**
 * Tells every open dashboard that what it shows changed: the newest scan (and
 * with it the incidents), or the runs. The runs are also changed by `faultline
 * run` processes this server knows nothing of, so while anyone listens their
 * state in the store is compared every `pollMs`; nobody listening, nothing is
 * polled.
 */
export type Change = 'scan' | 'runs' | 'incidents';

export interface ChangeSources {
  /** A value that differs whenever the newest scan does. */
  readonly scan: () => string;
  /** A value that differs whenever any run's state does. */
  readonly runs: () => Promise<string>;
  readonly pollMs: number;
  readonly log?: (message: string) => void;
}

const HEARTBEAT_MS = 15_000;

export class DashboardEvents {
  private readonly listeners = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private last: { scan: string; runs: string } | undefined;
  private polling = false;

  constructor(private readonly sources: ChangeSources) {}

  get size(): number {
    return this.listeners.size;
  }

  /** Takes over a response as an event stream until the client goes away. */
  attach(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      // A proxy that buffers would hold the events back until the stream ends.
      'x-accel-buffering': 'no',
    });
    res.write(`retry: 2000\nevent: hello\ndata: {"listening":true}\n\n`);
    this.listeners.add(res);
    res.on('close', () => {
      this.listeners.delete(res);
      if (this.listeners.size === 0) this.stop();
    });
    this.start();
  }

  /** Sends one change to every listener now. */
  emit(what: Change): void {
    const frame = `event: change\ndata: ${JSON.stringify({ what })}\n\n`;
    for (const res of this.listeners) res.write(frame);
  }

  /** Ends every stream, for a server that is closing. */
  close(): void {
    this.stop();
    for (const res of this.listeners) res.end();
    this.listeners.clear();
  }

  private start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.poll(), this.sources.pollMs);
    this.heartbeat = setInterval(() => {
      for (const res of this.listeners) res.write(': keep-alive\n\n');
    }, HEARTBEAT_MS);
    void this.poll();
  }

  private stop(): void {
    clearInterval(this.timer);
    clearInterval(this.heartbeat);
    this.timer = undefined;
    this.heartbeat = undefined;
    this.last = undefined;
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const now = { scan: this.sources.scan(), runs: await this.sources.runs() };
      const before = this.last;
      this.last = now;
      if (!before) return;
      if (before.scan !== now.scan) this.emit('scan');
      if (before.runs !== now.runs) this.emit('runs');
    } catch (err) {
      this.sources.log?.(`dashboard events: cannot read the runs: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      this.polling = false;
    }
  }
}
