/**
 * The collector's own HTTPS GETs to an API server: one keep-alive agent per cluster,
 * the credentials @kubernetes/client-node worked out from the kubeconfig, and the body
 * parsed once with JSON.parse. The library's typed clients deserialise every object
 * into classes, which costs more than the list itself at 150,000 pods.
 */
import { Agent, request, type AgentOptions } from 'node:https';
import { Agent as HttpAgent, request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { createSecureContext } from 'node:tls';

export interface ClusterEndpoint {
  /** The server URL, possibly with a path (`https://host:6443`, `https://lb/clusters/c`). */
  readonly server: string;
  readonly headers: OutgoingHttpHeaders;
  readonly tls: Pick<AgentOptions, 'ca' | 'cert' | 'key' | 'pfx' | 'passphrase' | 'rejectUnauthorized' | 'servername'>;
}

/** An answer that was not 2xx: the status and the API's own Status message when it sent one. */
export class KubeHttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** The body was not the JSON the API server promises. */
export class KubeGarbageError extends Error {}

export class KubeConnection {
  readonly #agent: Agent | HttpAgent;
  readonly #base: URL;

  constructor(readonly endpoint: ClusterEndpoint) {
    this.#base = new URL(endpoint.server);
    const keep = { keepAlive: true, maxSockets: 4 };
    if (this.#base.protocol === 'http:') {
      this.#agent = new HttpAgent(keep);
    } else {
      // One context for the cluster's connections: building it parses the CA bundle and the key,
      // which done per connection cost more CPU across a fleet than the TLS handshakes themselves.
      const { ca, cert, key, pfx, passphrase, rejectUnauthorized, servername } = endpoint.tls;
      const secureContext = createSecureContext({ ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}), ...(pfx ? { pfx } : {}), ...(passphrase ? { passphrase } : {}) });
      this.#agent = new Agent({ ...keep, secureContext, ...(rejectUnauthorized !== undefined ? { rejectUnauthorized } : {}), ...(servername ? { servername } : {}) });
    }
  }

  /** GETs `path` (below the server URL's own path) and returns the raw body. */
  getText(path: string, signal: AbortSignal, accept = 'application/json'): Promise<string> {
    const url = new URL(this.#base.href.replace(/\/+$/, '') + path);
    const send = url.protocol === 'http:' ? httpRequest : request;
    return new Promise((resolve, reject) => {
      const req = send(url, { method: 'GET', agent: this.#agent, headers: { ...this.endpoint.headers, Accept: accept, 'Accept-Encoding': 'identity' }, signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve(text);
          reject(httpError(status, text));
        });
      });
      req.on('error', reject);
      req.end();
    });
  }

  async getJson(path: string, signal: AbortSignal): Promise<Record<string, unknown>> {
    return parseObject(path, await this.getText(path, signal));
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** The body as the JSON object the API server promises, or a KubeGarbageError that says what came instead. */
export function parseObject(path: string, text: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new KubeGarbageError(`GET ${path} answered with a body that is not JSON (${text.length} bytes, starting ${JSON.stringify(text.slice(0, 40))})`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new KubeGarbageError(`GET ${path} answered with JSON that is not an object`);
  return body as Record<string, unknown>;
}

function httpError(status: number, text: string): KubeHttpError {
  let reason = '';
  let message = '';
  try {
    const s = JSON.parse(text) as { reason?: unknown; message?: unknown };
    if (typeof s.reason === 'string') reason = s.reason;
    if (typeof s.message === 'string') message = s.message;
  } catch {
    // Proxies and load balancers answer in HTML; the status code is what matters then.
  }
  return new KubeHttpError(status, reason, `HTTP ${status}${reason ? ` ${reason}` : ''}${message ? `: ${message.slice(0, 300)}` : ''}`);
}
