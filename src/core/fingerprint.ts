import { createHash } from 'node:crypto';

/**
 * A finding's identity across runs: it depends on what is wrong and where, never on
 * wording, counts or time, so a baseline can tell new findings from old ones.
 */
export function fingerprint(parts: readonly (string | number | undefined)[]): string {
  const h = createHash('sha256');
  for (const p of parts) {
    h.update(String(p ?? ''));
    h.update('\u0000');
  }
  return h.digest('hex').slice(0, 16);
}
