/**
 * End to end: every shipped scenario starts, its faults resolve to targets, and what
 * the lab serves over HTTP (Nova, Neutron, the alarm feed, the admin API) and on the
 * SSH port shows them.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import type { HostFacts } from '../hosts/facts.js';
import { startLab, type RunningLab } from '../openstack/lab.js';
import { login, request, type Json } from '../openstack/testing.js';
import { loadScenario, scenarioDirectory, scenarioNames } from './load.js';
import type { LabCluster } from '../kubernetes/clusters.js';
import { kube, target } from '../kubernetes/testing.js';

const DIR = scenarioDirectory();
const MV = { 'OpenStack-API-Version': 'compute 2.96' };

interface Ctx {
  lab: RunningLab;
  token: string;
  admin: (path: string, init?: { method?: string; body?: unknown }) => Promise<Json>;
  server: (id: string) => Promise<Json>;
  tickets: () => Promise<Json[]>;
  facts: (host: string) => Promise<HostFacts>;
  fault: (id: string) => { hypervisor: string | null; servers: string[] };
  sshSays: (ip: string) => Promise<'banner' | 'silent' | 'nothing'>;
}

function sshSays(ip: string, port: number): Promise<'banner' | 'silent' | 'nothing'> {
  return new Promise((resolve) => {
    const socket = connect({ host: ip, port });
    let settled = false;
    const done = (v: 'banner' | 'silent' | 'nothing'): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done('silent'), 800);
    socket.on('data', () => done('banner'));
    socket.on('error', () => done('nothing'));
    socket.on('close', () => done('nothing'));
  });
}

async function withScenario(name: string, check: (ctx: Ctx) => Promise<void>): Promise<void> {
  const lab = await startLab({ scenario: loadScenario(name, DIR), clock: 'manual', actionDurationMs: 0, guestNetwork: { sshPort: 0, firewall: 'none' } });
  try {
    const token = await login(lab, 'admin');
    const headers = { 'X-Lab-Admin': lab.adminToken };
    const ctx: Ctx = {
      lab,
      token,
      admin: async (path, init = {}) => {
        const res = await request(`${lab.adminUrl}${path}`, { method: init.method, body: init.body, headers });
        assert.ok(res.status < 300, `${path}: ${res.status} ${res.text}`);
        return res.body;
      },
      server: async (id) => ((await request(`${lab.url}/compute/v2.1/servers/${id}`, { token, headers: MV })).body as Json).server,
      tickets: async () => (await request(lab.alarmsUrl)).body as Json[],
      facts: async (host) => (await request(`${lab.adminUrl}/hypervisors/${host}/facts`, { headers })).body as HostFacts,
      fault: (id) => {
        const f = lab.faults.get(id);
        assert.ok(f, `fault ${id}`);
        assert.equal(f.status, 'active', `${id}: ${f.problem ?? f.status}`);
        return f;
      },
      sshSays: (ip) => sshSays(ip, lab.network?.sshPort ?? 0),
    };
    await check(ctx);
  } finally {
    await lab.stop();
  }
}

async function computeService(ctx: Ctx, host: string): Promise<Json> {
  const list = ((await request(`${ctx.lab.url}/compute/v2.1/os-services?binary=nova-compute&host=${host}`, { token: ctx.token })).body as Json).services;
  return list[0];
}

async function agents(ctx: Ctx, host: string): Promise<Json[]> {
  return ((await request(`${ctx.lab.url}/network/v2.0/agents?host=${host}`, { token: ctx.token })).body as Json).agents;
}

async function actions(ctx: Ctx, serverId: string): Promise<Json[]> {
  return ((await request(`${ctx.lab.url}/compute/v2.1/servers/${serverId}/os-instance-actions`, { token: ctx.token, headers: MV })).body as Json).instanceActions;
}

async function checkPmHang(ctx: Ctx, faultId: string): Promise<string> {
  const host = ctx.fault(faultId).hypervisor as string;
  assert.equal((await computeService(ctx, host)).state, 'down');
  assert.ok((await agents(ctx, host)).every((a: Json) => a.alive === false));
  const onHost = ctx.lab.state.serversOnHost(host);
  assert.ok(onHost.length > 0);
  for (const s of onHost) {
    const shown = await ctx.server(s.id);
    assert.equal(shown.status, 'ACTIVE', 'Nova does not know the guests are gone');
    assert.equal(shown.host_status, 'UNKNOWN');
    assert.equal(ctx.lab.faults.reachability(s.ip), 'down');
  }
  const hv = ctx.lab.state.hypervisorByHost.get(host);
  assert.equal(await ctx.sshSays(hv?.hostIp ?? ''), 'nothing');
  const tickets = await ctx.tickets();
  assert.ok(tickets.some((t) => t.host === host && t.fault_code === 'PING_FAIL' && t.status === 'open'));
  return host;
}

async function consoleTail(ctx: Ctx, serverId: string, length?: number): Promise<string> {
  const res = await request(`${ctx.lab.url}/compute/v2.1/servers/${serverId}/action`, {
    method: 'POST',
    token: ctx.token,
    body: { 'os-getConsoleOutput': length === undefined ? {} : { length } },
  });
  assert.equal(res.status, 200, res.text);
  return (res.body as Json).output as string;
}

async function alarmCodes(ctx: Ctx): Promise<string[]> {
  return (await ctx.tickets()).map((t) => `${t.fault_code}:${t.count}`).sort();
}

/** The cluster of a Kubernetes fault's first server, and a GET against its API. */
function clusterOf(ctx: Ctx, faultId: string): { cluster: LabCluster; serverId: string; get: (path: string) => Promise<Json> } {
  const serverId = ctx.fault(faultId).servers[0] as string;
  const cluster = ctx.lab.kubernetes?.clusters.clusterOf(serverId);
  assert.ok(cluster, `${faultId} targets a Kubernetes server`);
  const t = target(ctx.lab, cluster);
  return {
    cluster,
    serverId,
    get: async (path) => {
      const res = await kube(t, path);
      assert.equal(res.status, 200, `${path}: ${res.text}`);
      return res.body;
    },
  };
}

const readyOf = (node: Json): string => node.status.conditions.find((c: Json) => c.type === 'Ready').status;

const CHECKS: Record<string, (ctx: Ctx) => Promise<void>> = {
  'aged-month': async (ctx) => {
    const past = (await ctx.admin('/past')) as { now: string; present: string; moments: { at: string; ago: string; scan: boolean; operator: { command: string; fault: string }[] }[] };
    const present = Date.parse(past.present);
    // The clock starts an hour before the oldest moment; nothing of the past has happened yet.
    assert.equal(present - Date.parse(past.now), (41 * 24 + 1) * 3_600_000);
    assert.deepEqual(await ctx.tickets(), []);
    assert.equal(past.moments[0]?.ago, '41d');
    assert.deepEqual(past.moments[1]?.operator, [{ command: 'restart', fault: 'stopped-before' }]);
    const advanceTo = async (at: number): Promise<void> => {
      await ctx.admin('/clock/advance', { method: 'POST', body: { seconds: (at - ctx.lab.state.now()) / 1000 } });
    };
    await advanceTo(present - 41 * 86_400_000);
    const before = ctx.lab.faults.get('stopped-before')!;
    assert.equal(before.status, 'active');
    // Read from the state: the Keystone token of this check expires an hour after it was issued.
    assert.equal(ctx.lab.state.server(before.servers[0]!)?.vmState, 'stopped');
    // 12 h before the present: the first dev ticket closed and left the feed, its successor is there; the swaps' tickets are gone.
    // Moment by moment, as a replay goes: a fault takes effect at the time the clock is at when it applies.
    for (const m of past.moments) if (Date.parse(m.at) <= present - 12 * 3_600_000) await advanceTo(Date.parse(m.at));
    const feed = async (): Promise<Map<string, number>> => new Map((await ctx.tickets()).map((t) => [String(t['ticket_id']), Number(t['count'])]));
    const first = ctx.lab.faults.get('sbe-first')!;
    const second = ctx.lab.faults.get('sbe-second')!;
    const watch = ctx.lab.faults.get('sbe-watch')!;
    let tickets = await feed();
    assert.equal(tickets.has(first.tickets[0]!), false);
    assert.equal(tickets.get(second.tickets[0]!), 2);
    assert.equal(tickets.get(watch.tickets[0]!), 4, 'the watched count grew at 20 h');
    assert.equal(ctx.lab.faults.get('swap-1')!.status, 'cleared');
    assert.equal(tickets.has(ctx.lab.faults.get('swap-1')!.tickets[0]!), false);
    // The owner started the server its host kept stopping, each time: Nova has three host stops and three user starts.
    const stopped = ctx.lab.faults.get('stops-1')!.servers[0]!;
    const actions = ctx.lab.state.actionLog(present - 30 * 86_400_000).filter((a) => a.serverId === stopped);
    assert.deepEqual(actions.map((a) => `${a.action} ${a.userId === null ? 'host' : 'user'}`), ['stop host', 'start user', 'stop host', 'start user', 'stop host', 'start user']);
    await advanceTo(present);
    tickets = await feed();
    assert.equal(tickets.get(second.tickets[0]!), 6);
    assert.equal(tickets.get(watch.tickets[0]!), 5);
    assert.equal(tickets.get(ctx.lab.faults.get('swap-3')!.tickets[0]!), 13);
    assert.equal(ctx.lab.state.server(before.servers[0]!)?.vmState, 'stopped', 'stopped again in the present');
  },
  healthy: async (ctx) => {
    const state = await ctx.admin('/state');
    assert.deepEqual(state.reachability, { ok: ctx.lab.fleet.servers.length, hang: 0, down: 0 });
    assert.deepEqual(state.fleet.vmStates, { active: ctx.lab.fleet.servers.length });
    assert.deepEqual(await ctx.tickets(), []);
    const dead = ((await request(`${ctx.lab.url}/network/v2.0/agents?alive=false`, { token: ctx.token })).body as Json).agents;
    assert.deepEqual(dead, []);
  },
  'vm-hang': async (ctx) => {
    const s = ctx.lab.state.server(ctx.fault('hung-worker').servers[0] as string);
    assert.ok(s && s.roles.includes('k8s-worker'));
    assert.equal((await ctx.server(s.id)).status, 'ACTIVE');
    assert.equal(await ctx.sshSays(s.ip), 'silent');
  },
  'vm-down': async (ctx) => {
    const s = ctx.lab.state.server(ctx.fault('dead-web').servers[0] as string);
    assert.ok(s);
    assert.equal((await ctx.server(s.id)).status, 'ACTIVE');
    assert.equal(await ctx.sshSays(s.ip), 'nothing');
  },
  'pm-hang': async (ctx) => {
    const host = await checkPmHang(ctx, 'hung-pm');
    // The runbook: reboot the PM, then its servers are SHUTOFF until started.
    const rebooted = await ctx.admin(`/hypervisors/${host}/reboot`, { method: 'POST' });
    assert.ok(rebooted.serversNowShutoff.length > 0);
    assert.equal((await computeService(ctx, host)).state, 'up');
    const s = ctx.lab.state.serversOnHost(host)[0];
    assert.ok(s);
    assert.equal((await ctx.server(s.id)).status, 'SHUTOFF');
    assert.equal((await ctx.server(s.id)).host_status, 'UP');
    const start = await request(`${ctx.lab.url}/compute/v2.1/servers/${s.id}/action`, { method: 'POST', token: ctx.token, body: { 'os-start': null } });
    assert.equal(start.status, 202);
    assert.equal((await ctx.server(s.id)).status, 'ACTIVE');
    assert.equal(await ctx.sshSays(s.ip), 'banner');
    assert.ok((await ctx.tickets()).every((t) => t.status === 'closed'));
  },
  storm: async (ctx) => {
    const hosts = await Promise.all(['storm-a', 'storm-b', 'storm-c'].map((id) => checkPmHang(ctx, id)));
    assert.equal(new Set(hosts).size, 3, 'three different hypervisors');
    const region = ctx.lab.state.regionById.get(ctx.lab.state.hypervisorByHost.get(hosts[0] as string)?.regionId ?? '');
    const inRegion = [...ctx.lab.state.hypervisorByHost.values()].filter((h) => h.regionId === region?.id);
    for (const h of hosts) assert.equal(ctx.lab.state.hypervisorByHost.get(h)?.regionId, region?.id, 'all in one region');
    // More than the default storm fraction (30 %) of the region's hypervisors.
    assert.ok(hosts.length / inRegion.length > 0.3, `${hosts.length} of ${inRegion.length}`);
  },
  'db-on-prod-pm': async (ctx) => {
    const host = await checkPmHang(ctx, 'db-pm');
    const hv = ctx.lab.state.hypervisorByHost.get(host);
    assert.equal(ctx.lab.state.regionById.get(hv?.regionId ?? '')?.zone, 'prod');
    assert.ok(ctx.lab.state.serversOnHost(host).some((s) => s.roles.includes('db')));
  },
  'kernel-oops': async (ctx) => {
    const f = ctx.fault('oops-victim');
    const s = ctx.lab.state.server(f.servers[0] as string);
    assert.ok(s && f.hypervisor === s.host);
    assert.equal(await ctx.sshSays(s.ip), 'silent');
    const facts = await ctx.facts(s.host);
    assert.ok(facts.kernelLog.some((l) => /Comm: qemu-system-x86 Tainted/.test(l)));
    assert.equal((await computeService(ctx, s.host)).state, 'up');
    assert.deepEqual(await alarmCodes(ctx), ['SYS_KERNEL_PANIC:1']);
  },
  'server-error': async (ctx) => {
    const shown = await ctx.server(ctx.fault('broken').servers[0] as string);
    assert.equal(shown.status, 'ERROR');
    assert.match(shown.fault.message, /process exited while connecting to monitor/);
  },
  'unrequested-shutoff': async (ctx) => {
    const id = ctx.fault('stopped').servers[0] as string;
    assert.equal((await ctx.server(id)).status, 'SHUTOFF');
    const [last] = await actions(ctx, id);
    assert.equal(last.action, 'stop');
    assert.equal(last.user_id, null);
    assert.equal(last.project_id, null);
    const detail = ((await request(`${ctx.lab.url}/compute/v2.1/servers/${id}/os-instance-actions/${last.request_id}`, { token: ctx.token, headers: MV })).body as Json).instanceAction;
    assert.equal(detail.events[0].event, 'compute_stop_instance');
  },
  'shutoff-flapping': async (ctx) => {
    const f = ctx.fault('flapper');
    const id = f.servers[0] as string;
    assert.equal((await ctx.server(id)).status, 'SHUTOFF');
    const hostStops = (await actions(ctx, id)).filter((a) => a.action === 'stop' && a.user_id === null);
    assert.equal(hostStops.length, 13);
    const facts = await ctx.facts(f.hypervisor as string);
    const nvme = facts.disks.find((d) => d.transport === 'nvme');
    assert.ok(nvme && nvme.nvmeErrorLogEntries > 0 && nvme.smartPassed);
    assert.ok(facts.libvirtLogs.some((l) => l.lines.some((x) => /refcount=0 reference=1/.test(x))));
    assert.ok(facts.kernelLog.some((l) => /task nova-compute:\d+ blocked for more than \d+ seconds/.test(l)));
    assert.ok(facts.memory.swapUsedBytes > 0);
  },
  'stuck-task': async (ctx) => {
    const on = await ctx.server(ctx.fault('stuck-on').servers[0] as string);
    assert.equal(on['OS-EXT-STS:task_state'], 'powering-on');
    assert.equal(on.status, 'SHUTOFF');
    const reboot = await ctx.server(ctx.fault('stuck-reboot').servers[0] as string);
    assert.equal(reboot['OS-EXT-STS:task_state'], 'rebooting_hard');
    assert.equal(reboot.status, 'HARD_REBOOT');
    assert.ok(Date.parse(reboot.updated) < ctx.lab.state.now() - 23 * 3_600_000);
  },
  'agents-down-docker': async (ctx) => {
    const host = ctx.fault('neutron-down').hypervisor as string;
    const dead = (await agents(ctx, host)).filter((a) => !a.alive).map((a) => a.binary).sort();
    assert.deepEqual(dead, ['neutron-dhcp-agent', 'neutron-linuxbridge-agent', 'neutron-metadata-agent']);
    assert.equal((await computeService(ctx, host)).state, 'up');
    const facts = await ctx.facts(host);
    assert.equal(facts.runtime, 'docker-compose');
    assert.deepEqual(
      facts.containers.filter((c) => c.state !== 'running').map((c) => `${c.project}/${c.name}`),
      ['neutron/neutron-dhcp-agent', 'neutron/neutron-metadata-agent', 'neutron/neutron-linuxbridge-agent'],
    );
  },
  'agents-down-containerd': async (ctx) => {
    const host = ctx.fault('nova-down').hypervisor as string;
    assert.equal((await computeService(ctx, host)).state, 'down');
    const facts = await ctx.facts(host);
    assert.equal(facts.runtime, 'containerd');
    assert.deepEqual(facts.containers.filter((c) => c.state !== 'running').map((c) => c.name), ['nova-compute', 'bird']);
  },
  'mass-impact': async (ctx) => {
    const ids = ctx.fault('three-down').servers;
    const hosts = new Set(ids.map((id) => ctx.lab.state.server(id)?.host));
    assert.equal(ids.length, 3);
    assert.equal(hosts.size, 1);
    for (const id of ids) assert.equal(ctx.lab.faults.reachability(ctx.lab.state.server(id)?.ip ?? ''), 'down');
    const hv = ctx.lab.state.hypervisorByHost.get([...hosts][0] as string);
    assert.equal(await ctx.sshSays(hv?.hostIp ?? ''), 'banner', 'the host itself still answers');
  },
  mixed: async (ctx) => {
    let faults = (await ctx.admin('/faults')).faults as Json[];
    assert.equal(faults.find((f) => f.id === 'late-oops').status, 'scheduled');
    assert.equal(faults.find((f) => f.id === 'db-pm').status, 'active');
    await ctx.admin('/clock/advance', { method: 'POST', body: { seconds: 60 } });
    faults = (await ctx.admin('/faults')).faults as Json[];
    assert.equal(faults.find((f) => f.id === 'late-oops').status, 'active');
    assert.equal(faults.find((f) => f.id === 'late-down').status, 'scheduled');
    await ctx.admin('/clock/advance', { method: 'POST', body: { seconds: 60 } });
    faults = (await ctx.admin('/faults')).faults as Json[];
    assert.equal(faults.find((f) => f.id === 'stopped-node').status, 'scheduled');
    await ctx.admin('/clock/advance', { method: 'POST', body: { seconds: 15 } });
    faults = (await ctx.admin('/faults')).faults as Json[];
    assert.ok(faults.every((f) => f.status === 'active'), JSON.stringify(faults.map((f) => [f.id, f.status, f.problem])));
    const codes = await alarmCodes(ctx);
    assert.deepEqual(codes, ['FAN:1', 'MEM_SBE:11', 'PING_FAIL:1', 'SYS_KERNEL_PANIC:1']);
    // The realistic baseline keeps the generator's everyday noise.
    const state = await ctx.admin('/state');
    assert.ok((state.fleet.vmStates.stopped ?? 0) > 0);
  },
  // Hardware alarms and host facts: the feed and the declared facts.
  'memory-sbe': async (ctx) => assert.deepEqual(await alarmCodes(ctx), ['HW-MC-ERROR:1', 'MEM_SBE:14', 'MEM_SBE:3']),
  'part-urgent': async (ctx) => assert.deepEqual(await alarmCodes(ctx), ['CPU:1', 'MAINBOARD:1', 'NIC:1']),
  'part-non-urgent': async (ctx) => {
    assert.deepEqual(await alarmCodes(ctx), ['DISK_FAILURE_PREDICTED:1', 'FAN:1', 'PSU_REDUNDANCY_LOST:1']);
    const facts = await ctx.facts(ctx.fault('predicted').hypervisor as string);
    assert.equal(facts.disks.find((d) => d.device === 'sda')?.reallocatedSectors, 24);
  },
  'disk-data-loss': async (ctx) => {
    assert.deepEqual(await alarmCodes(ctx), ['DISK_FAILED:1']);
    const host = ctx.fault('dead-disk').hypervisor as string;
    const facts = await ctx.facts(host);
    assert.equal(facts.disks.find((d) => d.device === 'nvme0n1')?.smartPassed, false);
    assert.ok(facts.kernelLog.some((l) => /I\/O error, dev nvme0n1/.test(l)));
    for (const id of ctx.fault('lost-servers').servers) assert.equal(ctx.lab.state.server(id)?.host, host);
  },
  'network-agents-down': async (ctx) => {
    const host = ctx.fault('neutron-agents').hypervisor as string;
    const dead = (await agents(ctx, host)).filter((a) => !a.alive).map((a) => a.binary).sort();
    assert.deepEqual(dead, ['neutron-dhcp-agent', 'neutron-linuxbridge-agent', 'neutron-metadata-agent']);
    assert.equal((await computeService(ctx, host)).state, 'up');
  },
  'oom-kill': async (ctx) => {
    const facts = await ctx.facts(ctx.fault('oom').hypervisor as string);
    assert.ok(facts.kernelLog.some((l) => /Out of memory: Killed process \d+ \(qemu-system-x86\)/.test(l)));
    assert.ok(facts.memory.availableBytes / facts.memory.totalBytes < 0.05);
  },
  'swap-on': async (ctx) => {
    const facts = await ctx.facts(ctx.fault('swapping').hypervisor as string);
    assert.equal(facts.memory.swapTotalBytes, 8 * 1024 ** 3);
    assert.ok(facts.memory.swapUsedBytes > 0);
  },
  'filesystem-full': async (ctx) => {
    const facts = await ctx.facts(ctx.fault('full').hypervisor as string);
    const root = facts.filesystems.find((f) => f.mount === '/');
    assert.ok(root && root.usedBytes / root.sizeBytes > 0.95);
  },
  'smr-disk': async (ctx) => {
    const facts = await ctx.facts(ctx.fault('smr').hypervisor as string);
    const smr = facts.disks.find((d) => d.smr);
    assert.ok(smr && smr.holds.includes('vm-images') && /\(SMR\)/.test(smr.modelFamily ?? ''));
  },
  'cpu-overheat': async (ctx) => {
    const facts = await ctx.facts(ctx.fault('hot').hypervisor as string);
    assert.ok(Math.max(...facts.cpuTemperaturesC) >= 90);
  },
  'guest-async-pf-panic': async (ctx) => {
    const f = ctx.fault('stalled-guest');
    const s = ctx.lab.state.server(f.servers[0] as string);
    assert.ok(s && s.roles.includes('k8s-worker') && f.hypervisor === s.host);
    const shown = await ctx.server(s.id);
    assert.equal(shown.status, 'ACTIVE', 'qemu still runs');
    assert.equal(shown['OS-EXT-STS:power_state'], 1);
    assert.equal(ctx.lab.faults.reachability(s.ip), 'down');
    const tail = await consoleTail(ctx, s.id, 40);
    assert.match(tail, /^\[\s*\d+\.\d{6}\] Kernel panic - not syncing: Host injected async #PF in kernel mode$/m);
    assert.match(tail, /__kvm_handle_async_pf/);
    assert.match(tail, /---\[ end Kernel panic - not syncing: Host injected async #PF in kernel mode \]---\n$/);
    // Like Nova: the last 40 pieces of the log split on newlines; a panic log ends in one, so 39 lines.
    assert.equal(tail.split('\n').length, 40, 'length limits the lines');
    assert.ok(tail.endsWith('\n'));
    const facts = await ctx.facts(s.host);
    assert.ok(facts.kernelLog.some((l) => /task nova-compute:\d+ blocked for more than \d+ seconds/.test(l)), 'the stall shows on the host');
    // Restarting the hypervisor brings the guest back: the panic is gone from a fresh boot.
    await ctx.admin(`/hypervisors/${s.host}/reboot`, { method: 'POST' });
    assert.doesNotMatch(await consoleTail(ctx, s.id, 40), /async #PF/);
  },
  'root-mount-panic': async (ctx) => {
    const s = ctx.lab.state.server(ctx.fault('unbootable').servers[0] as string);
    assert.ok(s && s.roles.includes('web'));
    assert.equal((await ctx.server(s.id)).status, 'ACTIVE', 'the guest rebooted itself; Nova saw nothing');
    assert.equal(await ctx.sshSays(s.ip), 'nothing');
    assert.deepEqual((await actions(ctx, s.id)).map((a) => a.action), ['create']);
    const tail = await consoleTail(ctx, s.id);
    assert.match(tail, /reboot: Restarting system\n\[\s+0\.000000\] Linux version 5\.15\.0-92-generic /);
    assert.match(tail, /VFS: Cannot open root device "LABEL=cloudimg-rootfs" or unknown-block\(0,0\): error -6/);
    assert.match(tail, /^\[\s+1\.\d{6}\] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block\(0,0\)$/m);
    assert.match(tail, /Comm: swapper\/0 Not tainted 5\.15\.0-92-generic #102-Ubuntu/);
  },
  'unexpected-reboot': async (ctx) => {
    const f = ctx.fault('rebooted');
    const host = f.hypervisor as string;
    const facts = await ctx.facts(host);
    assert.equal(facts.uptimeSeconds, 40 * 60);
    assert.equal(facts.reboots.length, 2);
    assert.equal(facts.reboots[0], ctx.lab.state.now() - 40 * 60_000);
    assert.ok(f.servers.length > 0);
    assert.deepEqual([...f.servers].sort(), ctx.lab.state.serversOnHost(host).map((s) => s.id).sort(), 'every running server came back stopped');
    for (const id of f.servers) {
      assert.equal((await ctx.server(id)).status, 'SHUTOFF');
      const [last] = await actions(ctx, id);
      assert.equal(last.action, 'stop');
      assert.equal(last.user_id, null);
      assert.equal(Date.parse(`${last.start_time}Z`), ctx.lab.state.now() - 36 * 60_000, 'a few minutes after the boot');
    }
    assert.equal((await computeService(ctx, host)).state, 'up');
    // Clearing the fault brings the servers back and the host's old boot.
    await ctx.admin('/faults/rebooted', { method: 'DELETE' });
    assert.ok((await ctx.facts(host)).uptimeSeconds > 86_400);
    assert.equal((await ctx.server(f.servers[0] as string)).status, 'ACTIVE');
  },
  // Kubernetes: what the clusters' API shows.
  'node-vm-shutoff': async (ctx) => {
    const { cluster, serverId, get } = clusterOf(ctx, 'stopped-node');
    const server = ctx.lab.state.server(serverId)!;
    assert.equal((await ctx.server(serverId)).status, 'SHUTOFF');
    const [last] = await actions(ctx, serverId);
    assert.deepEqual([last.action, last.user_id], ['stop', null]);
    const node = await get(`/api/v1/nodes/${server.name}`);
    assert.equal(readyOf(node), 'Unknown');
    assert.equal(node.status.conditions.find((c: Json) => c.type === 'Ready').reason, 'NodeStatusUnknown');
    assert.ok(node.spec.taints.some((t: Json) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute'));
    const others = (await get('/api/v1/nodes')).items.filter((n: Json) => n.metadata.name !== server.name);
    assert.ok(others.every((n: Json) => readyOf(n) === 'True'), 'only that node');
    const pods = (await get(`/api/v1/pods?fieldSelector=spec.nodeName%3D${server.name}`)).items;
    assert.ok(pods.length > 0 && pods.every((p: Json) => p.status.conditions.find((c: Json) => c.type === 'Ready').status === 'False'));
    const team = pods.filter((p: Json) => p.metadata.namespace === cluster.plan.team);
    assert.ok(team.every((p: Json) => p.metadata.deletionTimestamp), 'evicted after the unreachable toleration');
    const facts = await ctx.facts(server.host);
    assert.ok(facts.disks.some((d) => (d.nvmeErrorLogEntries ?? 0) > 0));
  },
  'calico-crashloop': async (ctx) => {
    const { serverId, get } = clusterOf(ctx, 'calico');
    const name = ctx.lab.state.server(serverId)!.name;
    assert.equal((await ctx.server(serverId)).status, 'ACTIVE');
    const pods = (await get(`/api/v1/namespaces/kube-system/pods?labelSelector=k8s-app%3Dcalico-node`)).items;
    const sick = pods.filter((p: Json) => p.status.containerStatuses[0].state.waiting?.reason === 'CrashLoopBackOff');
    assert.deepEqual(sick.map((p: Json) => p.spec.nodeName), [name]);
    assert.ok(sick[0].status.containerStatuses[0].restartCount >= 14);
    const log = (await kube(target(ctx.lab, clusterOf(ctx, 'calico').cluster), `/api/v1/namespaces/kube-system/pods/${sick[0].metadata.name}/log?container=calico-node`)).text;
    assert.match(log, /bird: Unable to open configuration file \/etc\/calico\/confd\/config\/bird\.cfg: No such file or directory/);
    const events = (await get(`/api/v1/namespaces/kube-system/events?fieldSelector=involvedObject.name%3D${sick[0].metadata.name}`)).items;
    assert.deepEqual(events.map((e: Json) => `${e.type}/${e.reason}`).sort(), ['Warning/BackOff', 'Warning/Unhealthy']);
    const ds = await get('/apis/apps/v1/namespaces/kube-system/daemonsets/calico-node');
    assert.equal(ds.status.numberUnavailable, 1);
  },
  'node-join-failed': async (ctx) => {
    const { cluster, serverId, get } = clusterOf(ctx, 'unjoined');
    assert.equal((await ctx.server(serverId)).status, 'ACTIVE');
    const facts = ctx.lab.faults.nodeFacts(serverId);
    assert.deepEqual([facts.services['containerd'], facts.node.containerdSocket], ['inactive', false]);
    assert.match(facts.node.journal.map((e) => e.message).join('\n'), /\[ERROR CRI\]: container runtime is not running/);
    const names = (await get('/api/v1/nodes')).items.map((n: Json) => n.metadata.name);
    const servers = [...cluster.plan.masters, ...cluster.plan.workers].map((s) => s.name);
    assert.deepEqual(names.sort(), servers.filter((n) => n !== ctx.lab.state.server(serverId)!.name).sort());
    const ds = await get('/apis/apps/v1/namespaces/kube-system/daemonsets/kube-proxy');
    assert.equal(ds.status.desiredNumberScheduled, servers.length - 1);
  },
  'kubelet-down': async (ctx) => {
    const { serverId, get } = clusterOf(ctx, 'kubelet-stopped');
    const name = ctx.lab.state.server(serverId)!.name;
    assert.equal((await ctx.server(serverId)).status, 'ACTIVE');
    const facts = ctx.lab.faults.nodeFacts(serverId);
    assert.equal(facts.services['kubelet'], 'inactive');
    assert.equal(facts.reboots.length, 2, 'last reboot shows the unplanned boot');
    assert.ok(facts.uptimeSeconds < 40 * 60);
    const ready = (await get(`/api/v1/nodes/${name}`)).status.conditions.find((c: Json) => c.type === 'Ready');
    assert.equal(ready.status, 'Unknown', 'NotReady after the grace period');
  },
  'node-swap': async (ctx) => {
    const { serverId } = clusterOf(ctx, 'swap-node');
    const facts = ctx.lab.faults.nodeFacts(serverId);
    assert.equal(facts.memory.swapTotalBytes, 4 * 1024 ** 3);
    assert.equal(facts.services['kubelet'], 'failed');
    assert.match(facts.node.journal.map((e) => e.message).join('\n'), /running with swap on is not supported/);
  },
  'node-network': async (ctx) => {
    const { serverId } = clusterOf(ctx, 'storage-net');
    const facts = ctx.lab.faults.nodeFacts(serverId);
    assert.equal(facts.node.interfaces.find((n) => n.name === 'stor0')?.mtu, 1500);
    assert.deepEqual(facts.node.multipath[0]?.paths.map((p) => p.checker), ['ready', 'faulty']);
  },
  'version-skew': async (ctx) => {
    const { cluster, serverId, get } = clusterOf(ctx, 'old-kubelet');
    const name = ctx.lab.state.server(serverId)!.name;
    const versions = Object.fromEntries((await get('/api/v1/nodes')).items.map((n: Json) => [n.metadata.name, n.status.nodeInfo.kubeletVersion]));
    const minor = (v: string): number => Number(v.split('.')[1]);
    assert.equal(minor(versions[name]), minor(cluster.plan.version) - 3);
    assert.ok(Object.entries(versions).every(([n, v]) => n === name || v === cluster.plan.version));
  },
  'control-plane-workloads': async (ctx) => {
    const { cluster, get } = clusterOf(ctx, 'on-masters');
    const pods = (await get(`/api/v1/namespaces/${cluster.plan.team}/pods?labelSelector=app%3D${cluster.plan.team}-batch-worker`)).items;
    assert.ok(pods.length > 0);
    const masters = new Set(cluster.plan.masters.map((m) => m.name));
    assert.ok(pods.every((p: Json) => masters.has(p.spec.nodeName) && p.status.phase === 'Running'));
    assert.ok(pods[0].spec.tolerations.some((t: Json) => t.key === 'node-role.kubernetes.io/control-plane'));
    const elsewhere = (await get(`/api/v1/namespaces/${cluster.plan.team}/pods`)).items.filter((p: Json) => !p.metadata.name.startsWith(`${cluster.plan.team}-batch-worker`));
    assert.ok(elsewhere.every((p: Json) => !masters.has(p.spec.nodeName)), 'nothing else of the team runs on the masters');
  },
  'service-endpoints': async (ctx) => {
    const { cluster, get } = clusterOf(ctx, 'endpoints');
    const ns = cluster.plan.team;
    const checkout = await get(`/api/v1/namespaces/${ns}/endpoints/${ns}-checkout`);
    assert.equal(checkout.subsets.length, 1);
    assert.equal(checkout.subsets[0].addresses, undefined);
    assert.equal(checkout.subsets[0].notReadyAddresses.length, 2);
    const api = await get(`/api/v1/namespaces/${ns}/endpoints/${ns}-api`);
    assert.deepEqual([api.subsets[0].addresses.length, api.subsets[0].notReadyAddresses.length], [2, 1]);
    const slices = (await get(`/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3D${ns}-checkout`)).items;
    assert.ok(slices[0].endpoints.every((e: Json) => e.conditions.ready === false));
    const deploy = await get(`/apis/apps/v1/namespaces/${ns}/deployments/${ns}-api`);
    assert.equal(deploy.status.readyReplicas, 2);
  },
  'workload-failures': async (ctx) => {
    const { cluster, serverId, get } = clusterOf(ctx, 'failures');
    const ns = cluster.plan.team;
    const jobs = (await get(`/apis/batch/v1/namespaces/${ns}/jobs`)).items;
    const failed = jobs.filter((j: Json) => j.status.conditions?.some((c: Json) => c.type === 'Failed' && c.reason === 'BackoffLimitExceeded'));
    assert.equal(failed.length, 1);
    assert.ok(failed[0].metadata.name.startsWith(`${ns}-settlement-`));
    const pods = (await get(`/api/v1/namespaces/${ns}/pods?fieldSelector=status.phase%3DFailed`)).items;
    // The Job's three attempts, and the web pod the kubelet evicted on the fault's node.
    assert.equal(pods.length, 4);
    const evicted = pods.filter((p: Json) => p.status.reason === 'Evicted');
    assert.deepEqual(evicted.map((p: Json) => p.metadata.ownerReferences[0].kind), ['ReplicaSet']);
    assert.equal(evicted[0].spec.nodeName, ctx.lab.state.server(serverId)?.name);
    const crons = (await get(`/apis/batch/v1/namespaces/${ns}/cronjobs`)).items;
    assert.deepEqual(crons.filter((c: Json) => c.spec.suspend).map((c: Json) => c.metadata.name), [`${ns}-cleanup`]);
    const pvc = await get(`/api/v1/namespaces/${ns}/persistentvolumeclaims/${ns}-uploads`);
    assert.equal(pvc.status.phase, 'Pending');
    const events = (await get(`/api/v1/namespaces/${ns}/events?fieldSelector=reason%3DProvisioningFailed`)).items;
    assert.match(events[0].message, /storageclass\.storage\.k8s\.io "cinder-ssd" not found/);
  },
  'rollout-lag': async (ctx) => {
    const { cluster, get } = clusterOf(ctx, 'lagging-stable');
    const ns = cluster.plan.team;
    const deps = (await get(`/apis/apps/v1/namespaces/${ns}/deployments?labelSelector=app%3D${ns}-orders`)).items as Json[];
    const image = (track: string): string => deps.find((d) => d.metadata.labels.track === track)?.spec.template.spec.containers[0].image;
    assert.match(image('canary'), /:2\.16\.0$/);
    assert.match(image('stable'), /:2\.15\.0$/);
    // The canary's newest ReplicaSet, the one the stable never got, is twelve days old.
    const sets = (await get(`/apis/apps/v1/namespaces/${ns}/replicasets?labelSelector=track%3Dcanary`)).items as Json[];
    const newest = sets.sort((a, b) => Number(b.metadata.annotations['deployment.kubernetes.io/revision']) - Number(a.metadata.annotations['deployment.kubernetes.io/revision']))[0];
    const days = (ctx.lab.state.now() - Date.parse(newest.metadata.creationTimestamp)) / 86_400_000;
    assert.ok(days > 11.9 && days < 12.1, `canary revision ${days.toFixed(2)} days old`);
  },
  'unused-services': async (ctx) => {
    const { cluster, get } = clusterOf(ctx, 'unused');
    const ns = cluster.plan.team;
    // The idle HTTP Service and its decoys are real Services with owners; the consumers carry their group's label.
    const services = ((await get(`/api/v1/namespaces/${ns}/services`)).items as Json[]).map((s) => s.metadata.name);
    for (const name of [`${ns}-legacy-coupons`, `${ns}-preview`, `${ns}-month-end`]) assert.ok(services.includes(name), `${name} in ${services.join(', ')}`);
    const consumers = (await get(`/apis/apps/v1/namespaces/${ns}/deployments?labelSelector=faultline.io%2Fkafka-consumer-group`)).items as Json[];
    assert.deepEqual(consumers.map((d) => d.metadata.name).sort(), [`${ns}-audit-archiver`, `${ns}-orders-sink`]);
    const monthEnd = await get(`/apis/apps/v1/namespaces/${ns}/deployments/${ns}-month-end`);
    assert.ok(monthEnd.metadata.annotations['downscaler/uptime'], 'the scheduled decoy says its schedule');
    const cron = await get(`/apis/batch/v1/namespaces/${ns}/cronjobs/${ns}-legacy-export`);
    assert.equal(cron.spec.suspend, true);
    const idleDays = (ctx.lab.state.now() - Date.parse(cron.status.lastScheduleTime)) / 86_400_000;
    assert.ok(idleDays > 29.9 && idleDays < 30.1, `last run ${idleDays.toFixed(2)} days ago`);
  },
  'virtualization-misconfigured': async (ctx) => {
    const facts = await ctx.facts(ctx.fault('swapped-board').hypervisor as string);
    assert.deepEqual(facts.virtualization, { vtx: true, vtd: false, x2apic: false, sriovTotalVfs: 0, iommuDefaultDomain: 'Translated' });
  },
};

describe('shipped scenarios', () => {
  it('are all checked here, and all load', () => {
    const names = scenarioNames(DIR);
    assert.ok(names.length >= 20, `${names.length} scenarios in ${DIR}`);
    assert.deepEqual(names, Object.keys(CHECKS).sort());
    for (const name of names) assert.equal(loadScenario(name, DIR).name, name, `${name}.yaml names itself`);
  });

  for (const [name, check] of Object.entries(CHECKS)) {
    it(`${name}: the lab shows the scenario's faults`, async () => {
      await withScenario(name, async (ctx) => {
        for (const f of ctx.lab.faults.list()) assert.notEqual(f.status, 'unmatched', `${f.id}: ${f.problem ?? ''}`);
        await check(ctx);
      });
    });
  }
});
