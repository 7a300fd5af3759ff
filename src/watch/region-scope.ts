import { errorMessage } from '../core/errors.js';
import type { Balance, RegionLeases } from '../store/region-leases.js';

/**
 * Which part of the fleet this process may work on. The watch loop asks it at
 * the start of every round (which regions to read) and again just before it
 * writes a result or starts an action (which of those it still holds), so a
 * region that changed hands mid-round is neither recorded nor acted on by its
 * old holder.
 *
 * Work that belongs to no region (the Kubernetes clusters, the alarm and ticket
 * feed, the periodic full scan that reads them) is held as one more lease, on
 * the pseudo-region REGIONLESS, so exactly one process does it.
 */
export const REGIONLESS = '(region-less)';

export interface RegionScope {
  /** The regions (and REGIONLESS) this process may work on now. */
  held(): ReadonlySet<string>;
  /** Of `regions`, those still held according to the store, at `now`. */
  confirm(regions: readonly string[], now: Date): Promise<ReadonlySet<string>>;
}

/** One process holds everything: the embedded store, which only one process can open. */
export class WholeFleet implements RegionScope {
  readonly #all: ReadonlySet<string>;
  constructor(regions: readonly string[]) {
    this.#all = new Set([...regions, REGIONLESS]);
  }
  held(): ReadonlySet<string> {
    return this.#all;
  }
  async confirm(regions: readonly string[]): Promise<ReadonlySet<string>> {
    return new Set(regions.filter((r) => this.#all.has(r)));
  }
}

export type LeaseEvent =
  | { readonly type: 'lease.taken' | 'lease.released'; readonly regions: readonly string[]; readonly held: readonly string[]; readonly instances: number }
  | { readonly type: 'lease.lost'; readonly regions: readonly string[]; readonly reason: string }
  | { readonly type: 'lease.failed'; readonly error: string };

export interface LeasedRegionsOptions {
  readonly leases: RegionLeases;
  /** Every region of the fleet (faultline.yaml's, the same in every process); REGIONLESS is added. */
  readonly regions: readonly string[];
  /** Time between renewals; well inside the TTL so one slow round trip does not lose the leases. */
  readonly renewEveryMs: number;
  readonly emit: (event: LeaseEvent) => void;
  readonly now?: () => Date;
}

/**
 * The regions this process holds by the store's region leases, renewed on a
 * timer of its own (not on the watch's rounds, which can be long). What it
 * holds is trusted only until the lease it last renewed would run out, less one
 * renewal period: when the store cannot be reached, work stops before another
 * process may take the region over, not after.
 */
export class LeasedRegions implements RegionScope {
  readonly #o: LeasedRegionsOptions;
  readonly #now: () => Date;
  readonly #regions: readonly string[];
  #held: ReadonlySet<string> = new Set();
  #epochs: Readonly<Record<string, number>> = {};
  /** Until when (process clock) the last successful balance vouches for #held. */
  #trustedUntil = 0;

  constructor(options: LeasedRegionsOptions) {
    if (!(options.renewEveryMs > 0 && options.renewEveryMs < options.leases.ttlMs)) throw new RangeError('leases must be renewed more often than their TTL');
    this.#o = options;
    this.#now = options.now ?? (() => new Date());
    this.#regions = [...new Set([...options.regions, REGIONLESS])];
  }

  get instanceId(): string {
    return this.#o.leases.instanceId;
  }

  held(): ReadonlySet<string> {
    if (Date.now() < this.#trustedUntil) return this.#held;
    if (this.#held.size > 0) this.#drop([...this.#held], 'the leases could not be renewed in time');
    return this.#held;
  }

  async confirm(regions: readonly string[], now: Date): Promise<ReadonlySet<string>> {
    const held = this.held();
    const out = new Set<string>();
    for (const r of regions) {
      const epoch = this.#epochs[r];
      // The epoch is the fence: a region taken over and given back since is not the lease this process read under.
      if (held.has(r) && epoch !== undefined && (await this.#o.leases.holds(r, epoch, now))) out.add(r);
    }
    return out;
  }

  /** One renewal: takes, keeps and gives back regions; returns what it holds after. */
  async renew(): Promise<Balance | undefined> {
    const started = Date.now();
    let b: Balance;
    try {
      b = await this.#o.leases.balance(this.#regions, this.#now());
    } catch (err) {
      this.#o.emit({ type: 'lease.failed', error: errorMessage(err) });
      this.held();
      return undefined;
    }
    const before = this.#held;
    const now = new Set(b.held);
    const lost = [...before].filter((r) => !now.has(r) && !b.released.includes(r));
    if (lost.length) this.#o.emit({ type: 'lease.lost', regions: lost, reason: 'another instance holds it now' });
    this.#held = now;
    this.#epochs = b.epochs;
    // Counted from before the round trip: the store set the expiry from a clock read no earlier than that.
    this.#trustedUntil = started + this.#o.leases.ttlMs - this.#o.renewEveryMs;
    const taken = b.held.filter((r) => !before.has(r));
    if (taken.length) this.#o.emit({ type: 'lease.taken', regions: taken, held: b.held, instances: b.instances });
    if (b.released.length) this.#o.emit({ type: 'lease.released', regions: b.released, held: b.held, instances: b.instances });
    return b;
  }

  /** Renews until `signal` aborts, then gives every lease back so the others need not wait out the TTL. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.renew();
      await new Promise<void>((res) => {
        const t = setTimeout(done, this.#o.renewEveryMs);
        function done(): void {
          clearTimeout(t);
          signal.removeEventListener('abort', done);
          res();
        }
        signal.addEventListener('abort', done, { once: true });
      });
    }
    this.#held = new Set();
    this.#trustedUntil = 0;
    try {
      await this.#o.leases.leave();
    } catch (err) {
      this.#o.emit({ type: 'lease.failed', error: `could not give the leases back (the others take them over after the TTL): ${errorMessage(err)}` });
    }
  }

  #drop(regions: readonly string[], reason: string): void {
    this.#held = new Set();
    this.#epochs = {};
    this.#o.emit({ type: 'lease.lost', regions, reason });
  }
}
