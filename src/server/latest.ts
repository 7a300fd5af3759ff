import type { DetectorResult } from '../core/findings.js';
import type { Incident } from '../correlate/types.js';
import type { Snapshot } from '../snapshot/schema.js';

/**
 * The newest scan this process made, as it was judged: what the store does not
 * keep whole (each incident's causal chain and blast radius, the fleet itself)
 * is served from here, and the store's rows are enriched with it.
 */
export interface LatestScan {
  readonly scanId: number | null;
  readonly evaluatedAt: Date;
  readonly snapshot: Snapshot;
  readonly results: readonly DetectorResult[];
  readonly incidents: readonly Incident[];
}
