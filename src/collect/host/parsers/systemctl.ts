import { guarded, lines, type Parsed } from './common.js';

const ANSWERS = new Set(['active', 'inactive', 'failed', 'activating', 'deactivating', 'reloading', 'unknown', 'maintenance', 'refreshing']);

/**
 * `systemctl is-active u1 u2 …` prints one answer per unit, in order, and exits
 * non-zero when any is not active (that is an answer, not a failure). Lines
 * that are not answers (e.g. "Failed to connect to bus") are warnings.
 */
export function parseSystemctlIsActive(text: string, units: readonly string[]): Parsed<Record<string, string>> {
  return guarded('systemctl is-active', text, () => ({}), (body, warn) => {
    const answers = lines(body)
      .map((l) => l.trim())
      .filter((l) => l.length > 0);
    const out: Record<string, string> = {};
    let i = 0;
    for (const answer of answers) {
      if (!ANSWERS.has(answer)) {
        warn(`unexpected line "${answer.slice(0, 120)}"`);
        continue;
      }
      const unit = units[i++];
      if (unit === undefined) {
        warn('more answers than units asked');
        break;
      }
      out[unit] = answer;
    }
    if (i < units.length) warn(`no answer for ${units.slice(i).join(', ')}`);
    return out;
  });
}
