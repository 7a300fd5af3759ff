import { performance } from 'node:perf_hooks';
import type { DataKey } from '../core/data-keys.js';
import { ConfigError, UsageError, errorMessage } from '../core/errors.js';
import type { DetectorResult, Finding } from '../core/findings.js';
import { fingerprint } from '../core/fingerprint.js';
import type { Severity } from '../core/severity.js';
import { indexOf, type FleetIndex } from '../snapshot/fleet-index.js';
import type { Snapshot } from '../snapshot/schema.js';
import { formatIssues } from '../snapshot/issues.js';
import { renderMessage, type AnyDetector, type RawFinding } from './define.js';
import { inputState, kubernetesKindsState, prometheusSignalsState, type InputState } from './inputs.js';

export interface DetectorSettings {
  readonly enabled?: boolean;
  readonly severity?: Severity;
  readonly options?: Readonly<Record<string, unknown>>;
}

export interface Suppression {
  /** Detector id; omitted = every detector. */
  readonly detector?: string;
  /** Glob (`*`) over the resource id or name. */
  readonly resource?: string;
  /** Glob over the parent's id or name (e.g. everything on one hypervisor). */
  readonly parent?: string;
  readonly fingerprint?: string;
  readonly reason: string;
  /** ISO date after which the suppression no longer applies. */
  readonly until?: string;
}

export interface RunOptions {
  readonly now: Date;
  readonly settings?: Readonly<Record<string, DetectorSettings>>;
  readonly suppressions?: readonly Suppression[];
  readonly only?: readonly string[];
  readonly skip?: readonly string[];
  /** Where settings came from, for error messages. */
  readonly configFile?: string;
}

/** Picks the detectors a run will use; unknown ids in --only/--skip are usage errors with a hint. */
export function selectDetectors(all: readonly AnyDetector[], options: Pick<RunOptions, 'only' | 'skip' | 'settings'>): AnyDetector[] {
  const ids = new Set(all.map((d) => d.id));
  for (const [flag, list] of [['--only', options.only], ['--skip', options.skip]] as const) {
    for (const id of list ?? []) {
      if (!ids.has(id)) throw new UsageError(`${flag}: unknown detector "${id}"${hint(id, [...ids])}`);
    }
  }
  return all.filter(
    (d) =>
      (!options.only || options.only.length === 0 || options.only.includes(d.id)) &&
      !(options.skip ?? []).includes(d.id) &&
      options.settings?.[d.id]?.enabled !== false,
  );
}

function hint(word: string, candidates: readonly string[]): string {
  const best = candidates
    .map((c) => ({ c, d: editDistance(word, c) }))
    .sort((a, b) => a.d - b.d)[0];
  return best && best.d <= Math.max(2, Math.floor(word.length / 3)) ? ` (did you mean "${best.c}"?)` : '';
}

export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] as number;
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] as number;
}

/** Validates a detector's options from config; errors name the config key and the fix. */
export function resolveOptions(detector: AnyDetector, raw: unknown, configFile?: string): Record<string, unknown> {
  const parsed = detector.options.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new ConfigError({
      ...(configFile ? { file: configFile } : {}),
      key: `detectors.${detector.id}.options`,
      problem: formatIssues(parsed.error.issues).join('; '),
      fix: `see docs/detectors/${detector.id}.md for the options and their types`,
    });
  }
  return parsed.data as Record<string, unknown>;
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

function matchesAny(glob: string | undefined, values: readonly (string | undefined)[]): boolean {
  if (glob === undefined) return true;
  const re = globToRegExp(glob);
  return values.some((v) => v !== undefined && re.test(v));
}

export function isSuppressed(finding: Finding, suppressions: readonly Suppression[], now: Date): boolean {
  return suppressions.some(
    (s) =>
      (s.until === undefined || Date.parse(s.until) > now.getTime()) &&
      (s.detector === undefined || s.detector === finding.detectorId) &&
      (s.fingerprint === undefined || s.fingerprint === finding.fingerprint) &&
      matchesAny(s.resource, [finding.resource.id, finding.resource.name]) &&
      matchesAny(s.parent, [finding.resource.parent?.id, finding.resource.parent?.name]),
  );
}

/** Turns a detector's raw findings into full findings; an unknown message id is a bug in the detector. */
export function completeFinding(detector: AnyDetector, raw: RawFinding<string>, severity: Severity): Finding {
  const template = (detector.messages as Record<string, string>)[raw.messageId];
  if (template === undefined) throw new Error(`detector ${detector.id} reported unknown messageId "${raw.messageId}"`);
  return {
    detectorId: detector.id,
    messageId: raw.messageId,
    message: renderMessage(template, raw.data),
    severity: raw.severity ?? severity,
    resource: raw.resource,
    evidence: raw.evidence ?? [],
    explanation: detector.explanation,
    remediation: detector.remediation,
    fingerprint: fingerprint([detector.id, raw.messageId, raw.resource.kind, raw.resource.id, raw.key]),
  };
}

/**
 * Prometheus collected, but some of its signals may have failed: then the signal's own
 * account (which signal, where, why) stands in for the collection's generic one.
 */
function withSignals(collected: InputState, snapshot: Snapshot): InputState {
  if (collected.state === 'missing' || collected.state === 'failed') return collected;
  const signals = prometheusSignalsState(snapshot);
  return signals.state === 'ok' ? collected : signals;
}

/**
 * Runs every selected detector over one snapshot. Each detector gets its own
 * verdict: a missing input makes it `skipped` with the reason, a throw makes it
 * `error`; neither stops the others.
 */
export function runDetectors(snapshot: Snapshot, detectors: readonly AnyDetector[], options: RunOptions): DetectorResult[] {
  // Built for the first detector that runs: on a fleet of 100,000 servers the index costs most of a second,
  // and a run whose detectors are all skipped (the watch's, for sections it never collects) needs none.
  let index: FleetIndex | undefined;
  const suppressions = options.suppressions ?? [];
  return detectors.map((detector) => {
    const started = performance.now();
    const elapsed = (): number => Math.round((performance.now() - started) * 1000) / 1000;
    const missing: DataKey[] = [];
    const reasons: string[] = [];
    const partial: DataKey[] = [];
    for (const key of detector.requires) {
      const s = key === 'prometheus' ? withSignals(inputState(snapshot, key), snapshot) : inputState(snapshot, key);
      if (s.state === 'missing' || s.state === 'failed') {
        missing.push(key);
        reasons.push(s.reason);
      } else if (s.state === 'partial') {
        partial.push(key);
        reasons.push(s.reason);
      }
    }
    if (detector.kubernetesKinds && detector.requires.includes('kubernetes') && !missing.includes('kubernetes')) {
      const k = kubernetesKindsState(snapshot, detector.kubernetesKinds);
      if (k.state === 'missing' || k.state === 'failed') {
        missing.push('kubernetes');
        reasons.push(k.reason);
      } else if (k.state === 'partial') {
        if (!partial.includes('kubernetes')) partial.push('kubernetes');
        reasons.push(k.reason);
      }
    }
    if (missing.length > 0) {
      return { detectorId: detector.id, status: 'skipped', durationMs: elapsed(), reason: reasons.join('; '), missing, findings: [], suppressed: 0 };
    }
    try {
      const settings = options.settings?.[detector.id];
      const opts = resolveOptions(detector, settings?.options, options.configFile);
      index ??= indexOf(snapshot);
      const raw = detector.detect({ snapshot, index, options: opts, now: options.now });
      const all = raw.map((r) => completeFinding(detector, r, settings?.severity ?? detector.severity));
      const kept = all.filter((f) => !isSuppressed(f, suppressions, options.now));
      return {
        detectorId: detector.id,
        status: kept.length > 0 ? 'fail' : 'pass',
        durationMs: elapsed(),
        ...(partial.length > 0 ? { partialInputs: partial, reason: reasons.join('; ') } : {}),
        findings: kept,
        suppressed: all.length - kept.length,
      };
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      return { detectorId: detector.id, status: 'error', durationMs: elapsed(), reason: errorMessage(err), findings: [], suppressed: 0 };
    }
  });
}
