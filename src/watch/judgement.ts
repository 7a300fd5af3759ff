import type { DetectorResult, Finding } from '../core/findings.js';
import type { AnyDetector } from '../detect/define.js';
import { isSuppressed, runDetectors, type RunOptions } from '../detect/engine.js';
import { inScope, judgeScope, type JudgementScope } from '../detect/scoped.js';
import type { Snapshot } from '../snapshot/schema.js';

/**
 * The watch's judgement of its fleet from round to round. A round that judges the
 * whole snapshot runs every detector; a round with a scope (what changed, and what
 * that can touch) runs only the detectors that declare a scope, over the scope, and
 * keeps the last results of the others (the fleet-wide ones: they are judged again
 * on the periodic resync). Findings are held unsuppressed, so that suppressions,
 * applied to the merged whole each round, count as a whole judgement counts them.
 */
export class Judgement {
  /** Per detector: its last result with every finding, suppressed or not. */
  readonly #held = new Map<string, DetectorResult>();

  /** Detectors judged again in the last call, and how: for the round's event and the tests. */
  lastMode: { readonly whole: number; readonly scoped: number; readonly kept: number } = { whole: 0, scoped: 0, kept: 0 };

  /** Forgets everything: the next judgement of each detector is a whole one. */
  reset(): void {
    this.#held.clear();
  }

  /**
   * Judges `detectors` over `snapshot`: all of it without a scope, else only the scope.
   * A detector with no earlier verdict to build on, or whose last one was not a
   * pass or a fail, is judged whole whatever the scope.
   */
  judge(snapshot: Snapshot, detectors: readonly AnyDetector[], options: RunOptions, scope?: JudgementScope): DetectorResult[] {
    const buildsOn = (d: AnyDetector): boolean => {
      const last = this.#held.get(d.id);
      return scope !== undefined && last !== undefined && (last.status === 'pass' || last.status === 'fail');
    };
    const scoped = detectors.filter((d) => d.scope !== undefined && buildsOn(d));
    const kept = detectors.filter((d) => d.scope === undefined && buildsOn(d));
    const whole = detectors.filter((d) => !scoped.includes(d) && !kept.includes(d));
    const fresh = new Map<string, DetectorResult>();
    for (const r of whole.length > 0 ? runDetectors(snapshot, whole, { ...options, suppressions: [] }) : []) fresh.set(r.detectorId, r);
    const rescoped = scope && scoped.length > 0 ? judgeScope(snapshot, scoped, options, scope) : [];
    for (const r of rescoped) {
      const last = this.#held.get(r.detectorId) as DetectorResult;
      if (r.status !== 'pass' && r.status !== 'fail') {
        // Skipped or failing over the scope: say so as a whole judgement would, and start over next time.
        fresh.set(r.detectorId, r);
        continue;
      }
      const outside = last.findings.filter((f) => !inScope(f.resource, scope as JudgementScope));
      fresh.set(r.detectorId, { ...r, findings: [...outside, ...r.findings] });
    }
    for (const d of kept) fresh.set(d.id, this.#held.get(d.id) as DetectorResult);
    this.lastMode = { whole: whole.length, scoped: scoped.length, kept: kept.length };
    const out: DetectorResult[] = [];
    for (const d of detectors) {
      const r = fresh.get(d.id);
      if (!r) continue;
      this.#held.set(d.id, r);
      out.push(withSuppressions(r, options));
    }
    return out;
  }
}

/** The result as runDetectors reports it: suppressed findings left out and counted. */
function withSuppressions(r: DetectorResult, options: RunOptions): DetectorResult {
  if (r.status !== 'pass' && r.status !== 'fail') return r;
  const suppressions = options.suppressions ?? [];
  const kept: readonly Finding[] = suppressions.length === 0 ? r.findings : r.findings.filter((f) => !isSuppressed(f, suppressions, options.now));
  return { ...r, status: kept.length > 0 ? 'fail' : 'pass', findings: kept, suppressed: r.findings.length - kept.length };
}
