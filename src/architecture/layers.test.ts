import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';

/**
 * Imports flow one way (docs STYLE): the simulator shares only core with the
 * product, detectors never reach collectors, nothing but the CLI and server sits on top.
 */
const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  snapshot: ['core'],
  config: ['core', 'snapshot'],
  collect: ['core', 'snapshot', 'config'],
  detect: ['core', 'snapshot'],
  correlate: ['core', 'snapshot', 'detect'],
  runbook: ['core', 'snapshot', 'detect', 'correlate'],
  act: ['core', 'snapshot', 'config', 'collect', 'detect', 'correlate', 'runbook'],
  store: ['core', 'snapshot', 'detect', 'correlate', 'runbook', 'report'],
  report: ['core', 'snapshot', 'detect', 'correlate'],
  lab: ['core'],
  // The watch loop reads like a scan and acts like a run: below the CLI, above everything it drives.
  watch: ['core', 'snapshot', 'config', 'collect', 'detect', 'correlate', 'runbook', 'act', 'store', 'report'],
  architecture: [],
  cli: ['*'],
  server: ['*'],
  // The integration suite (*.itest.ts, against a real OpenStack) drives everything, like the CLI.
  integration: ['*'],
};

const SRC = resolve('src');

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, out);
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

const layerOf = (file: string): string => relative(SRC, file).split(sep)[0] ?? '';

describe('architecture', () => {
  it('every top-level folder under src/ is a known layer', () => {
    const unknown = readdirSync(SRC).filter((d) => statSync(join(SRC, d)).isDirectory() && !(d in ALLOWED));
    assert.deepEqual(unknown, []);
  });

  it('imports flow one way between layers', () => {
    const violations: string[] = [];
    for (const file of files(SRC)) {
      const from = layerOf(file);
      const allowed = ALLOWED[from] ?? [];
      if (allowed.includes('*')) continue;
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/g)) {
        const to = layerOf(resolve(dirname(file), m[1] as string));
        // Tests may use the snapshot builders and the detector harness of their own layer; they still may not climb up.
        if (to !== from && !allowed.includes(to)) violations.push(`${relative(SRC, file)} imports ${m[1]} (${from} → ${to})`);
      }
    }
    assert.deepEqual(violations, []);
  });

  it("the lab's Kubernetes simulator (src/lab/kubernetes) is part of lab: it imports only lab and core", () => {
    const dir = join(SRC, 'lab', 'kubernetes');
    const kubernetesFiles = files(dir);
    assert.ok(kubernetesFiles.length > 0, 'src/lab/kubernetes exists');
    const outside: string[] = [];
    for (const file of kubernetesFiles) {
      assert.equal(layerOf(file), 'lab');
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/g)) {
        const to = layerOf(resolve(dirname(file), m[1] as string));
        if (to !== 'lab' && to !== 'core') outside.push(`${relative(SRC, file)} imports ${m[1]}`);
      }
    }
    assert.deepEqual(outside, []);
  });

  it('nothing below the CLI prints or exits', () => {
    const offenders: string[] = [];
    for (const file of files(SRC)) {
      const layer = layerOf(file);
      if (layer === 'cli' || layer === 'server' || layer === 'integration' || file.endsWith('.test.ts')) continue;
      const text = readFileSync(file, 'utf8');
      if (/\bprocess\.exit\s*\(|\bconsole\.(log|error|warn|info)\s*\(|process\.(stdout|stderr)\.write/.test(text)) offenders.push(relative(SRC, file));
    }
    assert.deepEqual(offenders, []);
  });
});
