import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Finding } from '../core/findings.js';
import { runDetectors } from '../detect/engine.js';
import { detectors } from '../detect/rules/index.js';
import { fleet, resetIds, type FleetBuilder } from '../snapshot/builders.js';
import type { Snapshot } from '../snapshot/schema.js';
import { correlate } from './correlate.js';

const NOW = new Date('2026-01-01T00:00:00Z');
const PM = 'krane-pg1-com009';
const OTHER = 'krane-pg1-com010';

function findingsOf(snapshot: Snapshot): Finding[] {
  return runDetectors(snapshot, detectors, { now: NOW }).flatMap((r) => r.findings);
}

function scan(b: FleetBuilder): { snapshot: Snapshot; findings: Finding[]; result: ReturnType<typeof correlate> } {
  const snapshot = b.build({ collected: ['computeServices', 'networkAgents', 'instanceActions', 'alarms', 'hostFacts', 'disks', 'consoleLogs', 'inventory'] });
  const findings = findingsOf(snapshot);
  return { snapshot, findings, result: correlate(snapshot, findings) };
}

/** A prod region with two hypervisors; five servers on PM (one a DB server), two on OTHER, all answering. */
function twoHosts(): FleetBuilder {
  // The same fleet, ids included, every time: scans of it are "the next scan" of one fleet.
  resetIds();
  const b = fleet()
    .region('pg1', 'prod')
    .hypervisor(PM, { region: 'pg1', hostIp: '10.0.0.9' })
    .hypervisor(OTHER, { region: 'pg1', hostIp: '10.0.0.10' })
    .computeService(PM)
    .computeService(OTHER);
  for (const name of ['web-1', 'web-2', 'web-3', 'api-1', 'orders-db-1']) b.server(name, { on: PM, region: 'pg1', projectName: name.startsWith('orders') ? 'orders' : 'shop' });
  for (const name of ['batch-1', 'batch-2']) b.server(name, { on: OTHER, region: 'pg1', projectName: 'batch' });
  b.inventory({ match: { serverName: 'orders-db-1' }, roles: ['db'], owners: ['dba.oncall', 'orders.lead'] });
  b.inventory({ match: { serverName: 'web-1' }, owners: ['shop.lead'] });
  return b;
}

function reachAll(b: FleetBuilder, names: readonly string[], ping = true): FleetBuilder {
  for (const n of names) b.reach(n, ping, ping ? 'ok' : 'timeout');
  return b;
}

const hypervisorProbe = (b: FleetBuilder, host: string, ok: boolean): FleetBuilder =>
  b.probe({ targetKind: 'hypervisor', targetId: host, address: host === PM ? '10.0.0.9' : '10.0.0.10', probedAt: '2026-01-01T00:00:00Z', ping: { ok }, ssh: ok ? { state: 'ok' } : { state: 'timeout' } });

describe('correlate', () => {
  it('a hung hypervisor is one PM incident that explains its servers, names the DB server and leaves nothing over', () => {
    const b = reachAll(twoHosts(), ['web-1', 'web-2', 'web-3', 'api-1', 'orders-db-1'], false);
    reachAll(b, ['batch-1', 'batch-2']);
    hypervisorProbe(b, PM, false);
    hypervisorProbe(b, OTHER, true);
    b.alarm(PM, 'PING_FAIL', { ticketId: '721440' });
    const { findings, result } = scan(b);
    assert.ok(findings.length >= 7, `detectors found ${findings.length}`);
    assert.equal(result.incidents.length, 1, result.incidents.map((i) => i.title).join('; '));
    const inc = result.incidents[0]!;
    assert.equal(inc.case, 'pm-hang');
    assert.equal(inc.root.detectorId, 'hypervisor-down');
    assert.equal(inc.root.resource.name, PM);
    assert.equal(inc.severity, 'critical');
    assert.deepEqual(inc.blastRadius.dbServers, ['orders-db-1']);
    assert.equal(inc.blastRadius.servers.find((s) => s.name === 'orders-db-1')?.impacted, true);
    assert.equal(inc.blastRadius.counts.servers, 5);
    assert.equal(inc.blastRadius.counts.impactedServers, 5);
    assert.deepEqual(inc.blastRadius.projects, ['orders', 'shop']);
    assert.deepEqual(inc.blastRadius.owners, ['dba.oncall', 'orders.lead', 'shop.lead']);
    assert.deepEqual(inc.tickets, ['721440']);
    assert.equal(inc.zone, 'prod');
    assert.equal(inc.findings[0], inc.root.fingerprint, 'the root finding comes first');
    assert.deepEqual(findings.filter((f) => !result.explained.has(f.fingerprint)).map((f) => `${f.detectorId} ${f.resource.name}`), []);
    assert.equal(inc.chain[0]?.resource.name, PM);
    assert.deepEqual(inc.chain.slice(1).map((l) => l.resource.name).sort(), ['api-1', 'orders-db-1', 'web-1', 'web-2', 'web-3']);
  });

  it('one hanging server on a healthy hypervisor is a VM incident about that server only', () => {
    const b = reachAll(twoHosts(), ['web-2', 'web-3', 'api-1', 'orders-db-1', 'batch-1', 'batch-2']).reach('web-1', true, 'hang');
    const { result } = scan(b);
    assert.equal(result.incidents.length, 1);
    const inc = result.incidents[0]!;
    assert.equal(inc.case, 'vm-hang');
    assert.equal(inc.root.resource.name, 'web-1');
    assert.deepEqual(inc.blastRadius.servers.map((s) => s.name), ['web-1']);
    assert.deepEqual(inc.blastRadius.owners, ['shop.lead']);
  });

  it('three unreachable servers on one hypervisor are one PM incident, never three VM incidents', () => {
    const b = reachAll(twoHosts(), ['web-1', 'web-2', 'web-3'], false);
    reachAll(b, ['api-1', 'orders-db-1', 'batch-1', 'batch-2']);
    const { result } = scan(b);
    assert.deepEqual(result.incidents.map((i) => i.case), ['pm-hang']);
    const inc = result.incidents[0]!;
    assert.equal(inc.root.resource.kind, 'hypervisor');
    assert.equal(inc.blastRadius.counts.impactedServers, 3);
    assert.equal(inc.blastRadius.counts.servers, 5, 'every server on the hypervisor is at stake');
    // The DB server still answers: it is at stake, not impacted; triage waits for the DBA on that.
    assert.equal(inc.blastRadius.servers.find((s) => s.name === 'orders-db-1')?.impacted, false);
  });

  it('two unreachable servers on one hypervisor stay two VM incidents', () => {
    const b = reachAll(twoHosts(), ['web-1', 'web-2'], false);
    const { result } = scan(b);
    assert.deepEqual(result.incidents.map((i) => i.case), ['vm-hang', 'vm-hang']);
  });

  it('an NVMe error log under a server its host stopped is one incident rooted on the disk (seed 002)', () => {
    const b = reachAll(twoHosts(), ['web-2', 'web-3', 'api-1', 'orders-db-1']);
    b.server('k8s-worker-9', { on: PM, region: 'pg1', status: 'SHUTOFF', vmState: 'stopped', powerState: 4 });
    b.action('k8s-worker-9', { action: 'stop', userId: null, projectId: null, startTime: '2025-12-31T20:00:00Z' });
    b.disk(PM, { device: '/dev/nvme0n1', model: 'SAMSUNG MZVLB512HBJQ-000', smartPassed: true, nvmeErrorLogEntries: 2787 });
    b.hostFacts(PM, {});
    const { findings, result } = scan(b);
    assert.ok(findings.some((f) => f.detectorId === 'server-unrequested-shutoff'));
    assert.equal(result.incidents.length, 1, result.incidents.map((i) => i.title).join('; '));
    const inc = result.incidents[0]!;
    assert.equal(inc.case, 'host-stopped-server');
    assert.equal(inc.root.detectorId, 'nvme-error-log');
    assert.equal(inc.root.resource.kind, 'disk');
    assert.deepEqual(inc.chain.map((l) => l.resource.kind), ['disk', 'hypervisor', 'server']);
    assert.deepEqual(inc.blastRadius.servers.filter((s) => s.impacted).map((s) => s.name), ['k8s-worker-9']);
  });

  it('a fan alarm and a storage fault on one host are two incidents: the fan explains nothing', () => {
    const b = reachAll(twoHosts(), ['web-2', 'web-3', 'api-1', 'orders-db-1']);
    b.server('k8s-worker-9', { on: PM, region: 'pg1', status: 'SHUTOFF', vmState: 'stopped', powerState: 4 });
    b.action('k8s-worker-9', { action: 'stop', userId: null, projectId: null, startTime: '2025-12-31T20:00:00Z' });
    b.disk(PM, { device: '/dev/nvme0n1', smartPassed: true, nvmeErrorLogEntries: 12 });
    b.alarm(PM, 'FAN', { ticketId: '721500', message: 'Fan 3 failed' });
    const { result } = scan(b);
    assert.deepEqual(result.incidents.map((i) => i.case).sort(), ['host-stopped-server', 'part-non-urgent']);
  });

  it('a kernel oops naming a VM on a healthy hypervisor is that one server (runbook §4.5)', () => {
    const b = reachAll(twoHosts(), ['web-2', 'web-3', 'api-1', 'orders-db-1']).reach('web-1', true, 'hang');
    b.hostFacts(PM, {
      kernelEvents: [{ kind: 'oops', time: 'Wed Dec 31 22:10:19 2025', line: '[Wed Dec 31 22:10:19 2025] CPU: 0 PID: 18119 Comm: qemu-system-x86 Tainted: G D 4.8.0-41-generic', process: 'qemu-system-x86', pid: 18119 }],
    });
    hypervisorProbe(b, PM, true);
    b.alarm(PM, 'SYS_KERNEL_PANIC', { ticketId: '721441' });
    const { result } = scan(b);
    assert.equal(result.incidents.length, 1, result.incidents.map((i) => i.title).join('; '));
    const inc = result.incidents[0]!;
    assert.equal(inc.case, 'kernel-panic-pm-fine');
    assert.deepEqual(inc.blastRadius.servers.map((s) => s.name), ['web-1']);
    assert.deepEqual(inc.tickets, ['721441']);
    assert.match(inc.title, /web-1/);
  });

  it('hygiene alone (swap on, a full filesystem) is no incident but stays as findings', () => {
    const b = reachAll(twoHosts(), ['web-1', 'web-2', 'web-3', 'api-1', 'orders-db-1']);
    b.hostFacts(PM, { memory: { totalBytes: 384 * 2 ** 30, availableBytes: 300 * 2 ** 30, swapTotalBytes: 8 * 2 ** 30, swapUsedBytes: 0 } });
    const { findings, result } = scan(b);
    assert.ok(findings.some((f) => f.detectorId === 'swap-enabled'));
    assert.deepEqual(result.incidents, []);
    assert.equal(result.explained.size, 0);
  });

  it('keeps an incident id while the fault lasts, even when another finding becomes its root', () => {
    // First scan: three servers down, nothing says why (root: mass impact). Second: the hypervisor stops answering too.
    const first = reachAll(twoHosts(), ['web-1', 'web-2', 'web-3'], false);
    hypervisorProbe(first, PM, true);
    const second = reachAll(twoHosts(), ['web-1', 'web-2', 'web-3'], false);
    hypervisorProbe(second, PM, false);
    const a = scan(first).result.incidents;
    const b = scan(second).result.incidents;
    assert.equal(a[0]?.root.detectorId, 'hypervisor-mass-impact');
    assert.equal(b[0]?.root.detectorId, 'hypervisor-down');
    assert.equal(a[0]?.id, b[0]?.id);
    // A different hypervisor is a different incident.
    const elsewhere = reachAll(twoHosts(), ['batch-1', 'batch-2'], false);
    const c = scan(elsewhere).result.incidents;
    assert.notEqual(c[0]?.id, a[0]?.id);
  });

  it('a NotReady node follows its backing server into that server\'s incident; an unmapped one is its own', () => {
    const b = reachAll(twoHosts(), ['web-2', 'web-3', 'api-1', 'orders-db-1']).reach('web-1', true, 'hang');
    const serverId = b.idOf('web-1');
    b.cluster({
      name: 'k8s-shop-pg1-01',
      nodes: [
        { name: 'web-1', providerId: `openstack:///${serverId}`, conditions: [{ type: 'Ready', status: 'Unknown' }] },
        { name: 'lost-node', conditions: [{ type: 'Ready', status: 'False' }] },
      ],
      pods: [{ namespace: 'kube-system', name: 'calico-node-abcde', nodeName: 'web-1', phase: 'Running', ready: false }],
    });
    const { findings, result } = scan(b);
    const of = (detectorId: string, name: string): Finding | undefined => findings.find((f) => f.detectorId === detectorId && f.resource.name === name);
    const webNode = of('node-not-ready', 'web-1');
    const lostNode = of('node-not-ready', 'lost-node');
    const calico = findings.find((f) => f.resource.kind === 'pod' && f.resource.name === 'kube-system/calico-node-abcde');
    assert.ok(webNode && lostNode && calico, findings.map((f) => `${f.detectorId} ${f.resource.name}`).join('\n'));
    const vm = result.incidents.find((i) => i.case === 'vm-hang')!;
    assert.ok(vm.findings.includes(webNode.fingerprint), 'the node is explained by its server');
    assert.ok(vm.findings.includes(calico.fingerprint), 'its pod too');
    assert.deepEqual(vm.blastRadius.clusters, ['k8s-shop-pg1-01']);
    assert.deepEqual([...new Set(vm.chain.map((l) => l.resource.kind))], ['server', 'node', 'pod']);
    const lost = result.incidents.find((i) => i.case === 'node-not-ready');
    assert.equal(lost?.root.resource.name, 'lost-node');
  });

  it("a node VM's own host fact joins its NotReady node's incident; with no node trouble it stands alone", () => {
    const b = reachAll(twoHosts(), ['web-1', 'web-2', 'web-3', 'api-1', 'orders-db-1']);
    // Both VMs rebooted an hour ago; web-1's node did not come back, web-2's did.
    const boot = '2025-12-31T23:00:00Z';
    b.hostFacts('web-1', { role: 'node', bootTime: boot }).hostFacts('web-2', { role: 'node', bootTime: boot });
    b.cluster({
      name: 'k8s-shop-pg1-01',
      nodes: [
        { name: 'web-1', providerId: `openstack:///${b.idOf('web-1')}`, conditions: [{ type: 'Ready', status: 'False' }] },
        { name: 'web-2', providerId: `openstack:///${b.idOf('web-2')}`, conditions: [{ type: 'Ready', status: 'True' }] },
      ],
    });
    const { findings, result } = scan(b);
    const of = (detectorId: string, name: string): Finding | undefined => findings.find((f) => f.detectorId === detectorId && f.resource.name === name);
    const notReady = of('node-not-ready', 'web-1');
    const reboot1 = of('unexpected-reboot', 'web-1');
    const reboot2 = of('unexpected-reboot', 'web-2');
    assert.ok(notReady && reboot1 && reboot2, findings.map((f) => `${f.detectorId} ${f.resource.kind} ${f.resource.name}`).join('\n'));
    const node = result.incidents.filter((i) => i.findings.includes(notReady.fingerprint));
    assert.equal(node.length, 1);
    assert.equal(node[0]?.case, 'node-not-ready');
    assert.ok(node[0]?.findings.includes(reboot1.fingerprint), 'the reboot of the VM behind the node is in the node incident');
    const alone = result.incidents.filter((i) => i.findings.includes(reboot2.fingerprint));
    assert.deepEqual(alone.map((i) => [i.case, i.root.fingerprint]), [['other', reboot2.fingerprint]]);
    assert.equal(result.incidents.filter((i) => i.findings.includes(reboot1.fingerprint)).length, 1, 'never two incidents for one finding');
  });
});

describe('correlate on the offline example (real detectors, Kubernetes included)', () => {
  it('chains disk → hypervisor → server → node, keeps a node that never joined and a crash-looping calico apart', async () => {
    const { loadSnapshot } = await import('../snapshot/io.js');
    const snapshot = await loadSnapshot('examples/fleet-snapshot.json');
    const findings = runDetectors(snapshot, detectors, { now: new Date(snapshot.collectedAt) }).flatMap((r) => r.findings);
    const { incidents } = correlate(snapshot, findings);
    const storage = incidents.find((i) => i.root.detectorId === 'nvme-error-log');
    assert.ok(storage, incidents.map((i) => i.title).join('\n'));
    assert.equal(storage.case, 'host-stopped-server');
    assert.deepEqual(storage.chain.slice(0, 4).map((l) => l.resource.kind), ['disk', 'hypervisor', 'server', 'node']);
    const nodeFinding = findings.find((f) => f.detectorId === 'node-not-ready' && f.resource.name === 'k8s-worker-1');
    assert.ok(nodeFinding && storage.findings.includes(nodeFinding.fingerprint), 'the NotReady node is explained by the storage fault under its VM');
    const joined = incidents.find((i) => i.case === 'node-never-joined');
    assert.equal(joined?.root.detectorId, 'container-runtime-down');
    assert.ok(joined?.findings.some((fp) => findings.find((f) => f.fingerprint === fp)?.detectorId === 'node-never-joined'));
    const pods = incidents.find((i) => i.case === 'system-pod-unhealthy');
    assert.match(pods?.title ?? '', /calico-node/);
    assert.deepEqual(pods?.blastRadius.clusters, ['shop-prod']);
    // A node whose only trouble is a wrong MTU is not an incident of its own.
    assert.ok(!incidents.some((i) => i.root.detectorId === 'node-network'));
  });
});
