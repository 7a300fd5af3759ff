import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { authRequestBody, tokensUrl } from '../collect/openstack/auth.js';
import { joinUrl, selectEndpoint, type Catalog } from '../collect/openstack/catalog.js';
import { resolveCloud, type ResolvedCloud } from '../config/clouds.js';
import { Redactor } from '../core/redact.js';

/**
 * A bare OpenStack session for comparing answers: it logs in once and sends
 * exactly the request it is given, keeping status, headers and body, where
 * faultline's client would retry, validate and throw. The same code talks to
 * the real cloud and to the lab, so any difference is theirs.
 */
export interface RawAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed as JSON; undefined when it is not JSON. */
  readonly json: unknown;
}

export interface RawRequest {
  readonly method?: 'GET' | 'POST';
  readonly query?: Record<string, string | number>;
  readonly body?: unknown;
  /** Compute microversion to send (default 2.88, what faultline sends); null for none. */
  readonly microversion?: string | null;
}

async function answerOf(res: Response): Promise<RawAnswer> {
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export class RawSession {
  private constructor(
    readonly cloud: ResolvedCloud,
    readonly token: string,
    readonly catalog: Catalog,
    /** The login answer itself: what faultline reads from the token. */
    readonly login: RawAnswer,
  ) {}

  /** Resolves `cloudName` from `cloudsFile` the way faultline does, and logs in. */
  static async open(cloudsFile: string, cloudName: string, home: string): Promise<RawSession> {
    const cloud = resolveCloud({ cloud: cloudName, env: { OS_CLIENT_CONFIG_FILE: cloudsFile }, cwd: home, home, siteConfigDir: join(home, 'no-site-config'), redactor: new Redactor() });
    const res = await fetch(tokensUrl(cloud.auth.authUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: authRequestBody({ ...cloud.auth, interface: cloud.interface }),
      signal: AbortSignal.timeout(30_000),
    });
    const login = await answerOf(res);
    const token = res.headers.get('x-subject-token');
    if (res.status !== 201 || !token) throw new Error(`login to ${cloudName} failed: HTTP ${res.status} ${login.text.slice(0, 300)}`);
    const catalog = (login.json as { token: { catalog: Catalog } }).token.catalog;
    return new RawSession(cloud, token, catalog, login);
  }

  endpoint(serviceType: string): string {
    return selectEndpoint(this.catalog, serviceType, this.cloud.interface, this.cloud.regionName).url;
  }

  /** Sends one request to a catalog service; `path` is relative to the endpoint, or absolute. */
  async call(serviceType: string, path: string, request: RawRequest = {}): Promise<RawAnswer> {
    const url = new URL(joinUrl(this.endpoint(serviceType), path));
    for (const [k, v] of Object.entries(request.query ?? {})) url.searchParams.set(k, String(v));
    const microversion = request.microversion === undefined ? '2.88' : request.microversion;
    const headers: Record<string, string> = { accept: 'application/json', 'x-auth-token': this.token };
    if (serviceType === 'compute' && microversion !== null) headers['openstack-api-version'] = `compute ${microversion}`;
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(url, {
      method: request.method ?? 'GET',
      headers,
      ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
      signal: AbortSignal.timeout(60_000),
    });
    return answerOf(res);
  }
}

/** Writes the lab's clouds.yaml to `dir` and returns its path. */
export async function writeCloudsFile(dir: string, yaml: string): Promise<string> {
  const file = join(dir, 'clouds.yaml');
  await writeFile(file, yaml);
  return file;
}
