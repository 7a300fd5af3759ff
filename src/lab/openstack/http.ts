import type { IncomingHttpHeaders } from 'node:http';

/** A request as each simulated service sees it, after the lab stripped the service prefix. */
export interface LabRequest {
  method: string;
  /** Path below the service root, e.g. `/v2.1/servers/detail` for Nova. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, `undefined` when there was none. */
  body: unknown;
  /** True when a body was sent but was not valid JSON. */
  bodyMalformed: boolean;
  /** Region chosen by the URL (`/<region>/compute/...`), or null for the whole fleet. */
  regionId: string | null;
  /** `http://127.0.0.1:<port>` plus the region prefix, if any: where service URLs start. */
  origin: string;
  /** `http://127.0.0.1:<port>` without region. */
  hostOrigin: string;
  requestId: string;
}

export interface LabResponse {
  status: number;
  headers?: Record<string, string>;
  /** Serialised as JSON unless `text` or `rawJson` is set. */
  body?: unknown;
  /** An already serialised JSON body. */
  rawJson?: string;
  text?: string;
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): LabResponse {
  return { status, body, headers };
}

export function header(req: LabRequest, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** A route: a path pattern with `{name}` holes and a handler per method. */
export interface Route<C> {
  pattern: RegExp;
  methods: Partial<Record<string, (ctx: C, params: string[]) => LabResponse | Promise<LabResponse>>>;
}

export function route<C>(template: string, methods: Route<C>['methods']): Route<C> {
  const source = template
    .split('/')
    .map((part) => (part.startsWith('{') ? '([^/]+)' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return { pattern: new RegExp(`^${source}/?$`), methods };
}

export type RouteMatch<C> =
  | { kind: 'found'; handler: (ctx: C, params: string[]) => LabResponse | Promise<LabResponse>; params: string[] }
  | { kind: 'methodNotAllowed'; allowed: string[] }
  | { kind: 'notFound' };

export function matchRoute<C>(routes: readonly Route<C>[], method: string, path: string): RouteMatch<C> {
  let allowed: string[] | null = null;
  for (const r of routes) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    const params = m.slice(1).map((p) => decodeURIComponent(p));
    const handler = r.methods[method] ?? (method === 'HEAD' ? r.methods.GET : undefined);
    if (handler) return { kind: 'found', handler, params };
    allowed = Object.keys(r.methods);
  }
  return allowed ? { kind: 'methodNotAllowed', allowed } : { kind: 'notFound' };
}

/**
 * The JSON error webob writes when a request matches no route at all, which is what
 * Nova, Neutron and Glance answer for unknown paths (Nova also for a known path with
 * a method it has no route for: its router matches on path and method together).
 */
export function webobError(status: 400 | 404 | 405, explanation?: string, method = 'GET'): LabResponse {
  const titles = { 400: 'Bad Request', 404: 'Not Found', 405: 'Method Not Allowed' } as const;
  const fallback = {
    400: 'The server could not comply with the request since it is either malformed or otherwise incorrect.',
    404: 'The resource could not be found.',
    405: `The method ${method} is not allowed for this resource. `,
  } as const;
  return json(status, { message: `${explanation ?? fallback[status]}<br /><br />\n\n\n`, code: `${status} ${titles[status]}`, title: titles[status] });
}
