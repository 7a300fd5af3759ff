import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { detectors } from '../detect/rules/index.js';
import { generatedFiles } from './generated.js';

const root = resolve('.');
const rulesDir = join(root, 'src', 'detect', 'rules');

describe('generated docs and schemas', () => {
  it('are committed and match the code (run `npm run docs` after changing a detector or a schema)', () => {
    const drift: string[] = [];
    for (const [path, content] of generatedFiles(root)) {
      const file = join(root, path);
      if (!existsSync(file)) drift.push(`${path} is missing`);
      else if (readFileSync(file, 'utf8') !== content) drift.push(`${path} is out of date`);
    }
    assert.deepEqual(drift, []);
  });

  it('leave no stale detector page behind', () => {
    const ids = new Set(detectors.map((d) => d.id));
    const stale = readdirSync(join(root, 'docs', 'detectors')).filter((f) => f !== 'README.md' && !ids.has(f.replace(/\.md$/, '')));
    assert.deepEqual(stale, []);
  });
});

describe('detector registry parity', () => {
  const sources = readdirSync(rulesDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'index.ts');

  it('registers every detector file, under its file name', () => {
    assert.deepEqual(
      detectors.map((d) => `${d.id}.ts`).sort(),
      [...sources].sort(),
    );
  });

  it('has a colocated test and prose doc for every detector', () => {
    const missing = detectors.flatMap((d) => [`${d.id}.test.ts`, `${d.id}.md`].filter((f) => !existsSync(join(rulesDir, f))));
    assert.deepEqual(missing, []);
  });

  it('has unique ids and remediation for every detector', () => {
    assert.equal(new Set(detectors.map((d) => d.id)).size, detectors.length);
    for (const d of detectors) assert.ok(d.remediation.steps.length > 0, `${d.id} has no remediation steps`);
  });
});
