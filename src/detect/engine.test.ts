import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { ConfigError, UsageError } from '../core/errors.js';
import { fleet } from '../snapshot/builders.js';
import { defineDetector, type AnyDetector } from './define.js';
import { runDetectors, selectDetectors } from './engine.js';
import { lintCases } from './tester.js';

const now = new Date('2026-01-01T00:00:00Z');

const shutoff = defineDetector({
  id: 'test-shutoff',
  title: 't',
  layer: 'openstack',
  severity: 'medium',
  description: 'd',
  explanation: 'e',
  requires: ['servers'],
  messages: { off: 'Server {{name}} is off.' },
  options: z.object({ status: z.string().default('SHUTOFF') }),
  remediation: { runbook: 'vm-hang', steps: ['start it'] },
  source: 'test',
  detect: ({ snapshot, options }) =>
    snapshot.servers
      .filter((s) => s.status === options.status)
      .map((s) => ({ messageId: 'off' as const, data: { name: s.name }, resource: { kind: 'server' as const, id: s.id, name: s.name, parent: { kind: 'hypervisor' as const, id: s.host ?? '', name: s.host ?? '' } } })),
});

const throws = defineDetector({
  id: 'test-throws',
  title: 't',
  layer: 'openstack',
  severity: 'low',
  description: 'd',
  explanation: 'e',
  requires: ['servers'],
  messages: { x: 'x' },
  options: z.object({}),
  remediation: { steps: [] },
  source: 'test',
  detect: () => {
    throw new Error('boom');
  },
});

const needsProbes = defineDetector({ ...throws, id: 'test-probes', requires: ['servers', 'probes'], detect: () => [] });
const all: AnyDetector[] = [shutoff, throws, needsProbes];

describe('detector engine', () => {
  const snap = fleet().hypervisor('c1').server('a', { on: 'c1', status: 'SHUTOFF' }).server('b', { on: 'c1' }).build();

  it('gives each detector its own verdict: fail, error, skipped', () => {
    const results = runDetectors(snap, all, { now });
    assert.deepEqual(results.map((r) => [r.detectorId, r.status]), [
      ['test-shutoff', 'fail'],
      ['test-throws', 'error'],
      ['test-probes', 'skipped'],
    ]);
    assert.equal(results[1]?.reason, 'boom');
    assert.deepEqual(results[2]?.missing, ['probes']);
    assert.match(results[2]?.reason ?? '', /probes not collected/);
  });

  it('skips a detector whose collector failed and names the collector error', () => {
    const s = fleet().server('a').build({ failed: ['probes'] });
    const [r] = runDetectors(s, [needsProbes], { now });
    assert.equal(r?.status, 'skipped');
    assert.match(r?.reason ?? '', /probes collector failed .*test: probes collector failed/);
  });

  it('runs on partly collected input and says so', () => {
    const s = fleet().server('a', { status: 'SHUTOFF' }).build({ partial: ['servers'] });
    const [r] = runDetectors(s, [shutoff], { now });
    assert.equal(r?.status, 'fail');
    assert.deepEqual(r?.partialInputs, ['servers']);
  });

  it('renders messages, attaches remediation and a stable fingerprint', () => {
    const [r1] = runDetectors(snap, [shutoff], { now });
    const [r2] = runDetectors(snap, [shutoff], { now: new Date('2030-01-01T00:00:00Z') });
    const f = r1?.findings[0];
    assert.equal(f?.message, 'Server a is off.');
    assert.equal(f?.remediation.runbook, 'vm-hang');
    assert.equal(f?.fingerprint, r2?.findings[0]?.fingerprint);
    assert.match(f?.fingerprint ?? '', /^[0-9a-f]{16}$/);
  });

  it('applies per-detector options and severity overrides from config', () => {
    const [r] = runDetectors(snap, [shutoff], { now, settings: { 'test-shutoff': { severity: 'critical', options: { status: 'ACTIVE' } } } });
    assert.deepEqual(r?.findings.map((f) => [f.resource.name, f.severity]), [['b', 'critical']]);
  });

  it('rejects invalid options with a config error naming the key', () => {
    assert.throws(
      () => runDetectors(snap, [shutoff], { now, configFile: 'faultline.yaml', settings: { 'test-shutoff': { options: { status: 3 } } } }),
      (err: Error) => err instanceof ConfigError && /faultline.yaml: detectors.test-shutoff.options/.test(err.message),
    );
  });

  it('counts suppressed findings and honours expiry, resource and parent globs', () => {
    const run = (suppressions: Parameters<typeof runDetectors>[2]['suppressions']) => runDetectors(snap, [shutoff], { now, suppressions })[0];
    assert.equal(run([{ detector: 'test-shutoff', resource: 'a', reason: 'known' }])?.suppressed, 1);
    assert.equal(run([{ detector: 'test-shutoff', resource: 'a', reason: 'known' }])?.status, 'pass');
    assert.equal(run([{ parent: 'c*', reason: 'rack work' }])?.suppressed, 1);
    assert.equal(run([{ resource: 'a', reason: 'old', until: '2025-12-31T00:00:00Z' }])?.suppressed, 0);
    assert.equal(run([{ detector: 'other', reason: 'no' }])?.suppressed, 0);
  });

  it('selects by --only/--skip/enabled and hints at misspelt ids', () => {
    assert.deepEqual(selectDetectors(all, { only: ['test-shutoff'] }).map((d) => d.id), ['test-shutoff']);
    assert.deepEqual(selectDetectors(all, { skip: ['test-shutoff'], settings: { 'test-throws': { enabled: false } } }).map((d) => d.id), ['test-probes']);
    assert.throws(() => selectDetectors(all, { only: ['test-shutof'] }), (e: Error) => e instanceof UsageError && /did you mean "test-shutoff"/.test(e.message));
  });

  it('reports an unknown message id as an error of that detector only', () => {
    const liar = defineDetector({ ...shutoff, id: 'test-liar', detect: () => [{ messageId: 'nope' as 'off', resource: { kind: 'server', id: 'x' } }] });
    const results = runDetectors(snap, [liar, shutoff], { now });
    assert.equal(results[0]?.status, 'error');
    assert.match(results[0]?.reason ?? '', /unknown messageId "nope"/);
    assert.equal(results[1]?.status, 'fail');
  });
});

describe('defineDetector', () => {
  it('rejects non-kebab ids, empty requirements and options without defaults', () => {
    assert.throws(() => defineDetector({ ...shutoff, id: 'NotKebab' }), /kebab-case/);
    assert.throws(() => defineDetector({ ...shutoff, requires: [] }), /at least one/);
    assert.throws(() => defineDetector({ ...shutoff, options: z.object({ limit: z.number() }) as never }), /default/);
  });
});

describe('case table linting (the harness rejects sloppy tests)', () => {
  const s1 = fleet().server('a', { status: 'SHUTOFF' }).build();
  const s2 = fleet().server('b').build();
  it('accepts a sound table', () => {
    assert.deepEqual(lintCases(shutoff, { valid: [{ name: 'ok', snapshot: s2 }], invalid: [{ name: 'off', snapshot: s1, findings: [{ messageId: 'off' }] }] }), []);
  });
  it('rejects unused message ids', () => {
    assert.ok(lintCases(shutoff, { valid: [{ name: 'ok', snapshot: s2 }], invalid: [] }).some((p) => /messageId "off" is never exercised/.test(p)));
  });
  it('rejects duplicate names and duplicate cases', () => {
    const problems = lintCases(shutoff, {
      valid: [{ name: 'x', snapshot: s2 }, { name: 'x', snapshot: s1 }, { name: 'y', snapshot: s2 }],
      invalid: [{ name: 'off', snapshot: s1, findings: [{ messageId: 'off' }] }],
    });
    assert.ok(problems.some((p) => /duplicate case name "x"/.test(p)));
    assert.ok(problems.some((p) => /case "y" duplicates case "x"/.test(p)));
  });
  it('rejects invalid options and unknown expected message ids', () => {
    const problems = lintCases(shutoff, {
      valid: [{ name: 'ok', snapshot: s2, options: { status: 5 as unknown as string } }],
      invalid: [{ name: 'off', snapshot: s1, findings: [{ messageId: 'off' }, { messageId: 'ghost' as 'off' }] }],
    });
    assert.ok(problems.some((p) => /invalid options/.test(p)));
    assert.ok(problems.some((p) => /unknown messageId "ghost"/.test(p)));
  });
});
