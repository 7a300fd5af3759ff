import type { Finding } from '../core/findings.js';
import { roleOf } from '../correlate/roles.js';
import type { JudgementScope } from '../detect/scoped.js';
import { FleetIndex } from '../snapshot/fleet-index.js';
import type { Hypervisor, Server, Snapshot } from '../snapshot/schema.js';

/**
 * Which hypervisor each held server is on, kept from round to round so that a
 * round can say what its changes touch without indexing the whole fleet: a changed
 * server touches the hypervisor it was on and the one it is on now, and a
 * hypervisor's findings read every server on it. Servers are placed the way the
 * fleet index places them (FleetIndex.hypervisorOf), over the same hypervisors.
 */
export class Placement {
  #lookup: FleetIndex | undefined;
  #hypervisors: readonly Hypervisor[] = [];
  readonly #hypervisorOf = new Map<string, string>();
  readonly #serversOn = new Map<string, Set<string>>();

  /** The hypervisor a server is on, by the current hypervisors; undefined when none matches. */
  #place(server: Server): string | undefined {
    return this.#lookup?.hypervisorOf(server)?.id;
  }

  #set(id: string, hv: string | undefined): void {
    const old = this.#hypervisorOf.get(id);
    if (old === hv) return;
    if (old !== undefined) this.#serversOn.get(old)?.delete(id);
    if (hv === undefined) {
      this.#hypervisorOf.delete(id);
      return;
    }
    this.#hypervisorOf.set(id, hv);
    let on = this.#serversOn.get(hv);
    if (!on) this.#serversOn.set(hv, (on = new Set()));
    on.add(id);
  }

  hypervisorOf(serverId: string): string | undefined {
    return this.#hypervisorOf.get(serverId);
  }

  serversOn(hypervisorId: string): ReadonlySet<string> {
    return this.#serversOn.get(hypervisorId) ?? new Set();
  }

  /**
   * Takes the round's hypervisors and changes. Returns what they touch: the changed
   * and removed servers, every hypervisor one of them was or is on (and, when the
   * hypervisors changed, every hypervisor that moved and every server whose placement
   * did), and every server on those hypervisors. The held fleet (`snapshot.servers`)
   * is walked only when the hypervisors changed.
   */
  update(input: {
    readonly snapshot: Snapshot;
    readonly changed: readonly Server[];
    readonly removed: readonly Server[];
    /** Servers to judge again though nothing about them changed (their judgement depends on the time). */
    readonly alsoJudge?: Iterable<Server>;
    readonly serverById: (id: string) => Server | undefined;
  }): JudgementScope {
    const serverIds = new Set<string>();
    const hypervisorIds = new Set<string>();
    if (!this.#lookup || !sameObjects(this.#hypervisors, input.snapshot.hypervisors)) {
      const before = this.#lookup ? this.#lookup.snapshot.hypervisors.map((h) => JSON.stringify(h)) : [];
      const after = input.snapshot.hypervisors.map((h) => JSON.stringify(h));
      this.#hypervisors = [...input.snapshot.hypervisors];
      // A full listing hands back new objects for the same hypervisors: only a real difference places servers anew.
      if (!this.#lookup || before.length !== after.length || before.some((h, i) => h !== after[i])) {
        const firstTime = this.#lookup === undefined;
        const was = new Map((this.#lookup?.snapshot.hypervisors ?? []).map((h, i) => [h.id, before[i]]));
        this.#lookup = new FleetIndex({ ...input.snapshot, servers: [], instanceActions: [] });
        input.snapshot.hypervisors.forEach((h, i) => {
          if (was.get(h.id) !== after[i]) hypervisorIds.add(h.id);
        });
        const now = new Set(input.snapshot.hypervisors.map((h) => h.id));
        for (const id of was.keys()) if (!now.has(id)) hypervisorIds.add(id);
        for (const s of input.snapshot.servers) {
          const on = this.#hypervisorOf.get(s.id);
          const is = this.#place(s);
          if (on === is) continue;
          if (!firstTime) serverIds.add(s.id);
          if (on !== undefined) hypervisorIds.add(on);
          if (is !== undefined) hypervisorIds.add(is);
          this.#set(s.id, is);
        }
      }
    }
    for (const s of input.removed) {
      serverIds.add(s.id);
      const was = this.#hypervisorOf.get(s.id);
      if (was !== undefined) hypervisorIds.add(was);
      this.#set(s.id, undefined);
    }
    for (const s of input.changed) {
      serverIds.add(s.id);
      const was = this.#hypervisorOf.get(s.id);
      const is = this.#place(s);
      if (was !== undefined) hypervisorIds.add(was);
      if (is !== undefined) hypervisorIds.add(is);
      this.#set(s.id, is);
    }
    for (const s of input.alsoJudge ?? []) serverIds.add(s.id);
    for (const hv of hypervisorIds) for (const id of this.serversOn(hv)) serverIds.add(id);
    const servers: Server[] = [];
    for (const id of serverIds) {
      const s = input.serverById(id);
      if (s) servers.push(s);
    }
    return { servers, serverIds, hypervisorIds };
  }

  /**
   * The snapshot as correlation needs it for these findings: every hypervisor, the
   * servers the findings name, and every server on a hypervisor that may have an
   * incident about the whole host, which counts and lists all of its servers: one with
   * a cause on it, or with symptoms on `minAffected` servers (correlate's own threshold).
   * Everything else whole. Without Kubernetes in the snapshot, correlating over it gives
   * the incidents the whole snapshot gives (src/watch/judgement.test.ts).
   */
  correlationView(snapshot: Snapshot, findings: readonly Finding[], serverById: (id: string) => Server | undefined, minAffected = 3): Snapshot {
    if (snapshot.kubernetes.clusters.length > 0) return snapshot;
    const lookup = this.#lookup;
    const ids = new Set<string>();
    const hvs = new Set<string>();
    const hv = (key: string | undefined): void => {
      const h = key === undefined ? undefined : lookup?.hypervisor(key);
      if (h) hvs.add(h.id);
    };
    // Servers with a symptom, per hypervisor: enough of them make an incident about the whole host.
    const symptomatic = new Map<string, Set<string>>();
    for (const f of findings) {
      const r = f.resource;
      const role = roleOf(f).kind;
      if (r.kind === 'server') {
        ids.add(r.id);
        const on = this.#hypervisorOf.get(r.id);
        if (on === undefined) continue;
        if (role === 'host-cause') hvs.add(on);
        else if (role === 'server-symptom') {
          let seen = symptomatic.get(on);
          if (!seen) symptomatic.set(on, (seen = new Set()));
          seen.add(r.id);
        }
        continue;
      }
      if (role !== 'host-cause') continue;
      hv(r.id);
      hv(r.name);
      hv(r.parent?.id);
      hv(r.parent?.name);
    }
    for (const [on, servers] of symptomatic) if (servers.size >= minAffected) hvs.add(on);
    for (const h of hvs) for (const id of this.serversOn(h)) ids.add(id);
    const servers: Server[] = [];
    for (const id of ids) {
      const s = serverById(id);
      if (s) servers.push(s);
    }
    return { ...snapshot, servers };
  }
}

/** The feeds hand back the same hypervisor objects until their next full listing: then, and only then, is there anything to compare. */
function sameObjects<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
