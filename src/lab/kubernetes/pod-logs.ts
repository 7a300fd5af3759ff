/**
 * What `kubectl logs` shows for the lab's containers: each component's log in its own
 * format (calico's `[INFO][pid] file.go line:`, klog's `I1203 12:00:00.000000`, CoreDNS's
 * banner, JSON access logs), with the time of every line so `tailLines`, `sinceSeconds`
 * and `timestamps` work on real data. A crash-looping calico-node's log ends in the bird
 * configuration error the cluster checklist quotes.
 */
import { pickIndex } from './naming.js';
import type { KubeObject } from './store.js';

export interface LogLine {
  at: number;
  text: string;
}

type Obj = Record<string, unknown>;

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `2026-12-03 12:00:00.123` (calico). */
function calicoTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
}

/** `I1203 12:00:00.123456` (klog), severity first. */
function klog(severity: 'I' | 'W' | 'E', ms: number, pid: number, where: string, text: string): string {
  const d = new Date(ms);
  return `${severity}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}${pad(ms % 1000, 3)} ${String(pid).padStart(7)} ${where}] ${text}`;
}

function calicoStart(start: number, nodeName: string, ip: string): LogLine[] {
  const c = (offset: number, pid: number, where: string, text: string): LogLine => ({ at: start + offset, text: `${calicoTime(start + offset)} [INFO][${pid}] ${where}: ${text}` });
  return [
    c(12, 9, 'startup/startup.go 427', 'Early log level set to info'),
    c(13, 9, 'startup/utils.go 127', `Using NODENAME environment for node name ${nodeName}`),
    c(14, 9, 'startup/utils.go 139', 'Determined node name: ' + nodeName),
    c(150, 9, 'startup/startup.go 106', 'Skipping datastore connection test'),
    c(310, 9, 'startup/autodetection_methods.go 103', `Using autodetected IPv4 address on interface ens3: ${ip}/16`),
    c(320, 9, 'startup/startup.go 604', `Node IPv4 changed, will check for conflicts`),
    c(900, 9, 'startup/startup.go 223', 'Using node name: ' + nodeName),
    c(1_100, 41, 'tunnel-ip-allocator/allocateip.go 305', 'Current address is still valid, do nothing currentAddr="10.244.0.1" type="ipipTunnelAddress"'),
    { at: start + 1_200, text: 'Calico node started successfully' },
  ];
}

function calicoLog(start: number, until: number, nodeName: string, ip: string, crashing: boolean): LogLine[] {
  const out = calicoStart(start, nodeName, ip);
  if (crashing) {
    // The checklist's example: confd never wrote bird's configuration, so bird cannot start and felix reports BIRD not ready.
    out.push({ at: start + 1_300, text: 'bird: Unable to open configuration file /etc/calico/confd/config/bird6.cfg: No such file or directory' });
    out.push({ at: start + 1_301, text: 'bird: Unable to open configuration file /etc/calico/confd/config/bird.cfg: No such file or directory' });
    out.push({ at: start + 2_500, text: `${calicoTime(start + 2_500)} [INFO][149] tunnel-ip-allocator/watchersyncer.go 89: Start called` });
    out.push({ at: start + 2_600, text: `${calicoTime(start + 2_600)} [WARNING][86] felix/health.go 211: Reporter is not ready. name="int_dataplane"` });
    out.push({ at: start + 9_000, text: `${calicoTime(start + 9_000)} [ERROR][86] felix/health.go 296: Health of component is not live name="int_dataplane"` });
    out.push({ at: start + 10_000, text: `${calicoTime(start + 10_000)} [INFO][9] startup/startup.go 493: Received SIGTERM, shutting down calico-node` });
    return out;
  }
  for (let t = start + 60_000, i = 0; t <= until && i < 120; t += 90_000 * 10, i++) {
    out.push({ at: t, text: `${calicoTime(t)} [INFO][86] felix/summary.go 100: Summarising 11 dataplane reconciliation loops over 1m3.2s: avg=4ms longest=12ms (resync-nat-v4)` });
  }
  return out;
}

function klogComponent(component: string, start: number, until: number, pid: number): LogLine[] {
  type Entry = [number, 'I' | 'W', string, string];
  const table: Record<string, Entry[]> = {
    'kube-proxy': [
      [0, 'I', 'server_others.go:72', '"Using iptables proxy"'],
      [40, 'I', 'server.go:1050', '"Successfully retrieved node IP(s)" IPs=["127.0.0.1"]'],
      [60, 'I', 'server_others.go:187', '"kube-proxy running in dual-stack mode" primary ipFamily="IPv4"'],
      [90, 'I', 'config.go:188', '"Starting service config controller"'],
      [95, 'I', 'config.go:97', '"Starting endpoint slice config controller"'],
      [300, 'I', 'shared_informer.go:318', 'Caches are synced for service config'],
    ],
    etcd: [
      [0, 'I', 'etcdmain/etcd.go:73', 'Running: etcd --data-dir=/var/lib/etcd'],
      [200, 'I', 'embed/etcd.go:124', 'configuring peer listeners'],
      [1_500, 'I', 'etcdserver/server.go:2062', 'published local member to cluster through raft'],
    ],
    'kube-apiserver': [
      [0, 'I', 'options.go:220', 'external host was not specified, using the advertise address'],
      [600, 'I', 'server.go:162', 'Version: v1'],
      [4_000, 'I', 'secure_serving.go:213', 'Serving securely on [::]:6443'],
      [4_100, 'I', 'controller.go:624', 'quota admission added evaluator for: leases.coordination.k8s.io'],
    ],
    'kube-controller-manager': [
      [0, 'I', 'serving.go:348', 'Generated self-signed cert in-memory'],
      [800, 'I', 'leaderelection.go:250', 'attempting to acquire leader lease kube-system/kube-controller-manager...'],
      [2_000, 'I', 'node_lifecycle_controller.go:468', '"Controller will reconcile labels"'],
    ],
    'kube-scheduler': [
      [0, 'I', 'serving.go:348', 'Generated self-signed cert in-memory'],
      [700, 'I', 'server.go:154', '"Starting Kubernetes Scheduler"'],
      [900, 'I', 'leaderelection.go:250', 'attempting to acquire leader lease kube-system/kube-scheduler...'],
    ],
  };
  const lines: Entry[] = table[component] ?? [[0, 'I', 'main.go:42', `"Starting ${component}"`]];
  const out = lines.map(([offset, sev, where, text]) => ({ at: start + offset, text: klog(sev, start + offset, pid, where, text) }));
  if (component === 'kube-proxy') {
    for (let t = start + 3_600_000, i = 0; t <= until && i < 48; t += 3_600_000 * 6, i++) out.push({ at: t, text: klog('I', t, pid, 'proxier.go:1539', '"Reloading service iptables data" numServices=7 numEndpoints=9') });
  }
  return out;
}

function corednsLog(start: number): LogLine[] {
  return ['.:53', '[INFO] plugin/reload: Running configuration SHA512 = 591cf328cccc12bc490481273e738df59329c62c0b729d94e8b61db9961c2fa5f046dd37f1cf888b953814040d180f52594972691cd6ff41be96639138a43908', 'CoreDNS-1.10.1', 'linux/amd64, go1.20, 055b2c3'].map((text, i) => ({ at: start + 100 + i, text }));
}

function appLog(container: string, start: number, until: number, seed: string): LogLine[] {
  const out: LogLine[] = [{ at: start + 500, text: JSON.stringify({ level: 'info', ts: new Date(start + 500).toISOString(), msg: `${container} listening`, addr: ':8080' }) }];
  // The last hour of access log, one line a minute: enough for tailLines and sinceSeconds to bite.
  const from = Math.max(start + 60_000, until - 3_600_000);
  for (let t = from - (from % 60_000); t <= until; t += 60_000) {
    const status = pickIndex(`${seed}/${t}`, 50) === 0 ? 503 : 200;
    out.push({ at: t, text: JSON.stringify({ level: 'info', ts: new Date(t).toISOString(), msg: 'request', method: 'GET', path: '/v1/items', status, duration_ms: 3 + pickIndex(`${seed}/d/${t}`, 40) }) });
  }
  return out;
}

function envoyLog(start: number): LogLine[] {
  return [
    { at: start + 200, text: `${new Date(start + 200).toISOString()}\tinfo\tFLAG: --concurrency="2"` },
    { at: start + 900, text: `${new Date(start + 900).toISOString()}\tinfo\tEnvoy proxy is ready` },
  ];
}

function jobLog(container: string, start: number, end: number, failed: boolean): LogLine[] {
  if (failed) {
    return [
      { at: start + 100, text: `${container}: starting settlement batch` },
      { at: end - 200, text: `${container}: error: dial tcp 10.96.41.12:5432: connect: connection refused` },
      { at: end - 100, text: `${container}: exiting with status 1` },
    ];
  }
  return [
    { at: start + 100, text: `${container}: starting` },
    { at: end - 100, text: `${container}: wrote 1342 rows, done` },
  ];
}

function initLog(container: string, start: number): LogLine[] {
  if (container === 'install-cni') return [{ at: start, text: `${calicoTime(start)} [INFO][1] cni-installer/<nil> <nil>: Running as a Kubernetes pod` }, { at: start + 900, text: `${calicoTime(start + 900)} [INFO][1] cni-installer/<nil> <nil>: CNI plugin version: v3.26.4` }];
  if (container === 'upgrade-ipam') return [{ at: start, text: `${calicoTime(start)} [INFO][1] ipam/ipam_plugin.go 75: migrating from host-local to calico-ipam...` }];
  return [];
}

function statusOf(pod: KubeObject, container: string): Obj | undefined {
  const status = pod.status as Obj | undefined;
  const all = [...(((status?.containerStatuses as Obj[] | undefined) ?? [])), ...(((status?.initContainerStatuses as Obj[] | undefined) ?? []))];
  return all.find((c) => c.name === container);
}

/**
 * The log of one container. Throws a message the API server would send (400) when
 * there is nothing to show yet.
 */
export function containerLog(pod: KubeObject, container: string, now: number, previous: boolean): LogLine[] {
  const cs = statusOf(pod, container);
  const state = (cs?.state ?? {}) as Obj;
  const last = (cs?.lastState ?? {}) as Obj;
  const podName = pod.metadata.name;
  if (!cs) throw new LogError(`container "${container}" in pod "${podName}" is waiting to start: ContainerCreating`);
  const time = (o: unknown, k: string): number => Date.parse(String((o as Obj | undefined)?.[k] ?? '')) || now;
  const spec = pod.spec as Obj;
  const nodeName = String(spec.nodeName ?? '');
  const hostIp = String((pod.status as Obj).hostIP ?? '');
  const waiting = state.waiting as Obj | undefined;
  if (previous && !last.terminated) throw new LogError(`previous terminated container "${container}" in pod "${podName}" not found`);
  const crashing = waiting?.reason === 'CrashLoopBackOff';
  // A crash-looping container has no current instance: its log is the last run's (previous or not).
  const run = previous || crashing ? (last.terminated as Obj) : ((state.running ?? state.terminated) as Obj | undefined);
  if (!run) throw new LogError(`container "${container}" in pod "${podName}" is waiting to start: ${String(waiting?.reason ?? 'ContainerCreating')}`);
  const start = time(run, 'startedAt');
  const end = run.finishedAt ? time(run, 'finishedAt') : now;
  if (container === 'calico-node') return calicoLog(start, end, nodeName, hostIp, crashing);
  if (['kube-proxy', 'etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'].includes(container)) return klogComponent(container, start, end, 1 + pickIndex(`${podName}/pid`, 30));
  if (container === 'coredns') return corednsLog(start);
  if (container === 'istio-proxy') return envoyLog(start);
  if (['install-cni', 'upgrade-ipam', 'mount-bpffs'].includes(container)) return initLog(container, start);
  if (run.finishedAt !== undefined && String(spec.restartPolicy) !== 'Always') return jobLog(container, start, end, Number(run.exitCode) !== 0);
  return appLog(container, start, end, podName);
}

export class LogError extends Error {}

export interface LogOptions {
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: number;
  timestamps?: boolean;
  limitBytes?: number;
}

/** Applies the log query options, as the kubelet does, and renders the text. */
export function renderLog(lines: readonly LogLine[], now: number, o: LogOptions): string {
  let selected = [...lines].sort((a, b) => a.at - b.at);
  if (o.sinceSeconds !== undefined) selected = selected.filter((l) => l.at >= now - o.sinceSeconds! * 1000);
  if (o.sinceTime !== undefined) selected = selected.filter((l) => l.at >= o.sinceTime!);
  if (o.tailLines !== undefined) selected = o.tailLines === 0 ? [] : selected.slice(-o.tailLines);
  let text = selected.map((l) => `${o.timestamps ? `${new Date(l.at).toISOString().replace('Z', '000000Z')} ` : ''}${l.text}\n`).join('');
  if (o.limitBytes !== undefined && Buffer.byteLength(text) > o.limitBytes) text = Buffer.from(text).subarray(0, o.limitBytes).toString('utf8');
  return text;
}
