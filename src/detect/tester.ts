import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { z } from 'zod';
import type { DataKey } from '../core/data-keys.js';
import type { Finding } from '../core/findings.js';
import type { Severity } from '../core/severity.js';
import { parseSnapshot } from '../snapshot/io.js';
import type { Snapshot } from '../snapshot/schema.js';
import { placeholders, type Detector } from './define.js';
import { runDetectors } from './engine.js';

const DEFAULT_NOW = '2026-01-01T00:00:00Z';

export interface ValidCase<O> {
  readonly name: string;
  readonly snapshot: Snapshot;
  readonly options?: Partial<O>;
  /** ISO time the detector judges at; defaults to the snapshot's collection time. */
  readonly now?: string;
}

export interface ExpectedFinding<M extends string> {
  readonly messageId: M;
  /** Resource id or name. */
  readonly resource?: string;
  readonly severity?: Severity;
  /** Exact text or a pattern the rendered message must match. */
  readonly message?: string | RegExp;
  /** Evidence labels that must be present, with their values. */
  readonly evidence?: Readonly<Record<string, string | number | boolean | null>>;
}

export interface InvalidCase<M extends string, O> extends ValidCase<O> {
  readonly findings: readonly ExpectedFinding<M>[];
}

export interface Cases<M extends string, O> {
  readonly valid: readonly ValidCase<O>[];
  readonly invalid: readonly InvalidCase<M, O>[];
}

/**
 * Checks that a case table is worth running before running it, like ESLint's
 * RuleTester: every message id is exercised, no case is a duplicate, every
 * option set is valid, and expected message ids exist. Returns the problems.
 */
export function lintCases<M extends string, S extends z.ZodObject>(detector: Detector<M, S>, cases: Cases<M, z.output<S>>): string[] {
  const problems: string[] = [];
  const all = [...cases.valid, ...cases.invalid];
  const names = new Set<string>();
  const bodies = new Map<string, string>();
  for (const c of all) {
    if (names.has(c.name)) problems.push(`duplicate case name "${c.name}"`);
    names.add(c.name);
    const body = JSON.stringify([c.snapshot, c.options ?? {}, c.now ?? null]);
    const twin = bodies.get(body);
    if (twin !== undefined) problems.push(`case "${c.name}" duplicates case "${twin}"`);
    else bodies.set(body, c.name);
    const parsed = detector.options.safeParse(c.options ?? {});
    if (!parsed.success) problems.push(`case "${c.name}" has invalid options: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  }
  const messageIds = Object.keys(detector.messages);
  const used = new Set<string>();
  for (const c of cases.invalid) {
    if (c.findings.length === 0) problems.push(`invalid case "${c.name}" expects no findings; make it a valid case`);
    for (const f of c.findings) {
      if (!messageIds.includes(f.messageId)) problems.push(`case "${c.name}" expects unknown messageId "${f.messageId}"`);
      used.add(f.messageId);
    }
  }
  for (const id of messageIds) if (!used.has(id)) problems.push(`messageId "${id}" is never exercised by an invalid case`);
  if (cases.valid.length === 0) problems.push('no valid cases: show at least one healthy fleet passing');
  for (const [id, template] of Object.entries(detector.messages)) {
    if (typeof template !== 'string' || template.trim() === '') problems.push(`message "${id}" is empty`);
  }
  return problems;
}

function run<M extends string, S extends z.ZodObject>(detector: Detector<M, S>, c: ValidCase<z.output<S>>, snapshot = c.snapshot) {
  const now = new Date(c.now ?? snapshot.collectedAt ?? DEFAULT_NOW);
  const [result] = runDetectors(snapshot, [detector], {
    now,
    settings: { [detector.id]: { options: (c.options ?? {}) as Record<string, unknown> } },
  });
  assert.ok(result, 'engine returned no result');
  return result;
}

function matches<M extends string>(f: Finding, e: ExpectedFinding<M>): boolean {
  if (f.messageId !== e.messageId) return false;
  if (e.resource !== undefined && f.resource.id !== e.resource && f.resource.name !== e.resource) return false;
  if (e.severity !== undefined && f.severity !== e.severity) return false;
  if (typeof e.message === 'string' && f.message !== e.message) return false;
  if (e.message instanceof RegExp && !e.message.test(f.message)) return false;
  for (const [label, value] of Object.entries(e.evidence ?? {})) {
    if (!f.evidence.some((ev) => ev.label === label && ev.value === value)) return false;
  }
  return true;
}

function describeFinding(f: Finding): string {
  return `${f.messageId} on ${f.resource.kind} ${f.resource.name ?? f.resource.id} [${f.severity}]: ${f.message} {${f.evidence.map((e) => `${e.label}=${String(e.value)}`).join(', ')}}`;
}

/** The snapshot with one section's collector removed, as if nobody had collected it. */
function withoutInput(snapshot: Snapshot, key: DataKey): Snapshot {
  const doc = JSON.parse(JSON.stringify(snapshot)) as Snapshot & { collection: { produces: DataKey[] }[] };
  doc.collection = doc.collection
    .map((o) => ({ ...o, produces: o.produces.filter((k) => k !== key) }))
    .filter((o) => o.produces.length > 0);
  return parseSnapshot(doc);
}

/** Registers node:test cases for one detector. */
export function testDetector<M extends string, S extends z.ZodObject>(detector: Detector<M, S>, cases: Cases<M, z.output<S>>): void {
  describe(`detector ${detector.id}`, () => {
    it('has a sound case table', () => {
      assert.deepEqual(lintCases(detector, cases), []);
    });
    for (const c of cases.valid) {
      it(`valid: ${c.name}`, () => {
        const result = run(detector, c);
        assert.equal(result.status, 'pass', `expected pass, got ${result.status}: ${result.reason ?? result.findings.map(describeFinding).join('\n')}`);
      });
    }
    for (const c of cases.invalid) {
      it(`invalid: ${c.name}`, () => {
        const result = run(detector, c);
        assert.equal(result.status, 'fail', `expected fail, got ${result.status} ${result.reason ?? ''}`);
        const remaining = [...result.findings];
        for (const e of c.findings) {
          const i = remaining.findIndex((f) => matches(f, e));
          assert.ok(i >= 0, `no finding matches ${JSON.stringify(e, (_k, v) => (v instanceof RegExp ? String(v) : v))}; got:\n${result.findings.map(describeFinding).join('\n')}`);
          remaining.splice(i, 1);
        }
        assert.equal(remaining.length, 0, `unexpected findings:\n${remaining.map(describeFinding).join('\n')}`);
        for (const f of result.findings) {
          assert.equal(placeholders(f.message).length, 0, `message has unfilled placeholders: ${f.message}`);
        }
        const again = run(detector, c);
        assert.deepEqual(
          again.findings.map((f) => f.fingerprint),
          result.findings.map((f) => f.fingerprint),
          'fingerprints must be stable across runs',
        );
      });
    }
    const sample = cases.invalid[0];
    if (sample) {
      for (const key of detector.requires) {
        it(`skipped, never pass, without ${key}`, () => {
          const result = run(detector, sample, withoutInput(sample.snapshot, key));
          assert.equal(result.status, 'skipped');
          assert.ok(result.missing?.includes(key), `missing should name ${key}`);
          assert.match(result.reason ?? '', new RegExp(key));
        });
      }
    }
  });
}
