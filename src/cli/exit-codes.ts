import { ConfigError, ReportError, SnapshotError, UsageError } from '../core/errors.js';

/** Exit codes, documented in the README and `--help`. */
export const EXIT = {
  ok: 0,
  /** Findings at or above --fail-on, or (with --fail-on-skipped) detectors not evaluated. */
  findings: 1,
  /** Bad flags, bad config, unreadable input files. */
  usage: 2,
  /** The run itself failed (bug, I/O). */
  failure: 3,
} as const;

export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError || err instanceof ConfigError || err instanceof SnapshotError || err instanceof ReportError) return EXIT.usage;
  return EXIT.failure;
}
