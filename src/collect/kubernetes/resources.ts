import type { KubernetesKind } from '../../snapshot/schema.js';

/** One list request the collector makes; the read-only ClusterRole grants exactly these. */
export interface ListedResource {
  readonly kind: KubernetesKind;
  /** API group, '' for the core group. */
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  /** Listed in this namespace only (the node Leases live in kube-node-lease). */
  readonly namespace?: string;
}

export const LISTED_RESOURCES: readonly ListedResource[] = [
  { kind: 'nodes', group: '', version: 'v1', plural: 'nodes' },
  { kind: 'leases', group: 'coordination.k8s.io', version: 'v1', plural: 'leases', namespace: 'kube-node-lease' },
  { kind: 'pods', group: '', version: 'v1', plural: 'pods' },
  { kind: 'workloads', group: 'apps', version: 'v1', plural: 'deployments' },
  { kind: 'workloads', group: 'apps', version: 'v1', plural: 'replicasets' },
  { kind: 'workloads', group: 'apps', version: 'v1', plural: 'statefulsets' },
  { kind: 'workloads', group: 'apps', version: 'v1', plural: 'daemonsets' },
  { kind: 'workloads', group: 'batch', version: 'v1', plural: 'jobs' },
  { kind: 'workloads', group: 'batch', version: 'v1', plural: 'cronjobs' },
  { kind: 'services', group: '', version: 'v1', plural: 'services' },
  { kind: 'endpointSlices', group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices' },
  { kind: 'persistentVolumeClaims', group: '', version: 'v1', plural: 'persistentvolumeclaims' },
  { kind: 'ingresses', group: 'networking.k8s.io', version: 'v1', plural: 'ingresses' },
  { kind: 'admissionWebhooks', group: 'admissionregistration.k8s.io', version: 'v1', plural: 'validatingwebhookconfigurations' },
  { kind: 'admissionWebhooks', group: 'admissionregistration.k8s.io', version: 'v1', plural: 'mutatingwebhookconfigurations' },
  { kind: 'events', group: '', version: 'v1', plural: 'events' },
];

/**
 * apiUsage comes from the apiserver's own metric apiserver_requested_deprecated_apis,
 * a non-resource URL (RBAC `nonResourceURLs: ["/metrics"]`, verb get).
 */
export const METRICS_PATH = '/metrics';

export function listPath(r: ListedResource): string {
  const base = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  return r.namespace ? `${base}/namespaces/${encodeURIComponent(r.namespace)}/${r.plural}` : `${base}/${r.plural}`;
}
