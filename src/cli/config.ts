import { homedir } from 'node:os';
import { ConfigError, errorMessage } from '../core/errors.js';
import { loadConfigLazily, resolveCloud, type LoadedConfig, type ResolvedCloud } from '../config/index.js';
import type { CliContext } from './context.js';

export interface CliConfig extends LoadedConfig {
  /** The OpenStack cloud to talk to, when one is configured (clouds.yaml, OS_CLOUD or OS_* variables). */
  readonly cloud?: ResolvedCloud;
  /** Why the configured cloud could not be resolved; reported by the collector that needs it. */
  readonly cloudError?: ConfigError;
}

function wantsOpenStack(config: LoadedConfig['config'], env: NodeJS.ProcessEnv): boolean {
  return Boolean(config.openstack?.cloud || env['OS_CLOUD'] || env['OS_AUTH_URL'] || env['OS_CLIENT_CONFIG_FILE']);
}

async function detectorIds(): Promise<readonly string[]> {
  const { detectors } = await import('../detect/rules/index.js');
  return detectors.map((d) => d.id);
}

/**
 * Loads faultline.yaml and the OpenStack credentials it points at, and makes
 * every secret in them redacted from everything the CLI writes from now on.
 */
export async function loadCliConfig(ctx: CliContext, path: string | undefined): Promise<CliConfig> {
  const loaded = await loadConfigLazily({ ...(path ? { path } : {}), cwd: ctx.cwd, env: ctx.env, knownDetectors: detectorIds });
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
