import { existsSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ConfigError } from '../core/errors.js';
import type { Redactor } from '../core/redact.js';
import { formatKey, readConfigSource, resolvePath } from './source.js';
import { didYouMean, listSome } from './suggest.js';

/**
 * Which kubeconfig files to read, and what contexts they offer, following kubectl:
 * `kubernetes.kubeconfig` from faultline.yaml (like --kubeconfig: must exist), else
 * every file in KUBECONFIG (missing ones skipped, first file wins on conflicts),
 * else ~/.kube/config.
 */

export interface KubeContext {
  readonly name: string;
  readonly cluster?: string;
  readonly user?: string;
  readonly namespace?: string;
  /** The file that defined this context. */
  readonly file: string;
}

export interface ResolvedKubeconfig {
  /** The files read, in precedence order. */
  readonly files: readonly string[];
  readonly from: 'config' | 'KUBECONFIG' | 'default';
  readonly contexts: readonly KubeContext[];
  readonly currentContext?: string;
  /** Cluster names defined, for checking contexts against. */
  readonly clusters: readonly string[];
  readonly users: readonly string[];
}

export interface KubeconfigOptions {
  /** `kubernetes.kubeconfig` from faultline.yaml, already resolved against the config file. */
  readonly kubeconfig?: string;
  readonly env: NodeJS.ProcessEnv;
  readonly home: string;
  readonly cwd: string;
  /** Receives tokens, passwords and client keys found in the users section. */
  readonly redactor?: Redactor;
}

/** The candidate files and where the list came from; nothing is read. */
export function kubeconfigPaths(options: Omit<KubeconfigOptions, 'redactor'>): { paths: string[]; from: ResolvedKubeconfig['from'] } {
  if (options.kubeconfig) return { paths: [resolvePath(options.kubeconfig, options.cwd, options.home)], from: 'config' };
  const list = options.env['KUBECONFIG'];
  if (list && list.trim() !== '') {
    const paths = list
      .split(delimiter)
      .filter((p) => p.trim() !== '')
      .map((p) => resolvePath(p, options.cwd, options.home));
    return { paths: [...new Set(paths)], from: 'KUBECONFIG' };
  }
  return { paths: [join(options.home, '.kube', 'config')], from: 'default' };
}

type Dict = Record<string, unknown>;

function isDict(value: unknown): value is Dict {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `contexts:`, `clusters:` and `users:` are lists of `{ name, <kind>: {...} }`. */
function namedEntries(data: Dict, section: string, file: string): { name: string; body: Dict; index: number }[] {
  const list = data[section];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) {
    throw new ConfigError({ file, key: section, problem: 'is not a list', fix: `write ${section} as a list of "- name: ..." entries (see kubectl config view)` });
  }
  const kind = section.slice(0, -1);
  return list.map((entry, index) => {
    const name = isDict(entry) ? entry['name'] : undefined;
    if (typeof name !== 'string' || name === '') {
      throw new ConfigError({ file, key: formatKey([section, index, 'name']), problem: 'the entry has no name', fix: `give every ${kind} a "name:"` });
    }
    const body = isDict(entry) && isDict(entry[kind]) ? (entry[kind] as Dict) : {};
    return { name, body, index };
  });
}

/** Reads the kubeconfig files and merges them the way kubectl does: the first file to define a name wins. */
export function loadKubeconfig(options: KubeconfigOptions): ResolvedKubeconfig {
  const { paths, from } = kubeconfigPaths(options);
  const files: string[] = [];
  const contexts = new Map<string, KubeContext>();
  const clusters = new Set<string>();
  const users = new Set<string>();
  let currentContext: string | undefined;

  for (const file of paths) {
    if (!existsSync(file)) {
      if (from === 'config') {
        throw new ConfigError({ file, key: 'kubernetes.kubeconfig', problem: 'the kubeconfig does not exist', fix: 'point kubernetes.kubeconfig at an existing file, or remove it to use KUBECONFIG or ~/.kube/config' });
      }
      continue;
    }
    if (statSync(file).isDirectory()) {
      throw new ConfigError({ file, problem: 'is a directory, not a kubeconfig file', fix: `use the file inside it, e.g. ${join(file, 'config')}` });
    }
    const source = readConfigSource(file, { yamlVersion: '1.1' });
    // An empty file is a valid, empty kubeconfig to kubectl.
    const data = source.data ?? {};
    if (!isDict(data)) {
      throw new ConfigError({ file, problem: 'is not a kubeconfig: the top level is not a mapping', fix: 'check the file (kubectl config view --kubeconfig FILE shows how kubectl reads it)' });
    }
    files.push(file);
    const current = data['current-context'];
    if (currentContext === undefined && typeof current === 'string' && current !== '') currentContext = current;
    for (const { name, body } of namedEntries(data, 'contexts', file)) {
      if (contexts.has(name)) continue;
      contexts.set(name, {
        name,
        file,
        ...(typeof body['cluster'] === 'string' ? { cluster: body['cluster'] } : {}),
        ...(typeof body['user'] === 'string' ? { user: body['user'] } : {}),
        ...(typeof body['namespace'] === 'string' ? { namespace: body['namespace'] } : {}),
      });
    }
    for (const { name } of namedEntries(data, 'clusters', file)) clusters.add(name);
    for (const { name, body } of namedEntries(data, 'users', file)) {
      users.add(name);
      if (options.redactor) registerUserSecrets(body, options.redactor);
    }
  }

  if (files.length === 0) {
    throw new ConfigError({
      ...(from === 'KUBECONFIG' ? { key: 'KUBECONFIG' } : { file: paths[0] as string }),
      problem: from === 'KUBECONFIG' ? `none of the files in KUBECONFIG exist: ${paths.join(', ')}` : 'no kubeconfig: the file does not exist',
      fix: 'set kubernetes.kubeconfig in faultline.yaml or KUBECONFIG to an existing kubeconfig, or leave kubernetes out of the run',
    });
  }
  return {
    files,
    from,
    contexts: [...contexts.values()],
    ...(currentContext !== undefined ? { currentContext } : {}),
    clusters: [...clusters],
    users: [...users],
  };
}

/** Tokens and passwords are caught by key; client key data is a private key whatever its key says. */
function registerUserSecrets(user: Dict, redactor: Redactor): void {
  redactor.addSecretsFrom(user);
  for (const key of ['client-key-data', 'token', 'password']) {
    const value = user[key];
    if (typeof value === 'string') redactor.add(value);
  }
}

export interface SelectContextsOptions {
  /** `kubernetes.contexts` from faultline.yaml; empty or undefined means the current context, `["*"]` every context. */
  readonly wanted?: readonly string[];
  /** faultline.yaml, named in errors about `kubernetes.contexts`. */
  readonly configFile?: string;
}

/** The contexts a run will use, each checked to exist and to point at a defined cluster and user. */
export function selectContexts(kube: ResolvedKubeconfig, options: SelectContextsOptions = {}): KubeContext[] {
  const names = kube.contexts.map((c) => c.name);
  const chosen: KubeContext[] = [];
  if (options.wanted?.length === 1 && options.wanted[0] === '*') {
    if (kube.contexts.length === 0) {
      throw new ConfigError({ file: kube.files[0] as string, key: 'contexts', problem: 'kubernetes.contexts is ["*"] but the kubeconfig defines no context', fix: 'add a context to the kubeconfig (kubectl config set-context)' });
    }
    chosen.push(...kube.contexts);
  } else if (options.wanted && options.wanted.length > 0) {
    options.wanted.forEach((name, i) => {
      const context = kube.contexts.find((c) => c.name === name);
      if (!context) {
        throw new ConfigError({
          ...(options.configFile ? { file: options.configFile } : {}),
          key: `kubernetes.contexts[${i}]`,
          problem: `context "${name}" is not in ${kube.files.join(', ')}${didYouMean(name, names)}`,
          fix: names.length > 0 ? `use one of: ${listSome(names, 20)}` : 'add the context to the kubeconfig (kubectl config set-context)',
        });
      }
      chosen.push(context);
    });
  } else {
    if (kube.currentContext === undefined) {
      throw new ConfigError({
        file: kube.files[0] as string,
        key: 'current-context',
        problem: 'no current context is set and faultline.yaml names none',
        fix: names.length > 0 ? `set kubernetes.contexts in faultline.yaml (contexts here: ${listSome(names, 20)}), or run kubectl config use-context NAME` : 'add a context to the kubeconfig',
      });
    }
    const current = kube.contexts.find((c) => c.name === kube.currentContext);
    if (!current) {
      throw new ConfigError({
        file: kube.files[0] as string,
        key: 'current-context',
        problem: `names context "${kube.currentContext}", which is not defined${didYouMean(kube.currentContext, names)}`,
        fix: names.length > 0 ? `run kubectl config use-context with one of: ${listSome(names, 20)}` : 'add the context to the kubeconfig',
      });
    }
    chosen.push(current);
  }
  for (const context of chosen) {
    for (const [kind, ref, defined] of [['cluster', context.cluster, kube.clusters], ['user', context.user, kube.users]] as const) {
      if (ref !== undefined && !defined.includes(ref)) {
        throw new ConfigError({
          file: context.file,
          key: `contexts.${context.name}.${kind}`,
          problem: `context "${context.name}" refers to ${kind} "${ref}", which is not defined${didYouMean(ref, defined)}`,
          fix: `add the ${kind} to the kubeconfig, or point the context at one of: ${listSome([...defined], 20)}`,
        });
      }
    }
    if (context.cluster === undefined) {
      throw new ConfigError({ file: context.file, key: `contexts.${context.name}.cluster`, problem: `context "${context.name}" names no cluster`, fix: 'set the context\'s cluster (kubectl config set-context NAME --cluster=CLUSTER)' });
    }
  }
  return chosen;
}
