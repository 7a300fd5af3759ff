/**
 * Reading one cluster: /version, every list in LISTED_RESOURCES page by page, and the
 * deprecated-API metric. A kind the API refuses (403), does not serve (404) or cannot
 * finish in time is left unlisted and the cluster is partial; a cluster that cannot be
 * read at all (unreachable, TLS, 401, garbage) is failed, with the cause.
 */
import { deadline } from '../../core/deadline.js';
import type { KubernetesKind } from '../../snapshot/schema.js';
import { KubeConnection, KubeGarbageError, KubeHttpError, parseObject, type ClusterEndpoint } from './http.js';
import {
  leaseRenewals,
  normaliseEndpointSlices,
  normaliseEvent,
  normaliseIngress,
  normaliseNode,
  normalisePod,
  PodPool,
  normalisePvc,
  normaliseService,
  normaliseWebhooks,
  normaliseWorkload,
  parseDeprecatedApis,
} from './normalise.js';
import { LISTED_RESOURCES, listPath, METRICS_PATH, type ListedResource } from './resources.js';
import type { SnapshotInput } from '../../snapshot/schema.js';

type Obj = Record<string, unknown>;
export type ClusterInput = NonNullable<NonNullable<SnapshotInput['kubernetes']>['clusters']>[number];

export interface ClusterReadOptions {
  readonly pageSize: number;
  /** The whole cluster's deadline; kinds still being read then are unlisted. */
  readonly deadlineMs: number;
  /** Lists in flight at once in this cluster. */
  readonly listConcurrency?: number;
  readonly now: () => Date;
}

/** The cluster as a whole cannot be read: every later request would fail the same way. */
class ClusterUnreadable extends Error {}

/** Words for a failure that name its cause: the HTTP status, the TLS problem, the socket error. */
export function describeFailure(err: unknown, deadlineMs: number): string {
  if (err instanceof ClusterUnreadable) return err.message;
  if (err instanceof KubeHttpError) return err.status === 401 ? `401 Unauthorized: the credentials were refused (${err.message})` : err.message;
  if (err instanceof KubeGarbageError) return `garbage answer: ${err.message}`;
  const e = err as NodeJS.ErrnoException & { name?: string };
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError') return `timed out after ${Math.round(deadlineMs / 1000)} s`;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = e instanceof Error ? e.message : String(err);
  if (/CERT|SELF_SIGNED|TLS|SSL|ERR_SSL|UNABLE_TO_VERIFY|HOSTNAME|ALTNAME/i.test(code) || /certificate|tls|ssl/i.test(message)) return `TLS error: ${message}${code ? ` (${code})` : ''}`;
  if (['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN', 'EPIPE'].includes(code)) return `unreachable: ${message}`;
  return message;
}

const isKindLevel = (err: unknown): err is KubeHttpError => err instanceof KubeHttpError && (err.status === 403 || err.status === 404 || err.status >= 500);

interface Sink {
  warnings: string[];
  unlisted: Set<KubernetesKind>;
}

/** Hands one page's items to `onPage` and returns its continue token, if any. */
function takePage(path: string, page: Obj, onPage: (items: Obj[]) => void): string | undefined {
  const items = page['items'];
  if (!Array.isArray(items)) throw new KubeGarbageError(`GET ${path} answered without an items list`);
  onPage(items as Obj[]);
  const meta = page['metadata'] as Obj | undefined;
  return typeof meta?.['continue'] === 'string' && meta['continue'] !== '' ? meta['continue'] : undefined;
}

/** Every page of one list, handed to `onPage` as it arrives; restarts once from the top when a continue token expired (410). */
async function listAll(conn: KubeConnection, r: ListedResource, pageSize: number, signal: AbortSignal, sink: Sink, onPage: (items: Obj[]) => void, reset: () => void): Promise<void> {
  const path = listPath(r);
  let restarted = false;
  let token: string | undefined;
  for (;;) {
    const query = `?limit=${pageSize}${token ? `&continue=${encodeURIComponent(token)}` : ''}`;
    let next: string | undefined;
    try {
      // Parsed and taken in the same step, right after the body arrives. Parsed in an async
      // function of its own, a page would wait in the microtask queue behind the other
      // bodies that arrived with it, parsed too: dozens of page trees alive at once, which
      // the garbage collector then copies and promotes (4× the GC work at 500 clusters).
      const text = await conn.getText(path + query, signal);
      next = takePage(path, parseObject(path + query, text), onPage);
    } catch (err) {
      if (err instanceof KubeHttpError && err.status === 410 && token !== undefined && !restarted) {
        restarted = true;
        token = undefined;
        reset();
        sink.warnings.push(`${r.plural}: the continue token expired mid-list (410 Gone); listed again from the start`);
        continue;
      }
      throw err;
    }
    if (!next) return;
    token = next;
  }
}

async function eachBounded<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await task(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Reads one cluster; never throws: how it went is in `collection`. */
export async function readCluster(name: string, endpoint: () => Promise<ClusterEndpoint>, options: ClusterReadOptions, parent: AbortSignal): Promise<ClusterInput> {
  const guard = deadline(parent, options.deadlineMs);
  const signal = guard.signal;
  const sink: Sink = { warnings: [], unlisted: new Set() };
  const failed = (error: string): ClusterInput => ({ name, collection: { status: 'failed', error, collectedAt: options.now().toISOString(), unlisted: [], warnings: sink.warnings } });
  let conn: KubeConnection;
  try {
    conn = new KubeConnection(await endpoint());
  } catch (err) {
    guard.clear();
    return failed(`no credentials: ${describeFailure(err, options.deadlineMs)}`);
  }
  const secrets = Object.values(conn.endpoint.headers).flatMap((v) => (typeof v === 'string' ? [v, v.replace(/^\S+\s+/, '')] : []));
  const scrub = (text: string): string => secrets.reduce((t, s) => (s.length >= 4 ? t.split(s).join('***') : t), text);
  try {
    let serverVersion: string | undefined;
    try {
      const v = await conn.getJson('/version', signal);
      if (typeof v['gitVersion'] === 'string') serverVersion = v['gitVersion'];
    } catch (err) {
      // Some providers put /version behind auth and refuse it; the lists still say whether the cluster answers.
      if (!isKindLevel(err)) throw err;
    }

    const nodes: Obj[] = [];
    const leaseItems: Obj[] = [];
    const out: Omit<Required<ClusterInput>, 'name' | 'serverVersion' | 'collection' | 'nodes'> = {
      pods: [],
      workloads: [],
      services: [],
      endpoints: [],
      persistentVolumeClaims: [],
      ingresses: [],
      admissionWebhooks: [],
      events: [],
      apiUsage: [],
    };
    const slices: Obj[] = [];
    const pool = new PodPool();
    const listedOnce = new Set<KubernetesKind>();
    const read = async (r: ListedResource): Promise<void> => {
      // Pages are normalised as they arrive so the raw JSON of 150,000 pods is never held at once;
      // each list fills its own array, so a restarted list (410) drops only its own first pass.
      const got: unknown[] = [];
      const onPage = (items: Obj[]): void => {
        for (const o of items) {
          switch (r.kind) {
            case 'pods': got.push(normalisePod(o, pool)); break;
            case 'workloads': got.push(normaliseWorkload(r.plural, o)); break;
            case 'services': got.push(normaliseService(o)); break;
            case 'persistentVolumeClaims': got.push(normalisePvc(o)); break;
            case 'ingresses': got.push(normaliseIngress(o)); break;
            case 'admissionWebhooks': got.push(...normaliseWebhooks(r.plural, o)); break;
            case 'events': got.push(normaliseEvent(o)); break;
            default: got.push(o);
          }
        }
      };
      const reset = (): void => {
        got.length = 0;
      };
      const keep = (): void => {
        const target: Record<string, unknown[]> = { nodes, leases: leaseItems, endpointSlices: slices, pods: out.pods, workloads: out.workloads, services: out.services, persistentVolumeClaims: out.persistentVolumeClaims, ingresses: out.ingresses, admissionWebhooks: out.admissionWebhooks, events: out.events };
        const into = target[r.kind];
        if (into) for (const x of got) into.push(x);
      };
      try {
        await listAll(conn, r, options.pageSize, signal, sink, onPage, reset);
        keep();
        listedOnce.add(r.kind);
      } catch (err) {
        if (isKindLevel(err) || (signal.aborted && !parent.aborted)) {
          sink.unlisted.add(r.kind);
          sink.warnings.push(`${r.group ? `${r.plural}.${r.group}` : r.plural}: not listed (${scrub(describeFailure(err, options.deadlineMs))})`);
          return;
        }
        throw new ClusterUnreadable(describeFailure(err, options.deadlineMs));
      }
    };
    const readMetrics = async (): Promise<void> => {
      try {
        out.apiUsage = parseDeprecatedApis(await conn.getText(METRICS_PATH, signal, 'text/plain'));
        listedOnce.add('apiUsage');
      } catch (err) {
        if (isKindLevel(err) || (signal.aborted && !parent.aborted)) {
          sink.unlisted.add('apiUsage');
          sink.warnings.push(`apiUsage: ${METRICS_PATH} not read (${scrub(describeFailure(err, options.deadlineMs))})`);
          return;
        }
        throw new ClusterUnreadable(describeFailure(err, options.deadlineMs));
      }
    };
    // Nodes first: it tells at once whether the cluster answers to these credentials at all.
    await read(LISTED_RESOURCES[0] as ListedResource);
    const rest: (ListedResource | 'metrics')[] = [...LISTED_RESOURCES.slice(1), 'metrics'];
    await eachBounded(rest, options.listConcurrency ?? 4, (r) => (r === 'metrics' ? readMetrics() : read(r)));
    // A kind read for one plural but refused for another (DaemonSets but not CronJobs) is still incomplete.
    if (listedOnce.size === 0) return failed(scrub(sink.warnings[0] ?? 'nothing could be listed'));
    const leases = sink.unlisted.has('leases') ? undefined : leaseRenewals(leaseItems);
    out.endpoints = sink.unlisted.has('endpointSlices') ? [] : normaliseEndpointSlices(slices);
    return {
      name,
      ...(serverVersion ? { serverVersion } : {}),
      collection: { status: sink.unlisted.size > 0 ? 'partial' : 'ok', collectedAt: options.now().toISOString(), unlisted: [...sink.unlisted], warnings: sink.warnings.map(scrub) },
      nodes: nodes.map((n) => normaliseNode(n, leases)),
      ...out,
    };
  } catch (err) {
    return failed(scrub(describeFailure(err, options.deadlineMs)));
  } finally {
    guard.clear();
    conn.close();
  }
}
