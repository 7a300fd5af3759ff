/**
 * The API requests the lab answered (Keystone, Nova, Neutron, Glance), newest
 * last, so a test can count what a client asked for: how often it listed the
 * whole fleet, which filters it sent. Bounded: a lab serving a large fleet for
 * hours keeps the latest entries only.
 */
export interface LoggedRequest {
  readonly at: number;
  readonly method: string;
  readonly service: string;
  readonly region: string | null;
  /** Below the service root, e.g. `/v2.1/servers/detail`. */
  readonly path: string;
  /** The query string as sent, without the leading `?`. */
  readonly query: string;
  readonly status: number;
}

export class RequestLog {
  readonly #entries: LoggedRequest[] = [];
  #dropped = 0;

  constructor(private readonly limit = 20_000) {}

  add(entry: LoggedRequest): void {
    this.#entries.push(entry);
    // Trimmed in chunks, so a full log does not shift the whole array on every request.
    if (this.#entries.length > this.limit + 1000) {
      const cut = this.#entries.length - this.limit;
      this.#entries.splice(0, cut);
      this.#dropped += cut;
    }
  }

  /** Entries at or after `sinceMs`, oldest first. */
  since(sinceMs = 0): LoggedRequest[] {
    return this.#entries.filter((e) => e.at >= sinceMs);
  }

  /** How many old entries were let go to stay within the limit. */
  get dropped(): number {
    return this.#dropped;
  }
}
