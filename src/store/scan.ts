import { performance } from 'node:perf_hooks';
import type { DetectorResult } from '../core/findings.js';
import type { AnyDetector } from '../detect/define.js';
import { runDetectors, type RunOptions } from '../detect/engine.js';
import type { History, Snapshot } from '../snapshot/schema.js';
import type { Incident } from '../correlate/types.js';
import { judgedDetectors, type RecordedFindings, type RecordedIncidents, type RecordedScan } from './record.js';
import type { Store } from './store.js';

/** Detectors whose finding spells the memory rules count; read into history.findingEpisodes. */
export const COUNTED_EPISODE_DETECTORS = ['part-needs-judgement', 'part-judgement-over-time'] as const;

export interface StoredScan {
  readonly snapshot: Snapshot;
  readonly results: DetectorResult[];
  readonly recorded: RecordedScan & { readonly later: RecordedFindings; readonly incidents?: RecordedIncidents };
  /** False with --no-record: the store was read, and left as it was. */
  readonly committed: boolean;
}

/** The snapshot with the store's memory in it, as a section a collector named `store` produced. */
export function withHistory(snapshot: Snapshot, history: History, startedAt: Date, durationMs: number): Snapshot {
  return {
    ...snapshot,
    history,
    collection: [
      ...snapshot.collection,
      { collector: 'store', status: 'ok', produces: ['history'], startedAt: startedAt.toISOString(), durationMs: Math.round(durationMs), warnings: [] },
    ],
  };
}

/**
 * A scan with a store, in one transaction: the detectors that need no memory run
 * and are recorded; then the history is read (this scan's findings included, so
 * recurrence sees what came back); then the memory rules run over it and are
 * recorded too. With `commit` false the whole transaction is rolled back.
 */
export async function detectWithStore(
  store: Store,
  input: {
    readonly snapshot: Snapshot;
    readonly detectors: readonly AnyDetector[];
    readonly run: RunOptions;
    readonly commit: boolean;
    readonly lookbackDays: number;
    readonly source: 'collected' | 'snapshot';
    readonly version: string;
    /** Correlation, when the scan does it: its incidents are recorded in the same transaction. */
    readonly correlate?: (snapshot: Snapshot, results: readonly DetectorResult[]) => readonly Incident[];
    /** The regions scanned, when only some were (see ScanToRecord.regions). */
    readonly regions?: readonly string[];
    /** Judges in place of runDetectors (the watch judges only what changed); given the same arguments, it must say what runDetectors says. */
    readonly judge?: (snapshot: Snapshot, detectors: readonly AnyDetector[], run: RunOptions) => DetectorResult[];
  },
): Promise<StoredScan> {
  const needsMemory = (d: AnyDetector): boolean => d.requires.includes('history');
  const judge = input.judge ?? runDetectors;
  return store.scan(input.commit, async (session) => {
    const first = judge(input.snapshot, input.detectors.filter((d) => !needsMemory(d)), input.run);
    const base = { snapshot: input.snapshot, evaluatedAt: input.run.now, source: input.source, version: input.version, ...(input.regions ? { regions: input.regions } : {}) } as const;
    const recorded = await session.recordScan({ ...base, results: first });
    const startedAt = new Date();
    const t0 = performance.now();
    const history = await session.readHistory({ now: input.run.now, lookbackDays: input.lookbackDays, episodeDetectors: COUNTED_EPISODE_DETECTORS, scanId: recorded.scanId });
    const snapshot = withHistory(input.snapshot, history, startedAt, performance.now() - t0);
    const second = judge(snapshot, input.detectors.filter(needsMemory), input.run);
    const later = await session.recordMoreResults(recorded.scanId, { results: second, evaluatedAt: input.run.now, ...(input.regions ? { regions: input.regions } : {}) });
    const byId = new Map([...first, ...second].map((r) => [r.detectorId, r]));
    const results = input.detectors.map((d) => byId.get(d.id)).filter((r): r is DetectorResult => r !== undefined);
    const incidents = input.correlate ? await session.recordIncidents(recorded.scanId, input.run.now, input.correlate(snapshot, results), input.regions, judgedDetectors(results)) : undefined;
    return { snapshot, results, recorded: { ...recorded, later, ...(incidents ? { incidents } : {}) }, committed: input.commit };
  });
}
