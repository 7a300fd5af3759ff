import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { runPower, type ServerOutcome } from '../../act/openstack/power.js';
import { getServer } from '../../act/openstack/nova.js';
import { OpenStackClient } from '../../collect/openstack/client.js';
import { generateFleet, LAB_CREDENTIALS, loopbackAddress, startLab, type LabServer, type RunningLab } from '../../lab/index.js';
import type { CliContext } from '../context.js';
import { Terminal } from '../terminal.js';
import { OPENSTACK_CLI, openstackJson, runFaultline, type CliRun } from '../testing.js';
import { power } from './stop-start.js';

/**
 * show / stop / start / restart / log / console against the simulated cloud,
 * through the built CLI as an operator runs it. SSH banners come from the lab
 * when it serves them (`lab.network.sshPort` or `lab.sshPort`); otherwise from a
 * stand-in here that greets for every server the lab says is running, on every
 * loopback address, and can play a hung guest or a guest whose sshd is down.
 */


// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** Accepts on 0.0.0.0, so every 127.x address the lab hands out reaches it; greets only for running servers. */
async function standInSshd(lab: RunningLab, hung: Map<string, number>, sshdDown: Set<string>): Promise<{ server: NetServer; port: number }> {
  const server = createServer((socket: Socket) => {
    const addr = (socket.localAddress ?? '').replace(/^::ffff:/, '');
    const vm = lab.state.allServers().find((s) => s.ip === addr);
    if (!vm || vm.vmState !== 'active' || vm.powerState !== 1 || sshdDown.has(vm.id)) return void socket.destroy();
    // A "hung" guest accepts TCP but never greets, until it has been rebooted the given number of times more.
    const until = hung.get(vm.id);
    if (until !== undefined && rebootCount(lab, vm) < until) return;
    socket.end('SSH-2.0-OpenSSH_9.2p1 lab-stand-in\r\n');
  });
  await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
  return { server, port: (server.address() as { port: number }).port };
}

function rebootCount(lab: RunningLab, vm: LabServer): number {
  return lab.state.instanceActions(vm).filter((a) => a.action === 'reboot').length;
}

describe('server commands against the lab', { timeout: 300_000 }, () => {
  let lab: RunningLab;
  let dir: string;
  let sshd: NetServer | undefined;
  /** True when the banner comes from the lab itself, whose rules for stopped servers may differ. */
  let labSsh = false;
  const hung = new Map<string, number>();
  const sshdDown = new Set<string>();
  let region: string;

  const faultline = (args: string[], stdin: 'ignore' | 'pipe' = 'ignore', cloud = 'lab'): Promise<CliRun> =>
    runFaultline(args, { cwd: dir, stdin, env: { USER: 'tester', OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml'), OS_CLOUD: cloud } });
  const json = async (args: string[], code = 0): Promise<Json> => {
    const r = await faultline([...args, '--format', 'json']);
    assert.equal(r.code, code, `faultline ${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  };
  const vm = (id: string): LabServer => {
    const s = lab.state.server(id);
    assert.ok(s);
    return s;
  };
  const inRegion = (): LabServer[] => lab.fleet.servers.filter((s) => s.regionId === region);
  const hostsWhere = (ok: (servers: readonly LabServer[]) => boolean): string[] =>
    lab.fleet.hypervisors.filter((h) => h.regionId === region && ok(lab.state.serversOnHost(h.hostname))).map((h) => h.hostname);
  const activeIdle = (): LabServer[] => inRegion().filter((s) => s.vmState === 'active' && s.taskState === null && !s.name.startsWith('amphora-'));

  before(async () => {
    // Every lab numbers its guests from 127.0.1.1, and a lab running as root elsewhere on this
    // machine (another test file) drops ICMP to its stopped guests' addresses with nftables.
    // Addresses of our own keep those drops from turning our pings into "no".
    const fleet = generateFleet({ seed: 'faultline-act', size: 'small' });
    fleet.servers.forEach((s, i) => (s.ip = loopbackAddress(i, 0x6a0000)));
    fleet.hypervisors.forEach((h, i) => (h.hostIp = loopbackAddress(i, 0x6b0000)));
    lab = await startLab({ fleet, clock: 'real', actionDurationMs: 200 });
    region = lab.fleet.regions[0]?.id ?? '';
    dir = await mkdtemp(join(tmpdir(), 'fl-act-'));
    // lab-viewer, scoped to its project as a member's clouds.yaml would be.
    const clouds = parse(lab.cloudsYaml()) as { clouds: Record<string, { auth: Record<string, string> }> };
    const viewer = clouds.clouds['lab-viewer'];
    const viewerProject = lab.fleet.users.find((u) => u.name === LAB_CREDENTIALS.viewer.username)?.defaultProjectId;
    assert.ok(viewer && viewerProject);
    assert.equal(viewer.auth['project_id'], viewerProject, 'the lab writes lab-viewer scoped to its project');
    clouds.clouds['lab-member'] = { ...viewer, auth: { ...viewer.auth, project_id: viewerProject } };
    await writeFile(join(dir, 'clouds.yaml'), stringify(clouds));
    // The lab's own guest network (when started with it) answers SSH per server state; prefer it.
    const exposed = lab as unknown as { sshPort?: number; network?: { sshPort?: number } | null };
    let sshPort = exposed.network?.sshPort ?? exposed.sshPort;
    if (sshPort === undefined) {
      const s = await standInSshd(lab, hung, sshdDown);
      sshd = s.server;
      sshPort = s.port;
    } else labSsh = true;
    await writeFile(
      join(dir, 'faultline.yaml'),
      `probes:\n  sshPort: ${sshPort}\n  sshHangSeconds: 1\n  sshConnectTimeoutSeconds: 1\n  pingTimeoutMs: 300\n  pingRetries: 0\n`,
    );
  });
  after(async () => {
    sshd?.close();
    await lab.stop();
  });

  describe('show', () => {
    it('lists exactly the servers `openstack server list --all-projects --host` lists, with the same states, ping and ssh', async (t) => {
      const host = hostsWhere((ss) => ss.some((s) => s.vmState === 'stopped') && ss.some((s) => s.vmState === 'active'))[0];
      assert.ok(host, 'the fleet has a hypervisor with running and stopped servers');
      const shown = await json(['show', host]);
      assert.equal(shown.kind, 'hypervisor');
      assert.equal(shown.hypervisor.name, host);
      const expected = lab.state.serversOnHost(host);
      assert.deepEqual(shown.servers.map((r: Json) => r.id).sort(), expected.map((s) => s.id).sort());
      for (const row of shown.servers) {
        const s = vm(row.id);
        assert.equal(row.vmState, s.vmState);
        assert.equal(row.taskState, s.taskState);
        assert.equal(row.ip, s.ip);
        assert.ok(row.project && row.flavor && row.createdAt, 'project, flavor and created_at are filled');
        assert.equal(row.volumes.length, s.volumes.length);
        // Loopback answers ICMP whatever the simulated state.
        assert.equal(row.ping, true);
        if (s.name.startsWith('amphora-')) assert.equal(row.ssh, 'not-expected');
        else if (s.vmState === 'active' && s.powerState === 1) assert.equal(row.ssh, 'ok', `${s.name} greets`);
        else if (labSsh) assert.notEqual(row.ssh, 'ok', `${s.name} is not running`);
        else assert.equal(row.ssh, 'error', `${s.name} is not running: the stand-in closes`);
      }
      if (!existsSync(OPENSTACK_CLI)) return t.skip(`${OPENSTACK_CLI} is not installed`);
      const osc = await openstackJson<Json[]>(['server', 'list', '--all-projects', '--host', host, '-f', 'json'], { cwd: dir });
      assert.deepEqual(
        shown.servers.map((r: Json) => `${r.id} ${r.status}`).sort(),
        osc.map((r) => `${r.ID} ${r.Status}`).sort(),
      );
    });

    it('shows one server by name, UUID and IP, with its instance actions', async () => {
      const s = activeIdle()[0] as LabServer;
      for (const target of [s.name, s.id, s.ip]) {
        const shown = await json(['show', target]);
        assert.equal(shown.kind, 'server', target);
        assert.equal(shown.server.id, s.id);
        assert.equal(shown.server.status, 'ACTIVE');
        assert.equal(shown.reachability.ping, true);
        assert.ok(shown.actions.some((a: Json) => a.action === 'create'));
      }
      const table = await faultline(['show', s.name]);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, new RegExp(`name\\s+${s.name}`));
      assert.match(table.stdout, /instance actions/);
    });

    it('finds a hypervisor by FQDN and by host IP too', async () => {
      const hv = lab.fleet.hypervisors.find((h) => h.regionId === region);
      assert.ok(hv);
      for (const target of [`${hv.hostname}.${region}.example.net`, hv.hostIp]) {
        const shown = await json(['show', target, '--no-probe']);
        assert.equal(shown.kind, 'hypervisor', target);
        assert.equal(shown.hypervisor.name, hv.hostname);
        assert.equal(shown.servers.length, lab.state.serversOnHost(hv.hostname).length);
      }
    });

    it('says what it looked for when nothing matches, and exits 2', async () => {
      const r = await faultline(['show', 'no-such-machine-anywhere']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /no server or hypervisor matches "no-such-machine-anywhere"/);
    });
  });

  describe('as a project member without the admin role (the viewer user)', () => {
    // The lab, like Nova with the new policy defaults, answers 403 to a member's
    // hypervisor list and to all_tenants.
    const member = (args: string[]): Promise<CliRun> => faultline(args, 'ignore', 'lab-member');
    let own: LabServer;
    before(() => {
      const projectId = lab.fleet.users.find((u) => u.name === LAB_CREDENTIALS.viewer.username)?.defaultProjectId;
      const mine = inRegion().filter((s) => s.projectId === projectId && s.vmState === 'active' && s.taskState === null);
      const found = mine.find((s) => lab.fleet.servers.filter((o) => o.projectId === projectId && o.name === s.name).length === 1);
      assert.ok(found, 'the viewer’s project has a running server with a name of its own');
      own = found;
    });

    it('finds a server of its project by name, UUID and IP', async () => {
      for (const target of [own.name, own.id, own.ip]) {
        const r = await member(['show', target, '--no-probe', '--format', 'json']);
        assert.equal(r.code, 0, `show ${target}: ${r.stderr}`);
        const shown = JSON.parse(r.stdout) as Json;
        assert.equal(shown.kind, 'server', target);
        assert.equal(shown.server.id, own.id);
      }
    });

    it('reads the log of its server and plans a stop of it', async () => {
      const log = await member(['log', own.name, '--lines', '2']);
      assert.equal(log.code, 0, log.stderr);
      assert.equal(log.stdout, `${lab.state.consoleLog(vm(own.id)).slice(-2).join('\n')}\n`);
      const plan = await member(['stop', own.id, '--dry-run']);
      assert.equal(plan.code, 0, plan.stderr);
      assert.match(plan.stdout, /stop → wait for SHUTOFF/);
      assert.equal(vm(own.id).vmState, 'active');
    });

    it('says that naming a hypervisor needs the admin role, and does not see other projects', async () => {
      const hv = lab.fleet.hypervisors.find((h) => h.regionId === region);
      assert.ok(hv);
      const r = await member(['show', hv.hostname]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`no server of your project matches "${hv.hostname}".*naming a hypervisor needs the admin role`));
      const other = inRegion().find((s) => s.projectId !== own.projectId && lab.fleet.servers.filter((o) => o.name === s.name).length === 1);
      assert.ok(other);
      const hidden = await member(['show', other.name, '--no-probe']);
      assert.equal(hidden.code, 2, hidden.stderr);
      assert.match(hidden.stderr, new RegExp(`no server of your project matches "${other.name}"`));
    });
  });

  describe('stop, start and restart of one server', () => {
    let s: LabServer;
    before(() => {
      s = activeIdle()[1] as LabServer;
    });

    it('refuses without a terminal and without --yes, and changes nothing', async () => {
      const r = await faultline(['stop', s.name], 'pipe');
      assert.equal(r.code, 2);
      assert.match(r.stderr, /refusing to stop 1 server\(s\) without confirmation/);
      assert.equal(vm(s.id).vmState, 'active');
    });

    it('--dry-run prints the plan and changes nothing', async () => {
      const r = await faultline(['stop', s.id, '--dry-run']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /stop → wait for SHUTOFF/);
      assert.match(r.stdout, /dry run: nothing was changed/);
      const plan = await json(['restart', s.id, '--dry-run']);
      assert.equal(plan.plan[0].steps[0], 'reboot SOFT');
      assert.equal(vm(s.id).vmState, 'active');
      assert.equal(lab.state.instanceActions(vm(s.id)).length, 1, 'only the create action');
    });

    it('stops, and a second stop finds it stopped and sends nothing', async () => {
      const first = await json(['stop', s.name, '--yes', '--timeout', '30']);
      assert.equal(first.ok, true);
      assert.equal(vm(s.id).vmState, 'stopped');
      assert.deepEqual(first.records.map((r: Json) => [r.action, r.result]), [['stop', 'ok']]);
      assert.equal(first.records[0].actor, 'tester as user admin@Default on project admin');
      assert.ok(Date.parse(first.records[0].at) <= Date.parse(first.records[0].finishedAt));
      const second = await json(['stop', s.name, '--yes']);
      assert.equal(second.ok, true);
      assert.deepEqual(second.records.map((r: Json) => [r.action, r.result]), [['stop', 'unchanged']]);
      assert.equal(lab.state.instanceActions(vm(s.id)).filter((a) => a.action === 'stop').length, 1);
    });

    it('answers a 409 by reading the state again: an already stopped server counts as stopped', async () => {
      const client = new OpenStackClient({
        auth: {
          authUrl: lab.authUrl,
          username: LAB_CREDENTIALS.admin.username,
          password: LAB_CREDENTIALS.admin.password,
          projectName: LAB_CREDENTIALS.admin.project,
          userDomainName: LAB_CREDENTIALS.domain,
          projectDomainName: LAB_CREDENTIALS.domain,
          regionName: region,
          interface: 'public',
        },
      });
      const current = await getServer(client, s.id);
      assert.equal(current.status, 'SHUTOFF');
      // The list the plan was made from is older than the server's real state.
      const stale = { ...current, status: 'ACTIVE', vmState: 'active' };
      const [outcome] = await runPower('stop', [{ at: { region, client }, server: stale }], { actor: 'test', concurrency: 1, timeoutMs: 10_000, verifyTimeoutMs: 1000, pollMs: 100 });
      assert.equal(outcome?.ok, true, outcome?.summary);
      assert.equal(outcome?.summary, 'already stopped');
      assert.equal(outcome?.records[0]?.result, 'unchanged');
      assert.match(outcome?.records[0]?.detail ?? '', /409/);
      assert.match(outcome?.records[0]?.requestId ?? '', /^req-/, 'the refused request can be found in the Nova logs');
    });

    it('starts and checks ping and ssh; a second start changes nothing', async () => {
      const first = await json(['start', s.ip, '--yes', '--timeout', '30', '--verify-timeout', '10']);
      assert.equal(first.ok, true, JSON.stringify(first.outcomes));
      assert.equal(vm(s.id).vmState, 'active');
      assert.deepEqual(first.records.map((r: Json) => [r.action, r.result]), [['start', 'ok'], ['verify', 'ok']]);
      assert.equal(first.outcomes[0].reachability.ping, true);
      assert.equal(first.outcomes[0].reachability.ssh, 'ok');
      const second = await json(['start', s.ip, '--yes']);
      assert.deepEqual(second.records.map((r: Json) => [r.action, r.result]), [['start', 'unchanged'], ['verify', 'ok']]);
    });

    it('restarts with a soft reboot when that brings the server back', async () => {
      const r = await json(['restart', s.id, '--yes', '--timeout', '30', '--verify-timeout', '10']);
      assert.equal(r.ok, true, JSON.stringify(r.outcomes));
      assert.equal(r.outcomes[0].summary, 'rebooted (soft)');
      assert.deepEqual(r.records.map((x: Json) => x.action), ['reboot-soft', 'verify']);
    });

    it('falls back to a hard reboot when the guest does not answer after the soft one', { skip: labSsh && 'the lab serves SSH itself; the hung guest needs the stand-in' }, async () => {
      hung.set(s.id, rebootCount(lab, vm(s.id)) + 2);
      const r = await json(['restart', s.id, '--yes', '--timeout', '30', '--verify-timeout', '2']);
      assert.equal(r.ok, true, JSON.stringify(r.outcomes));
      assert.match(r.outcomes[0].summary, /hard, after the soft reboot/);
      assert.deepEqual(
        r.records.map((x: Json) => [x.action, x.result]),
        [['reboot-soft', 'ok'], ['verify', 'failed'], ['reboot-hard', 'ok'], ['verify', 'ok']],
      );
    });

    it('does not hard-reboot a guest that answers but whose sshd is down, and reports it', { skip: labSsh && 'the lab serves SSH itself; the broken sshd needs the stand-in' }, async () => {
      sshdDown.add(s.id);
      try {
        const r = await json(['restart', s.id, '--yes', '--timeout', '30', '--verify-timeout', '1'], 1);
        assert.equal(r.ok, false);
        assert.match(r.outcomes[0].summary, /no hard reboot, because the guest answers \(ssh error\)/);
        assert.deepEqual(r.records.map((x: Json) => [x.action, x.result]), [['reboot-soft', 'ok'], ['verify', 'failed']]);
      } finally {
        sshdDown.delete(s.id);
      }
    });

    it('asks on a terminal: "n" changes nothing, "y" goes ahead', async () => {
      const out = new PassThrough();
      const err = new PassThrough();
      let errText = '';
      err.on('data', (d: Buffer) => (errText += d.toString()));
      out.resume();
      const term = new Terminal(out as unknown as NodeJS.WriteStream, err as unknown as NodeJS.WriteStream);
      const ctx: CliContext = { term, cwd: dir, env: { HOME: dir, USER: 'tester', OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml'), OS_CLOUD: 'lab' } };
      const tty = (answer: string): NodeJS.ReadableStream & { isTTY: boolean } => {
        const input = Object.assign(new PassThrough(), { isTTY: true });
        setTimeout(() => input.end(answer), 50);
        return input;
      };
      assert.equal(await power(ctx, 'stop', s.id, {}, tty('n\n')), 1);
      assert.match(errText, /Stop 1 server\(s\) of server .*\? \[y\/N\]/);
      assert.match(errText, /aborted; nothing was changed/);
      assert.equal(vm(s.id).vmState, 'active');
      assert.equal(await power(ctx, 'stop', s.id, { timeout: '30' }, tty('yes\n')), 0);
      assert.equal(vm(s.id).vmState, 'stopped');
    });

    it('records the stop and start with Nova\'s request ids in the store, and `history` shows them', async () => {
      // A directory of its own, so the other tests here run without a store.
      const withStore = await mkdtemp(join(tmpdir(), 'fl-act-store-'));
      await writeFile(join(withStore, 'clouds.yaml'), await readFile(join(dir, 'clouds.yaml')));
      const probes = await readFile(join(dir, 'faultline.yaml'), 'utf8');
      await writeFile(join(withStore, 'faultline.yaml'), `${probes}store:\n  path: ${join(withStore, 'store')}\n`);
      const env = { USER: 'tester', OS_CLIENT_CONFIG_FILE: join(withStore, 'clouds.yaml'), OS_CLOUD: 'lab' };
      const run = async (args: string[]): Promise<Json> => {
        const r = await runFaultline([...args, '--format', 'json'], { cwd: withStore, env });
        assert.equal(r.code, 0, `faultline ${args.join(' ')}: ${r.stderr}`);
        assert.doesNotMatch(r.stderr, /not written to the store/);
        return JSON.parse(r.stdout);
      };
      const target = activeIdle()[3] as LabServer;
      await run(['stop', target.id, '--yes', '--timeout', '30']);
      await run(['start', target.id, '--yes', '--timeout', '30', '--verify-timeout', '10']);
      const nova = lab.state.instanceActions(vm(target.id));
      const sent = (action: string): string | undefined => nova.find((a) => a.action === action)?.requestId;
      assert.match(sent('stop') ?? '', /^req-/);
      assert.match(sent('start') ?? '', /^req-/);
      const history = await run(['history', target.name]);
      const actions = (history.events as { kind: string; ref?: string; summary: string }[]).filter((e) => e.kind === 'action');
      assert.deepEqual(
        actions.filter((a) => a.ref !== undefined).map((a) => a.ref),
        [sent('stop'), sent('start')],
        `the accepted actions cite the request ids Nova gave them: ${JSON.stringify(actions)}`,
      );
    });
  });

  describe('a hypervisor: all its servers', () => {
    let host: string;
    before(() => {
      // Servers stuck in a task never finish in the lab; those get their own case below.
      const found = hostsWhere((ss) => ss.length >= 3 && ss.every((x) => x.taskState === null) && ss.some((x) => x.vmState === 'stopped'))[0] ??
        hostsWhere((ss) => ss.length >= 3 && ss.every((x) => x.taskState === null))[0];
      assert.ok(found);
      host = found;
    });

    it('stop stops every server; running it again is safe', async () => {
      const r = await json(['stop', host, '--yes', '--timeout', '30', '--concurrency', '3']);
      assert.equal(r.ok, true, JSON.stringify(r.outcomes));
      const servers = lab.state.serversOnHost(host);
      assert.equal(r.outcomes.length, servers.length);
      for (const s of servers) assert.equal(s.vmState, 'stopped', s.name);
      const again = await json(['stop', host, '--yes']);
      assert.equal(again.ok, true);
      assert.ok(again.records.every((x: Json) => x.result === 'unchanged'));
    });

    it('start brings every server back with ping and ssh; running it again is safe', async () => {
      const r = await json(['start', host, '--yes', '--timeout', '30', '--verify-timeout', '10']);
      assert.equal(r.ok, true, JSON.stringify(r.outcomes));
      for (const s of lab.state.serversOnHost(host)) assert.equal(s.vmState, 'active', s.name);
      for (const o of r.outcomes as ServerOutcome[]) {
        assert.equal(o.reachability?.ping, true);
        assert.ok(o.reachability?.ssh === 'ok' || o.reachability?.ssh === 'not-expected', `${o.server.name}: ${o.reachability?.ssh}`);
      }
      const again = await json(['start', host, '--yes']);
      assert.equal(again.ok, true);
      assert.ok(again.records.filter((x: Json) => x.action === 'start').every((x: Json) => x.result === 'unchanged'));
    });

    it('restart reboots every server, twice in a row without harm, and the table ends with the audit', async () => {
      for (let round = 0; round < 2; round++) {
        const r = await faultline(['restart', host, '--yes', '--timeout', '30', '--verify-timeout', '10']);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`Restart hypervisor ${host} \\(\\d+ servers\\): \\d+ ok, 0 failed`));
        assert.match(r.stdout, /audit \(\d+ record\(s\)\):/);
        assert.match(r.stdout, /tester as user admin@Default on project admin\s+reboot-soft/);
      }
      for (const s of lab.state.serversOnHost(host)) assert.equal(s.vmState, 'active', s.name);
    });

    it('restart reports the servers that did not come back and exits 1', async () => {
      const stuck = inRegion().find((s) => s.vmState === 'stopped' && s.taskState === 'powering-on');
      assert.ok(stuck, 'the fleet has a server stuck powering on');
      const r = await json(['restart', stuck.host, '--yes', '--timeout', '5', '--verify-timeout', '5'], 1);
      assert.equal(r.ok, false);
      const bad = (r.outcomes as ServerOutcome[]).filter((o) => !o.ok);
      assert.deepEqual(bad.map((o) => o.server.id), [stuck.id]);
      for (const o of r.outcomes as ServerOutcome[]) if (o.server.id !== stuck.id) assert.equal(vm(o.server.id).vmState, 'active', o.server.name);
    });
  });

  describe('log and console', () => {
    it('log --lines gives the last lines of the console log', async () => {
      const s = activeIdle()[2] as LabServer;
      const r = await faultline(['log', s.name, '--lines', '3']);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.split('\n').slice(0, -1);
      assert.equal(lines.length, 3);
      assert.equal(lines[2], `${s.name} login: `);
      const all = await faultline(['log', s.name]);
      assert.match(all.stdout, /Linux version/);
    });

    it('log --lines gives as many lines when the log ends in a newline, and a shorter log whole', async () => {
      // A stopped guest's log ends with the power-down line and its newline, like a kernel's.
      const s = inRegion().find((x) => x.vmState === 'stopped' && lab.state.consoleLog(x).at(-1)?.endsWith('reboot: Power down'));
      assert.ok(s, 'the fleet has a stopped server');
      const log = lab.state.consoleLog(s);
      const r = await faultline(['log', s.id, '--lines', '3']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.stdout.split('\n'), [...log.slice(-3), '']);
      const all = await faultline(['log', s.id]);
      assert.equal(all.stdout, `${log.join('\n')}\n`);
      for (const n of [log.length, log.length + 1, 1000]) assert.equal((await faultline(['log', s.id, '--lines', String(n)])).stdout, all.stdout, `--lines ${n}`);
      assert.equal((await faultline(['log', s.id, '--lines', String(log.length - 1)])).stdout, `${log.slice(1).join('\n')}\n`);
    });

    it('log of a hypervisor prints every server under a header', async () => {
      const host = lab.fleet.hypervisors.find((h) => h.regionId === region)?.hostname as string;
      const r = await faultline(['log', host, '-n', '2']);
      assert.equal(r.code, 0, r.stderr);
      for (const s of lab.state.serversOnHost(host)) assert.ok(r.stdout.includes(`==> ${s.name} (${s.id}) <==`), s.name);
    });

    it('console prints the noVNC URL of a server', async () => {
      const s = activeIdle()[2] as LabServer;
      const r = await faultline(['console', s.id]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout.trim(), /^http:\/\/127\.0\.0\.1:\d+\/novnc\/vnc_auto\.html\?path=/);
    });

    it('console of a hypervisor gives a URL per running server and skips the stopped ones, saying why', async () => {
      const host = hostsWhere((ss) => ss.some((x) => x.vmState === 'stopped') && ss.some((x) => x.vmState === 'active'))[0] as string;
      const r = await json(['console', host]);
      assert.equal(r.length, lab.state.serversOnHost(host).length);
      for (const row of r) {
        const s = vm(row.id);
        if (row.status === 'ACTIVE') assert.match(row.url, /novnc/, s.name);
        else {
          assert.equal(row.url, undefined, s.name);
          assert.match(row.skipped, /^not running \((SHUTOFF|[A-Z_]+)\); start it first$/, s.name);
        }
      }
      assert.ok(r.some((row: Json) => row.status === 'SHUTOFF' && row.skipped), 'a stopped server was skipped');
    });
  });
});
