/**
 * Error classes. The CLI maps them to exit codes: usage and config errors exit 2,
 * anything else that stops a run exits 3. Nothing below the CLI exits.
 */
export class FaultlineError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The user asked for something the command does not understand. */
export class UsageError extends FaultlineError {}

/** A configuration file or value is wrong; names the file, the key and the fix. */
export class ConfigError extends FaultlineError {
  readonly file: string | undefined;
  readonly key: string | undefined;
  readonly fix: string | undefined;
  constructor(details: { file?: string; key?: string; problem: string; fix?: string }) {
    const where = [details.file, details.key].filter(Boolean).join(': ');
    super(`${where ? `${where}: ` : ''}${details.problem}${details.fix ? ` (fix: ${details.fix})` : ''}`);
    this.file = details.file;
    this.key = details.key;
    this.fix = details.fix;
  }
}

/** A snapshot file cannot be read, validated or migrated. */
export class SnapshotError extends FaultlineError {}

/** A report cannot be produced or a baseline cannot be read. */
export class ReportError extends FaultlineError {}

/** A collector could not talk to its source or did not understand the answer. */
export class CollectorError extends FaultlineError {}

/** A collector ran past its deadline. */
export class TimeoutError extends FaultlineError {}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
