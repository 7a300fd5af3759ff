import type { z } from 'zod';

/** Renders zod issues as `path.to[3].key: problem`, the way an operator reads a config or file error. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(root)';
}

export function formatIssues(issues: readonly z.core.$ZodIssue[], limit = 10): string[] {
  const lines = issues.slice(0, limit).map((i) => `${formatPath(i.path)}: ${i.message}`);
  if (issues.length > limit) lines.push(`… and ${issues.length - limit} more problems`);
  return lines;
}
