import { z } from 'zod';
import type { Evidence } from '../../core/findings.js';
import type { KubernetesCluster, KubernetesPod, KubernetesService, KubernetesWorkload, PrometheusSignal, PrometheusSignalResult, Server } from '../../snapshot/schema.js';
import type { FleetIndex } from '../../snapshot/fleet-index.js';
import { signalQuery } from '../../snapshot/prometheus-queries.js';
import { defineDetector, type RawFinding } from '../define.js';
import { judgedClusters } from '../inputs.js';
import { clusterRef, findWorkload, formatCpu, isControlPlane, parseTime, podOwner, podsOfService, podsOwnedBy, serviceRef, systemNamespacesOption, workloadRef } from '../kubernetes.js';
import { formatBytes, listNames } from '../resources.js';

type Messages = 'idleService' | 'idleConsumer' | 'suspendedCronJob' | 'clusterReclaimable';

/** The PromQL each signal is collected with, as in the doc (the collector adds its cluster label to each `by`). */
export const UNUSED_SERVICE_QUERIES: Readonly<Record<PrometheusSignal, string>> = {
  httpRequests: signalQuery('httpRequests', 7),
  kafkaConsumption: signalQuery('kafkaConsumption', 7),
  cronjobSuspended: signalQuery('cronjobSuspended', 7),
};

interface Usage {
  readonly cpuMillicores: number;
  readonly memoryBytes: number;
}

function podRequests(pods: readonly KubernetesPod[]): Usage {
  let cpu = 0;
  let mem = 0;
  for (const p of pods) for (const c of p.containers) {
    cpu += c.requests.cpuMillicores ?? 0;
    mem += c.requests.memoryBytes ?? 0;
  }
  return { cpuMillicores: cpu, memoryBytes: mem };
}

/** What one signal says about one subject, in words for the evidence; `undefined` when the signal cannot judge. */
type Verdict = { readonly idle: boolean; readonly said: string } | undefined;

function judge(
  signal: PrometheusSignalResult | undefined,
  match: (r: PrometheusSignalResult['results'][number]) => boolean,
  idleWhen: (value: number) => boolean,
  absentMeansIdle = true,
): Verdict {
  // Without the metric in this cluster at all, "no series" would mean "not measured", not "no traffic".
  if (!signal || signal.status !== 'ok' || !signal.metricPresent) return undefined;
  const rows = signal.results.filter(match);
  if (rows.length === 0) return absentMeansIdle ? { idle: true, said: 'no series in the window (an idle series goes stale and disappears)' } : undefined;
  const total = rows.reduce((n, r) => n + r.value, 0);
  return { idle: rows.every((r) => idleWhen(r.value)), said: `${Number(total.toFixed(3))}` };
}

export default defineDetector({
  id: 'unused-service',
  title: 'Service unused for the whole window',
  layer: 'kubernetes',
  severity: 'low',
  description: 'Finds Services without HTTP traffic, Kafka consumers that consumed nothing and CronJobs suspended for the whole window, with their owners and the CPU and memory they reserve.',
  explanation:
    'Services nobody calls keep their requests reserved on the nodes, and the nodes are OpenStack servers. The platform ' +
    'team behind this rule found 80 such services holding 1,280 cores and 1,280 GiB. The signals are easy to misread: an ' +
    'idle Service\'s istio_requests_total series goes stale and disappears, so "no traffic" is a Service with no series in ' +
    'the window, not a series equal to 0; a workload scaled to zero on a schedule or a CronJob suspended at night is not ' +
    'unused; a workload younger than the window has not been observed long enough. Every finding says what each signal ' +
    'said, so an owner can dispute it.',
  requires: ['kubernetes', 'prometheus'],
  uses: ['servers'],
  kubernetesKinds: ['services', 'workloads', 'pods'],
  messages: {
    idleService: 'Service {{service}} in cluster {{cluster}} received no HTTP requests in {{days}} days{{kafka}}; owner {{owners}}; it reserves {{cpu}} CPU and {{memory}} of requests.',
    idleConsumer: '{{workload}} in cluster {{cluster}} consumed no Kafka records in {{days}} days (consumer group {{group}}); owner {{owners}}; it reserves {{cpu}} CPU and {{memory}} of requests.',
    suspendedCronJob: 'CronJob {{cronjob}} in cluster {{cluster}} has been suspended for all of the last {{days}} days; owner {{owners}}.',
    clusterReclaimable: 'Cluster {{cluster}} has {{count}} unused service(s) reserving {{cpu}} CPU and {{memory}}: {{servers}}.',
  },
  options: z.object({
    ownerKeys: z.array(z.string()).default(['owner', 'team', 'app.kubernetes.io/owner', 'faultline.io/owner']).describe('labels and annotations (on the workload, then the Service) that name an owner'),
    consumerGroupKey: z.string().default('faultline.io/kafka-consumer-group').describe('label or annotation tying a workload to its Kafka consumer group (client_id in the metric)'),
    scheduledScalingKeys: z
      .array(z.string())
      .default(['downscaler/uptime', 'downscaler/downtime', 'downscaler/downtime-replicas', 'faultline.io/scheduled-scaling'])
      .describe('annotations that mark a workload or CronJob as scaled or suspended on a schedule: never judged unused'),
    systemNamespaces: systemNamespacesOption.describe('namespaces never judged'),
  }),
  remediation: {
    steps: [
      'Confirm with the owner: the evidence lists what each signal said over the window (HTTP requests, Kafka consumption, CronJob suspension) and the PromQL behind it.',
      'Scale it down and watch for complaints: `kubectl -n <ns> scale deployment <name> --replicas=0` (keep the manifests for a while).',
      'Delete it once confirmed; then drain and give back the worker servers the cluster no longer needs (`kubectl drain <node>`, `openstack server delete <server>`).',
    ],
  },
  source: 'catalog §3 Kubernetes layer (unused-service and its pitfalls); seed 004 (unused services: 80 services, 1,280 cores, 1,280 GiB)',
  detect({ snapshot, index, options, now }) {
    const out: RawFinding<Messages>[] = [];
    const window = snapshot.prometheus.windowDays;
    const windowMs = window * 86_400_000;
    const system = new Set(options.systemNamespaces);
    const signalOf = (cluster: string, s: PrometheusSignal): PrometheusSignalResult | undefined => snapshot.prometheus.signals.find((x) => x.cluster === cluster && x.signal === s);
    const young = (createdAt: string | undefined): boolean => {
      const t = parseTime(createdAt);
      return t === undefined || now.getTime() - t < windowMs;
    };
    const tag = (w: { labels: Record<string, string>; annotations: Record<string, string> }, key: string): string | undefined => w.labels[key] ?? w.annotations[key];
    const scheduled = (w: { labels: Record<string, string>; annotations: Record<string, string> }): boolean => options.scheduledScalingKeys.some((k) => tag(w, k) !== undefined);
    const ownersOf = (...things: ({ labels: Record<string, string>; annotations: Record<string, string> } | undefined)[]): string[] => {
      for (const t of things) {
        if (!t) continue;
        const found = options.ownerKeys.map((k) => tag(t, k)).filter((v): v is string => v !== undefined && v !== '');
        if (found.length) return [...new Set(found)];
      }
      return [];
    };

    for (const cluster of judgedClusters(snapshot, ['services', 'workloads', 'pods'])) {
      const http = signalOf(cluster.name, 'httpRequests');
      const kafka = signalOf(cluster.name, 'kafkaConsumption');
      const cron = signalOf(cluster.name, 'cronjobSuspended');
      const signalEvidence = (name: PrometheusSignal, said: string): Evidence => ({ label: `${name}_${window}d`, value: said, source: `prometheus: ${signalOf(cluster.name, name)?.query || signalQuery(name, window)}` });
      const unused: { owners: string[]; usage: Usage }[] = [];
      const behindService = new Set<string>();

      for (const svc of cluster.services) {
        if (system.has(svc.namespace) || svc.type === 'ExternalName' || !svc.selector || !mayCarryHttp(svc)) continue;
        const pods = podsOfService(cluster, svc);
        const owners = new Map<string, KubernetesWorkload>();
        for (const p of pods) {
          const o = podOwner(cluster, p);
          const w = o ? findWorkload(cluster, p.namespace, o.kind, o.name) : undefined;
          if (w) owners.set(`${w.kind}/${w.name}`, w);
        }
        for (const k of owners.keys()) behindService.add(`${svc.namespace}/${k}`);
        if (pods.length === 0) continue;
        const workloads = [...owners.values()];
        if (young(svc.createdAt) || workloads.some((w) => young(w.createdAt) || scheduled(w))) continue;
        const verdict = judge(http, (r) => r.namespace === svc.namespace && r.service === svc.name, (v) => v <= 0);
        if (!verdict?.idle) continue;
        const groups = workloads.map((w) => tag(w, options.consumerGroupKey)).filter((g): g is string => g !== undefined);
        let kafkaClause = '';
        const evidence: Evidence[] = [signalEvidence('httpRequests', verdict.said)];
        if (groups.length > 0) {
          const k = judge(kafka, (r) => r.namespace === svc.namespace && r.consumerGroup !== undefined && groups.includes(r.consumerGroup), (v) => v <= 0);
          if (!k?.idle) continue;
          kafkaClause = ' and consumed no Kafka records';
          evidence.push(signalEvidence('kafkaConsumption', k.said));
        }
        const usage = podRequests(pods);
        const owners2 = ownersOf(...workloads, svc);
        unused.push({ owners: owners2, usage });
        out.push({
          messageId: 'idleService',
          data: { service: `${svc.namespace}/${svc.name}`, cluster: cluster.name, days: window, kafka: kafkaClause, owners: owners2.join(', ') || 'unknown', cpu: formatCpu(usage.cpuMillicores), memory: formatBytes(usage.memoryBytes) },
          resource: serviceRef(cluster, svc),
          severity: 'info',
          evidence: [
            ...evidence,
            { label: 'workloads', value: listNames(workloads.map((w) => `${w.kind}/${w.name}`)) || null, source: 'kubernetes' },
            { label: 'pods', value: pods.length, source: 'kubernetes' },
            { label: 'owners', value: owners2.join(', ') || null, source: `labels/annotations: ${options.ownerKeys.join(', ')}` },
            { label: 'cpu_requests_millicores', value: usage.cpuMillicores, source: 'pod spec' },
            { label: 'memory_requests_bytes', value: usage.memoryBytes, source: 'pod spec' },
          ],
        });
      }

      for (const w of cluster.workloads) {
        if (w.owner || system.has(w.namespace) || (w.kind !== 'Deployment' && w.kind !== 'StatefulSet')) continue;
        const group = tag(w, options.consumerGroupKey);
        if (group === undefined || behindService.has(`${w.namespace}/${w.kind}/${w.name}`) || young(w.createdAt) || scheduled(w)) continue;
        const k = judge(kafka, (r) => r.namespace === w.namespace && r.consumerGroup === group, (v) => v <= 0);
        if (!k?.idle) continue;
        const pods = podsOwnedBy(cluster, w.namespace, w.kind, w.name);
        const usage = pods.length ? podRequests(pods) : { cpuMillicores: (w.podRequests.cpuMillicores ?? 0) * (w.desired ?? 0), memoryBytes: (w.podRequests.memoryBytes ?? 0) * (w.desired ?? 0) };
        const owners = ownersOf(w);
        unused.push({ owners, usage });
        out.push({
          messageId: 'idleConsumer',
          data: { workload: `${w.kind} ${w.namespace}/${w.name}`, cluster: cluster.name, days: window, group, owners: owners.join(', ') || 'unknown', cpu: formatCpu(usage.cpuMillicores), memory: formatBytes(usage.memoryBytes) },
          resource: workloadRef(cluster, w),
          severity: 'info',
          evidence: [signalEvidence('kafkaConsumption', k.said), { label: 'owners', value: owners.join(', ') || null, source: 'labels/annotations' }, { label: 'cpu_requests_millicores', value: usage.cpuMillicores, source: 'pod spec' }, { label: 'memory_requests_bytes', value: usage.memoryBytes, source: 'pod spec' }],
        });
      }

      for (const w of cluster.workloads) {
        if (w.kind !== 'CronJob' || system.has(w.namespace) || young(w.createdAt) || scheduled(w)) continue;
        // min_over_time == 1: suspended at every sample of the window; a night-time saver shows 0 by day.
        // kube-state-metrics exports every CronJob, so a missing series is a gap in the data, not a verdict.
        const v = judge(cron, (r) => r.namespace === w.namespace && r.workload === w.name, (x) => x >= 1, false);
        if (!v?.idle) continue;
        const owners = ownersOf(w);
        unused.push({ owners, usage: { cpuMillicores: 0, memoryBytes: 0 } });
        out.push({
          messageId: 'suspendedCronJob',
          data: { cronjob: `${w.namespace}/${w.name}`, cluster: cluster.name, days: window, owners: owners.join(', ') || 'unknown' },
          resource: workloadRef(cluster, w),
          severity: 'info',
          evidence: [
            signalEvidence('cronjobSuspended', v.said),
            { label: 'suspend', value: w.suspend ?? null, source: 'kubernetes' },
            { label: 'per_run_cpu_millicores', value: w.podRequests.cpuMillicores ?? null, source: 'job template' },
            { label: 'owners', value: owners.join(', ') || null, source: 'labels/annotations' },
          ],
        });
      }

      if (unused.length === 0) continue;
      const total = unused.reduce((a, u) => ({ cpuMillicores: a.cpuMillicores + u.usage.cpuMillicores, memoryBytes: a.memoryBytes + u.usage.memoryBytes }), { cpuMillicores: 0, memoryBytes: 0 });
      const giveBack = workerServersToGiveBack(index, cluster, total);
      out.push({
        messageId: 'clusterReclaimable',
        data: { cluster: cluster.name, count: unused.length, cpu: formatCpu(total.cpuMillicores), memory: formatBytes(total.memoryBytes), servers: giveBack.text },
        resource: clusterRef(cluster),
        severity: 'low',
        evidence: [
          { label: 'unused', value: unused.length, source: 'unused-service' },
          { label: 'owners', value: listNames([...new Set(unused.flatMap((u) => u.owners))]) || null, source: 'labels/annotations' },
          { label: 'reclaimable_cpu_cores', value: Number((total.cpuMillicores / 1000).toFixed(3)), source: 'pod requests' },
          { label: 'reclaimable_memory_gib', value: Number((total.memoryBytes / 1024 ** 3).toFixed(2)), source: 'pod requests' },
          { label: 'worker_servers_reclaimable', value: giveBack.count, source: 'nova flavors' },
          ...(giveBack.flavor ? [{ label: 'worker_flavor', value: giveBack.flavor, source: 'nova' }] : []),
        ],
      });
    }
    return out;
  },
});

/**
 * Istio counts a request in istio_requests_total only on a port it treats as HTTP or
 * gRPC. A Service whose every port is named for another protocol (Istio's `tcp-`,
 * `tls-`, `mongo-`, `mysql-`, `redis-`, `udp-` prefixes) or is UDP can never have that
 * series, so its absence says nothing; an unnamed port is sniffed and may carry HTTP.
 */
function mayCarryHttp(svc: KubernetesService): boolean {
  if (svc.ports.length === 0) return true;
  return svc.ports.some((p) => p.protocol !== 'UDP' && !(p.name !== undefined && /^(tcp|tls|mongo|mysql|redis|udp)(-|$)/.test(p.name)));
}

/**
 * The same total in OpenStack terms: how many of the cluster's worker servers, of its
 * most common worker flavor, the freed requests add up to (limited by whichever of CPU
 * and memory runs out first).
 */
function workerServersToGiveBack(index: FleetIndex, cluster: KubernetesCluster, total: Usage): { count: number | null; flavor?: string; text: string } {
  const servers = cluster.nodes.filter((n) => !isControlPlane(n)).map((n) => index.serverOfNode(n)).filter((s): s is Server => s !== undefined);
  const counts = new Map<string, { n: number; flavor: NonNullable<Server['flavor']> }>();
  for (const s of servers) if (s.flavor?.vcpus && s.flavor.ramMiB) counts.set(s.flavor.name, { n: (counts.get(s.flavor.name)?.n ?? 0) + 1, flavor: s.flavor });
  const top = [...counts.values()].sort((a, b) => b.n - a.n)[0];
  if (!top) return { count: null, text: 'the worker servers behind the cluster are not known, so the total is not said in servers' };
  const byCpu = total.cpuMillicores / 1000 / (top.flavor.vcpus as number);
  const byMem = total.memoryBytes / 1024 ** 2 / (top.flavor.ramMiB as number);
  const count = Math.min(Math.floor(Math.min(byCpu, byMem)), top.n);
  const desc = `${top.flavor.name} (${top.flavor.vcpus} vCPU, ${formatBytes((top.flavor.ramMiB as number) * 1024 ** 2)})`;
  const text = count === 0 ? `less than one of its ${top.n} ${desc} worker servers, so no server can be given back yet` : `about ${count} of its ${top.n} ${desc} worker servers could be given back`;
  return { count, flavor: desc, text };
}
