import { Redactor } from '../core/redact.js';
import { Terminal } from './terminal.js';

/** What every command gets: where it runs and how it talks to the user. */
export interface CliContext {
  readonly term: Terminal;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

export function defaultContext(): CliContext {
  const term = new Terminal();
  term.redactor = new Redactor();
  return { term, cwd: process.cwd(), env: process.env };
}

/** Accepts `--only a,b --only c`. */
export function collectList(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];
}
