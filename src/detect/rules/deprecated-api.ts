import { z } from 'zod';
import { defineDetector, type RawFinding } from '../define.js';
import { judgedClusters } from '../inputs.js';
import { objectRef } from '../kubernetes.js';
import { minorOf } from './node-version-skew.js';

type Messages = 'removedApiInUse' | 'deprecatedApiInUse';

interface Removal {
  readonly group: string;
  readonly version: string;
  readonly resources: readonly string[];
  /** Kubernetes minor release that stopped serving it. */
  readonly removedIn: string;
  readonly use: string;
}

/** APIs the Kubernetes deprecation policy removed, by release, with what replaces them. */
export const REMOVED_APIS: readonly Removal[] = [
  { group: 'extensions', version: 'v1beta1', resources: ['deployments', 'daemonsets', 'replicasets', 'networkpolicies', 'podsecuritypolicies'], removedIn: '1.16', use: 'apps/v1 (networking.k8s.io/v1 for NetworkPolicy)' },
  { group: 'apps', version: 'v1beta1', resources: ['deployments', 'statefulsets', 'replicasets', 'daemonsets'], removedIn: '1.16', use: 'apps/v1' },
  { group: 'apps', version: 'v1beta2', resources: ['deployments', 'statefulsets', 'replicasets', 'daemonsets'], removedIn: '1.16', use: 'apps/v1' },
  { group: 'extensions', version: 'v1beta1', resources: ['ingresses'], removedIn: '1.22', use: 'networking.k8s.io/v1' },
  { group: 'networking.k8s.io', version: 'v1beta1', resources: ['ingresses', 'ingressclasses'], removedIn: '1.22', use: 'networking.k8s.io/v1' },
  { group: 'admissionregistration.k8s.io', version: 'v1beta1', resources: ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations'], removedIn: '1.22', use: 'admissionregistration.k8s.io/v1' },
  { group: 'apiextensions.k8s.io', version: 'v1beta1', resources: ['customresourcedefinitions'], removedIn: '1.22', use: 'apiextensions.k8s.io/v1' },
  { group: 'apiregistration.k8s.io', version: 'v1beta1', resources: ['apiservices'], removedIn: '1.22', use: 'apiregistration.k8s.io/v1' },
  { group: 'authentication.k8s.io', version: 'v1beta1', resources: ['tokenreviews'], removedIn: '1.22', use: 'authentication.k8s.io/v1' },
  { group: 'authorization.k8s.io', version: 'v1beta1', resources: ['subjectaccessreviews', 'localsubjectaccessreviews', 'selfsubjectaccessreviews', 'selfsubjectrulesreviews'], removedIn: '1.22', use: 'authorization.k8s.io/v1' },
  { group: 'certificates.k8s.io', version: 'v1beta1', resources: ['certificatesigningrequests'], removedIn: '1.22', use: 'certificates.k8s.io/v1' },
  { group: 'coordination.k8s.io', version: 'v1beta1', resources: ['leases'], removedIn: '1.22', use: 'coordination.k8s.io/v1' },
  { group: 'rbac.authorization.k8s.io', version: 'v1beta1', resources: ['clusterroles', 'clusterrolebindings', 'roles', 'rolebindings'], removedIn: '1.22', use: 'rbac.authorization.k8s.io/v1' },
  { group: 'scheduling.k8s.io', version: 'v1beta1', resources: ['priorityclasses'], removedIn: '1.22', use: 'scheduling.k8s.io/v1' },
  { group: 'storage.k8s.io', version: 'v1beta1', resources: ['csidrivers', 'csinodes', 'storageclasses', 'volumeattachments'], removedIn: '1.22', use: 'storage.k8s.io/v1' },
  { group: 'batch', version: 'v1beta1', resources: ['cronjobs'], removedIn: '1.25', use: 'batch/v1' },
  { group: 'discovery.k8s.io', version: 'v1beta1', resources: ['endpointslices'], removedIn: '1.25', use: 'discovery.k8s.io/v1' },
  { group: 'events.k8s.io', version: 'v1beta1', resources: ['events'], removedIn: '1.25', use: 'events.k8s.io/v1' },
  { group: 'autoscaling', version: 'v2beta1', resources: ['horizontalpodautoscalers'], removedIn: '1.25', use: 'autoscaling/v2' },
  { group: 'policy', version: 'v1beta1', resources: ['poddisruptionbudgets'], removedIn: '1.25', use: 'policy/v1' },
  { group: 'policy', version: 'v1beta1', resources: ['podsecuritypolicies'], removedIn: '1.25', use: 'Pod Security Admission (no replacement API)' },
  { group: 'node.k8s.io', version: 'v1beta1', resources: ['runtimeclasses'], removedIn: '1.25', use: 'node.k8s.io/v1' },
  { group: 'autoscaling', version: 'v2beta2', resources: ['horizontalpodautoscalers'], removedIn: '1.26', use: 'autoscaling/v2' },
  { group: 'flowcontrol.apiserver.k8s.io', version: 'v1beta1', resources: ['flowschemas', 'prioritylevelconfigurations'], removedIn: '1.26', use: 'flowcontrol.apiserver.k8s.io/v1' },
  { group: 'storage.k8s.io', version: 'v1beta1', resources: ['csistoragecapacities'], removedIn: '1.27', use: 'storage.k8s.io/v1' },
  { group: 'flowcontrol.apiserver.k8s.io', version: 'v1beta2', resources: ['flowschemas', 'prioritylevelconfigurations'], removedIn: '1.29', use: 'flowcontrol.apiserver.k8s.io/v1' },
  { group: 'flowcontrol.apiserver.k8s.io', version: 'v1beta3', resources: ['flowschemas', 'prioritylevelconfigurations'], removedIn: '1.32', use: 'flowcontrol.apiserver.k8s.io/v1' },
];

function lookup(group: string, version: string, resource: string): Removal | undefined {
  return REMOVED_APIS.find((r) => r.group === group && r.version === version && r.resources.includes(resource));
}

const gv = (group: string, version: string): string => (group === '' ? version : `${group}/${version}`);

export default defineDetector({
  id: 'deprecated-api',
  title: 'Deprecated Kubernetes API still in use',
  layer: 'kubernetes',
  severity: 'medium',
  description: 'Finds API versions still requested or stored in a cluster that Kubernetes removes (or removed) in a release.',
  explanation:
    'Kubernetes removes beta API versions on a fixed schedule. Manifests, Helm charts and controllers still using one work ' +
    'until the control-plane upgrade that removes it, and then fail all at once: deploys are rejected and operators stop ' +
    'reconciling. Found before the upgrade, it is a one-line apiVersion change.',
  requires: ['kubernetes'],
  kubernetesKinds: ['apiUsage'],
  messages: {
    removedApiInUse: '{{api}} {{resource}} is still used in cluster {{cluster}} ({{usage}}) and is no longer served from Kubernetes {{removedIn}}, which this cluster already runs ({{version}}); use {{use}}.',
    deprecatedApiInUse: '{{api}} {{resource}} is still used in cluster {{cluster}} ({{usage}}) and is removed in Kubernetes {{removedIn}}; move to {{use}} before upgrading from {{version}}.',
  },
  options: z.object({
    warnMinorsAhead: z.number().int().nonnegative().default(2).describe('report removals up to this many minor releases after the cluster\'s version (all when the version is unknown)'),
  }),
  remediation: {
    steps: [
      'Find the clients: the apiserver metric `apiserver_requested_deprecated_apis` and the audit log (`userAgent` of requests to that version).',
      'Change the manifests and charts to the replacement apiVersion; `kubectl convert` helps for stored objects.',
      'Upgrade controllers and operators that still call the old version before upgrading the control plane.',
    ],
  },
  source: 'detek (deprecated API in use); catalog §3 Kubernetes layer',
  detect({ snapshot, options }) {
    const out: RawFinding<Messages>[] = [];
    for (const cluster of judgedClusters(snapshot, ['apiUsage'])) {
      const current = minorOf(cluster.serverVersion);
      for (const u of cluster.apiUsage) {
        const known = lookup(u.group, u.version, u.resource);
        const removedIn = known?.removedIn ?? u.removedRelease;
        if (removedIn === undefined) continue;
        const removed = minorOf(removedIn);
        if (!removed) continue;
        const ahead = current ? (removed[0] - current[0]) * 100 + (removed[1] - current[1]) : undefined;
        if (ahead !== undefined && ahead > options.warnMinorsAhead) continue;
        const usage = [u.requests !== undefined ? `${u.requests} request(s)` : '', u.objects !== undefined ? `${u.objects} stored object(s)` : ''].filter(Boolean).join(', ') || 'seen by the API server';
        const already = ahead !== undefined && ahead <= 0;
        out.push({
          messageId: already ? 'removedApiInUse' : 'deprecatedApiInUse',
          data: { api: gv(u.group, u.version), resource: u.resource, cluster: cluster.name, usage, removedIn, use: known?.use ?? 'the API\'s current version', version: cluster.serverVersion ?? 'an unknown version' },
          resource: objectRef(cluster, 'api', undefined, `${gv(u.group, u.version)}/${u.resource}`),
          // Already removed: whatever still calls it is failing now. Next release: the upgrade will break it.
          severity: already ? 'high' : ahead !== undefined && ahead <= 1 ? 'medium' : 'low',
          evidence: [
            { label: 'api_version', value: gv(u.group, u.version), source: 'kubernetes' },
            { label: 'resource', value: u.resource, source: 'kubernetes' },
            { label: 'removed_in', value: removedIn, source: known ? 'Kubernetes deprecation guide' : 'apiserver removed_release' },
            { label: 'requests', value: u.requests ?? null, source: 'apiserver_requested_deprecated_apis' },
            { label: 'cluster_version', value: cluster.serverVersion ?? null, source: 'kubernetes /version' },
            { label: 'cluster', value: cluster.name, source: 'kubernetes' },
          ],
        });
      }
    }
    return out;
  },
});
