// Copies non-TypeScript assets that the compiled code reads at run time.
import { cpSync, existsSync } from 'node:fs';

for (const dir of ['src/report/assets', 'src/lab/scenarios']) {
  if (existsSync(dir)) cpSync(dir, dir.replace(/^src/, 'dist'), { recursive: true, filter: (f) => !f.endsWith('.ts') });
}
