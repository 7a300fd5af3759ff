import { SnapshotError } from '../core/errors.js';
import { SNAPSHOT_SCHEMA_VERSION } from './schema.js';

/** Upgrades a document from `from` to `from + 1`. Pure; never mutates its input. */
export type Migration = (doc: Record<string, unknown>) => Record<string, unknown>;

/**
 * One entry per released schema version that needs upgrading. Snapshots are kept
 * for replay and baselines, so old files must keep loading after the model grows.
 */
export const MIGRATIONS: Readonly<Record<number, Migration>> = {};

export function migrate(
  doc: unknown,
  migrations: Readonly<Record<number, Migration>> = MIGRATIONS,
  target: number = SNAPSHOT_SCHEMA_VERSION,
): Record<string, unknown> {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new SnapshotError('not a faultline snapshot: expected a JSON object at the top level');
  }
  let current = doc as Record<string, unknown>;
  const version = current['schemaVersion'];
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new SnapshotError('not a faultline snapshot: "schemaVersion" is missing or not a positive integer');
  }
  if (version > target) {
    throw new SnapshotError(
      `snapshot schemaVersion ${version} is newer than this faultline understands (${target}); upgrade faultline to read it`,
    );
  }
  for (let v = version; v < target; v++) {
    const step = migrations[v];
    if (!step) throw new SnapshotError(`no migration from snapshot schemaVersion ${v} to ${v + 1}`);
    current = { ...step(current), schemaVersion: v + 1 };
  }
  return current;
}
