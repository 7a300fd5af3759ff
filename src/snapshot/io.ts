import { createWriteStream } from 'node:fs';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { gunzipSync, gzip as gzipCallback, gzipSync } from 'node:zlib';
import { SnapshotError, errorMessage } from '../core/errors.js';
import { formatIssues } from './issues.js';
import { migrate } from './migrate.js';
import { snapshotSchema, type Snapshot } from './schema.js';

/** Validates (after migrating) any parsed JSON value into a frozen snapshot. */
export function parseSnapshot(doc: unknown, origin = 'snapshot'): Snapshot {
  const migrated = migrate(doc);
  const result = snapshotSchema.safeParse(migrated);
  if (!result.success) {
    throw new SnapshotError(`${origin} is not a valid faultline snapshot:\n  ${formatIssues(result.error.issues).join('\n  ')}`);
  }
  return deepFreeze(result.data);
}

export async function loadSnapshot(path: string): Promise<Snapshot> {
  let raw: Buffer;
  try {
    raw = await readFile(path);
  } catch (err) {
    throw new SnapshotError(`cannot read snapshot ${path}: ${errorMessage(err)}`);
  }
  let text: string;
  try {
    // Detect gzip by its magic bytes, not the file name, so renamed files still load.
    text = (raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString('utf8');
  } catch (err) {
    throw new SnapshotError(`cannot decompress snapshot ${path}: ${errorMessage(err)}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new SnapshotError(`snapshot ${path} is not valid JSON: ${errorMessage(err)}`);
  }
  return parseSnapshot(doc, path);
}

export function serializeSnapshot(snapshot: Snapshot, gzip = false): Buffer {
  const text = JSON.stringify(snapshot, null, gzip ? 0 : 2) + '\n';
  return gzip ? gzipSync(text) : Buffer.from(text, 'utf8');
}

/** Records per chunk when a long list is written piece by piece. */
const RECORDS_PER_CHUNK = 500;

/**
 * The text of `JSON.stringify(snapshot, null, space) + "\n"`, in pieces: each
 * long list goes out a few hundred records at a time, so a 100,000-server
 * snapshot never exists as one string, and compression (on zlib's threads)
 * runs while the next records are turned into text.
 */
export function* snapshotJsonChunks(snapshot: Snapshot, space: 0 | 2): Generator<string> {
  const nl = space ? '\n' : '';
  const pad = space ? '  ' : '';
  const colon = space ? ': ' : ':';
  // A value nested `depth` levels down: JSON.stringify indents it from column 0, so shift its lines.
  const nested = (value: unknown, depth: number): string | undefined => {
    const text = JSON.stringify(value, null, space);
    return space && text !== undefined ? text.replaceAll('\n', `\n${pad.repeat(depth)}`) : text;
  };
  let first = true;
  yield '{';
  for (const [key, value] of Object.entries(snapshot)) {
    const head = `${first ? '' : ','}${nl}${pad}${JSON.stringify(key)}${colon}`;
    if (Array.isArray(value) && value.length > RECORDS_PER_CHUNK) {
      first = false;
      yield `${head}[`;
      for (let i = 0; i < value.length; i += RECORDS_PER_CHUNK) {
        // A slice is one JSON array one level up: shift it down a level and take off its brackets.
        const slice = nested(value.slice(i, i + RECORDS_PER_CHUNK), 1) as string;
        yield `${i === 0 ? '' : ','}${slice.slice(1, slice.length - (space ? 1 + nl.length + pad.length : 1))}`;
      }
      yield `${nl}${pad}]`;
      continue;
    }
    const text = nested(value, 1);
    if (text === undefined) continue; // undefined and functions are left out, as JSON.stringify does
    first = false;
    yield `${head}${text}`;
  }
  yield `${first ? '' : nl}}\n`;
}

const gzipAsync = promisify(gzipCallback);

/** Text per gzip member: large enough that the extra headers cost nothing, small enough to spread over cores. */
const MEMBER_CHARS = 8 * 1024 * 1024;
/**
 * One output chunk holds a whole member (8 MiB of JSON compresses to about 1.2 MiB), so
 * each member is one job on zlib's pool. With the default 16 KiB chunks, the pool hands
 * every chunk back to the main thread, and compression stalls while that thread is busy
 * turning the next records into text.
 */
const MEMBER_OPTIONS = {
  chunkSize: 4 * 1024 * 1024,
  // Level 3 compresses a snapshot to within 15 % of level 6's size in 60 % of the time;
  // a snapshot is written on every run and read far less often.
  level: 3,
};
/** Members compressed at once (zlib's thread pool has four threads). */
const MEMBERS_IN_FLIGHT = 4;

/**
 * Writes the text as a series of gzip members, each compressed on zlib's thread
 * pool while the next is being turned into text. A gzip file may hold several
 * members one after another; gunzip, zcat, Python's gzip and Node's zlib read
 * them as one stream. Deflate looks back only 32 KiB, so cutting every few
 * megabytes costs next to nothing in size, and compressing 100 MB of snapshot
 * no longer takes one core seconds while the other waits.
 */
export async function writeGzipMembers(pieces: Iterable<string>, path: string, memberChars = MEMBER_CHARS): Promise<void> {
  const file = await open(path, 'w');
  try {
    const pending: Promise<Buffer>[] = [];
    let group: string[] = [];
    let size = 0;
    const startMember = (): void => {
      if (group.length === 0) return;
      const member = gzipAsync(group.join(''), MEMBER_OPTIONS);
      member.catch(() => undefined); // awaited in order below; this only keeps an early failure from counting as unhandled
      pending.push(member);
      group = [];
      size = 0;
    };
    for (const piece of pieces) {
      group.push(piece);
      size += piece.length;
      if (size >= memberChars) startMember();
      while (pending.length >= MEMBERS_IN_FLIGHT) await file.write(await (pending.shift() as Promise<Buffer>));
    }
    startMember();
    for (const member of pending) await file.write(await member);
  } finally {
    await file.close();
  }
}

/** Writes atomically (temp file + rename) so an interrupted save never leaves half a snapshot. */
export async function saveSnapshot(snapshot: Snapshot, path: string, options: { gzip?: boolean } = {}): Promise<void> {
  const gzip = options.gzip ?? path.endsWith('.gz');
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    if (gzip) await writeGzipMembers(snapshotJsonChunks(snapshot, 0), tmp);
    else await pipeline(snapshotJsonChunks(snapshot, 2), createWriteStream(tmp));
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  // Indexed loops and for-in walk without allocating a key array per object: on a
  // 100,000-server snapshot this is three times faster than Object.keys. Snapshot
  // records are plain JSON data, so for-in sees exactly their own keys.
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (typeof v === 'object' && v !== null) deepFreeze(v);
    }
  } else {
    const record = value as Record<string, unknown>;
    for (const k in record) {
      const v = record[k];
      if (typeof v === 'object' && v !== null) deepFreeze(v);
    }
  }
  return value;
}
