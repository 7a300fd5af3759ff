import { homedir } from 'node:os';
import { Redactor } from '../core/redact.js';
import { ConfigError, errorMessage } from '../core/errors.js';
import { loadConfig, resolveCloud, type LoadedConfig, type ResolvedCloud } from '../config/index.js';
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

export interface CliConfig extends LoadedConfig {
  /** The OpenStack cloud to talk to, when one is configured (clouds.yaml, OS_CLOUD or OS_* variables). */
  readonly cloud?: ResolvedCloud;
  /** Why the configured cloud could not be resolved; reported by the collector that needs it. */
  readonly cloudError?: ConfigError;
}

function wantsOpenStack(config: LoadedConfig['config'], env: NodeJS.ProcessEnv): boolean {
  return Boolean(config.openstack?.cloud || env['OS_CLOUD'] || env['OS_AUTH_URL'] || env['OS_CLIENT_CONFIG_FILE']);
}

/**
 * Loads faultline.yaml and the OpenStack credentials it points at, and makes
 * every secret in them redacted from everything the CLI writes from now on.
 */
export async function loadCliConfig(ctx: CliContext, path: string | undefined): Promise<CliConfig> {
  const loaded = await loadConfig({ ...(path ? { path } : {}), cwd: ctx.cwd, env: ctx.env, knownDetectors: detectors.map((d) => d.id) });
  ctx.term.redactor = loaded.redactor;
  if (!wantsOpenStack(loaded.config, ctx.env)) return loaded;
  try {
    const cloud = resolveCloud({
      env: ctx.env,
      cwd: ctx.cwd,
      home: ctx.env['HOME'] ?? homedir(),
      ...(loaded.config.openstack?.cloud ? { cloud: loaded.config.openstack.cloud } : {}),
      redactor: loaded.redactor,
    });
    return { ...loaded, cloud };
  } catch (err) {
    const cloudError = err instanceof ConfigError ? err : new ConfigError({ problem: `cannot resolve the OpenStack cloud: ${errorMessage(err)}` });
    return { ...loaded, cloudError };
  }
}

/** Accepts `--only a,b --only c`. */
export function collectList(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];
}
