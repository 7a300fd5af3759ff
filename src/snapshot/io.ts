import { readFile, writeFile, rename } from 'node:fs/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
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

/** Writes atomically (temp file + rename) so an interrupted save never leaves half a snapshot. */
export async function saveSnapshot(snapshot: Snapshot, path: string, options: { gzip?: boolean } = {}): Promise<void> {
  const gzip = options.gzip ?? path.endsWith('.gz');
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, serializeSnapshot(snapshot, gzip));
  await rename(tmp, path);
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}
