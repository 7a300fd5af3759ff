/**
 * Keeps credentials out of everything faultline writes: logs, reports, error
 * messages, snapshots. Secret values are registered once (from config files, the
 * environment, kubeconfigs) and every outgoing string is passed through `redact`.
 */

export const REDACTED = '***';

/** Values shorter than this are not treated as secrets: redacting "ab" would shred ordinary text. */
export const MIN_SECRET_LENGTH = 4;

/**
 * Fragments that mark a key as holding a secret, compared after lower-casing and
 * dropping `_` and `-`, so `api_key`, `api-key` and `apiKey` all match.
 */
const SECRET_KEY_FRAGMENTS = [
  'password',
  'secret',
  'token',
  'application_credential_secret',
  'api_key',
  'private_key',
  'authorization',
  'passphrase',
].map(squash);

function squash(key: string): string {
  return key.toLowerCase().replace(/[_-]/g, '');
}

/** True when a key's value should never be shown: `OS_PASSWORD`, `api-key`, `apiKey`, `Authorization`. */
export function isSecretKey(key: string): boolean {
  const k = squash(key);
  return SECRET_KEY_FRAGMENTS.some((fragment) => k.includes(fragment));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Credential schemes whose secret part is worth registering on its own, e.g. `Bearer abc…`. */
const AUTH_SCHEME = /^(?:bearer|basic|token|negotiate)\s+(\S.*)$/i;

export class Redactor {
  readonly #secrets = new Set<string>();
  #pattern: RegExp | undefined;

  /**
   * Registers a secret. Besides the value itself, the forms it takes once
   * URL-encoded or JSON-escaped are registered too, because that is how a
   * password shows up in a logged request or a JSON error body.
   */
  add(secret: string): void {
    for (const form of [secret, safeEncode(secret), JSON.stringify(secret).slice(1, -1)]) {
      if (form.length >= MIN_SECRET_LENGTH && !this.#secrets.has(form)) {
        this.#secrets.add(form);
        this.#pattern = undefined;
      }
    }
    const scheme = AUTH_SCHEME.exec(secret.trim());
    if (scheme?.[1] !== undefined) this.add(scheme[1]);
  }

  /** Registers every string found under a secret-looking key, at any depth. */
  addSecretsFrom(value: unknown): void {
    walkSecrets(value, false, (s) => this.add(s));
  }

  /** How many distinct forms are registered; for tests and diagnostics. */
  get size(): number {
    return this.#secrets.size;
  }

  redact(text: string): string {
    const pattern = this.#compile();
    return pattern ? text.replace(pattern, REDACTED) : text;
  }

  /**
   * A deep copy with every string redacted and every value under a secret-looking
   * key replaced by `***` (null and undefined stay, since they hide nothing).
   */
  redactValue(value: unknown): unknown {
    return this.#copy(value, new WeakMap());
  }

  #copy(value: unknown, seen: WeakMap<object, unknown>): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (value === null || typeof value !== 'object') return value;
    const known = seen.get(value);
    if (known !== undefined) return known;
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      seen.set(value, out);
      for (const item of value) out.push(this.#copy(item, seen));
      return out;
    }
    if (value instanceof Date) return new Date(value.getTime());
    const out: Record<string, unknown> = {};
    seen.set(value, out);
    for (const [key, item] of Object.entries(value)) {
      out[key] = isSecretKey(key) && item !== null && item !== undefined ? REDACTED : this.#copy(item, seen);
    }
    return out;
  }

  #compile(): RegExp | undefined {
    if (this.#secrets.size === 0) return undefined;
    if (!this.#pattern) {
      // Longest first, so a secret that contains another is replaced whole.
      const alternatives = [...this.#secrets].sort((a, b) => b.length - a.length).map(escapeRegExp);
      this.#pattern = new RegExp(alternatives.join('|'), 'g');
    }
    return this.#pattern;
  }
}

function safeEncode(secret: string): string {
  try {
    return encodeURIComponent(secret);
  } catch {
    // Lone surrogates cannot be encoded; the raw form is still registered.
    return secret;
  }
}

function walkSecrets(value: unknown, underSecretKey: boolean, found: (secret: string) => void, seen = new WeakSet<object>()): void {
  if (typeof value === 'string') {
    if (underSecretKey) found(value);
    return;
  }
  if (typeof value === 'number' || typeof value === 'bigint') {
    if (underSecretKey) found(String(value));
    return;
  }
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (Array.isArray(value)) {
    for (const item of value) walkSecrets(item, underSecretKey, found, seen);
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    walkSecrets(item, underSecretKey || isSecretKey(key), found, seen);
  }
}
