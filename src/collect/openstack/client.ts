import type { z } from 'zod';
import { CollectorError, errorMessage } from '../../core/errors.js';
import { silentLogger, type Logger } from '../../core/log.js';
import { Redactor } from '../../core/redact.js';
import { formatIssues } from '../../snapshot/issues.js';
import {
  authMethodOf,
  authRequestBody,
  describeIdentity,
  localExpiry,
  TokenCache,
  tokenResponseSchema,
  waitWithSignal,
  tokensUrl,
  type IssuedToken,
  type OpenStackAuth,
} from './auth.js';
import { catalogRegions, joinUrl, selectEndpoint, type Catalog, type SelectedEndpoint } from './catalog.js';
import {
  abortableSleep,
  bodyExcerpt,
  DEFAULT_RETRY_POLICY,
  fetchExchange,
  OpenStackHttpError,
  requestIdOf,
  send,
  type HttpAnswer,
  type RetryPolicy,
  type Transport,
} from './http.js';
import { threadExchange } from './http-thread.js';
import {
  atLeast,
  computeVersionDocumentSchema,
  computeVersionRoot,
  microversionHeaders,
  negotiateMicroversion,
  type ComputeVersionDocument,
  type NegotiatedMicroversion,
} from './microversion.js';
import { consoleOutputSchema, remoteConsoleSchema, legacyConsoleSchema } from './nova-schemas.js';

export const DEFAULT_COMPUTE_MICROVERSION = '2.88';

export interface OpenStackClientOptions {
  readonly auth: OpenStackAuth;
  /** The compute microversion to ask for; lowered to the server's maximum when that is older. */
  readonly computeMicroversion?: string;
  readonly retry?: Partial<RetryPolicy>;
  /** Replace the token this long before it expires (default 2 minutes). */
  readonly reauthMarginMs?: number;
  readonly log?: Logger;
  readonly userAgent?: string;
  /**
   * For tests: an HTTP function to send through instead of the default
   * transport (node:http on a worker thread; to break the network on purpose);
   * the clock (ms), the dice and the sleeper.
   */
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RequestOptions {
  readonly method?: HttpMethod;
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>> | URLSearchParams;
  readonly body?: unknown;
  readonly signal?: AbortSignal | undefined;
}

/** One answer as bytes, to be decoded and parsed by the caller. */
export interface BodyAnswer {
  readonly body: Buffer;
  readonly what: string;
  readonly status: number;
  readonly attempts: number;
  /** The error requestJson gives for a body that is not JSON (redacted). */
  readonly notJson: () => CollectorError;
}

/** One answer, parsed as JSON but not yet validated: the pager validates while the next page is on its way. */
export interface JsonAnswer {
  readonly json: unknown;
  readonly what: string;
  readonly status: number;
  readonly attempts: number;
  /** What the service called this request (x-openstack-request-id): the audit trail of an action cites it. */
  readonly requestId?: string;
}

/**
 * A small Keystone v3 / Nova / Neutron client. It logs in once and shares the
 * token, renews it shortly before expiry and once when an API answers 401,
 * picks endpoints from the catalog, negotiates the compute microversion,
 * bounds every request in time, retries what is worth retrying, and checks
 * every answer against a schema so that a surprising answer becomes a
 * CollectorError naming the request and the field rather than a crash later.
 * No message it produces contains the password, the secret or a token.
 */
export class OpenStackClient {
  readonly #auth: OpenStackAuth;
  readonly #transport: Transport;
  readonly #tokens: TokenCache;
  readonly #redactor = new Redactor();
  readonly #requestedMicroversion: string;
  readonly #userAgent: string;
  #microversion: Promise<NegotiatedMicroversion> | undefined;
  #negotiated: NegotiatedMicroversion | undefined;
  /** The endpoint per service type, for the catalog it was chosen from (a new token may bring a new catalog). */
  readonly #endpoints = new WeakMap<Catalog, Map<string, SelectedEndpoint>>();

  constructor(options: OpenStackClientOptions) {
    this.#auth = options.auth;
    authMethodOf(options.auth); // fail at construction on incomplete settings
    for (const secret of [options.auth.password, options.auth.applicationCredentialSecret]) if (secret) this.#redactor.add(secret);
    const redact = (text: string): string => this.#redactor.redact(text);
    this.#transport = {
      exchange: options.fetch ? fetchExchange(options.fetch) : threadExchange,
      // Keys given as undefined keep their defaults.
      policy: { ...DEFAULT_RETRY_POLICY, ...Object.fromEntries(Object.entries(options.retry ?? {}).filter(([, v]) => v !== undefined)) },
      log: options.log ?? silentLogger,
      random: options.random ?? Math.random,
      sleep: options.sleep ?? abortableSleep,
      redact,
    };
    const now = options.now ?? Date.now;
    this.#tokens = new TokenCache(() => this.#login(now), options.reauthMarginMs ?? 120_000, now);
    this.#requestedMicroversion = options.computeMicroversion ?? DEFAULT_COMPUTE_MICROVERSION;
    this.#userAgent = options.userAgent ?? 'faultline';
  }

  /** Passes text through the client's redactor (password, secret, every token issued so far). */
  redact(text: string): string {
    return this.#redactor.redact(text);
  }

  /** How many times the client logged in; for tests and diagnostics. */
  get logins(): number {
    return this.#tokens.issued;
  }

  /** The compute microversion in use once negotiated, with the server's range. */
  get negotiatedMicroversion(): NegotiatedMicroversion | undefined {
    return this.#negotiated;
  }

  async catalog(signal?: AbortSignal): Promise<Catalog> {
    return (await this.#token(signal)).catalog;
  }

  /** The regions the service catalog has endpoints in. */
  async regions(signal?: AbortSignal): Promise<string[]> {
    return catalogRegions(await this.catalog(signal));
  }

  async endpoint(serviceType: string, signal?: AbortSignal): Promise<SelectedEndpoint> {
    const token = await this.#token(signal);
    return this.#select(token.catalog, serviceType);
  }

  /** selectEndpoint, remembered per catalog: every request needs it, and the answer only changes with the catalog. */
  #select(catalog: Catalog, serviceType: string): SelectedEndpoint {
    let chosen = this.#endpoints.get(catalog);
    if (!chosen) this.#endpoints.set(catalog, (chosen = new Map()));
    let endpoint = chosen.get(serviceType);
    if (!endpoint) chosen.set(serviceType, (endpoint = selectEndpoint(catalog, serviceType, this.#auth.interface, this.#auth.regionName)));
    return endpoint;
  }

  /** Discovers the compute API's microversion range once and settles on the version to send. */
  computeMicroversion(signal?: AbortSignal): Promise<NegotiatedMicroversion> {
    if (!this.#microversion) {
      // Like the login, discovery is shared and so not tied to the signal of whoever asked first.
      this.#microversion = this.#negotiate(undefined).then(
        (v) => {
          this.#negotiated = v;
          if (v.note) this.#transport.log.info('compute microversion negotiated', { version: v.version, note: v.note });
          return v;
        },
        (err: unknown) => {
          this.#microversion = undefined; // a later caller may try again
          throw err;
        },
      );
    }
    return waitWithSignal(this.#microversion, signal).catch((err: unknown) => {
      if (err instanceof CollectorError) throw err;
      throw new CollectorError(`compute version discovery: ${this.redact(errorMessage(err))}`, { cause: err });
    });
  }

  /** True once negotiated and at least `version`; features that need a newer API check this. */
  async supports(version: string, signal?: AbortSignal): Promise<boolean> {
    return atLeast((await this.computeMicroversion(signal)).version, version);
  }

  /** Sends a request and validates the answer against `schema`. */
  async request<S extends z.ZodType>(serviceType: string, path: string, schema: S, options: RequestOptions = {}): Promise<z.output<S>> {
    const answer = await this.requestJson(serviceType, path, options);
    return this.validate(schema, answer.json, answer.what);
  }

  /** Checks a JSON value against a schema; a mismatch is a CollectorError naming the request and the fields. */
  validate<S extends z.ZodType>(schema: S, json: unknown, what: string): z.output<S> {
    const parsed = schema.safeParse(json);
    if (parsed.success) return parsed.data;
    throw new CollectorError(this.redact(`${what}: unexpected answer: ${formatIssues(parsed.error.issues, 5).join('; ')}`));
  }

  /**
   * Sends a request to a service from the catalog and parses the JSON answer.
   * A 401 drops the token and tries once more with a new one; a second 401 is an error.
   */
  async requestJson(serviceType: string, path: string, options: RequestOptions = {}): Promise<JsonAnswer> {
    const { answer, what } = await this.#exchange(serviceType, path, options);
    const requestId = requestIdOf(answer.headers);
    return { json: this.#parseJson(answer, what), what, status: answer.status, attempts: answer.attempts, ...(requestId ? { requestId } : {}) };
  }

  /**
   * Like requestJson, but hands back the body undecoded, for a caller that
   * reads large answers its own way (server-pages.ts). `notJson` is the message
   * to give when the body turns out not to be JSON, as requestJson would.
   */
  async requestBody(serviceType: string, path: string, options: RequestOptions = {}): Promise<BodyAnswer> {
    const { answer, what } = await this.#exchange(serviceType, path, options);
    return { body: answer.body, what, status: answer.status, attempts: answer.attempts, notJson: () => this.#notJson(answer, what) };
  }

  async #exchange(serviceType: string, path: string, options: RequestOptions): Promise<{ answer: HttpAnswer; what: string }> {
    const method = options.method ?? 'GET';
    // Once negotiated, the version is at hand; only the first requests wait for discovery.
    const negotiated = this.#negotiated && !options.signal?.aborted ? this.#negotiated : undefined;
    const extra = serviceType === 'compute' ? microversionHeaders((negotiated ?? (await this.computeMicroversion(options.signal))).version) : {};
    for (let round = 0; ; round++) {
      const token = await this.#token(options.signal);
      const endpoint = this.#select(token.catalog, serviceType);
      const url = withQuery(joinUrl(endpoint.url, path), options.query);
      const what = `${serviceType} ${method} ${displayUrl(url)}`;
      const answer = await send(
        this.#transport,
        {
          method,
          url,
          what,
          headers: {
            accept: 'application/json',
            'user-agent': this.#userAgent,
            'x-auth-token': token.token,
            ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...extra,
          },
          ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        },
        options.signal,
      );
      if (answer.status === 401) {
        this.#tokens.invalidate(token.token);
        if (round === 0) {
          this.#transport.log.info('openstack token refused; logging in again', { request: what });
          continue;
        }
        throw this.#httpError(what, answer, 'the API refused a freshly issued token too; check the role assignments and that Keystone and this service agree on tokens');
      }
      if (answer.status === 406 && serviceType === 'compute') {
        throw this.#httpError(what, answer, `the compute API does not accept microversion ${this.#negotiated?.version ?? '(none)'}; set a lower compute microversion`);
      }
      if (answer.status < 200 || answer.status >= 300) throw this.#httpError(what, answer);
      return { answer, what };
    }
  }

  /** The last `lines` lines of a server's console log (all of it when lines is undefined). */
  async getConsoleOutput(serverId: string, lines?: number, signal?: AbortSignal): Promise<string> {
    const body = { 'os-getConsoleOutput': lines === undefined ? {} : { length: lines } };
    const out = await this.request('compute', `servers/${encodeURIComponent(serverId)}/action`, consoleOutputSchema, { method: 'POST', body, signal });
    return out.output;
  }

  /**
   * A browser URL for the server's console (noVNC by default). Uses
   * `remote-consoles` (2.6+) and the older server action below that.
   * The URL carries a short-lived console token: hand it to the operator, do not log it.
   */
  async getConsoleUrl(serverId: string, options: { protocol?: 'vnc' | 'spice' | 'serial'; type?: string; signal?: AbortSignal } = {}): Promise<{ url: string; protocol: string; type: string }> {
    const protocol = options.protocol ?? 'vnc';
    const type = options.type ?? (protocol === 'vnc' ? 'novnc' : protocol === 'spice' ? 'spice-html5' : 'serial');
    const id = encodeURIComponent(serverId);
    if (await this.supports('2.6', options.signal)) {
      const out = await this.request('compute', `servers/${id}/remote-consoles`, remoteConsoleSchema, {
        method: 'POST',
        body: { remote_console: { protocol, type } },
        signal: options.signal,
      });
      return out.remote_console;
    }
    const action = protocol === 'vnc' ? 'os-getVNCConsole' : protocol === 'spice' ? 'os-getSPICEConsole' : 'os-getSerialConsole';
    const out = await this.request('compute', `servers/${id}/action`, legacyConsoleSchema, { method: 'POST', body: { [action]: { type } }, signal: options.signal });
    return { url: out.console.url, protocol, type: out.console.type };
  }

  async #token(signal: AbortSignal | undefined): Promise<IssuedToken> {
    try {
      return await this.#tokens.get(signal);
    } catch (err) {
      if (err instanceof CollectorError) throw err;
      throw new CollectorError(this.redact(`identity: ${errorMessage(err)}`), { cause: err });
    }
  }

  async #login(now: () => number): Promise<IssuedToken> {
    const url = tokensUrl(this.#auth.authUrl);
    const what = `identity POST ${displayUrl(url)}`;
    const answer = await send(
      this.#transport,
      { method: 'POST', url, what, headers: { accept: 'application/json', 'content-type': 'application/json', 'user-agent': this.#userAgent }, body: authRequestBody(this.#auth) },
      undefined,
    );
    if (answer.status === 401 || answer.status === 403) {
      throw this.#httpError(what, answer, `Keystone refused the credentials of ${describeIdentity(this.#auth)}`);
    }
    if (answer.status < 200 || answer.status >= 300) throw this.#httpError(what, answer, `login as ${describeIdentity(this.#auth)} failed`);
    const token = answer.headers.get('x-subject-token');
    if (!token) throw new CollectorError(`${what}: the answer has no X-Subject-Token header`);
    this.#redactor.add(token);
    const body = this.validate(tokenResponseSchema, this.#parseJson(answer, what), what);
    const expiresAtMs = localExpiry(body.token.expires_at, body.token.issued_at, now());
    if (expiresAtMs === undefined) throw new CollectorError(`${what}: unexpected answer: token.expires_at: "${body.token.expires_at}" is not a time`);
    this.#transport.log.debug('openstack login', { identity: describeIdentity(this.#auth), services: body.token.catalog.length });
    return { token, expiresAtMs, catalog: body.token.catalog, projectId: body.token.project?.id };
  }

  async #negotiate(signal: AbortSignal | undefined): Promise<NegotiatedMicroversion> {
    let answer: HttpAnswer;
    let what: string;
    for (let round = 0; ; round++) {
      const token = await this.#token(signal);
      const endpoint = selectEndpoint(token.catalog, 'compute', this.#auth.interface, this.#auth.regionName);
      const url = computeVersionRoot(endpoint.url);
      what = `compute GET ${displayUrl(url)} (version discovery)`;
      answer = await send(
        this.#transport,
        { method: 'GET', url, what, headers: { accept: 'application/json', 'user-agent': this.#userAgent, 'x-auth-token': token.token } },
        signal,
      );
      // Nova answers discovery without a token, but a proxy in front may not.
      if (answer.status !== 401 || round > 0) break;
      this.#tokens.invalidate(token.token);
    }
    let doc: ComputeVersionDocument | undefined;
    if (answer.status >= 200 && answer.status < 300) {
      try {
        doc = computeVersionDocumentSchema.parse(JSON.parse(answer.text));
      } catch {
        doc = undefined;
      }
    } else if (answer.status !== 404 && answer.status !== 403) {
      throw this.#httpError(what, answer);
    }
    if (!doc) {
      // Some proxies do not route the version document. Sending the requested version
      // still works on any cloud new enough; an older one answers 406, which says so.
      const note = `version discovery answered HTTP ${answer.status} without a version document; sending ${this.#requestedMicroversion} unchecked`;
      this.#transport.log.warn('compute version discovery failed', { request: what, status: answer.status });
      return { version: this.#requestedMicroversion, requested: this.#requestedMicroversion, note };
    }
    const result = negotiateMicroversion(this.#requestedMicroversion, doc);
    if ('error' in result) throw new CollectorError(`${what}: ${result.error}`);
    return result;
  }

  #parseJson(answer: HttpAnswer, what: string): unknown {
    if (answer.text.trim() === '') return {};
    try {
      return JSON.parse(answer.text) as unknown;
    } catch {
      throw this.#notJson(answer, what);
    }
  }

  #notJson(answer: HttpAnswer, what: string): CollectorError {
    return new CollectorError(this.redact(`${what}: the answer is not JSON (HTTP ${answer.status}): ${bodyExcerpt(answer.text, (t) => t, 120)}`));
  }

  #httpError(what: string, answer: HttpAnswer, lead?: string): OpenStackHttpError {
    const requestId = requestIdOf(answer.headers);
    const excerpt = bodyExcerpt(answer.text, (t) => t);
    const parts = [
      `${what}: ${lead ? `${lead}: ` : ''}HTTP ${answer.status}${answer.statusText ? ` ${answer.statusText}` : ''}`,
      answer.attempts > 1 ? ` after ${answer.attempts} attempts` : '',
      requestId ? ` (request ${requestId})` : '',
      excerpt ? `: ${excerpt}` : '',
    ];
    return new OpenStackHttpError(this.redact(parts.join('')), answer.status, requestId);
  }
}

function withQuery(url: string, query: RequestOptions['query']): string {
  if (!query) return url;
  const u = new URL(url);
  const entries = query instanceof URLSearchParams ? [...query.entries()] : Object.entries(query);
  for (const [k, v] of entries) if (v !== undefined) u.searchParams.set(k, String(v));
  return u.toString();
}

/** A URL as errors show it: no user info. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return decodeURIComponent(u.toString());
  } catch {
    return url;
  }
}
