/** A tiny HTTPS client for the lab's Kubernetes API, for its own tests (fetch cannot take a CA). */
import { request as httpsRequest } from 'node:https';
import type { RunningLab } from '../openstack/lab.js';
import type { LabCluster } from './clusters.js';

export interface KubeResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface KubeTarget {
  url: string;
  ca: string;
  token?: string;
}

export function target(lab: RunningLab, cluster: LabCluster, token: string | undefined = cluster.token): KubeTarget {
  if (!lab.kubernetes) throw new Error('the lab was started without Kubernetes');
  return { url: lab.kubernetes.serverUrl(cluster.name), ca: lab.kubernetes.caPem, token };
}

export function kube(t: KubeTarget, path: string, options: { method?: string; accept?: string; body?: unknown; contentType?: string } = {}): Promise<KubeResponse> {
  const payload = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      `${t.url}${path}`,
      {
        method: options.method ?? 'GET',
        ca: t.ca,
        headers: {
          Accept: options.accept ?? 'application/json',
          ...(t.token ? { Authorization: `Bearer ${t.token}` } : {}),
          ...(payload !== undefined ? { 'Content-Type': options.contentType ?? 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export interface WatchStream {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  events: any[];
  /** Resolves once `predicate` holds for an event received (or already received). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  until(predicate: (event: any) => boolean, timeoutMs?: number): Promise<any>;
  ended: Promise<void>;
  close(): void;
}

/** Opens a watch and collects its JSON-lines events. */
export function watch(t: KubeTarget, path: string): Promise<WatchStream> {
  return new Promise((resolve, reject) => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const events: any[] = [];
    const waiters: { predicate: (e: unknown) => boolean; resolve: (e: unknown) => void }[] = [];
    let endResolve: () => void = () => undefined;
    const ended = new Promise<void>((r) => (endResolve = r));
    const req = httpsRequest(`${t.url}${path}`, { ca: t.ca, headers: { Accept: 'application/json', ...(t.token ? { Authorization: `Bearer ${t.token}` } : {}) } }, (res) => {
      let buffer = '';
      res.on('data', (c: Buffer) => {
        buffer += c.toString('utf8');
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (!line.trim()) continue;
          const event = JSON.parse(line) as unknown;
          events.push(event);
          for (const w of [...waiters]) {
            if (w.predicate(event)) {
              waiters.splice(waiters.indexOf(w), 1);
              w.resolve(event);
            }
          }
        }
      });
      res.on('end', () => endResolve());
      res.on('close', () => endResolve());
      resolve({
        events,
        ended,
        until: (predicate, timeoutMs = 5_000) => {
          const found = events.find(predicate);
          if (found) return Promise.resolve(found);
          return new Promise((ok, fail) => {
            const timer = setTimeout(() => fail(new Error(`no matching watch event within ${timeoutMs} ms; got ${events.map((e: { type: string }) => e.type).join(',')}`)), timeoutMs);
            waiters.push({
              predicate,
              resolve: (e) => {
                clearTimeout(timer);
                ok(e);
              },
            });
          });
        },
        close: () => req.destroy(),
      });
    });
    req.on('error', (err) => {
      if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(err);
    });
    req.end();
  });
}
