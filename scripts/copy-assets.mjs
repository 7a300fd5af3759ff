// Copies non-TypeScript assets that the compiled code reads at run time.
import { cpSync, existsSync } from 'node:fs';

for (const dir of ['src/report/assets']) {
  if (existsSync(dir)) cpSync(dir, dir.replace(/^src/, 'dist'), { recursive: true });
}
