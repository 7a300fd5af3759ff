import type { Logger } from '../core/log.js';
import type { Redactor } from '../core/redact.js';

/**
 * The only place faultline writes to the terminal. Everything passes through the
 * redactor, so a secret from config cannot reach stdout or stderr by any path.
 */
export class Terminal {
  redactor: Redactor | undefined;
  private progressShown = false;

  constructor(
    readonly stdout: NodeJS.WriteStream = process.stdout,
    readonly stderr: NodeJS.WriteStream = process.stderr,
    readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  private clean(text: string): string {
    return this.redactor ? this.redactor.redact(text) : text;
  }

  out(text: string): void {
    this.clearProgress();
    this.stdout.write(this.clean(text));
  }

  err(text: string): void {
    this.clearProgress();
    this.stderr.write(this.clean(text.endsWith('\n') ? text : `${text}\n`));
  }

  /** One updating status line on a TTY; nothing when stderr is a pipe or file. */
  progress(text: string): void {
    if (!this.stderr.isTTY) return;
    const width = (this.stderr.columns ?? 80) - 1;
    this.stderr.write(`\r\x1b[2K${this.clean(text).slice(0, width)}`);
    this.progressShown = true;
  }

  clearProgress(): void {
    if (this.progressShown) {
      this.stderr.write('\r\x1b[2K');
      this.progressShown = false;
    }
  }

  logger(verbose: boolean): Logger {
    const line = (level: string, message: string, fields?: Readonly<Record<string, unknown>>): void => {
      const extra = fields && Object.keys(fields).length ? ` ${JSON.stringify(this.redactor ? this.redactor.redactValue(fields) : fields)}` : '';
      this.err(`${level}: ${message}${extra}`);
    };
    return {
      debug: (m, f) => verbose && line('debug', m, f),
      info: (m, f) => verbose && line('info', m, f),
      warn: (m, f) => line('warning', m, f),
      error: (m, f) => line('error', m, f),
    };
  }
}
