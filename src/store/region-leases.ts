/**
 * How several faultline processes on one PostgreSQL share a fleet: by region. Each
 * process says it is alive (an instance row it renews) and holds regions by leases it
 * renews on every round. A process that dies stops renewing; once its leases run out
 * the others take its regions over, each taking no more than a fair share (the regions
 * divided by the live instances, rounded up), and one that holds more than its share
 * gives the surplus back so a newcomer gets work. Runbook actions are not guarded here
 * but by the run ledger's own per-server and per-hypervisor leases (runs.ts), which is
 * why a region changing hands never makes an action happen twice.
 *
 * Every balance is one transaction holding the table lock, so two processes never
 * decide on the same region at once. The epoch of a region moves on every change of
 * holder: a fencing token for work stamped with the epoch it started under.
 */
import type { SqlEngine, SqlRunner } from './engine.js';

export interface RegionLease {
  readonly region: string;
  readonly holder: string;
  readonly epoch: number;
  readonly expiresAt: string;
}

export interface Balance {
  /** The regions this instance holds after the round, sorted. */
  readonly held: readonly string[];
  /** Epoch of each held region. */
  readonly epochs: Readonly<Record<string, number>>;
  /** Regions this instance took this round (from no one, or from a holder whose lease ran out). */
  readonly taken: readonly string[];
  /** Regions it gave back this round, to leave a fair share to the other instances. */
  readonly released: readonly string[];
  /** Instances alive now, this one included. */
  readonly instances: number;
}

interface LeaseRow {
  region: string;
  holder: string;
  epoch: string | number;
  expires_at: Date | string;
}

const iso = (v: Date | string): string => (v instanceof Date ? v : new Date(v)).toISOString();

export class RegionLeases {
  constructor(
    private readonly engine: SqlEngine,
    readonly instanceId: string,
    /** How long a lease and an instance's heartbeat last without renewal. */
    readonly ttlMs: number,
  ) {
    if (!(ttlMs > 0)) throw new RangeError('a lease TTL must be positive');
  }

  /**
   * One round: renews this instance and its leases, gives back what is over its share,
   * takes free and expired regions up to its share. `regions` is every region the
   * fleet has (the same list in every instance: faultline.yaml's).
   */
  async balance(regions: readonly string[], now: Date): Promise<Balance> {
    const wanted = [...new Set(regions)].sort();
    const until = new Date(now.getTime() + this.ttlMs).toISOString();
    const at = now.toISOString();
    return this.engine.transaction(async (tx) => {
      await tx.query('LOCK TABLE region_leases IN SHARE ROW EXCLUSIVE MODE');
      await tx.query(
        `INSERT INTO faultline_instances (id, started_at, heartbeat_at, expires_at) VALUES ($1, $2, $2, $3)
         ON CONFLICT (id) DO UPDATE SET heartbeat_at = $2, expires_at = $3`,
        [this.instanceId, at, until],
      );
      // Instances long gone are forgotten, so the table does not grow with every restart.
      await tx.query('DELETE FROM faultline_instances WHERE expires_at < $1', [new Date(now.getTime() - 24 * 3_600_000).toISOString()]);
      const [live] = await tx.query<{ n: string | number }>('SELECT count(*) AS n FROM faultline_instances WHERE expires_at > $1', [at]);
      const instances = Math.max(1, Number(live?.n ?? 1));
      const share = Math.ceil(wanted.length / instances);
      const rows = await tx.query<LeaseRow>('SELECT region, holder, epoch, expires_at FROM region_leases');
      const byRegion = new Map(rows.map((r) => [r.region, r]));

      const mine = wanted.filter((r) => byRegion.get(r)?.holder === this.instanceId && iso(byRegion.get(r)!.expires_at) > at);
      const released: string[] = [];
      // Give back from the end of the list; the regions kept stay the same from round to round.
      while (mine.length > share) released.unshift(mine.pop()!);
      for (const r of released) await tx.query('DELETE FROM region_leases WHERE region = $1 AND holder = $2', [r, this.instanceId]);
      // Leases of regions no longer configured are dropped with them.
      await tx.query('DELETE FROM region_leases WHERE holder = $1 AND NOT (region = ANY($2))', [this.instanceId, wanted]);
      if (mine.length > 0) await tx.query('UPDATE region_leases SET expires_at = $2 WHERE holder = $1 AND region = ANY($3)', [this.instanceId, until, mine]);

      const taken: string[] = [];
      for (const region of wanted) {
        if (mine.length >= share) break;
        if (mine.includes(region) || released.includes(region)) continue;
        const row = byRegion.get(region);
        if (row && iso(row.expires_at) > at) continue;
        const epoch = row ? Number(row.epoch) + 1 : 1;
        await tx.query(
          `INSERT INTO region_leases (region, holder, epoch, acquired_at, expires_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (region) DO UPDATE SET holder = $2, epoch = $3, acquired_at = $4, expires_at = $5`,
          [region, this.instanceId, epoch, at, until],
        );
        mine.push(region);
        taken.push(region);
      }
      const held = await tx.query<LeaseRow>('SELECT region, holder, epoch, expires_at FROM region_leases WHERE holder = $1 ORDER BY region', [this.instanceId]);
      return {
        held: held.map((r) => r.region),
        epochs: Object.fromEntries(held.map((r) => [r.region, Number(r.epoch)])),
        taken,
        released,
        instances,
      };
    });
  }

  /** Whether this instance still holds `region` under `epoch`: asked before work whose result would be written for the region. */
  async holds(region: string, epoch: number, now: Date): Promise<boolean> {
    const rows = await this.engine.query<LeaseRow>('SELECT region, holder, epoch, expires_at FROM region_leases WHERE region = $1', [region]);
    const row = rows[0];
    return row !== undefined && row.holder === this.instanceId && Number(row.epoch) === epoch && iso(row.expires_at) > now.toISOString();
  }

  /** Gives every region back and says this instance is gone (a clean shutdown: the others need not wait for the TTL). */
  async leave(): Promise<void> {
    await this.engine.transaction(async (tx: SqlRunner) => {
      await tx.query('LOCK TABLE region_leases IN SHARE ROW EXCLUSIVE MODE');
      await tx.query('DELETE FROM region_leases WHERE holder = $1', [this.instanceId]);
      await tx.query('DELETE FROM faultline_instances WHERE id = $1', [this.instanceId]);
    });
  }

  /** Every lease, for `faultline store status` and the API. */
  async all(): Promise<RegionLease[]> {
    const rows = await this.engine.query<LeaseRow>('SELECT region, holder, epoch, expires_at FROM region_leases ORDER BY region');
    return rows.map((r) => ({ region: r.region, holder: r.holder, epoch: Number(r.epoch), expiresAt: iso(r.expires_at) }));
  }
}

/** Who holds which region now (leases run out are left out: their holder is presumed gone), for the API. */
export async function regionLeases(engine: SqlEngine, now: Date): Promise<RegionLease[]> {
  const rows = await engine.query<LeaseRow>('SELECT region, holder, epoch, expires_at FROM region_leases WHERE expires_at > $1 ORDER BY region', [now.toISOString()]);
  return rows.map((r) => ({ region: r.region, holder: r.holder, epoch: Number(r.epoch), expiresAt: iso(r.expires_at) }));
}
