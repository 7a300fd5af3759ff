import { deepFreeze, parseSnapshot } from '../snapshot/io.js';
import { SNAPSHOT_SCHEMA_VERSION, type Snapshot } from '../snapshot/schema.js';
import { isValidatedCollection, type CollectRun } from './runner.js';

/** Turns one collection run into a validated, frozen snapshot that records how each collector fared. */
export function assembleSnapshot(run: CollectRun, meta: { collectedAt: Date; version: string; description?: string }): Snapshot {
  const envelope = {
    schemaVersion: SNAPSHOT_SCHEMA_VERSION,
    collectedAt: meta.collectedAt.toISOString(),
    producer: { tool: 'faultline', version: meta.version },
    ...(meta.description ? { description: meta.description } : {}),
    collection: run.outcomes,
  };
  if (!isValidatedCollection(run.data)) return parseSnapshot({ ...run.data, ...envelope }, 'collected snapshot');
  // The runner checked every section against the snapshot schema already (a
  // 100,000-server fleet costs seconds per pass): check the rest, then put the
  // sections in their places (the schema's key order, which the parse keeps).
  const checked = parseSnapshot(envelope, 'collected snapshot');
  return deepFreeze({ ...checked, ...run.data } as Snapshot);
}
