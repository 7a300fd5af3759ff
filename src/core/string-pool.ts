/**
 * One copy of each repeated string. `JSON.parse` makes a new string for every
 * value it reads, so a listing of 100,000 servers carries 100,000 copies of a
 * few hundred project ids, user ids and host names. Keeping the first copy of
 * each makes the records that outlive the page about a fifth smaller, and the
 * other copies die young, where the garbage collector frees them for nothing
 * instead of copying them into the old generation.
 *
 * Bounded: values that never repeat (ids, names) are not meant to be pooled,
 * but if they are, the pool stops taking new strings at `limit` rather than
 * growing with the fleet.
 */
export class StringPool {
  private readonly strings = new Map<string, string>();

  constructor(private readonly limit = 50_000) {}

  /** The pooled copy of `value` (the first one seen), or `value` itself. */
  get(value: string): string {
    const pooled = this.strings.get(value);
    if (pooled !== undefined) return pooled;
    if (this.strings.size < this.limit) this.strings.set(value, value);
    return value;
  }

  get size(): number {
    return this.strings.size;
  }
}
