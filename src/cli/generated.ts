import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderDetectorDoc, renderDetectorIndex } from '../detect/docs.js';
import { detectors } from '../detect/rules/index.js';
import { renderRunbookDoc, renderRunbookIndex } from '../runbook/docs.js';
import { RUNBOOKS } from '../runbook/runbooks/index.js';
import { SCHEMAS } from './commands/schema.js';

/**
 * Files generated from code (detector docs, JSON Schemas), by path relative to
 * the repository root. `npm run docs` writes them; a test fails when the
 * committed copies drift from what the code says.
 */
export function generatedFiles(root: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const d of detectors) {
    const prose = readFileSync(join(root, 'src', 'detect', 'rules', `${d.id}.md`), 'utf8');
    out.set(`docs/detectors/${d.id}.md`, renderDetectorDoc(d, prose));
  }
  out.set('docs/detectors/README.md', renderDetectorIndex(detectors));
  for (const r of RUNBOOKS) {
    const prose = readFileSync(join(root, 'src', 'runbook', 'runbooks', `${r.id}.md`), 'utf8');
    out.set(`docs/runbooks/${r.id}.md`, renderRunbookDoc(r, prose));
  }
  out.set('docs/runbooks/README.md', renderRunbookIndex(RUNBOOKS));
  for (const [name, make] of Object.entries(SCHEMAS)) out.set(`schemas/${name}.schema.json`, `${JSON.stringify(make(), null, 2)}\n`);
  return out;
}
