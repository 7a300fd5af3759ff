// Copies non-TypeScript assets that the compiled code reads at run time.
// usage: node scripts/copy-assets.mjs [outDir]   (default dist; a private build passes its own)
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const outDir = process.argv[2] ?? 'dist';
for (const dir of ['report/assets', 'lab/scenarios']) {
  const from = join('src', dir);
  if (existsSync(from)) cpSync(from, join(outDir, dir), { recursive: true, filter: (f) => !f.endsWith('.ts') });
}
