import { UsageError } from '../../core/errors.js';
import type { DetectorResult, Finding } from '../../core/findings.js';
import { correlate, type Correlation } from '../../correlate/correlate.js';
import { runDetectors, selectDetectors } from '../../detect/engine.js';
import { detectors } from '../../detect/rules/index.js';
import type { Snapshot } from '../../snapshot/schema.js';
import type { CliConfig } from '../config.js';
import type { CliContext } from '../context.js';
import { obtainSnapshot } from './snapshot.js';

export interface Judged {
  readonly snapshot: Snapshot;
  readonly now: Date;
  readonly results: readonly DetectorResult[];
  readonly findings: readonly Finding[];
  readonly correlation: Correlation;
}

/**
 * What `triage` and `notice` stand on: the snapshot (collected, or `--from`), every
 * configured detector judged at `--now` (default: the snapshot's time), and the
 * incidents correlated from their findings.
 */
export async function judgeFleet(ctx: CliContext, loaded: CliConfig, flags: { from?: string; now?: string; timeout?: string; verbose?: boolean }): Promise<Judged> {
  const { config, file } = loaded;
  const { snapshot } = await obtainSnapshot(ctx, loaded, flags);
  const now = flags.now ? new Date(flags.now) : new Date(snapshot.collectedAt);
  if (Number.isNaN(now.getTime())) throw new UsageError(`--now: "${flags.now}" is not an ISO 8601 time`);
  const selected = selectDetectors(detectors, { settings: config.detectors ?? {} });
  const results = runDetectors(snapshot, selected, { now, settings: config.detectors ?? {}, suppressions: config.suppressions ?? [], ...(file ? { configFile: file } : {}) });
  const findings = results.flatMap((r) => r.findings);
  return { snapshot, now, results, findings, correlation: correlate(snapshot, findings) };
}
