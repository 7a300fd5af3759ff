// Builds examples/fleet-snapshot.json: a small two-region fleet carrying real
// failures from the domain catalog (PM hang with a DB server on it, a hung VM,
// a worker that keeps being shut off by its host, a stuck task, an ERROR server,
// a dead Neutron agent, hardware alarms) and the Kubernetes cluster on it (the
// node lost with that worker, a node that never joined, calico crash-looping,
// an app on the control plane, an unused Service). Run after `npm run build`.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { fleet } from '../dist/snapshot/builders.js';

const uuid = (name) => {
  const h = createHash('sha1').update(`faultline-example:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};
const at = (iso) => new Date(iso).toISOString().replace('.000Z', 'Z');
const NOW = '2026-11-25T03:10:00Z';
const ago = (minutes) => at(new Date(Date.parse(NOW) - minutes * 60_000));

const b = fleet().at(NOW);
b.region('pg1', 'prod', 'pg').region('hn1dev', 'dev', 'hn');

const hv = (name, region, n) =>
  b.hypervisor(`${name}.${region}.cloud.example`, { id: uuid(name), host: name, region, hostIp: `172.16.${region === 'pg1' ? 1 : 2}.${n}`, hypervisorType: 'QEMU', model: 'r640' });
['krane-pg1-com901', 'krane-pg1-com902', 'krane-pg1-com903', 'krane-pg1-com904', 'krane-pg1-com905', 'krane-pg1-com906'].forEach((h, i) => hv(h, 'pg1', 11 + i));
['krane-hn1dev-com101', 'krane-hn1dev-com102'].forEach((h, i) => hv(h, 'hn1dev', 21 + i));

let ipSeq = 10;
const projects = { shop: 'c1a7f0e2b9d84f6e9b0d2f4a6c8e0a11', search: 'd2b8e1f3cae94a7fa1c3e5b7d9f1b222', platform: 'e3c9f2a4dbfa4b80b2d4f6c8e0a2c333' };
const vm = (name, host, fields = {}) => {
  const region = host.includes('hn1dev') ? 'hn1dev' : 'pg1';
  const ip = `10.${region === 'pg1' ? 20 : 30}.${Math.floor(ipSeq / 200)}.${(ipSeq++ % 200) + 10}`;
  b.server(name, {
    id: uuid(name),
    on: host,
    ip,
    region,
    hypervisorHostname: `${host}.${region}.cloud.example`,
    projectId: fields.project ? projects[fields.project] : projects.shop,
    projectName: fields.project ?? 'shop',
    flavor: { name: fields.flavor ?? 'm1.large', vcpus: 4, ramMiB: 8192, diskGiB: 80 },
    image: { id: uuid('rocky9'), name: 'Rocky Linux 9 Generic Cloud' },
    createdAt: '2026-03-02T09:15:00Z',
    updatedAt: ago(600),
    launchedAt: '2026-03-02T09:16:10Z',
    hostStatus: 'UP',
    ...fields.server,
  });
  return name;
};

// Healthy and unlucky servers, hypervisor by hypervisor.
const all = [];
const on = (host, names) => names.forEach(([n, f]) => all.push([vm(n, host, f ?? {}), host]));
on('krane-pg1-com901', [['shop-web-01'], ['search-api-02', { project: 'search' }], ['amphora-4f1c2a9e-0b7d-4c1e-9f2a-5d6e7f8091a2', { project: 'platform', flavor: 'lb.small' }], ['shop-cache-01']]);
on('krane-pg1-com902', [['k8s-worker-1', { project: 'platform', flavor: 'k8s.worker', server: { status: 'SHUTOFF', vmState: 'stopped', powerState: 4, updatedAt: ago(42) } }], ['k8s-worker-2', { project: 'platform', flavor: 'k8s.worker' }], ['shop-web-02']]);
on('krane-pg1-com903', [
  ['orders-db-01', { server: { hostStatus: 'UNKNOWN' } }],
  ['shop-api-01', { server: { hostStatus: 'UNKNOWN' } }],
  ['shop-api-02', { server: { hostStatus: 'UNKNOWN' } }],
  ['search-indexer-01', { project: 'search', server: { hostStatus: 'UNKNOWN' } }],
]);
on('krane-pg1-com904', [
  ['batch-runner-01', { server: { status: 'ERROR', vmState: 'error', powerState: 0, fault: { code: 500, message: 'internal error: process exited while connecting to monitor', created: ago(95) } } }],
  ['shop-worker-01'],
]);
on('krane-pg1-com905', [['report-gen-01', { server: { status: 'SHUTOFF', vmState: 'stopped', taskState: 'powering-on', powerState: 4, updatedAt: ago(130) } }], ['shop-worker-02']]);
on('krane-pg1-com906', [['shop-web-03'], ['search-api-03', { project: 'search' }]]);
on('krane-hn1dev-com101', [['dev-sandbox-01', { project: 'platform' }], ['dev-ci-runner-01', { project: 'platform' }]]);
on('krane-hn1dev-com102', [['dev-sandbox-02', { project: 'platform' }]]);
// Added after the others so the servers above keep their instance names.
on('krane-pg1-com906', [['k8s-master-1', { project: 'platform', flavor: 'k8s.master' }]]);
on('krane-pg1-com901', [['k8s-worker-3', { project: 'platform', flavor: 'k8s.worker', server: { metadata: { 'kubernetes-cluster': 'shop-prod' }, createdAt: ago(3 * 24 * 60), launchedAt: ago(3 * 24 * 60 - 2) } }]]);

// Nova services and Neutron agents for every compute host.
for (const h of ['krane-pg1-com901', 'krane-pg1-com902', 'krane-pg1-com903', 'krane-pg1-com904', 'krane-pg1-com905', 'krane-pg1-com906', 'krane-hn1dev-com101', 'krane-hn1dev-com102']) {
  const down = h === 'krane-pg1-com903';
  b.computeService(h, { id: uuid(`svc-${h}`), zone: 'nova', state: down ? 'down' : 'up', updatedAt: down ? ago(27) : ago(0.2) });
  for (const [binary, type] of [['neutron-linuxbridge-agent', 'Linux bridge agent'], ['neutron-dhcp-agent', 'DHCP agent'], ['neutron-metadata-agent', 'Metadata agent']]) {
    const dead = down || (h === 'krane-pg1-com906' && binary === 'neutron-dhcp-agent');
    b.networkAgent(h, { id: uuid(`agent-${h}-${binary}`), binary, agentType: type, alive: !dead, adminStateUp: true, heartbeatTimestamp: (dead ? ago(31) : ago(0.3)).replace('T', ' ').replace('Z', '') });
  }
}

// The worker the host keeps shutting down: Nova's power-state sync stopped it five times this month.
const stops = [28 * 24 * 60, 19 * 24 * 60, 11 * 24 * 60, 4 * 24 * 60, 42];
stops.forEach((m, i) => {
  b.action('k8s-worker-1', {
    requestId: `req-${uuid(`stop-${i}`)}`,
    action: 'stop',
    startTime: ago(m),
    userId: null,
    projectId: null,
    events: [{ event: 'compute_stop_instance', startTime: ago(m), finishTime: ago(m - 0.1), result: 'Success', host: 'krane-pg1-com902' }],
  });
  if (i < stops.length - 1) {
    b.action('k8s-worker-1', { requestId: `req-${uuid(`start-${i}`)}`, action: 'start', startTime: ago(m - 35), userId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', projectId: projects.platform, events: [{ event: 'compute_start_instance', startTime: ago(m - 35), finishTime: ago(m - 34.5), result: 'Success', host: 'krane-pg1-com902' }] });
  }
});
b.action('report-gen-01', { requestId: `req-${uuid('rg-start')}`, action: 'start', startTime: ago(130), userId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', projectId: projects.shop, events: [{ event: 'compute_start_instance', startTime: ago(130), finishTime: null, result: null, host: 'krane-pg1-com905' }] });

// Reachability: the hung PM's servers are dark, search-api-02 accepts TCP but never sends a banner.
for (const [name, host] of all) {
  if (name === 'k8s-worker-1' || name === 'report-gen-01' || name === 'batch-runner-01') b.reach(name, false, 'timeout');
  else if (host === 'krane-pg1-com903') b.reach(name, false, 'timeout');
  else if (name === 'search-api-02') b.reach(name, true, 'hang');
  else if (name.startsWith('amphora-')) b.reach(name, true, 'not-expected');
  else b.reach(name, true, 'ok');
}
b.probe({ targetKind: 'hypervisor', targetId: 'krane-pg1-com903.pg1.cloud.example', address: '172.16.1.13', probedAt: NOW, ping: { ok: false }, ssh: { state: 'timeout' } });

// Host-side evidence for the worker's host (used by the host detectors).
b.hostFacts('krane-pg1-com902', {
  memory: { totalBytes: 16_106_127_360, availableBytes: 644_245_094, swapTotalBytes: 8_589_934_592, swapUsedBytes: 4_724_464_025 },
  filesystems: [{ filesystem: '/dev/nvme0n1p2', mount: '/', sizeBytes: 472_446_402_560, usedBytes: 425_201_762_304, usedPercent: 90 }],
  kernelEvents: [{ kind: 'hung-task', time: ago(50), line: 'INFO: task nova-compute:2114 blocked for more than 245 seconds.', process: 'nova-compute', pid: 2114, detail: { seconds: 245 } }],
  libvirtLogEvents: [{ kind: 'qcow2-refcount', line: 'ERROR cluster 184467 refcount=0 reference=1', instanceName: 'instance-00000005', file: '/var/log/libvirt/qemu/instance-00000005.log' }],
});
b.disk('krane-pg1-com902', { device: '/dev/nvme0', protocol: 'NVMe', model: 'SAMSUNG MZQLB1T9HAJR-00007', serial: 'S439NA0M912345', smartPassed: true, nvmeErrorLogEntries: 2787, temperatureC: 41, holds: ['vm-images', 'os'] });

// The alarm feed: a fan on com901, repeated single-bit errors on com906, a failed disk in dev.
b.alarm('krane-pg1-com901', 'FAN', { ticketId: '721431', location: 'PG1-R07-U18', message: 'System Board Fan3 RPM below lower critical threshold', raisedAt: ago(300) });
b.alarm('krane-pg1-com906', 'MEM_SBE', { ticketId: '721440', location: 'PG1-R11-U22', message: 'Correctable memory error rate exceeded for DIMM B2', raisedAt: ago(900), count: 12 });
b.alarm('krane-pg1-com903', 'PING_FAIL', { ticketId: '721452', location: 'PG1-R09-U30', ips: ['172.16.1.13'], message: 'host not answering ping', raisedAt: ago(25) });
b.alarm('krane-hn1dev-com102', 'DISK_FAILED', { ticketId: '721455', location: 'HN1-R02-U05', message: 'Physical Disk 0:1:3 failed; virtual disk degraded beyond recovery', raisedAt: ago(60) });

b.inventory({ match: { serverName: 'orders-db-01' }, roles: ['db'], owners: ['dba-oncall', 'shop-team'], tags: { service: 'orders' } });
b.inventory({ match: { serverName: 'k8s-worker-1' }, roles: ['kubernetes-worker'], owners: ['platform-team'], tags: { cluster: 'shop-prod' } });

// The shop-prod cluster on those servers. k8s-worker-1 is the VM its host keeps stopping, so its node is lost;
// k8s-worker-3 was built three days ago and never joined because containerd was not running on it.
const PREFLIGHT =
  '[ERROR CRI]: container runtime is not running: output: time="2026-11-22T03:12:40Z" level=fatal msg="validate service connection: validate CRI v1 runtime API for endpoint \\"unix:///var/run/containerd/containerd.sock\\": rpc error: code = Unavailable desc = connection error: desc = \\"transport: Error while dialing: dial unix /var/run/containerd/containerd.sock: connect: no such file or directory\\""';
b.hostFacts('k8s-worker-3', { services: { containerd: 'inactive', kubelet: 'activating' }, containerdSocket: false, nodeJoinErrors: [PREFLIGHT] });
b.hostFacts('k8s-worker-2', {
  services: { containerd: 'active', kubelet: 'active' },
  containerdSocket: true,
  interfaces: [
    { name: 'ens3', mtu: 1500, up: true, role: 'service', addresses: ['10.20.0.16/24'] },
    { name: 'ens4', mtu: 1500, up: true, role: 'storage', addresses: ['192.168.50.16/24'] },
  ],
});
const lost = ago(41);
const podIn = (c, ref, node, fields = {}) => c.pod(ref, { nodeName: node, createdAt: '2026-10-01T00:00:00Z', startTime: '2026-10-01T00:00:10Z', ...fields });
b.k8s(
  'shop-prod',
  (c) => {
    c.node('k8s-master-1', { server: 'k8s-master-1', taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }], labels: { 'node-role.kubernetes.io/control-plane': '' } })
      .node('k8s-worker-1', {
        server: 'k8s-worker-1',
        conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: ago(42), lastTransitionTime: lost }],
        lastHeartbeat: ago(42),
        taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }],
      })
      .node('k8s-worker-2', { server: 'k8s-worker-2', version: 'v1.28.9' });
    podIn(c, 'kube-system/kube-apiserver-k8s-master-1', 'k8s-master-1', { staticPod: true });
    podIn(c, 'kube-system/etcd-k8s-master-1', 'k8s-master-1', { staticPod: true });
    podIn(c, 'kube-system/coredns-5d78c9869d-4xk2p', 'k8s-worker-2', { labels: { 'k8s-app': 'kube-dns' }, owner: { kind: 'ReplicaSet', name: 'coredns-5d78c9869d' } });
    podIn(c, 'kube-system/calico-node-7bq9d', 'k8s-worker-2', {
      ready: false,
      owner: { kind: 'DaemonSet', name: 'calico-node' },
      containers: [{ name: 'calico-node', requests: { cpuMillicores: 250 }, probes: { liveness: true, readiness: true } }, { name: 'install-cni', requests: { cpuMillicores: 10 } }],
      containerStatuses: [
        { name: 'calico-node', ready: false, restartCount: 23, state: 'waiting', reason: 'CrashLoopBackOff', lastTerminationReason: 'Error', lastExitCode: 1 },
        { name: 'install-cni', ready: true, restartCount: 0, state: 'running' },
      ],
    });
    c.workload('DaemonSet', 'kube-system/calico-node', { desired: 3, ready: 1, available: 1, tolerations: [{ operator: 'Exists' }] })
      .workload('Deployment', 'kube-system/coredns', { desired: 1 })
      .workload('ReplicaSet', 'kube-system/coredns-5d78c9869d', { owner: { kind: 'Deployment', name: 'coredns' }, desired: 1 })
      .service('kube-system/kube-dns', { selector: { 'k8s-app': 'kube-dns' }, ports: [{ name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' }] })
      .endpoints('kube-system/kube-dns', [{ ip: '10.244.2.3', pod: 'coredns-5d78c9869d-4xk2p', nodeName: 'k8s-worker-2' }]);
    // cart lost its replica on the dead worker; orders was given the control-plane toleration to keep running.
    c.workload('Deployment', 'shop/cart', { desired: 2, ready: 1, available: 1, labels: { team: 'shop-cart' } })
      .workload('ReplicaSet', 'shop/cart-7d9f8b6c4', { owner: { kind: 'Deployment', name: 'cart' } })
      .service('shop/cart')
      .endpoints('shop/cart', [{ ip: '10.244.2.11', pod: 'cart-7d9f8b6c4-h2x8q', nodeName: 'k8s-worker-2' }], [{ ip: '10.244.1.9', pod: 'cart-7d9f8b6c4-m4k7z', nodeName: 'k8s-worker-1' }]);
    podIn(c, 'shop/cart-7d9f8b6c4-h2x8q', 'k8s-worker-2', { labels: { app: 'cart' }, owner: { kind: 'ReplicaSet', name: 'cart-7d9f8b6c4' } });
    podIn(c, 'shop/cart-7d9f8b6c4-m4k7z', 'k8s-worker-1', { labels: { app: 'cart' }, ready: false, owner: { kind: 'ReplicaSet', name: 'cart-7d9f8b6c4' } });
    const cp = [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }];
    c.workload('Deployment', 'shop/orders', { desired: 1, tolerations: cp, labels: { team: 'shop-orders' } }).workload('ReplicaSet', 'shop/orders-5c6b7d', { owner: { kind: 'Deployment', name: 'orders' }, tolerations: cp });
    podIn(c, 'shop/orders-5c6b7d-q8w2e', 'k8s-master-1', { labels: { app: 'orders' }, owner: { kind: 'ReplicaSet', name: 'orders-5c6b7d' }, tolerations: cp });
    // legacy-search has had no HTTP request in the last seven days: its series is gone from Prometheus.
    c.workload('Deployment', 'search/legacy-search', { desired: 1, annotations: { owner: 'search-team' } })
      .workload('ReplicaSet', 'search/legacy-search-66f', { owner: { kind: 'Deployment', name: 'legacy-search' } })
      .service('search/legacy-search', { selector: { app: 'legacy-search' } })
      .endpoints('search/legacy-search', [{ ip: '10.244.2.20', pod: 'legacy-search-66f-z9x8c', nodeName: 'k8s-worker-2' }]);
    podIn(c, 'search/legacy-search-66f-z9x8c', 'k8s-worker-2', {
      labels: { app: 'legacy-search' },
      owner: { kind: 'ReplicaSet', name: 'legacy-search-66f' },
      containers: [{ name: 'search', requests: { cpuMillicores: 4000, memoryBytes: 8 * 1024 ** 3 }, limits: { cpuMillicores: 4000, memoryBytes: 8 * 1024 ** 3 }, probes: { liveness: true, readiness: true } }],
    });
    c.workload('CronJob', 'ops/cleanup', { schedule: '0 0 3 * * *', labels: { team: 'platform' } })
      .pvc('search/index-data', 'Pending', { createdAt: ago(180), requestedBytes: 200 * 1024 ** 3 })
      .event({ namespace: 'kube-system', reason: 'BackOff', object: 'Pod/calico-node-7bq9d', message: 'Back-off restarting failed container calico-node in pod calico-node-7bq9d_kube-system', count: 23, lastTimestamp: ago(2) })
      .event({ namespace: 'search', reason: 'ProvisioningFailed', object: 'PersistentVolumeClaim/index-data', message: 'failed to provision volume with StorageClass "csi-cinder": rpc error: code = Internal desc = CreateVolume failed: VolumeSizeExceedsAvailableQuota', count: 12, lastTimestamp: ago(5) });
  },
  { serverVersion: 'v1.29.4', collection: { status: 'ok', collectedAt: NOW, unlisted: [], warnings: [] } },
);
const httpQuery = 'sum by (destination_service_namespace, destination_service_name) (increase(istio_requests_total{reporter="destination"}[7d]))';
b.prometheus({ cluster: 'shop-prod', signal: 'httpRequests', query: httpQuery, status: 'ok', metricPresent: true, results: [{ namespace: 'shop', service: 'cart', value: 1_832_114 }, { namespace: 'shop', service: 'orders', value: 412_907 }] });
b.inventory({ match: { serverName: 'k8s-worker-3' }, roles: ['kubernetes-worker'], owners: ['platform-team'], tags: { cluster: 'shop-prod' } });

const snapshot = b.build();
const collection = snapshot.collection.map((o) => ({ ...o, collector: o.collector.replace(/^test:/, 'example:') }));
const doc = { ...snapshot, collection, producer: { tool: 'faultline', version: 'example' }, description: 'Example fleet: two regions, eight hypervisors, catalog failures built in.' };
writeFileSync('examples/fleet-snapshot.json', `${JSON.stringify(doc, null, 2)}\n`);
console.log(`wrote examples/fleet-snapshot.json: ${snapshot.servers.length} servers, ${snapshot.hypervisors.length} hypervisors`);
