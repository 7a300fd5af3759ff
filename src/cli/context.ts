import { Redactor } from '../core/redact.js';
import { loadConfig, type LoadedConfig } from '../config/index.js';
import { detectors } from '../detect/rules/index.js';
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

/** Loads faultline.yaml and makes its secrets redacted from everything the CLI writes from now on. */
export async function loadCliConfig(ctx: CliContext, path: string | undefined): Promise<LoadedConfig> {
  const loaded = await loadConfig({ ...(path ? { path } : {}), cwd: ctx.cwd, env: ctx.env, knownDetectors: detectors.map((d) => d.id) });
  ctx.term.redactor = loaded.redactor;
  return loaded;
}

/** Accepts `--only a,b --only c`. */
export function collectList(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];
}
