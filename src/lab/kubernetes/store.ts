/**
 * One cluster's objects, as etcd behind an API server would hold them: every write
 * gets the next resourceVersion, every change is kept for watchers for a while and
 * then compacted (after which old resourceVersions and continue tokens are gone).
 *
 * The simulator never writes objects one by one: it states the whole cluster it
 * wants (`replace`) and the store keeps what did not change, so resourceVersions
 * move only for objects that really changed and watchers see just those.
 */

/** A Kubernetes object as plain JSON. */
export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: KubeMetadata;
} & Record<string, unknown>;

export interface KubeMetadata {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }[];
  [key: string]: unknown;
}

export interface StoredObject {
  /** `namespace/name`, or `name` for cluster-scoped objects: the etcd key order lists follow. */
  key: string;
  object: KubeObject;
  /** The object serialised with its resourceVersion, reused by every list and get. */
  json: string;
  rv: number;
  /** The object serialised without resourceVersion, to tell a real change from a rewrite. */
  bare: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: WatchEventType;
  resource: string;
  rv: number;
  /** Lab time of the change, for compaction. */
  at: number;
  entry: StoredObject;
  /** The object before a MODIFIED or DELETED, so a filtered watch can tell "left the selection". */
  previous: StoredObject | null;
}

export function objectKey(o: KubeObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
}

/** How long changes stay watchable, like the API server's default etcd compaction interval. */
export const COMPACTION_WINDOW_MS = 5 * 60_000;
const HISTORY_LIMIT = 20_000;

export class ClusterStore {
  private revision: number;
  private compacted: number;
  private lastWriteAt = -Infinity;
  private readonly byResource = new Map<string, Map<string, StoredObject>>();
  private readonly sortedKeys = new Map<string, string[]>();
  private readonly history: StoreEvent[] = [];
  private readonly listeners = new Set<(events: readonly StoreEvent[]) => void>();

  constructor(firstRevision = 1) {
    this.revision = firstRevision;
    this.compacted = firstRevision;
  }

  get resourceVersion(): number {
    return this.revision;
  }

  /** The oldest resourceVersion still served: watches and continue tokens from before it get 410 Gone. */
  get compactedRevision(): number {
    return this.compacted;
  }

  /** Objects of one resource in key order (namespace, then name), as etcd ranges them. */
  list(resource: string): StoredObject[] {
    const map = this.byResource.get(resource);
    if (!map) return [];
    let keys = this.sortedKeys.get(resource);
    if (!keys) {
      keys = [...map.keys()].sort();
      this.sortedKeys.set(resource, keys);
    }
    return keys.map((k) => map.get(k) as StoredObject);
  }

  get(resource: string, key: string): StoredObject | undefined {
    return this.byResource.get(resource)?.get(key);
  }

  count(resource: string): number {
    return this.byResource.get(resource)?.size ?? 0;
  }

  /** Events after `rv` still in history, oldest first. */
  eventsAfter(rv: number): StoreEvent[] {
    let lo = 0;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.history[mid] as StoreEvent).rv <= rv) lo = mid + 1;
      else hi = mid;
    }
    return this.history.slice(lo);
  }

  subscribe(listener: (events: readonly StoreEvent[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get watcherCount(): number {
    return this.listeners.size;
  }

  /**
   * Makes the store hold exactly `desired` (by resource): new objects are ADDED,
   * changed ones MODIFIED, missing ones DELETED; unchanged ones keep their
   * resourceVersion. Returns the events, which watchers also receive.
   */
  replace(desired: ReadonlyMap<string, readonly KubeObject[]>, now: number, options: { partial?: boolean } = {}): StoreEvent[] {
    const events: StoreEvent[] = [];
    const revisionBefore = this.revision;
    // partial: only the resources named in `desired` are replaced (a heartbeat touches leases alone).
    const resources = options.partial ? new Set(desired.keys()) : new Set([...this.byResource.keys(), ...desired.keys()]);
    for (const resource of resources) {
      let map = this.byResource.get(resource);
      if (!map) {
        map = new Map();
        this.byResource.set(resource, map);
      }
      const seen = new Set<string>();
      let keysChanged = false;
      for (const object of desired.get(resource) ?? []) {
        const key = objectKey(object);
        seen.add(key);
        delete object.metadata.resourceVersion;
        const bare = JSON.stringify(object);
        const previous = map.get(key);
        if (previous && previous.bare === bare) continue;
        const entry = this.stamp(key, object, bare);
        map.set(key, entry);
        if (!previous) keysChanged = true;
        events.push({ type: previous ? 'MODIFIED' : 'ADDED', resource, rv: entry.rv, at: now, entry, previous: previous ?? null });
      }
      for (const [key, previous] of map) {
        if (seen.has(key)) continue;
        map.delete(key);
        keysChanged = true;
        const rv = ++this.revision;
        const object = { ...previous.object, metadata: { ...previous.object.metadata, resourceVersion: String(rv) } };
        events.push({ type: 'DELETED', resource, rv, at: now, entry: { key, object, json: JSON.stringify(object), rv, bare: previous.bare }, previous });
      }
      if (keysChanged) this.sortedKeys.delete(resource);
    }
    if (events.length > 0) {
      // A real cluster writes all the time (leases every 10 s), so etcd's periodic compaction
      // passes every revision older than its window; the lab writes only when asked, so a
      // write after a quiet spell longer than the window compacts what came before it.
      if (now - this.lastWriteAt > COMPACTION_WINDOW_MS) this.compacted = Math.max(this.compacted, revisionBefore + 1);
      this.lastWriteAt = now;
      this.history.push(...events);
      for (const l of this.listeners) l(events);
    }
    this.compact(now);
    return events;
  }

  private stamp(key: string, object: KubeObject, bare: string): StoredObject {
    const rv = ++this.revision;
    object.metadata.resourceVersion = String(rv);
    // Splice the resourceVersion into the serialised form rather than serialise twice:
    // every object opens with apiVersion and kind, so the first "metadata":{ is its own.
    const at = bare.indexOf('"metadata":{');
    const json = at < 0 ? JSON.stringify(object) : `${bare.slice(0, at + 12)}"resourceVersion":"${rv}",${bare.slice(at + 12)}`;
    return { key, object, json, rv, bare };
  }

  /** Forgets changes older than the compaction window (and beyond the history limit). */
  private compact(now: number): void {
    let drop = 0;
    while (drop < this.history.length && ((this.history[drop] as StoreEvent).at < now - COMPACTION_WINDOW_MS || this.history.length - drop > HISTORY_LIMIT)) drop++;
    if (drop === 0) return;
    this.compacted = Math.max(this.compacted, (this.history[drop - 1] as StoreEvent).rv);
    this.history.splice(0, drop);
  }
}
