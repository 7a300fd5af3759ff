import type { DataKey } from '../core/data-keys.js';
import type { Snapshot } from '../snapshot/schema.js';

export type InputState =
  | { readonly state: 'ok' }
  | { readonly state: 'partial'; readonly reason: string }
  | { readonly state: 'failed'; readonly reason: string }
  | { readonly state: 'missing'; readonly reason: string };

/**
 * Whether each snapshot section can be trusted, from the collection outcomes the
 * snapshot carries. A section that no collector produced is `missing`: an empty
 * list there means "nobody looked", not "nothing wrong".
 */
export function inputState(snapshot: Snapshot, key: DataKey): InputState {
  const outcomes = snapshot.collection.filter((o) => o.produces.includes(key));
  if (outcomes.length === 0) {
    // History is not collected from the fleet but read from the store; say how to get one.
    if (key === 'history') return { state: 'missing', reason: 'history not available: no store is configured (add a store section to faultline.yaml, or scan with --record)' };
    return { state: 'missing', reason: `${key} not collected (no collector for it ran)` };
  }
  const failed = outcomes.filter((o) => o.status === 'failed');
  const describe = (list: typeof outcomes): string =>
    list.map((o) => `${o.collector}${o.error ? `: ${o.error}` : ''}`).join('; ');
  if (failed.length === outcomes.length) return { state: 'failed', reason: `${key} collector failed (${describe(failed)})` };
  const partial = outcomes.filter((o) => o.status === 'partial');
  if (failed.length > 0 || partial.length > 0) {
    const warn = partial.flatMap((o) => o.warnings).slice(0, 3);
    return {
      state: 'partial',
      reason: `${key} only partly collected (${describe([...failed, ...partial])}${warn.length ? `; ${warn.join('; ')}` : ''})`,
    };
  }
  return { state: 'ok' };
}
