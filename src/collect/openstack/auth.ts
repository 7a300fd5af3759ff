import { z } from 'zod';
import { ConfigError, errorMessage } from '../../core/errors.js';
import { catalogSchema, type Catalog, type EndpointInterface } from './catalog.js';

/**
 * What the client needs to log in to Keystone v3. Either a user and password
 * scoped to a project, or an application credential (by id, or by name together
 * with its owner). Field names follow clouds.yaml, in camelCase.
 */
export interface OpenStackAuth {
  /** Keystone URL, with or without the trailing `/v3`. */
  readonly authUrl: string;
  readonly username?: string;
  readonly userId?: string;
  readonly password?: string;
  readonly userDomainName?: string;
  readonly userDomainId?: string;
  readonly projectName?: string;
  readonly projectId?: string;
  readonly projectDomainName?: string;
  readonly projectDomainId?: string;
  readonly applicationCredentialId?: string;
  readonly applicationCredentialName?: string;
  readonly applicationCredentialSecret?: string;
  readonly regionName?: string;
  readonly interface: EndpointInterface;
}

export type AuthMethod = 'password' | 'application_credential';

/** Which method the settings ask for; a ConfigError naming the missing key when they ask for neither. */
export function authMethodOf(auth: OpenStackAuth): AuthMethod {
  const key = (k: string): string => `auth.${k}`;
  if (!/^https?:\/\//i.test(auth.authUrl)) {
    throw new ConfigError({ key: key('auth_url'), problem: `"${auth.authUrl}" is not an http(s) URL` });
  }
  if (auth.applicationCredentialSecret !== undefined || auth.applicationCredentialId !== undefined || auth.applicationCredentialName !== undefined) {
    if (!auth.applicationCredentialSecret) throw new ConfigError({ key: key('application_credential_secret'), problem: 'an application credential needs its secret' });
    if (!auth.applicationCredentialId) {
      if (!auth.applicationCredentialName) throw new ConfigError({ key: key('application_credential_id'), problem: 'an application credential needs its id, or its name and owner' });
      if (!auth.userId && !auth.username) {
        throw new ConfigError({ key: key('username'), problem: 'an application credential given by name needs the user who owns it', fix: 'set user_id, or username with user_domain_name' });
      }
    }
    return 'application_credential';
  }
  if (!auth.password) throw new ConfigError({ key: key('password'), problem: 'no password and no application credential', fix: 'set password, or application_credential_id and application_credential_secret' });
  if (!auth.userId && !auth.username) throw new ConfigError({ key: key('username'), problem: 'password login needs username or user_id' });
  if (!auth.projectId && !auth.projectName) {
    throw new ConfigError({ key: key('project_name'), problem: 'password login needs a project to scope to, or the token has no service catalog' });
  }
  return 'password';
}

function domain(id: string | undefined, name: string | undefined): { id: string } | { name: string } {
  if (id) return { id };
  return { name: name ?? 'Default' };
}

function user(auth: OpenStackAuth): Record<string, unknown> {
  if (auth.userId) return { id: auth.userId };
  return { name: auth.username, domain: domain(auth.userDomainId, auth.userDomainName) };
}

/** The body of `POST /v3/auth/tokens`. It holds the secret: never log it. */
export function authRequestBody(auth: OpenStackAuth): string {
  const method = authMethodOf(auth);
  if (method === 'application_credential') {
    const credential = auth.applicationCredentialId
      ? { id: auth.applicationCredentialId, secret: auth.applicationCredentialSecret }
      : { name: auth.applicationCredentialName, user: user(auth), secret: auth.applicationCredentialSecret };
    // An application credential is bound to its project; Keystone rejects an explicit scope.
    return JSON.stringify({ auth: { identity: { methods: ['application_credential'], application_credential: credential } } });
  }
  const project = auth.projectId
    ? { id: auth.projectId }
    : { name: auth.projectName, domain: domain(auth.projectDomainId ?? auth.userDomainId, auth.projectDomainName ?? auth.userDomainName) };
  return JSON.stringify({
    auth: {
      identity: { methods: ['password'], password: { user: { ...user(auth), password: auth.password } } },
      scope: { project },
    },
  });
}

/** Who is logging in, for error messages: never the secret. */
export function describeIdentity(auth: OpenStackAuth): string {
  if (authMethodOf(auth) === 'application_credential') {
    return auth.applicationCredentialId
      ? `application credential ${auth.applicationCredentialId}`
      : `application credential "${auth.applicationCredentialName}" of user ${auth.userId ?? auth.username}`;
  }
  const who = auth.userId ?? `${auth.username}@${auth.userDomainId ?? auth.userDomainName ?? 'Default'}`;
  return `user ${who} on project ${auth.projectId ?? auth.projectName}`;
}

/** `{authUrl}/auth/tokens`, adding `/v3` when the URL stops at the Keystone root. */
export function tokensUrl(authUrl: string): string {
  const base = authUrl.replace(/\/+$/, '');
  return /\/v3$/.test(base) ? `${base}/auth/tokens` : `${base}/v3/auth/tokens`;
}

export const tokenResponseSchema = z.object({
  token: z.object({
    expires_at: z.string(),
    issued_at: z.string().optional(),
    catalog: catalogSchema.default([]),
    project: z.object({ id: z.string(), name: z.string().optional() }).optional(),
    user: z.object({ id: z.string(), name: z.string().optional() }).optional(),
  }),
});

export interface IssuedToken {
  readonly token: string;
  /** Local clock time (ms) at which the token stops working. */
  readonly expiresAtMs: number;
  readonly catalog: Catalog;
  readonly projectId: string | undefined;
}

/**
 * When the token expires by this machine's clock. Keystone states both the
 * issue and expiry time by its own clock; using the lifetime between them makes
 * the answer immune to clock skew between the two machines.
 */
export function localExpiry(expiresAt: string, issuedAt: string | undefined, localNowMs: number): number | undefined {
  const expires = Date.parse(withZone(expiresAt));
  if (Number.isNaN(expires)) return undefined;
  const issued = issuedAt === undefined ? Number.NaN : Date.parse(withZone(issuedAt));
  if (!Number.isNaN(issued) && expires > issued) return localNowMs + (expires - issued);
  return expires;
}

/** Keystone and Nova write UTC times, sometimes without a zone; read those as UTC. */
export function withZone(time: string): string {
  return /(?:Z|[+-]\d\d:?\d\d)$/i.test(time) ? time : `${time}Z`;
}

/**
 * One valid token shared by every request. While a login is in flight, others
 * wait for it instead of starting their own; a token that is within `marginMs`
 * of expiry is replaced before use; `invalidate` drops a token the API refused,
 * but only if it is still the current one, so twenty requests that fail with the
 * same stale token cause one new login, not twenty.
 */
export class TokenCache {
  #current: IssuedToken | undefined;
  #pending: Promise<IssuedToken> | undefined;
  readonly #issue: () => Promise<IssuedToken>;
  readonly #marginMs: number;
  readonly #now: () => number;
  /** How many logins were made, for tests and diagnostics. */
  issued = 0;

  constructor(issue: () => Promise<IssuedToken>, marginMs: number, now: () => number) {
    this.#issue = issue;
    this.#marginMs = marginMs;
    this.#now = now;
  }

  get current(): IssuedToken | undefined {
    return this.#current;
  }

  async get(signal: AbortSignal | undefined): Promise<IssuedToken> {
    const current = this.#current;
    if (current && current.expiresAtMs - this.#marginMs > this.#now()) return current;
    if (!this.#pending) {
      this.issued++;
      // The login is not tied to the signal of whoever started it: others wait on it too.
      this.#pending = this.#issue().then(
        (t) => {
          this.#current = t;
          this.#pending = undefined;
          return t;
        },
        (err: unknown) => {
          this.#pending = undefined;
          throw err;
        },
      );
    }
    return waitWithSignal(this.#pending, signal);
  }

  invalidate(token: string): void {
    if (this.#current?.token === token) this.#current = undefined;
  }
}

/** Waits for a shared promise, but lets this waiter give up when its own signal aborts. */
export function waitWithSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new Error(`cancelled (${errorMessage(signal.reason)})`));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Error(`cancelled (${errorMessage(signal.reason)})`));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
