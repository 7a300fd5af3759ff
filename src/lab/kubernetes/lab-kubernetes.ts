/**
 * The lab's Kubernetes side as one piece: the clusters, their API server and the
 * kubeconfig that points real clients at them.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { LabState } from '../openstack/state.js';
import type { LabFaults } from '../scenarios/faults.js';
import { startKubernetesApi, type KubernetesApi, type KubernetesApiOptions } from './api-server.js';
import type { ClusterShape } from './cluster-objects.js';
import { labCertificates } from './certificates.js';
import { LabClusters } from './clusters.js';

export interface LabKubernetes {
  /** `https://127.0.0.1:<port>`; cluster `c` is at `<url>/clusters/c`. */
  url: string;
  port: number;
  clusters: LabClusters;
  api: KubernetesApi;
  /** PEM of the CA that signed the API server's certificate. */
  caPem: string;
  serverUrl(cluster: string): string;
  /**
   * What a pod of `cluster` finds in /var/run/secrets/kubernetes.io/serviceaccount, written
   * into `dir`; with KUBERNETES_SERVICE_HOST/PORT set to the lab API's address it is that
   * pod's in-cluster config.
   */
  writeServiceAccount(cluster: string, dir: string): Promise<void>;
  /** A kubeconfig with one context per cluster, named after it (cluster, user `<name>-reader`, bearer token). */
  kubeconfig(): string;
  /** The same contexts with each cluster's administrator token: what an operator applies manifests with. */
  adminKubeconfig(): string;
  close(): Promise<void>;
}

export async function startLabKubernetes(state: LabState, faults: LabFaults, options: KubernetesApiOptions = {}, shape: ClusterShape = {}): Promise<LabKubernetes> {
  const certs = await labCertificates();
  const clusters = new LabClusters(state, faults, shape);
  const api = await startKubernetesApi(clusters, certs, options);
  const serverUrl = (name: string): string => `${api.url}/clusters/${encodeURIComponent(name)}`;
  const caData = Buffer.from(certs.caPem).toString('base64');
  const kubeconfigOf = (role: 'reader' | 'admin'): string =>
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      preferences: {},
      clusters: clusters.clusters.map((c) => ({ name: c.name, cluster: { server: serverUrl(c.name), 'certificate-authority-data': caData } })),
      users: clusters.clusters.map((c) => ({ name: `${c.name}-${role}`, user: { token: role === 'admin' ? c.adminToken : c.token } })),
      contexts: clusters.clusters.map((c) => ({ name: c.name, context: { cluster: c.name, user: `${c.name}-${role}` } })),
      'current-context': clusters.clusters[0]?.name ?? '',
    });
  return {
    url: api.url,
    port: api.port,
    clusters,
    api,
    caPem: certs.caPem,
    serverUrl,
    writeServiceAccount: async (name, dir) => {
      const c = clusters.byName.get(name);
      if (!c) throw new Error(`no lab cluster ${name}`);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'token'), c.token, { mode: 0o600 });
      await writeFile(join(dir, 'ca.crt'), certs.caPem);
      await writeFile(join(dir, 'namespace'), 'faultline');
    },
    kubeconfig: () => kubeconfigOf('reader'),
    adminKubeconfig: () => kubeconfigOf('admin'),
    close: () => api.close(),
  };
}
