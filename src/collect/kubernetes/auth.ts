/**
 * Credentials per context, worked out by @kubernetes/client-node from the kubeconfig
 * files (tokens, client certificates, CA data, insecure-skip-tls-verify, exec plugins,
 * OIDC) or from the pod's service account when running in a cluster.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { existsSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { isIPv6 } from 'node:net';
import { join } from 'node:path';
import type { ClusterEndpoint } from './http.js';

/** The files merged kubectl's way: the first file to define a name wins. */
export function loadKubeConfigs(files: readonly string[]): KubeConfig {
  const merged = new KubeConfig();
  merged.loadFromOptions({ clusters: [], users: [], contexts: [], currentContext: '' });
  for (const file of files) {
    const one = new KubeConfig();
    one.loadFromFile(file);
    for (const c of one.clusters) if (!merged.clusters.some((x) => x.name === c.name)) merged.addCluster(c);
    for (const u of one.users) if (!merged.users.some((x) => x.name === u.name)) merged.addUser(u);
    for (const c of one.contexts) if (!merged.contexts.some((x) => x.name === c.name)) merged.addContext(c);
    if (!merged.currentContext && one.currentContext) merged.setCurrentContext(one.currentContext);
  }
  return merged;
}

/**
 * The pod's own service account, the way client-go's in-cluster config finds it: the API
 * at KUBERNETES_SERVICE_HOST:KUBERNETES_SERVICE_PORT, the token and CA in `dir`. The
 * token file is read again at every request, so a rotated projected token is picked up.
 * `env` rather than process.env, so the caller decides what the process sees.
 */
export function inClusterKubeConfig(env: NodeJS.ProcessEnv, dir: string, context = 'in-cluster'): KubeConfig {
  const host = env['KUBERNETES_SERVICE_HOST']?.trim();
  const port = env['KUBERNETES_SERVICE_PORT']?.trim() || '443';
  if (!host) throw new Error('KUBERNETES_SERVICE_HOST is not set');
  if (!/^\d{1,5}$/.test(port)) throw new Error(`KUBERNETES_SERVICE_PORT is not a port: ${JSON.stringify(port)}`);
  const token = join(dir, 'token');
  const ca = join(dir, 'ca.crt');
  // Fail here, naming the file, rather than at the first request with a bare ENOENT.
  for (const f of [token, ca]) if (!existsSync(f)) throw new Error(`${f} does not exist`);
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: context, server: `https://${isIPv6(host) ? `[${host}]` : host}:${port}`, caFile: ca, skipTLSVerify: false }],
    users: [{ name: context, authProvider: { name: 'tokenFile', config: { tokenFile: token } } }],
    contexts: [{ name: context, cluster: context, user: context }],
    currentContext: context,
  });
  return kc;
}

/** A view of `kc` whose current context is `context`, so requests for clusters in flight never share state. */
export function forContext(kc: KubeConfig, context: string): KubeConfig {
  const one = new KubeConfig();
  one.loadFromOptions({ clusters: kc.clusters, users: kc.users, contexts: kc.contexts, currentContext: context });
  return one;
}

/** The server URL, headers and TLS material for one context; runs its exec plugin or OIDC refresh if it has one. */
export async function endpointFor(kc: KubeConfig): Promise<ClusterEndpoint> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error(`context "${kc.getCurrentContext()}" names no cluster`);
  const opts: RequestOptions = { headers: {} };
  await kc.applyToHTTPSOptions(opts);
  const headers = { ...(opts.headers as Record<string, string>) };
  // Basic auth arrives as opts.auth; send it as the header so one path carries every scheme.
  if (typeof opts.auth === 'string' && opts.auth !== ':' && !headers['Authorization']) headers['Authorization'] = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
  return {
    server: cluster.server,
    headers,
    tls: {
      ...(opts.ca ? { ca: opts.ca } : {}),
      ...(opts.cert ? { cert: opts.cert } : {}),
      ...(opts.key ? { key: opts.key } : {}),
      ...(opts.pfx ? { pfx: opts.pfx } : {}),
      ...(opts.passphrase ? { passphrase: opts.passphrase } : {}),
      ...(opts.rejectUnauthorized !== undefined ? { rejectUnauthorized: opts.rejectUnauthorized } : {}),
      ...(opts.servername ? { servername: opts.servername } : {}),
    },
  };
}
