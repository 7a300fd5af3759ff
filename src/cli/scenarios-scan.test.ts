import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { runFaultline, startLabProcess, stopLabProcess, type LabProcess } from './testing.js';
import { parse } from 'yaml';
import { detectors } from '../detect/rules/index.js';
import { loadSnapshot } from '../snapshot/io.js';
import { prometheusMissing } from '../lab/prometheus/server.js';

/**
 * Table-driven over every shipped lab scenario: a scan through the real APIs
 * (OpenStack, Kubernetes), probes, host SSH and the alarm feed reports the
 * scenario's faults and the incidents they imply, and nothing on the part of the
 * fleet the scenario left healthy: for Kubernetes findings that is every node
 * whose VM no fault touched, and every cluster without such a node.
 */
const SCENARIOS = resolve('src/lab/scenarios');
/** Inputs the lab serves; a covered detector needing anything else is not judged here. */
const SERVED = new Set(['regions', 'servers', 'hypervisors', 'computeServices', 'networkAgents', 'instanceActions', 'probes', 'alarms', 'hostFacts', 'disks', 'consoleLogs', 'kubernetes', 'prometheus']);

/**
 * Where a scenario's own detectors must report, by the fault whose targets they name:
 * its servers, or its hypervisor. Every finding of that detector must be on exactly
 * those resources, and each of them must be reported.
 */
const EXACT: Record<string, Record<string, { fault: string; on: 'servers' | 'hypervisor' | 'nodes' }>> = {
  // Node VMs' facts are filed under the server's name.
  'kubelet-down': { 'unexpected-reboot': { fault: 'kubelet-stopped', on: 'nodes' } },
  'node-swap': { 'swap-enabled': { fault: 'swap-node', on: 'nodes' } },
  'node-network': { 'node-network': { fault: 'storage-net', on: 'nodes' } },
  'node-join-failed': { 'container-runtime-down': { fault: 'unjoined', on: 'nodes' } },
  'guest-async-pf-panic': {
    'guest-async-pf-panic': { fault: 'stalled-guest', on: 'servers' },
    'server-unreachable': { fault: 'stalled-guest', on: 'servers' },
    'hung-task': { fault: 'stalled-guest', on: 'hypervisor' },
  },
  'root-mount-panic': {
    'root-mount-panic': { fault: 'unbootable', on: 'servers' },
    'server-unreachable': { fault: 'unbootable', on: 'servers' },
  },
  'unexpected-reboot': {
    'unexpected-reboot': { fault: 'rebooted', on: 'hypervisor' },
    'server-unrequested-shutoff': { fault: 'rebooted', on: 'servers' },
  },
};

/**
 * The incidents each scenario's faults imply, and no others: the runbook case and
 * where the root cause is (the fault's hypervisor, or its servers). `triage` is
 * the case `faultline triage <ticket>` must pick for the scenario's tickets, by
 * fault code. `mixed` keeps the generator's everyday noise and is checked apart.
 */
interface ExpectedIncident {
  readonly case: string;
  readonly fault: string;
  readonly on: 'hypervisor' | 'servers' | 'nodes';
}
const host = (c: string, fault: string): ExpectedIncident => ({ case: c, fault, on: 'hypervisor' });
const servers = (c: string, fault: string): ExpectedIncident => ({ case: c, fault, on: 'servers' });
/** Rooted on the node VM itself (its own facts, filed under the server's name). */
const nodes = (c: string, fault: string): ExpectedIncident => ({ case: c, fault, on: 'nodes' });
const INCIDENTS: Record<string, { incidents: readonly ExpectedIncident[]; triage?: Readonly<Record<string, string>> }> = {
  'agents-down-containerd': { incidents: [host('compute-agents-down', 'nova-down')] },
  'agents-down-docker': { incidents: [host('compute-agents-down', 'neutron-down')] },
  'cpu-overheat': { incidents: [host('other', 'hot')] },
  'db-on-prod-pm': { incidents: [host('pm-hang', 'db-pm')], triage: { PING_FAIL: 'pm-hang' } },
  'disk-data-loss': { incidents: [host('disk-data-loss', 'dead-disk')], triage: { DISK_FAILED: 'disk-data-loss' } },
  'filesystem-full': { incidents: [] },
  'guest-async-pf-panic': { incidents: [host('host-stopped-server', 'stalled-guest')] },
  healthy: { incidents: [] },
  'kernel-oops': { incidents: [servers('kernel-panic-pm-fine', 'oops-victim')], triage: { SYS_KERNEL_PANIC: 'kernel-panic-pm-fine' } },
  'mass-impact': { incidents: [host('pm-hang', 'three-down')] },
  'memory-sbe': {
    incidents: [host('part-needs-judgement', 'sbe-many'), host('part-needs-judgement', 'sbe-few'), host('part-needs-judgement', 'mce')],
    triage: { MEM_SBE: 'part-needs-judgement', 'HW-MC-ERROR': 'part-needs-judgement' },
  },
  'network-agents-down': { incidents: [host('compute-agents-down', 'neutron-agents')] },
  'oom-kill': { incidents: [host('other', 'oom')] },
  'part-non-urgent': {
    incidents: [host('part-non-urgent', 'fan'), host('part-non-urgent', 'psu'), host('part-non-urgent', 'predicted')],
    triage: { FAN: 'part-non-urgent', PSU_REDUNDANCY_LOST: 'part-non-urgent', DISK_FAILURE_PREDICTED: 'part-non-urgent' },
  },
  'part-urgent': { incidents: [host('part-urgent', 'cpu'), host('part-urgent', 'nic'), host('part-urgent', 'board')], triage: { CPU: 'part-urgent', NIC: 'part-urgent', MAINBOARD: 'part-urgent' } },
  'pm-hang': { incidents: [host('pm-hang', 'hung-pm')], triage: { PING_FAIL: 'pm-hang' } },
  storm: { incidents: [host('pm-hang', 'storm-a'), host('pm-hang', 'storm-b'), host('pm-hang', 'storm-c')], triage: { PING_FAIL: 'pm-hang' } },
  'root-mount-panic': { incidents: [servers('other', 'unbootable')] },
  'server-error': { incidents: [servers('other', 'broken')] },
  'shutoff-flapping': { incidents: [host('host-stopped-server', 'flapper')] },
  'smr-disk': { incidents: [] },
  'stuck-task': { incidents: [servers('other', 'stuck-on'), servers('other', 'stuck-reboot')] },
  'swap-on': { incidents: [host('other', 'swapping')] },
  'unexpected-reboot': { incidents: [host('host-stopped-server', 'rebooted')] },
  'unrequested-shutoff': { incidents: [host('host-stopped-server', 'stopped')] },
  'virtualization-misconfigured': { incidents: [] },
  'vm-down': { incidents: [servers('vm-hang', 'dead-web')] },
  'vm-hang': { incidents: [servers('vm-hang', 'hung-worker')] },
  // Kubernetes scenarios: a node's findings join the incident of the VM behind it, or make the node's own.
  'node-vm-shutoff': { incidents: [host('host-stopped-server', 'stopped-node')] },
  'calico-crashloop': { incidents: [nodes('system-pod-unhealthy', 'calico')] },
  'node-join-failed': { incidents: [nodes('node-never-joined', 'unjoined')] },
  'kubelet-down': { incidents: [nodes('node-not-ready', 'kubelet-stopped')] },
  'node-swap': { incidents: [nodes('node-not-ready', 'swap-node')] },
  'node-network': { incidents: [] },
  'version-skew': { incidents: [] },
  'control-plane-workloads': { incidents: [] },
  'service-endpoints': { incidents: [] },
  'workload-failures': { incidents: [] },
  'rollout-lag': { incidents: [] },
  'unused-services': { incidents: [] },
};

interface Fault {
  id: string;
  status: string;
  at?: number;
  hypervisor: string | null;
  servers: { id: string; name: string | null; host: string | null }[];
}
interface Finding {
  detectorId: string;
  fingerprint: string;
  resource: { kind: string; id: string; name?: string; parent?: { kind?: string; id: string; name?: string } };
}
interface Incident {
  id: string;
  case: string;
  root: { detectorId: string; resource: { kind: string; id: string; name?: string; parent?: { id: string; name?: string } } };
  blastRadius: { dbServers: string[]; clusters: string[]; servers: { name: string; db: boolean; impacted: boolean }[] };
  tickets: string[];
  findings: string[];
}
interface Report {
  results: { detectorId: string; status: string; reason?: string; findings: Finding[] }[];
  incidents: Incident[];
}
interface TriageOut {
  case: string;
  gates: { id: string; status: string }[];
  steps: { command?: string }[];
}

const short = (h: string | null | undefined): string => (h ?? '').split('.')[0]!.toLowerCase();

const startLab = (dir: string, scenario: string, prometheus: boolean): Promise<LabProcess> => startLabProcess(dir, ['--scenario', scenario, ...(prometheus ? [] : ['--no-prometheus'])]);

const scan = (dir: string) =>
  runFaultline(['scan', '--format', 'json', '--out', '-', '--save-snapshot', 'snapshot.json.gz'], { cwd: dir, env: { OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml') } });
const triage = async (dir: string, target: string): Promise<TriageOut> => {
  const r = await runFaultline(['triage', target, '--from', 'snapshot.json.gz', '--format', 'json'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as TriageOut;
};

/** Where an incident's root cause is: a hypervisor's short name, or a server id. */
function rootPlace(i: Incident): { host: string; server?: string } {
  const r = i.root.resource;
  if (r.kind === 'server') return { host: short(r.parent?.name ?? r.parent?.id), server: r.id };
  if (r.kind === 'hypervisor' || r.kind === 'host' || r.kind === 'node') return { host: short(r.name ?? r.id) };
  return { host: short(r.parent?.name ?? r.parent?.id) };
}

/** The tickets in the snapshot the scan saved (the feed the lab served). */
async function listTickets(dir: string): Promise<{ ticketId: string; faultCode: string }[]> {
  const snap = await loadSnapshot(join(dir, 'snapshot.json.gz'));
  return snap.alarms.map((a) => ({ ticketId: a.ticketId, faultCode: a.faultCode }));
}

// Without Debian's prometheus the lab has none, and detectors reading it are not judged here.
const promMissing = await prometheusMissing();
// A scenario with a past needs it replayed into a store first: aged-scenarios.test.ts scans those.
const hasPast = async (f: string): Promise<boolean> => ((parse(await readFile(join(SCENARIOS, f), 'utf8')) as { past?: unknown[] }).past ?? []).length > 0;
const files: string[] = [];
for (const f of (await readdir(SCENARIOS)).filter((x) => x.endsWith('.yaml')).sort()) if (!(await hasPast(f))) files.push(f);

describe('scanning every lab scenario', () => {
  it('ships the scenarios', () => assert.ok(files.length >= 20, `${files.length} scenarios`));

  for (const file of files) {
    const name = file.replace(/\.yaml$/, '');
    it(`${name}: reports the scenario's faults and incidents, triages its tickets, and nothing on its healthy part`, async () => {
      const spec = parse(await readFile(join(SCENARIOS, file), 'utf8')) as { covers?: string[] };
      const dir = await mkdtemp(join(tmpdir(), `fl-scn-${name}-`));
      // Only a scenario whose detectors read Prometheus starts one: the other rows would pay its start for nothing.
      const needsPrometheus = (spec.covers ?? []).some((c) => detectors.find((d) => d.id === c)?.requires.includes('prometheus'));
      const lab = await startLab(dir, name, needsPrometheus);
      try {
        const listFaults = async (): Promise<Fault[]> =>
          ((await (await fetch(`${lab.admin}/faults`, { headers: { 'x-lab-admin': lab.token } })).json()) as { faults: Fault[] }).faults;
        // Scheduled faults are part of the scenario: move the lab clock past the last one before scanning.
        const scheduled = (await listFaults()).filter((f) => f.status === 'scheduled');
        if (scheduled.length > 0) {
          const seconds = Math.max(...scheduled.map((f) => f.at ?? 0)) + 5;
          const res = await fetch(`${lab.admin}/clock/advance`, { method: 'POST', headers: { 'x-lab-admin': lab.token, 'content-type': 'application/json' }, body: JSON.stringify({ seconds }) });
          assert.equal(res.status < 300, true, `clock advance: ${res.status}`);
        }
        const faults = (await listFaults()).filter((f) => f.status === 'active');
        assert.equal(faults.length + (await listFaults()).filter((f) => f.status === 'unmatched').length > 0 || name === 'healthy', true, `${name} has active faults`);
        const r = await scan(dir);
        assert.equal(r.code, 0, r.stderr);
        const report = JSON.parse(r.stdout) as Report;

        const ids = new Set(detectors.map((d) => d.id));
        for (const covered of (spec.covers ?? []).filter((c) => ids.has(c))) {
          const d = detectors.find((x) => x.id === covered)!;
          if (!d.requires.every((k) => SERVED.has(k)) || (promMissing && d.requires.includes('prometheus'))) continue;
          const res = report.results.find((x) => x.detectorId === covered);
          assert.equal(res?.status, 'fail', `${name} covers ${covered}, which reported ${res?.status} ${res?.reason ?? ''}`);
        }

        for (const [detectorId, where] of Object.entries(EXACT[name] ?? {})) {
          const fault = faults.find((f) => f.id === where.fault);
          assert.ok(fault, `${name}: fault ${where.fault} is active`);
          const expected = where.on === 'servers' ? fault.servers.map((s) => s.id) : where.on === 'nodes' ? fault.servers.map((s) => short(s.name)) : [short(fault.hypervisor)];
          const found = (report.results.find((x) => x.detectorId === detectorId)?.findings ?? []).map((f) => (where.on === 'servers' ? f.resource.id : short(f.resource.name ?? f.resource.id)));
          assert.deepEqual([...new Set(found)].sort(), [...expected].sort(), `${name}: ${detectorId} reports exactly the ${where.on} of ${where.fault}`);
        }

        // Incidents: one per root cause, where the faults put them; then triage of each ticket picks the runbook's section.
        const expected = INCIDENTS[name];
        if (name !== 'mixed') {
          assert.ok(expected, `${name} has no incident expectations: add it to INCIDENTS`);
          const want = expected.incidents.map((e) => {
            const fault = faults.find((f) => f.id === e.fault);
            assert.ok(fault, `${name}: fault ${e.fault} is active`);
            const where = short(fault.hypervisor ?? fault.servers[0]?.host);
            if (e.on === 'nodes') return fault.servers.map((sv) => `${e.case} on ${short(sv.name)}`);
            return e.on === 'hypervisor' ? `${e.case} on ${where}` : fault.servers.map((sv) => `${e.case} on ${sv.id}`);
          });
          const got = report.incidents.map((i) => {
            const place = rootPlace(i);
            return expected.incidents.some((e) => e.case === i.case && e.on === 'servers') && place.server ? `${i.case} on ${place.server}` : `${i.case} on ${place.host}`;
          });
          assert.deepEqual(got.sort(), want.flat().sort(), `${name}: the incidents its faults imply, and no others`);
        }
        if (name === 'node-vm-shutoff') {
          // The 002 chain: the VM its host stopped explains its NotReady node; the node is in that incident, not one of its own.
          const fault = faults.find((f) => f.id === 'stopped-node')!;
          const node = report.results.find((x) => x.detectorId === 'node-not-ready')?.findings.find((f) => f.resource.name === fault.servers[0]?.name);
          assert.ok(node, `${name}: the stopped VM's node is NotReady`);
          const owners = report.incidents.filter((i) => i.findings.includes(node.fingerprint));
          assert.deepEqual(owners.map((i) => i.case), ['host-stopped-server'], `${name}: the node follows its VM`);
          const cluster = /^(.+)-(?:master|worker)-\d+$/.exec(node.resource.name ?? '')?.[1];
          assert.ok(cluster && owners[0]!.blastRadius.clusters.includes(cluster), `${name}: the blast radius names the node's cluster ${cluster}`);
        }
        const alarms = new Map((await listTickets(dir)).map((t) => [t.ticketId, t.faultCode]));
        for (const [ticket, code] of alarms) {
          const wanted = expected?.triage?.[code];
          if (!wanted) continue;
          const t = await triage(dir, ticket);
          assert.equal(t.case, wanted, `${name}: triage ${ticket} (${code})`);
          assert.ok(t.steps.length > 0, `${name}: triage ${ticket} has a plan`);
        }

        if (name === 'mixed') {
          // The acceptance case: one PM incident for the hung prod hypervisor, its DB server in the blast radius, the DB gate in its triage.
          const fault = faults.find((f) => f.id === 'db-pm')!;
          const pm = report.incidents.filter((i) => i.case === 'pm-hang' && rootPlace(i).host === short(fault.hypervisor));
          assert.equal(pm.length, 1, 'one PM incident for the hung hypervisor');
          const inc = pm[0]!;
          assert.ok(inc.blastRadius.dbServers.length > 0, 'its DB server is in the blast radius');
          assert.ok(inc.blastRadius.servers.filter((sv) => sv.db).every((sv) => sv.impacted));
          const pingFail = [...alarms].find(([, code]) => code === 'PING_FAIL')?.[0];
          assert.ok(pingFail && inc.tickets.includes(pingFail), 'the PING_FAIL ticket belongs to it');
          const t = await triage(dir, pingFail);
          assert.equal(t.case, 'pm-hang');
          assert.deepEqual(t.gates.filter((g) => g.id === 'db-servers').map((g) => g.status), ['notify']);
          assert.deepEqual(t.gates.filter((g) => g.id === 'fault-notice').map((g) => g.status), ['blocking']);
          // Every finding on that hypervisor is explained by the one incident: no ten unrelated findings.
          return; // the demo keeps the generator's own broken servers too
        }
        // A node VM's own facts are filed under its server name: findings there are on the faulted part too.
        const hosts = new Set(faults.flatMap((f) => [short(f.hypervisor), ...f.servers.flatMap((s) => [short(s.host), short(s.name)])]).filter(Boolean));
        const serverIds = new Set(faults.flatMap((f) => f.servers.map((s) => s.id)));
        // Kubernetes findings sit on a node (a node VM, named after its server), on a pod of one, or on a cluster's object.
        // A node VM is in the faulted part when the fault names its server or its server runs on a faulted hypervisor.
        const snap = await loadSnapshot(join(dir, 'snapshot.json.gz'));
        const onFaultedHost = snap.servers.filter((sv) => hosts.has(short(sv.host))).map((sv) => sv.name);
        const faultedNodes = new Set([...faults.flatMap((f) => f.servers.map((s) => s.name)), ...onFaultedHost].filter((n): n is string => Boolean(n)));
        const faultedClusters = new Set([...faultedNodes].map((n) => /^(.+)-(?:master|worker)-\d+$/.exec(n)?.[1]).filter(Boolean));
        const stray = report.results.flatMap((x) => x.findings).filter((f) => {
          const res = f.resource;
          if (res.kind === 'node') return !faultedNodes.has(res.name ?? '');
          if (res.parent?.kind === 'node') return !faultedNodes.has(res.parent.name ?? '');
          // A cluster-wide object (a Service, a workload, a namespace's events) names its cluster as parent.
          if (res.parent?.kind === 'cluster') return !faultedClusters.has(res.parent.id);
          if (res.kind === 'cluster') return !faultedClusters.has(res.id);
          if (res.kind === 'server') return !serverIds.has(res.id) && !hosts.has(short(res.parent?.name ?? res.parent?.id));
          return !hosts.has(short(res.name ?? res.id)) && !hosts.has(short(res.parent?.name ?? res.parent?.id));
        });
        assert.deepEqual(
          stray.map((f) => `${f.detectorId} on ${f.resource.kind} ${f.resource.name ?? f.resource.id}`),
          [],
          `findings outside the faulted part (faults on ${[...hosts].join(', ') || 'nothing'})`,
        );
      } finally {
        await stopLabProcess(lab.child);
      }
    });
  }
});
