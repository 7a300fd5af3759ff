// Writes the files generated from code (detector docs, JSON Schemas). Run via `npm run docs`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generatedFiles } from '../dist/cli/generated.js';

const root = process.cwd();
for (const [path, content] of generatedFiles(root)) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
  console.log(`wrote ${path}`);
}
