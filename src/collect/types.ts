import type { DataKey } from '../core/data-keys.js';
import type { Logger } from '../core/log.js';
import type { SnapshotInput } from '../snapshot/schema.js';

/** The sections a collector may fill, in the snapshot's input shape. */
export type CollectedData = Partial<Omit<SnapshotInput, 'schemaVersion' | 'collectedAt' | 'collection' | 'producer' | 'description'>>;

export interface CollectContext {
  /** Aborted when the collector's deadline passes or the run is cancelled; pass it to every I/O call. */
  readonly signal: AbortSignal;
  readonly now: () => Date;
  readonly log: Logger;
  /** Short progress lines for a TTY ("servers: page 12, 12,000 so far"). */
  readonly progress: (message: string) => void;
  /** Sections produced by the collectors this one `needs`, once they have finished. */
  readonly input: CollectedData;
}

export interface CollectorResult {
  readonly data: CollectedData;
  /** `partial` when some of the source answered and some did not; say what in warnings. */
  readonly status?: 'ok' | 'partial';
  readonly warnings?: readonly string[];
}

/** A source of fleet facts. Declares what it produces so detectors know what they can trust. */
export interface Collector {
  readonly id: string;
  readonly description: string;
  readonly produces: readonly DataKey[];
  /**
   * Sections this collector reads from other collectors (e.g. probes need the
   * server list). It starts when their producers finish, and fails with the
   * reason when none of them succeeded.
   */
  readonly needs?: readonly DataKey[];
  /**
   * Narrows `needs` to these producers (collector ids), e.g. the server list of
   * the same region: the collector then starts as soon as they are done instead
   * of waiting for every producer of the section, and gets only their data.
   */
  readonly needsFrom?: readonly string[];
  /** Overrides the run's default deadline. */
  readonly timeoutMs?: number;
  /**
   * The deadline this collector needs for what it was given (e.g. waves of
   * hosts × the time one host may take), asked once its needs are met. Used
   * when `timeoutMs` is not set, instead of the run's default.
   */
  timeoutFor?(input: CollectedData): number;
  collect(ctx: CollectContext): Promise<CollectorResult>;
}
