import type { DetectorResult, ResourceRef } from '../core/findings.js';
import type { Snapshot } from '../snapshot/schema.js';
import type { AnyDetector } from './define.js';
import { runDetectors, type RunOptions } from './engine.js';

/**
 * Judging part of a fleet again. The detectors that declare a scope (define.ts) run
 * over a view of the snapshot that holds only the servers of the scope and their
 * instance actions, next to every hypervisor and every other section whole, and keep
 * only their findings about resources of the scope. Put together with the findings
 * of an earlier judgement about everything outside the scope, that is what judging
 * the whole snapshot would say, at a cost that follows the size of the scope instead
 * of the fleet's: src/watch/judgement.test.ts holds the two against each other.
 */

export interface JudgementScope {
  /**
   * The servers judged again, as they are now. Every server on a hypervisor in
   * `hypervisorIds` must be among them: a hypervisor's findings read all of its servers.
   */
  readonly servers: readonly Snapshot['servers'][number][];
  /** The servers whose findings are replaced: those above and those gone since. */
  readonly serverIds: ReadonlySet<string>;
  /** The hypervisors whose findings are replaced. */
  readonly hypervisorIds: ReadonlySet<string>;
}

/** Whether a finding about `resource` is one a judgement of the scope replaces. */
export function inScope(resource: ResourceRef, scope: JudgementScope): boolean {
  if (resource.kind === 'server') return scope.serverIds.has(resource.id);
  if (resource.kind === 'hypervisor') return scope.hypervisorIds.has(resource.id);
  return false;
}

/** The snapshot as the scoped detectors see it: the scope's servers and their instance actions, all else whole. */
export function scopedView(snapshot: Snapshot, scope: JudgementScope): Snapshot {
  return {
    ...snapshot,
    servers: [...scope.servers],
    instanceActions: snapshot.instanceActions.filter((a) => scope.serverIds.has(a.serverId)),
  };
}

/**
 * Runs the detectors that declare a scope over the scope alone. Findings are
 * returned unsuppressed (suppressions apply to the whole once merged, so the count
 * of suppressed findings stays right) and only those about the scope are kept.
 * A detector without a scope is a programming error here: it needs the whole snapshot.
 */
export function judgeScope(snapshot: Snapshot, detectors: readonly AnyDetector[], options: RunOptions, scope: JudgementScope): DetectorResult[] {
  const unscoped = detectors.filter((d) => d.scope === undefined).map((d) => d.id);
  if (unscoped.length > 0) throw new Error(`judgeScope: ${unscoped.join(', ')} declare no scope and need the whole snapshot`);
  if (detectors.length === 0) return [];
  const results = runDetectors(scopedView(snapshot, scope), detectors, { ...options, suppressions: [] });
  return results.map((r) => ({ ...r, findings: r.findings.filter((f) => inScope(f.resource, scope)) }));
}
