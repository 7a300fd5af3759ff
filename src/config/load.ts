import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { Redactor } from '../core/redact.js';
import { configJsonSchema, configSchema, type FaultlineConfig } from './schema.js';
import { formatKey, parseYamlSource, readConfigSource, resolvePath, type ConfigSource } from './source.js';
import { closest, didYouMean, listSome } from './suggest.js';

/** The names looked for in the working directory, in order. */
export const CONFIG_FILE_NAMES = ['faultline.yaml', 'faultline.yml'] as const;

export interface LoadConfigOptions {
  /** From `--config`; must exist. */
  readonly path?: string;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Ids of every registered detector, to catch misspelt ids in `detectors` and `suppressions`. */
  readonly knownDetectors: readonly string[];
}

export interface LoadedConfig {
  readonly config: FaultlineConfig;
  /** The file read, or undefined when none was found and defaults apply. */
  readonly file: string | undefined;
  /** Holds every secret found in the file; pass everything written through it. */
  readonly redactor: Redactor;
}

/** One thing wrong in a configuration file. */
export interface ConfigIssue {
  readonly key: string;
  readonly line?: number;
  readonly problem: string;
  readonly fix?: string;
}

/** A file with one or more problems; `issues` has each, the message leads with the first. */
export class ConfigValidationError extends ConfigError {
  readonly issues: readonly ConfigIssue[];
  override readonly fix: string | undefined;
  constructor(file: string | undefined, issues: readonly ConfigIssue[]) {
    const [first, ...rest] = issues;
    if (!first) throw new Error('ConfigValidationError needs at least one issue');
    // With one problem the message ends in its fix; with several, each carries its own.
    const single = rest.length === 0;
    super({
      ...(file !== undefined ? { file } : {}),
      key: first.key,
      problem: single
        ? `${atLine(first.line)}${first.problem}`
        : `${atLine(first.line)}${first.problem}${first.fix ? ` (fix: ${first.fix})` : ''}; ${rest.length} more: ${rest.map(describeIssue).join('; ')}`,
      ...(single && first.fix !== undefined ? { fix: first.fix } : {}),
    });
    this.fix = first.fix;
    this.issues = issues;
  }
}

function atLine(line: number | undefined): string {
  return line === undefined ? '' : `line ${line}: `;
}

function describeIssue(issue: ConfigIssue): string {
  return `${issue.key} (${atLine(issue.line)}${issue.problem}${issue.fix ? `; fix: ${issue.fix}` : ''})`;
}

/** Finds the configuration file: `--config`, then FAULTLINE_CONFIG, then the working directory. */
export function findConfigFile(options: Pick<LoadConfigOptions, 'path' | 'cwd' | 'env'>): string | undefined {
  const home = options.env['HOME'] ?? options.cwd;
  const explicit: [string, string, string][] = [];
  if (options.path !== undefined) explicit.push([options.path, '--config', 'pass the path of an existing faultline.yaml']);
  else if (options.env['FAULTLINE_CONFIG']) {
    explicit.push([options.env['FAULTLINE_CONFIG'], 'FAULTLINE_CONFIG', 'point FAULTLINE_CONFIG at an existing file, or unset it']);
  }
  for (const [given, key, fix] of explicit) {
    const file = resolvePath(given, options.cwd, home);
    if (!existsSync(file)) throw new ConfigError({ file, key, problem: 'the configuration file does not exist', fix });
    if (statSync(file).isDirectory()) throw new ConfigError({ file, key, problem: 'is a directory, not a file', fix: `use ${resolve(file, 'faultline.yaml')}` });
    return file;
  }
  for (const name of CONFIG_FILE_NAMES) {
    const file = resolve(options.cwd, name);
    if (existsSync(file)) return file;
  }
  return undefined;
}

const defaults = (): LoadedConfig => ({ config: configSchema.parse({}), file: undefined, redactor: new Redactor() });

/**
 * Loads `faultline.yaml`, or the defaults when there is none. Every problem is a
 * ConfigError naming the file, the key (with its line) and the fix.
 */
export function loadConfig(options: LoadConfigOptions): LoadedConfig {
  const file = findConfigFile(options);
  if (file === undefined) return defaults();
  const source = readConfigSource(file);
  return checkConfig(source, options.knownDetectors, options.env['HOME'] ?? dirname(file));
}

/**
 * loadConfig, asking for the detector ids only when the file names a detector (the
 * only time they are checked). The ids come from the detector registry, the largest
 * import there is, and `faultline snapshot` would otherwise load it for nothing.
 */
export async function loadConfigLazily(
  options: Omit<LoadConfigOptions, 'knownDetectors'> & { readonly knownDetectors: () => Promise<readonly string[]> },
): Promise<LoadedConfig> {
  const file = findConfigFile(options);
  if (file === undefined) return defaults();
  const source = readConfigSource(file);
  const known = namesDetectors(source.data ?? {}) ? await options.knownDetectors() : [];
  return checkConfig(source, known, options.env['HOME'] ?? dirname(file));
}

/**
 * server.tokens says where each API token is (a file, a variable, a digest), never the token, and
 * its key looks like a secret's: redacting under it would hide "read", variable names and paths
 * from every message. The tokens themselves are registered when `faultline serve` reads them.
 */
function withoutTokenReferences(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null) return raw;
  const server = (raw as Record<string, unknown>)['server'];
  if (typeof server !== 'object' || server === null || !('tokens' in server)) return raw;
  const { tokens: _references, ...rest } = server as Record<string, unknown>;
  return { ...(raw as Record<string, unknown>), server: rest };
}

/** Parses configuration text; `file` is the name used in messages and the base of relative paths. */
export function parseConfig(text: string, file: string, knownDetectors: readonly string[], env: NodeJS.ProcessEnv = {}): LoadedConfig {
  return checkConfig(parseYamlSource(text, file), knownDetectors, env['HOME'] ?? dirname(file));
}

function checkConfig(source: ConfigSource, knownDetectors: readonly string[], home: string): LoadedConfig {
  const redactor = new Redactor();
  // An empty file is valid: it means "all defaults".
  const raw = source.data ?? {};
  redactor.addSecretsFrom(withoutTokenReferences(raw));
  registerUrlPassword(raw, redactor);
  registerWebhook(raw, redactor);
  // Whoever has the integration key can page the on-call.
  const routingKey = valueAt(raw, ['notify', 'pagerduty', 'routingKey']);
  if (typeof routingKey === 'string' && routingKey !== '') redactor.add(routingKey);

  const issues: ConfigIssue[] = [];
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) issues.push(...parsed.error.issues.flatMap((i) => explainIssue(i, raw, source)));
  issues.push(...unknownDetectors(raw, knownDetectors, source));
  if (issues.length > 0 || !parsed.success) {
    throw new ConfigValidationError(source.file, sortIssues(issues));
  }
  const config = resolveRelativePaths(parsed.data, dirname(source.file), home);
  return { config, file: source.file, redactor };
}

/** Relative paths in the file are taken from the file's directory, so a config works from any cwd. */
function resolveRelativePaths(config: FaultlineConfig, base: string, home: string): FaultlineConfig {
  const path = (p: string): string => resolvePath(p, base, home);
  return {
    ...config,
    kubernetes: { ...config.kubernetes, ...(config.kubernetes.kubeconfig !== undefined ? { kubeconfig: path(config.kubernetes.kubeconfig) } : {}) },
    ...(config.alarms ? { alarms: { ...config.alarms, source: /^https?:\/\//i.test(config.alarms.source) ? config.alarms.source : path(config.alarms.source) } } : {}),
    ...(config.inventory ? { inventory: { file: path(config.inventory.file) } } : {}),
    ...(config.hosts
      ? {
          hosts: {
            ...config.hosts,
            knownHosts: path(config.hosts.knownHosts),
            ...(config.hosts.privateKey !== undefined ? { privateKey: path(config.hosts.privateKey) } : {}),
          },
        }
      : {}),
    ...(config.bmc?.inventory !== undefined ? { bmc: { ...config.bmc, inventory: path(config.bmc.inventory) } } : {}),
    report: { ...config.report, ...(config.report.out !== undefined ? { out: path(config.report.out) } : {}) },
    ...(config.store ? { store: { ...config.store, ...(config.store.path !== undefined ? { path: path(config.store.path) } : {}) } } : {}),
  };
}

/** `https://user:pass@host/...` in alarms.source, prometheus.url, watch.alertmanager.url and `postgres://user:pass@...` in store.url: the password is a secret too. */
function registerUrlPassword(raw: unknown, redactor: Redactor): void {
  for (const [path, scheme] of [[['alarms', 'source'], /^https?:\/\//i], [['prometheus', 'url'], /^https?:\/\//i], [['watch', 'alertmanager', 'url'], /^https?:\/\//i], [['store', 'url'], /^postgres(ql)?:\/\//i]] as const) {
    const source = valueAt(raw, path);
    if (typeof source === 'string' && scheme.test(source)) registerPassword(source, redactor);
  }
}

function registerPassword(source: string, redactor: Redactor): void {
  try {
    const url = new URL(source);
    if (url.password) {
      redactor.add(url.password);
      redactor.add(decodeURIComponent(url.password));
    }
  } catch {
    // Not a URL after all; the schema does not insist on one.
  }
}

/** An incoming-webhook URL is its own credential: whoever has it can post to the channel. */
function registerWebhook(raw: unknown, redactor: Redactor): void {
  const webhook = valueAt(raw, ['notices', 'webhook']);
  if (typeof webhook !== 'string') return;
  redactor.add(webhook);
  try {
    const url = new URL(webhook);
    if (url.pathname.length > 1) redactor.add(`${url.pathname}${url.search}`);
  } catch {
    // Not a URL: the schema says so; the whole value is still redacted.
  }
}

function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return issues
    .map((issue, index) => ({ issue, index }))
    .sort((a, b) => (a.issue.line ?? Infinity) - (b.issue.line ?? Infinity) || a.index - b.index)
    .map(({ issue }) => issue);
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const part of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[part];
  }
  return node;
}

/** Where unknownDetectors looks; when neither is there, the ids it is given do not matter. */
function namesDetectors(raw: unknown): boolean {
  return isRecord(valueAt(raw, ['detectors'])) || Array.isArray(valueAt(raw, ['suppressions']));
}

function unknownDetectors(raw: unknown, known: readonly string[], source: ConfigSource): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const fix = (id: string): string => {
    const near = closest(id, known);
    return near !== undefined ? `write "${near}"` : `use one of the detector ids: ${listSome([...known].sort())}`;
  };
  const detectors = valueAt(raw, ['detectors']);
  if (isRecord(detectors)) {
    for (const id of Object.keys(detectors)) {
      if (known.includes(id)) continue;
      const path = ['detectors', id];
      issues.push({ key: formatKey(path), ...lineField(source, path), problem: `unknown detector ${id}${didYouMean(id, known)}`, fix: fix(id) });
    }
  }
  const suppressions = valueAt(raw, ['suppressions']);
  if (Array.isArray(suppressions)) {
    suppressions.forEach((s, i) => {
      const id = isRecord(s) ? s['detector'] : undefined;
      if (typeof id !== 'string' || id === '' || known.includes(id)) return;
      const path = ['suppressions', i, 'detector'];
      issues.push({ key: formatKey(path), ...lineField(source, path), problem: `unknown detector ${id}${didYouMean(id, known)}`, fix: fix(id) });
    });
  }
  return issues;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function lineField(source: ConfigSource, path: readonly PropertyKey[]): { line?: number } {
  const line = source.lineOf(path);
  return line === undefined ? {} : { line };
}

/** Turns one zod issue into what an operator needs: the key, the line, the problem and what to write. */
function explainIssue(issue: z.core.$ZodIssue, raw: unknown, source: ConfigSource): ConfigIssue[] {
  const path = issue.path;
  const at = (p: readonly PropertyKey[]) => ({ key: formatKey(p), ...lineField(source, p) });
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((name) => {
        const known = knownKeysAt(path);
        const near = closest(name, known);
        return {
          ...at([...path, name]),
          problem: `unknown key "${name}"${near !== undefined ? ` (did you mean "${near}"?)` : ''}`,
          fix: near !== undefined ? `rename it to "${near}"` : `remove it; the keys allowed here are ${listSome(known, 20)}`,
        };
      });
    case 'invalid_type': {
      const value = valueAt(raw, path);
      const last = path[path.length - 1];
      if (value === undefined && last !== undefined) {
        return [{ ...at(path), problem: 'is required', fix: `add "${String(last)}: ..." with ${expectedWords(issue.expected)}` }];
      }
      if (path.length === 0) {
        return [{ ...at(path), problem: `the file holds ${kindOf(value)}, not a mapping of settings`, fix: 'write settings as "key: value" lines, e.g. "openstack:" on the first line' }];
      }
      // `microversion: 2.60` reaches us as the number 2.6: the fix is quoting, not retyping.
      const fix = issue.expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')
        ? 'put the value in quotes so YAML keeps it as written, e.g. "2.60" or "yes"'
        : `write ${expectedWords(issue.expected)}`;
      return [{ ...at(path), problem: `expected ${expectedWords(issue.expected)}, found ${kindOf(value)}`, fix }];
    }
    case 'invalid_value': {
      const allowed = issue.values.map((v) => String(v));
      const value = valueAt(raw, path);
      const near = typeof value === 'string' ? closest(value, allowed) : undefined;
      const shown = typeof value === 'string' ? `"${value}"` : kindOf(value);
      return [{ ...at(path), problem: `${shown} is not allowed here${near !== undefined ? ` (did you mean "${near}"?)` : ''}`, fix: `use one of: ${allowed.join(', ')}` }];
    }
    case 'too_small':
      if (issue.origin === 'string') return [{ ...at(path), problem: 'is empty', fix: 'write a non-empty value, or remove the key' }];
      if (issue.origin === 'number') return [{ ...at(path), problem: `must be ${issue.inclusive ? 'at least' : 'more than'} ${String(issue.minimum)}`, fix: `write a number above ${String(issue.minimum)}` }];
      return [{ ...at(path), problem: issue.message, fix: 'add entries, or remove the key' }];
    case 'custom': {
      const fix = (issue.params as { fix?: unknown } | undefined)?.fix;
      return [{ ...at(path), problem: issue.message, ...(typeof fix === 'string' ? { fix } : {}) }];
    }
    default:
      return [{ ...at(path), problem: issue.message }];
  }
}

function expectedWords(expected: string): string {
  switch (expected) {
    case 'object':
      return 'a mapping (indented "key: value" lines)';
    case 'array':
      return 'a list ("- item" lines)';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'string':
      return 'a text value';
    default:
      return `a ${expected}`;
  }
}

function kindOf(value: unknown): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return 'a text value';
  if (typeof value === 'boolean') return `${String(value)}`;
  return `a ${typeof value}`;
}

type JsonSchemaNode = { properties?: Record<string, JsonSchemaNode>; additionalProperties?: JsonSchemaNode | boolean; items?: JsonSchemaNode };
let jsonSchema: JsonSchemaNode | undefined;

/** The keys the schema allows at `path`, read from the JSON Schema so there is one source of truth. */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  jsonSchema ??= configJsonSchema() as JsonSchemaNode;
  let node: JsonSchemaNode | undefined = jsonSchema;
  for (const part of path) {
    if (!node) break;
    if (typeof part === 'number') node = node.items;
    else if (node.properties && part in node.properties) node = node.properties[String(part)];
    else node = typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined;
  }
  return Object.keys(node?.properties ?? {});
}
