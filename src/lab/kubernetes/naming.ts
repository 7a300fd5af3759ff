/**
 * Deterministic names, UIDs and timestamps for the lab's Kubernetes objects: the
 * same fleet always yields the same pod names, so tests and docs can name them.
 */
import { createHash } from 'node:crypto';

/** The alphabet Kubernetes uses for generated name suffixes (no vowels, no look-alikes). */
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * Every sync rebuilds a cluster's objects from scratch, asking for the same names and
 * UIDs again; hashing them anew was a third of a rebuild. Bounded so a huge lab cannot
 * grow it without limit.
 */
const memo = new Map<string, string>();
const MEMO_LIMIT = 2_000_000;

function remember(key: string, make: () => string): string {
  let v = memo.get(key);
  if (v === undefined) {
    if (memo.size >= MEMO_LIMIT) memo.clear();
    v = make();
    memo.set(key, v);
  }
  return v;
}

function digest(text: string): Buffer {
  return createHash('sha1').update(text).digest();
}

/** A generated-name suffix (`-7d9fk`) of `length` characters derived from `seed`. */
export function nameSuffix(seed: string, length = 5): string {
  return remember(`s${length}/${seed}`, () => makeSuffix(seed, length));
}

function makeSuffix(seed: string, length: number): string {
  const bytes = digest(seed);
  let out = '';
  for (let i = 0; i < length; i++) out += SUFFIX_ALPHABET[(bytes[i] as number) % SUFFIX_ALPHABET.length];
  return out;
}

/** A ReplicaSet's pod-template-hash: ten characters, as the Deployment controller makes. */
export function templateHash(seed: string): string {
  return nameSuffix(`template/${seed}`, 10);
}

/** A version-4-shaped UUID fixed by `seed`. */
export function uidFor(seed: string): string {
  return remember(`u/${seed}`, () => makeUid(seed));
}

function makeUid(seed: string): string {
  const h = digest(seed).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16] as string, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** An integer in [0, n) fixed by `seed`. */
export function pickIndex(seed: string, n: number): number {
  return digest(seed).readUInt32BE(0) % Math.max(1, n);
}

/** metav1.Time: RFC 3339 to the second, UTC. */
export function rfc3339(ms: number): string {
  const second = Math.floor(ms / 1000);
  return remember(`t/${second}`, () => `${new Date(second * 1000).toISOString().slice(0, 19)}Z`);
}

/** metav1.MicroTime: RFC 3339 with six fractional digits. */
export function microTime(ms: number): string {
  const iso = new Date(Math.floor(ms)).toISOString();
  return `${iso.slice(0, 23)}000Z`;
}

/**
 * How kubectl and the API server's table printer say an age: `45s`, `3m20s`, `5h12m`,
 * `3d4h`, `120d`, `2y10d` (apimachinery's HumanDuration rules).
 */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${hours / 24}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const days = Math.floor(hours / 24) % 365;
    return days === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${days}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}
