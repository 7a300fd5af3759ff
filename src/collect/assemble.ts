import { parseSnapshot } from '../snapshot/io.js';
import { SNAPSHOT_SCHEMA_VERSION, type Snapshot } from '../snapshot/schema.js';
import type { CollectRun } from './runner.js';

/** Turns one collection run into a validated, frozen snapshot that records how each collector fared. */
export function assembleSnapshot(run: CollectRun, meta: { collectedAt: Date; version: string; description?: string }): Snapshot {
  return parseSnapshot(
    {
      ...run.data,
      schemaVersion: SNAPSHOT_SCHEMA_VERSION,
      collectedAt: meta.collectedAt.toISOString(),
      producer: { tool: 'faultline', version: meta.version },
      ...(meta.description ? { description: meta.description } : {}),
      collection: run.outcomes,
    },
    'collected snapshot',
  );
}
