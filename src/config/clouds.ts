import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ConfigError, errorMessage } from '../core/errors.js';
import type { Redactor } from '../core/redact.js';
import { parseConfigText, resolvePath, type ConfigSource } from './source.js';
import { closest, didYouMean } from './suggest.js';

/**
 * OpenStack credentials, found the way openstacksdk (and so the `openstack` CLI)
 * finds them, so that an operator's existing clouds.yaml, secure.yaml and openrc
 * files work unchanged:
 *
 * - clouds.yaml: `OS_CLIENT_CONFIG_FILE`, then in each directory of
 *   `openstackConfigDirs` the names clouds.yaml, clouds.yml, clouds.json; the first
 *   file that exists wins. secure.yaml (passwords kept apart) is found the same way
 *   (`OS_CLIENT_SECURE_FILE` first) and deep-merged over it.
 * - `OS_*` variables form one more cloud named `envvars` (or `OS_CLOUD_NAME`) when
 *   any of them other than the selectors (OS_CLOUD, OS_REGION_NAME, ...) is set.
 *   They never override a cloud from the files.
 * - The cloud used: the name given (openstack.cloud), else `OS_CLOUD`, else the
 *   `envvars` cloud, else the only cloud in the file.
 *
 * Where the sdk would go on and fail later with a vague message (several clouds and
 * none chosen, an application credential under auth_type password), this module
 * stops early with a ConfigError that names the file, the key and the fix.
 */

export type AuthType = 'password' | 'v3applicationcredential' | 'token';
export type EndpointInterface = 'public' | 'internal' | 'admin';

export interface CloudAuth {
  readonly authUrl: string;
  readonly username?: string;
  readonly password?: string;
  readonly userId?: string;
  readonly projectName?: string;
  readonly projectId?: string;
  readonly userDomainName?: string;
  readonly userDomainId?: string;
  readonly projectDomainName?: string;
  readonly projectDomainId?: string;
  /** A domain-scoped token (no project). */
  readonly domainName?: string;
  readonly domainId?: string;
  readonly systemScope?: string;
  readonly trustId?: string;
  readonly applicationCredentialId?: string;
  readonly applicationCredentialSecret?: string;
  readonly applicationCredentialName?: string;
  readonly token?: string;
}

export interface ResolvedCloud {
  /** The cloud's name in clouds.yaml, or `envvars` for the one made from OS_* variables. */
  readonly name: string;
  /** Files that contributed to this cloud (clouds.yaml, secure.yaml, clouds-public.yaml); empty for `envvars`. */
  readonly source: readonly string[];
  /** The vendor profile named by `profile:`, recorded but only expanded from clouds-public.yaml. */
  readonly profile?: string;
  readonly auth: CloudAuth;
  readonly authType: AuthType;
  readonly regionName?: string;
  /** Every region the cloud lists (`regions:` or `region_name:`), in order. */
  readonly regions: readonly string[];
  readonly interface: EndpointInterface;
  /** Whether to verify TLS certificates; false when `insecure` is true or `verify` is false. */
  readonly verify: boolean;
  /** CA bundle to verify with; only set when verifying. */
  readonly cacert?: string;
  readonly clientCert?: string;
  readonly clientKey?: string;
  readonly identityApiVersion?: string;
  readonly apiTimeoutSeconds?: number;
  /** Things the operator may want to know (ignored settings, fallbacks), one sentence each. */
  readonly notes: readonly string[];
}

export interface CloudSearchContext {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly home: string;
  /** The system directory searched last; `/etc/openstack` unless a test points it elsewhere. */
  readonly siteConfigDir?: string;
}

export interface ResolveCloudOptions extends CloudSearchContext {
  /** `openstack.cloud` from faultline.yaml; wins over OS_CLOUD. */
  readonly cloud?: string;
  /** A region to use instead of the cloud's first; must be one the cloud lists, if it lists any. */
  readonly regionName?: string;
  /** Receives the password, application credential secret, token and any other secret in the cloud. */
  readonly redactor: Redactor;
}

type Dict = Record<string, unknown>;

const SUFFIXES = ['.yaml', '.yml', '.json'] as const;

/** Variables that choose a cloud or a file rather than describe one; alone they make no `envvars` cloud. */
const SELECTOR_VARIABLES = new Set(['OS_CLOUD', 'OS_REGION_NAME', 'OS_CLIENT_CONFIG_FILE', 'OS_CLIENT_SECURE_FILE', 'OS_CLOUD_NAME']);

/**
 * Vendor profiles built into openstacksdk. Faultline does not carry their data (auth
 * URLs, regions); a cloud naming one must spell those out or define the profile in
 * clouds-public.yaml.
 */
const SDK_VENDOR_PROFILES = [
  'auro', 'betacloud', 'binero', 'bluebox', 'catalyst', 'citycloud', 'conoha', 'datacentred', 'elastx',
  'entercloudsuite', 'fuga', 'ibmcloud', 'internap', 'limestonenetworks', 'otc', 'otc-swiss', 'ovh', 'ovh-us',
  'rackspace', 'switchcloud', 'switchengines', 'ultimum', 'unitedstack', 'vexxhost',
];

/** Auth types faultline can authenticate with, and the keystoneauth names that mean them. */
const AUTH_TYPE_ALIASES: Readonly<Record<string, AuthType>> = {
  password: 'password',
  v3password: 'password',
  v3applicationcredential: 'v3applicationcredential',
  token: 'token',
  v3token: 'token',
};

/** Options every identity v3 plugin accepts: where to authenticate and what to scope to. */
const SCOPE_OPTIONS = [
  'auth_url', 'system_scope', 'domain_id', 'domain_name', 'project_id', 'project_name',
  'project_domain_id', 'project_domain_name', 'trust_id', 'default_domain_id', 'default_domain_name',
];
const USER_OPTIONS = ['user_id', 'username', 'user_domain_id', 'user_domain_name'];
const PLUGIN_OPTIONS: Readonly<Record<AuthType, readonly string[]>> = {
  password: [...SCOPE_OPTIONS, ...USER_OPTIONS, 'password'],
  v3applicationcredential: [...SCOPE_OPTIONS, ...USER_OPTIONS, 'application_credential_id', 'application_credential_name', 'application_credential_secret'],
  token: [...SCOPE_OPTIONS, 'token'],
};

/**
 * Old and alternative spellings, folded into `auth` as the sdk does. For each target
 * the later spellings win, and a value outside `auth` beats one inside it (the sdk
 * prefers it because it may come from the command line or the environment).
 */
const AUTH_SPELLINGS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['domain_id', ['domain_id']],
  ['domain_name', ['domain_name']],
  ['user_domain_id', ['user_domain_id']],
  ['user_domain_name', ['user_domain_name']],
  ['project_domain_id', ['project_domain_id']],
  ['project_domain_name', ['project_domain_name']],
  ['token', ['auth_token', 'token']],
  ['passcode', ['passcode']],
  ['project_id', ['tenant_id', 'project_id']],
  ['project_name', ['tenant_name', 'project_name']],
];

/** Directories searched for clouds.yaml and secure.yaml, in the sdk's order (Linux). */
export function openstackConfigDirs(ctx: CloudSearchContext): string[] {
  const { env } = ctx;
  const userConfig = env['XDG_CONFIG_HOME']?.trim() ? (env['XDG_CONFIG_HOME'] as string) : join(ctx.home, '.config');
  // Snaps move $HOME; the sdk looks in the real home's ~/.config as well.
  const unixConfig = join(env['SNAP_REAL_HOME'] || ctx.home, '.config');
  const xdgDirs = env['XDG_CONFIG_DIRS']?.trim() ? (env['XDG_CONFIG_DIRS'] as string) : '/etc/xdg';
  // The sdk joins every XDG_CONFIG_DIRS entry into one path string, so with more than
  // one entry that "directory" never exists; only a single entry is ever searched.
  const site = xdgDirs.includes(':') ? [] : [join(resolvePath(xdgDirs, ctx.cwd, ctx.home), 'openstack')];
  const dirs = [ctx.cwd, join(userConfig, 'openstack'), join(unixConfig, 'openstack'), ...site, ctx.siteConfigDir ?? '/etc/openstack'];
  return [...new Set(dirs)];
}

function candidates(ctx: CloudSearchContext, stem: string, overrideVariable?: string): string[] {
  const files = openstackConfigDirs(ctx).flatMap((dir) => SUFFIXES.map((suffix) => join(dir, `${stem}${suffix}`)));
  const override = overrideVariable ? ctx.env[overrideVariable] : undefined;
  return override ? [resolvePath(override, ctx.cwd, ctx.home), ...files] : files;
}

/** Where clouds.yaml may be, first match wins. */
export function cloudsFileCandidates(ctx: CloudSearchContext): string[] {
  return candidates(ctx, 'clouds', 'OS_CLIENT_CONFIG_FILE');
}

/** Where secure.yaml may be, first match wins. */
export function secureFileCandidates(ctx: CloudSearchContext): string[] {
  return candidates(ctx, 'secure', 'OS_CLIENT_SECURE_FILE');
}

/** Where clouds-public.yaml (locally defined vendor profiles) may be. */
export function vendorFileCandidates(ctx: CloudSearchContext): string[] {
  return candidates(ctx, 'clouds-public');
}

/** Reads the first candidate that exists; like the sdk, one that cannot be read for permissions is skipped. */
function loadFirst(files: readonly string[], yamlVersion: '1.1'): ConfigSource | undefined {
  for (const file of files) {
    if (!existsSync(file)) continue;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EACCES') continue;
      throw new ConfigError({ file, problem: `cannot read the file: ${errorMessage(err)}`, fix: 'check the path and its permissions' });
    }
    return parseConfigText(text, file, { yamlVersion });
  }
  return undefined;
}

function isDict(value: unknown): value is Dict {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date);
}

/** Like the sdk's normalize_keys: `-` in keys becomes `_`, numbers become strings (except timeouts). */
function normalizeKeys(value: Dict): Dict {
  const out: Dict = {};
  for (const [rawKey, item] of Object.entries(value)) {
    const key = rawKey.replace(/-/g, '_');
    if (isDict(item)) out[key] = normalizeKeys(item);
    else if (typeof item === 'number' && key !== 'api_timeout' && key !== 'verbose_level') out[key] = String(item);
    else out[key] = item;
  }
  return out;
}

/** Deep merge: mappings merge key by key, anything else in `over` replaces. */
function mergeDeep(base: Dict, over: Dict): Dict {
  const out: Dict = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isDict(value) ? (isDict(current) ? mergeDeep(current, value) : mergeDeep({}, value)) : value;
  }
  return out;
}

/** Like dict.update, except that `auth` is merged one level deep. */
function updateWithAuth(target: Dict, source: Dict): Dict {
  for (const [key, value] of Object.entries(source)) {
    if (key === 'auth' && isDict(value)) target['auth'] = { ...(isDict(target['auth']) ? target['auth'] : {}), ...value };
    else target[key] = isDict(value) ? mergeDeep({}, value) : value;
  }
  return target;
}

/** The sdk's get_boolean: only `true` or the text "true" (any case) are true. */
function sdkBoolean(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  return typeof value === 'string' && value.toLowerCase() === 'true';
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

/** The `envvars` cloud: every OS_* variable, lower-cased without the prefix, unless only selectors are set. */
export function cloudFromEnvironment(env: NodeJS.ProcessEnv): Dict | undefined {
  const names = Object.keys(env)
    .filter((k) => k.startsWith('OS_') && env[k] !== undefined && !/^OS_(TEST|STD|LOG)/.test(k))
    .sort();
  if (!names.some((k) => !SELECTOR_VARIABLES.has(k))) return undefined;
  const cloud: Dict = {};
  for (const name of names) {
    // Selectors say which cloud or file to use; as settings of this cloud they would only mislead.
    if (name !== 'OS_REGION_NAME' && SELECTOR_VARIABLES.has(name)) continue;
    cloud[name.slice(3).toLowerCase()] = env[name];
  }
  return cloud;
}

/** Names the place an operator sets a value: a clouds.yaml key or an OS_* variable. */
interface Place {
  readonly file: string | undefined;
  /** `clouds.prod.auth.password` or `OS_PASSWORD`. */
  key(option: string, inAuth: boolean): string;
  /** How to set it: "add password under clouds.prod.auth in secure.yaml" or "export OS_PASSWORD=...". */
  fix(option: string, inAuth: boolean, example: string): string;
}

function filePlace(file: string | undefined, cloud: string, fileLabel: string): Place {
  return {
    file,
    key: (option, inAuth) => `clouds.${cloud}.${inAuth ? 'auth.' : ''}${option}`,
    fix: (option, inAuth, example) => `add "${option}: ${example}" under clouds.${cloud}${inAuth ? '.auth' : ''} in ${fileLabel}`,
  };
}

const envPlace: Place = {
  file: undefined,
  key: (option) => `OS_${option.toUpperCase()}`,
  fix: (option, _inAuth, example) => `export OS_${option.toUpperCase()}=${example}`,
};

interface LoadedFiles {
  readonly clouds: ConfigSource | undefined;
  readonly secure: ConfigSource | undefined;
  readonly merged: Dict;
  readonly notes: string[];
}

function loadFiles(ctx: CloudSearchContext): LoadedFiles {
  const notes: string[] = [];
  for (const variable of ['OS_CLIENT_CONFIG_FILE', 'OS_CLIENT_SECURE_FILE']) {
    const given = ctx.env[variable];
    if (given && !existsSync(resolvePath(given, ctx.cwd, ctx.home))) {
      notes.push(`${variable} names ${given}, which does not exist; the usual locations were searched instead.`);
    }
  }
  const clouds = loadFirst(cloudsFileCandidates(ctx), '1.1');
  const secure = loadFirst(secureFileCandidates(ctx), '1.1');
  let merged: Dict = {};
  for (const source of [clouds, secure]) {
    if (!source) continue;
    if (!isDict(source.data)) {
      throw new ConfigError({
        file: source.file,
        problem: 'is empty or not a mapping',
        fix: 'start the file with "clouds:" and put one entry per cloud under it',
      });
    }
    if (!('clouds' in source.data)) notes.push(`${source.file} has no "clouds" key, so it defines no clouds.`);
    else if (!isDict(source.data['clouds'])) {
      throw new ConfigError({ file: source.file, key: 'clouds', problem: 'is not a mapping of cloud names to settings', fix: 'indent one "name:" entry per cloud under clouds:' });
    }
    merged = mergeDeep(merged, source.data);
  }
  return { clouds, secure, merged, notes };
}

/** The clouds defined in clouds.yaml / secure.yaml, and whether OS_* variables make an `envvars` cloud. */
export function listClouds(ctx: CloudSearchContext): { readonly file: string | undefined; readonly names: readonly string[]; readonly envvars: boolean } {
  const { clouds, merged } = loadFiles(ctx);
  const names = Object.keys(isDict(merged['clouds']) ? merged['clouds'] : {});
  return { file: clouds?.file, names, envvars: cloudFromEnvironment(ctx.env) !== undefined };
}

/** Resolves the OpenStack cloud to use, with its credentials, as openstacksdk would. */
export function resolveCloud(options: ResolveCloudOptions): ResolvedCloud {
  const { env } = options;
  const { clouds: cloudsSource, secure: secureSource, merged, notes } = loadFiles(options);
  const fileClouds: Dict = isDict(merged['clouds']) ? merged['clouds'] : {};
  const fileNames = Object.keys(fileClouds);
  const cloudsFile = cloudsSource?.file ?? secureSource?.file;
  const cloudsLabel = cloudsSource ? basename(cloudsSource.file) : 'clouds.yaml';

  const envKey = env['OS_CLOUD_NAME'] || 'envvars';
  if (envKey in fileClouds) {
    throw new ConfigError({
      ...(cloudsFile ? { file: cloudsFile } : {}),
      key: `clouds.${envKey}`,
      problem: `defines a cloud named "${envKey}", the name reserved for the cloud made from OS_* variables`,
      fix: env['OS_CLOUD_NAME'] ? 'rename that cloud, or set OS_CLOUD_NAME to another name' : 'rename that cloud',
    });
  }
  const envCloud = cloudFromEnvironment(env);
  const allNames = envCloud ? [...fileNames, envKey] : fileNames;

  // Which cloud: the one asked for, then OS_CLOUD, then the environment's, then the only one.
  let name: string;
  let chosenBy: string;
  if (options.cloud) [name, chosenBy] = [options.cloud, 'openstack.cloud'];
  else if (env['OS_CLOUD']) [name, chosenBy] = [env['OS_CLOUD'], 'OS_CLOUD'];
  else if (envCloud) [name, chosenBy] = [envKey, 'the OS_* variables'];
  else if (fileNames.length === 1) [name, chosenBy] = [fileNames[0] as string, `the only cloud in ${cloudsLabel}`];
  else if (fileNames.length === 0) {
    throw new ConfigError({
      ...(cloudsFile ? { file: cloudsFile, key: 'clouds' } : {}),
      problem: cloudsFile
        ? 'defines no clouds, and no OS_* variables are set'
        : `no OpenStack credentials: no clouds.yaml in ${openstackConfigDirs(options).join(', ')} and no OS_* variables are set`,
      fix: 'write ~/.config/openstack/clouds.yaml with a "clouds:" entry, or source an openrc file that exports OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, ...',
    });
  } else {
    throw new ConfigError({
      ...(cloudsFile ? { file: cloudsFile } : {}),
      key: 'clouds',
      problem: `${cloudsLabel} has clouds: ${fileNames.join(', ')}, and none is chosen`,
      fix: `set OS_CLOUD or openstack.cloud in faultline.yaml to one of: ${fileNames.join(', ')}`,
    });
  }

  if (!allNames.includes(name)) {
    if (name === envKey) {
      throw new ConfigError({
        key: chosenBy,
        problem: `cloud "${name}" is the one made from OS_* variables, and none are set`,
        fix: fileNames.length > 0 ? `choose one of ${fileNames.join(', ')}, or export OS_AUTH_URL and the other OS_* credentials` : 'export OS_AUTH_URL and the other OS_* credentials',
      });
    }
    throw new ConfigError({
      ...(cloudsFile ? { file: cloudsFile } : {}),
      key: `clouds.${name}`,
      problem: `cloud "${name}" (from ${chosenBy}) is not defined${cloudsFile ? '' : ': no clouds.yaml was found'}${didYouMean(name, allNames)}`,
      fix: allNames.length > 0 ? `set ${chosenBy === 'OS_CLOUD' ? 'OS_CLOUD' : 'openstack.cloud'} to one of: ${allNames.join(', ')}` : `add clouds.${name} to ~/.config/openstack/clouds.yaml`,
    });
  }

  const fromEnv = name === envKey && envCloud !== undefined;
  const place = fromEnv ? envPlace : filePlace(cloudsFile, name, secureSource ? `${cloudsLabel} or ${basename(secureSource.file)}` : cloudsLabel);
  const rawCloud = fromEnv ? envCloud : fileClouds[name];
  if (!isDict(rawCloud)) {
    throw new ConfigError({ ...(cloudsFile ? { file: cloudsFile } : {}), key: `clouds.${name}`, problem: 'is not a mapping of settings', fix: 'indent the settings (auth:, region_name:, ...) under the cloud name' });
  }
  if (!fromEnv && envCloud) {
    notes.push(`OS_* variables are set but cloud "${name}" comes from ${chosenBy}; the variables only make the "${envKey}" cloud and change nothing here.`);
  }
  const ours = normalizeKeys(rawCloud);
  options.redactor.addSecretsFrom(ours);

  const source: string[] = [];
  for (const s of [cloudsSource, secureSource]) {
    if (!fromEnv && s && isDict(s.data) && isDict(s.data['clouds']) && name in s.data['clouds']) source.push(s.file);
  }

  // Defaults, then the vendor profile, then the cloud's own settings.
  const config: Dict = { auth_type: 'password', interface: 'public', auth: {} };
  const profile = text(ours['profile']) ?? text(ours['cloud']);
  const vendor = profile !== undefined && profile !== envKey ? vendorProfile(options, profile, name, notes) : undefined;
  if ('cloud' in ours && !('profile' in ours)) notes.push(`clouds.${name} uses the old key "cloud" for its vendor profile; write "profile" instead.`);
  if (vendor) {
    updateWithAuth(config, vendor.data);
    source.push(vendor.file);
  }
  updateWithAuth(config, ours);
  delete config['cloud'];

  const region = chooseRegion(ours, vendor?.data, options.regionName, name, place);
  delete config['regions'];
  updateWithAuth(config, region.values);
  if (region.name) config['region_name'] = region.name;
  else delete config['region_name'];

  applyBackwardsCompat(config, notes);
  const authType = resolveAuthType(config, place);
  moveAuthOptions(config, authType);
  const auth = config['auth'] as Dict;
  expandAuthUrl(config, auth, place);
  registerSecrets(options.redactor, auth);

  const envHint: MissingHint | undefined = fromEnv
    ? {
        problem: `; the OS_* variables form the "${envKey}" cloud, chosen by ${chosenBy}`,
        fix: chosenBy === 'the OS_* variables' && fileNames.length > 0 ? ` (or set OS_CLOUD to one of ${fileNames.join(', ')} to use ${cloudsLabel})` : '',
      }
    : undefined;
  checkAuth(authType, auth, place, envHint);
  if (authType === 'password' && text(auth['username']) && !text(auth['user_id']) && !text(auth['user_domain_name']) && !text(auth['user_domain_id'])) {
    notes.push(`${place.key('username', true)} has no user_domain_name or user_domain_id; identity v3 needs one (usually "Default").`);
  }

  const tls = resolveTls(config, place, name, options);
  notes.push(...tls.notes);
  const apiTimeout = Number(config['api_timeout']);
  const identityApiVersion = text(config['identity_api_version']);
  return {
    name,
    source,
    ...(profile !== undefined ? { profile } : {}),
    auth: toCloudAuth(auth),
    authType,
    ...(region.name ? { regionName: region.name } : {}),
    regions: region.known,
    interface: resolveInterface(config, place),
    verify: tls.verify,
    ...(tls.cacert !== undefined ? { cacert: tls.cacert } : {}),
    ...(tls.clientCert !== undefined ? { clientCert: tls.clientCert } : {}),
    ...(tls.clientKey !== undefined ? { clientKey: tls.clientKey } : {}),
    ...(identityApiVersion !== undefined ? { identityApiVersion } : {}),
    ...(config['api_timeout'] !== undefined && Number.isFinite(apiTimeout) && apiTimeout > 0 ? { apiTimeoutSeconds: apiTimeout } : {}),
    notes,
  };
}

/** A profile defined in clouds-public.yaml is merged in; an sdk-built-in or remote one is only noted. */
function vendorProfile(ctx: CloudSearchContext, profile: string, cloud: string, notes: string[]): { file: string; data: Dict } | undefined {
  const vendorFile = loadFirst(vendorFileCandidates(ctx), '1.1');
  const publicClouds = vendorFile && isDict(vendorFile.data) ? vendorFile.data['public-clouds'] : undefined;
  if (vendorFile && isDict(publicClouds) && isDict(publicClouds[profile])) {
    return { file: vendorFile.file, data: normalizeKeys(publicClouds[profile]) };
  }
  if (SDK_VENDOR_PROFILES.includes(profile)) {
    notes.push(`clouds.${cloud} uses openstacksdk's built-in vendor profile "${profile}"; faultline does not carry vendor data, so auth_url and regions must be in clouds.yaml.`);
  } else if (/^https?:\/\//.test(profile)) {
    notes.push(`clouds.${cloud} names the remote profile ${profile}; faultline does not fetch profiles, so auth_url and regions must be in clouds.yaml.`);
  } else {
    notes.push(`clouds.${cloud} names the vendor profile "${profile}", which is not defined in clouds-public.yaml${didYouMean(profile, SDK_VENDOR_PROFILES)}.`);
  }
  return undefined;
}

interface RegionChoice {
  readonly name: string | undefined;
  readonly values: Dict;
  readonly known: string[];
}

function expandRegions(list: readonly unknown[], place: Place): { name: string; values: Dict }[] {
  return list.map((entry, i) => {
    if (isDict(entry)) {
      const extra = Object.keys(entry).filter((k) => k !== 'name' && k !== 'values');
      const regionName = text(entry['name']);
      if (regionName === undefined || extra.length > 0) {
        throw new ConfigError({
          ...(place.file ? { file: place.file } : {}),
          key: `${place.key('regions', false)}[${i}]`,
          problem: regionName === undefined ? 'a region entry has no name' : `a region entry has keys other than name and values: ${extra.join(', ')}`,
          fix: 'write each region as a name, or as "name:" with its overrides under "values:"',
        });
      }
      return { name: regionName, values: isDict(entry['values']) ? normalizeKeys(entry['values']) : {} };
    }
    return { name: String(entry), values: {} };
  });
}

/** The cloud's regions (its own, else its vendor's), and the one to use. */
function chooseRegion(ours: Dict, vendor: Dict | undefined, requested: string | undefined, cloud: string, place: Place): RegionChoice {
  const listed = (settings: Dict | undefined): { name: string; values: Dict }[] | undefined => {
    if (!settings) return undefined;
    if (Array.isArray(settings['regions'])) return expandRegions(settings['regions'], place);
    const single = settings['region_name'];
    if (Array.isArray(single)) return expandRegions(single, place);
    if (typeof single === 'string' && single !== '') return expandRegions(single.split(','), place);
    return undefined;
  };
  const regions = listed(ours) ?? listed(vendor) ?? [];
  const known = regions.map((r) => r.name);
  if (!requested) {
    const first = regions[0];
    return { name: first?.name, values: first?.values ?? {}, known };
  }
  if (regions.length === 0) return { name: requested, values: {}, known };
  const match = regions.find((r) => r.name === requested);
  if (!match) {
    throw new ConfigError({
      ...(place.file ? { file: place.file } : {}),
      key: place === envPlace ? 'OS_REGION_NAME' : `clouds.${cloud}.regions`,
      problem: `region "${requested}" is not a region of cloud "${cloud}" (names are case-sensitive)${didYouMean(requested, known)}`,
      fix: `use one of: ${known.join(', ')}`,
    });
  }
  return { name: match.name, values: match.values, known };
}

/** The sdk's "magic fixes": old key names, domain shortcuts and typed values. */
function applyBackwardsCompat(config: Dict, notes: string[]): void {
  // auth_plugin is the old name of auth_type. auth_type always wins, and since it
  // has a default, the sdk in effect ignores auth_plugin; so does faultline.
  if ('auth_plugin' in config) {
    notes.push(`auth_plugin is ignored (auth_type is ${String(config['auth_type'])}); write auth_type instead.`);
    delete config['auth_plugin'];
  }
  const auth = config['auth'] as Dict;
  for (const [target, spellings] of AUTH_SPELLINGS) {
    let value: unknown;
    for (const key of spellings) {
      if (key in auth) {
        value = auth[key];
        delete auth[key];
      }
      if (key in config) {
        value = config[key];
        delete config[key];
      }
    }
    const v = text(value);
    if (v !== undefined) auth[target] = v;
  }
  // endpoint_type is the old name of interface (also per service: compute_endpoint_type).
  for (const key of Object.keys(config)) {
    if (key.endsWith('endpoint_type')) {
      config[key.replace('endpoint_type', 'interface')] = config[key];
      delete config[key];
    }
  }
  // A single domain given for a project-scoped login is both the user's and the project's.
  const projectScoped = ['project_id', 'project_name'].some((k) => k in config || k in auth);
  for (const [shared, specific] of [['domain_id', ['user_domain_id', 'project_domain_id']], ['domain_name', ['user_domain_name', 'project_domain_name']]] as const) {
    if (!projectScoped) {
      if (shared in config && !(shared in auth)) auth[shared] = config[shared];
      delete config[shared];
      continue;
    }
    if (shared in auth) for (const key of specific) if (!(key in auth)) auth[key] = auth[shared];
    delete config[shared];
    delete auth[shared];
  }
  if ('insecure' in config) config['insecure'] = sdkBoolean(config['insecure']);
}

function resolveAuthType(config: Dict, place: Place): AuthType {
  const configured = text(config['auth_type']) ?? 'password';
  const authType = AUTH_TYPE_ALIASES[configured];
  const auth = config['auth'] as Dict;
  const key = place.key('auth_type', false);
  if (!authType) {
    const near = closest(configured, Object.keys(AUTH_TYPE_ALIASES));
    throw new ConfigError({
      ...(place.file ? { file: place.file } : {}),
      key,
      problem: `auth_type "${configured}" is not supported by faultline${near && near !== configured ? ` (did you mean "${near}"?)` : ''}`,
      fix: 'use password, v3applicationcredential or token; an application credential is the usual choice for a read-only service account',
    });
  }
  const hasAppCredential = ['application_credential_id', 'application_credential_secret', 'application_credential_name'].some((k) => text(auth[k] ?? config[k]));
  if (authType === 'password' && hasAppCredential && !text(auth['password'] ?? config['password'])) {
    throw new ConfigError({
      ...(place.file ? { file: place.file } : {}),
      key,
      problem: `the cloud has an application credential but auth_type is ${configured}, which needs a password`,
      fix: place === envPlace ? 'export OS_AUTH_TYPE=v3applicationcredential' : 'set "auth_type: v3applicationcredential" on the cloud',
    });
  }
  return authType;
}

/** keystoneauth reads each plugin option from `auth`, falling back to the cloud's top level. */
function moveAuthOptions(config: Dict, authType: AuthType): void {
  const auth = config['auth'] as Dict;
  for (const option of PLUGIN_OPTIONS[authType]) {
    const value = text(auth[option]) ?? text(config[option]);
    delete config[option];
    if (value !== undefined) auth[option] = value;
    else delete auth[option];
  }
}

/** `auth_url` may refer to other settings, e.g. `https://keystone.{region_name}.example.com`. */
function expandAuthUrl(config: Dict, auth: Dict, place: Place): void {
  const url = text(auth['auth_url']);
  if (url === undefined) return;
  auth['auth_url'] = url.replace(/\{(\w+)\}/g, (_, key: string) => {
    const value = text(config[key]) ?? text(auth[key]);
    if (value === undefined) {
      throw new ConfigError({
        ...(place.file ? { file: place.file } : {}),
        key: place.key('auth_url', true),
        problem: `refers to {${key}}, which the cloud does not set`,
        fix: `set ${key} on the cloud, or write the URL out in full`,
      });
    }
    return value;
  });
}

function registerSecrets(redactor: Redactor, auth: Dict): void {
  for (const key of ['password', 'application_credential_secret', 'token', 'passcode']) {
    const value = text(auth[key]);
    if (value !== undefined) redactor.add(value);
  }
  redactor.addSecretsFrom(auth);
}

/** Extra words for a cloud made from OS_* variables, which an operator may not know they have. */
interface MissingHint {
  readonly problem: string;
  readonly fix: string;
}

function missing(place: Place, option: string, example: string, problem: string, hint: MissingHint | undefined): ConfigError {
  return new ConfigError({
    ...(place.file ? { file: place.file } : {}),
    key: place.key(option, true),
    problem: `${problem}${hint?.problem ?? ''}`,
    fix: `${place.fix(option, true, example)}${hint?.fix ?? ''}`,
  });
}

/** The checks keystoneauth makes when it loads the plugin, with messages that say where to write what. */
function checkAuth(authType: AuthType, auth: Dict, place: Place, hint: MissingHint | undefined): void {
  if (!text(auth['auth_url'])) throw missing(place, 'auth_url', 'https://keystone.example.com:5000/v3', 'auth_url is missing', hint);
  switch (authType) {
    case 'password':
      if (!text(auth['username']) && !text(auth['user_id'])) throw missing(place, 'username', 'NAME', 'username (or user_id) is missing', hint);
      if (!text(auth['password'])) throw missing(place, 'password', 'SECRET', 'password is missing', hint);
      return;
    case 'v3applicationcredential':
      if (!text(auth['application_credential_secret'])) {
        throw missing(place, 'application_credential_secret', 'SECRET', 'application_credential_secret is missing', hint);
      }
      if (!text(auth['application_credential_id'])) {
        if (!text(auth['application_credential_name'])) {
          throw missing(place, 'application_credential_id', 'ID', 'application_credential_id (or application_credential_name with a user) is missing', hint);
        }
        if (!text(auth['username']) && !text(auth['user_id'])) {
          throw missing(place, 'username', 'NAME', 'an application credential given by name needs its user (username or user_id)', hint);
        }
      }
      return;
    case 'token':
      if (!text(auth['token'])) throw missing(place, 'token', 'TOKEN', 'token is missing', hint);
      return;
  }
}

function resolveInterface(config: Dict, place: Place): EndpointInterface {
  const raw = text(config['interface']) ?? 'public';
  // Old clients wrote publicURL, internalURL, adminURL.
  const value = raw.toLowerCase().replace(/url$/, '');
  if (value === 'public' || value === 'internal' || value === 'admin') return value;
  throw new ConfigError({
    ...(place.file ? { file: place.file } : {}),
    key: place.key('interface', false),
    problem: `interface "${raw}" is not an endpoint interface`,
    fix: 'use public, internal or admin',
  });
}

interface Tls {
  readonly verify: boolean;
  readonly cacert?: string;
  readonly clientCert?: string;
  readonly clientKey?: string;
  readonly notes: string[];
}

/** `insecure: true` wins over everything; a cacert is used only when verifying. */
function resolveTls(config: Dict, place: Place, cloud: string, ctx: CloudSearchContext): Tls {
  const notes: string[] = [];
  const verifySetting = config['verify'] ?? true;
  if (typeof verifySetting !== 'boolean') {
    throw new ConfigError({
      ...(place.file ? { file: place.file } : {}),
      key: place.key('verify', false),
      problem: 'verify must be true or false',
      fix: 'write "verify: false" (unquoted) to skip TLS verification, or put a CA bundle path in cacert',
    });
  }
  const verify = verifySetting && config['insecure'] !== true;
  const path = (value: unknown): string | undefined => {
    const p = text(value);
    return p === undefined ? undefined : resolvePath(p, ctx.cwd, ctx.home);
  };
  const cacert = path(config['cacert']);
  if (cacert !== undefined && !verify) notes.push(`cloud "${cloud}" sets cacert but also turns verification off; the certificate is not checked.`);
  const clientCert = path(config['cert']);
  const clientKey = path(config['key']);
  return {
    verify,
    ...(verify && cacert !== undefined ? { cacert } : {}),
    ...(clientCert !== undefined ? { clientCert } : {}),
    ...(clientKey !== undefined ? { clientKey } : {}),
    notes,
  };
}

function toCloudAuth(auth: Dict): CloudAuth {
  const fields: ReadonlyArray<readonly [keyof CloudAuth, string]> = [
    ['username', 'username'],
    ['password', 'password'],
    ['userId', 'user_id'],
    ['projectName', 'project_name'],
    ['projectId', 'project_id'],
    ['userDomainName', 'user_domain_name'],
    ['userDomainId', 'user_domain_id'],
    ['projectDomainName', 'project_domain_name'],
    ['projectDomainId', 'project_domain_id'],
    ['domainName', 'domain_name'],
    ['domainId', 'domain_id'],
    ['systemScope', 'system_scope'],
    ['trustId', 'trust_id'],
    ['applicationCredentialId', 'application_credential_id'],
    ['applicationCredentialSecret', 'application_credential_secret'],
    ['applicationCredentialName', 'application_credential_name'],
    ['token', 'token'],
  ];
  const out: Record<string, string> = { authUrl: text(auth['auth_url']) as string };
  for (const [field, key] of fields) {
    const value = text(auth[key]);
    if (value !== undefined) out[field] = value;
  }
  return out as unknown as CloudAuth;
}
