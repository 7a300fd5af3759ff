// Builds examples/fleet-snapshot.json: a small two-region fleet carrying real
// failures from the domain catalog (PM hang with a DB server on it, a hung VM,
// a worker that keeps being shut off by its host, a stuck task, an ERROR server,
// a dead Neutron agent, hardware alarms). Run after `npm run build`.
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

const snapshot = b.build();
const collection = snapshot.collection.map((o) => ({ ...o, collector: o.collector.replace(/^test:/, 'example:') }));
const doc = { ...snapshot, collection, producer: { tool: 'faultline', version: 'example' }, description: 'Example fleet: two regions, eight hypervisors, catalog failures built in.' };
writeFileSync('examples/fleet-snapshot.json', `${JSON.stringify(doc, null, 2)}\n`);
console.log(`wrote examples/fleet-snapshot.json: ${snapshot.servers.length} servers, ${snapshot.hypervisors.length} hypervisors`);
