/**
 * The metric history of the lab's clusters, read off their own objects so Prometheus
 * and the Kubernetes API tell the same story: every Service Istio would count
 * requests for has traffic from its creation on, every Kafka consumer (a workload with
 * the consumer-group label) consumes, and a suspended CronJob has been suspended since
 * its last run. What the unused-services fault made idle is idle, by the same list the
 * fault built its objects from.
 */
import type { LabClusters } from '../kubernetes/clusters.js';
import { CONSUMER_GROUP_LABEL, unusedServiceWorkloads } from '../kubernetes/cluster-objects.js';
import type { KubeObject } from '../kubernetes/store.js';
import type { ClusterHistory, HistoryConsumer, HistoryCronJob, HistoryService } from './history.js';

const SYSTEM_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease', 'default']);

/** Istio's explicit non-HTTP port names: such a Service never has istio_requests_total. */
const NON_HTTP_PORT = /^(tcp|tls|mongo|mysql|redis|udp)(-|$)/;

type Spec = { selector?: Record<string, string>; ports?: { name?: string; protocol?: string }[]; suspend?: boolean };

function created(o: KubeObject): number {
  return Date.parse(String(o.metadata.creationTimestamp));
}

function carriesHttp(spec: Spec): boolean {
  const ports = spec.ports ?? [];
  return ports.length === 0 || ports.some((p) => p.protocol !== 'UDP' && !(p.name !== undefined && NON_HTTP_PORT.test(p.name)));
}

export function labClusterHistory(clusters: LabClusters): ClusterHistory[] {
  const out: ClusterHistory[] = [];
  for (const c of clusters.clusters) {
    c.sync();
    const list = (resource: string): KubeObject[] => c.store.list(resource).map((e) => e.object).filter((o) => !SYSTEM_NAMESPACES.has(String(o.metadata.namespace)));
    const idle = c.owner.faultView(c.name).unusedServices !== null ? new Set(unusedServiceWorkloads(c.plan.team).filter((w) => w.idle).map((w) => w.name)) : new Set<string>();
    const services: HistoryService[] = [];
    for (const s of list('services')) {
      const spec = (s as { spec?: Spec }).spec ?? {};
      if (!spec.selector || !carriesHttp(spec)) continue;
      services.push({ namespace: String(s.metadata.namespace), name: s.metadata.name, idle: idle.has(s.metadata.name), since: created(s) });
    }
    const consumers: HistoryConsumer[] = [];
    for (const w of [...list('apps/deployments'), ...list('apps/statefulsets')]) {
      const group = w.metadata.labels?.[CONSUMER_GROUP_LABEL];
      if (group) consumers.push({ namespace: String(w.metadata.namespace), group, idle: idle.has(w.metadata.name), since: created(w) });
    }
    const cronjobs: HistoryCronJob[] = [];
    for (const j of list('batch/cronjobs')) {
      const spec = (j as { spec?: Spec }).spec ?? {};
      const lastRun = Date.parse(String((j as { status?: { lastScheduleTime?: string } }).status?.lastScheduleTime ?? ''));
      cronjobs.push({ namespace: String(j.metadata.namespace), name: j.metadata.name, since: created(j), ...(spec.suspend ? { suspendedSince: Number.isFinite(lastRun) ? lastRun : created(j) } : {}) });
    }
    out.push({ cluster: c.name, services, consumers, cronjobs });
  }
  return out;
}
