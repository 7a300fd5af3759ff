import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openstackJson, runFaultline, startLabProcess, stopLabProcess, type CliRun } from '../testing.js';

/**
 * The catalog's PM-hang runbook end to end, as the night shift runs it: a hypervisor
 * hangs with its servers, the hardware team reboots it (here the lab's admin API), and
 * `faultline restart <hypervisor>` brings every server back, checked by ping and SSH.
 * A second run must be harmless.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

interface Fault {
  id: string;
  kind?: string;
  status: string;
  hypervisor: string | null;
  servers: { id: string; name: string | null }[];
}

describe('PM hang runbook: reboot the hypervisor, then restart it with faultline', { timeout: 300_000 }, () => {
  let dir: string;
  let lab: ChildProcess;
  let admin: string;
  let token: string;
  let host: string;
  let serverIds: string[];
  let rebootedIds: string[] = [];

  const faultline = (args: string[]): Promise<CliRun> => runFaultline(args, { cwd: dir, env: { OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml'), OS_CLOUD: 'lab', USER: 'night-shift' } });
  const json = async (args: string[]): Promise<{ code: number | null; body: Json; stderr: string }> => {
    const r = await faultline([...args, '--format', 'json']);
    let body: Json = null;
    try {
      body = JSON.parse(r.stdout);
    } catch {
      assert.fail(`faultline ${args.join(' ')} printed no JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
    }
    return { code: r.code, body, stderr: r.stderr };
  };
  const adminCall = async (path: string, method = 'GET'): Promise<Json> => {
    const res = await fetch(`${admin}${path}`, { method, headers: { 'x-lab-admin': token } });
    assert.ok(res.status < 300, `${method} ${path}: ${res.status}`);
    return res.json();
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-pmhang-'));
    const started = await startLabProcess(dir, ['--scenario', 'pm-hang', '--action-seconds', '0.5']);
    lab = started.child;
    ({ admin, token } = started);
    const faults = ((await adminCall('/faults')) as { faults: Fault[] }).faults.filter((f) => f.status === 'active' && f.hypervisor);
    assert.equal(faults.length, 1, 'the scenario hangs one hypervisor');
    host = faults[0]!.hypervisor!;
    // Which servers live there, asked of the lab through a client nobody here wrote, in the host's region.
    const region = [...started.banner.matchAll(/^ {2}(\S+)\s+Nova http/gm)].map((r) => r[1]!).find((r) => host.includes(r));
    assert.ok(region, `the region of ${host} is in the banner`);
    const osc = await openstackJson<{ ID: string }[]>(['--os-region-name', region, 'server', 'list', '--all-projects', '--host', host, '-f', 'json'], { cwd: dir });
    serverIds = osc.map((s) => s.ID).sort();
    assert.ok(serverIds.length >= 3, `${host} carries at least 3 servers`);
  });
  after(async () => {
    if (lab) await stopLabProcess(lab);
  });

  it('while the hypervisor hangs, show lists its servers with no ping and no SSH', async () => {
    const { code, body, stderr } = await json(['show', host]);
    assert.equal(code, 0, stderr);
    assert.deepEqual(body.servers.map((s: Json) => s.id).sort(), serverIds);
    for (const s of body.servers) {
      assert.equal(s.ping, false, `${s.name} must not answer ping`);
      assert.notEqual(s.ssh, 'ok', `${s.name} must not greet`);
    }
  });

  it('after the reboot every server is SHUTOFF; restart starts them all and verifies ping and SSH', async () => {
    const rebooted = await adminCall(`/hypervisors/${encodeURIComponent(host)}/reboot`, 'POST');
    assert.ok(rebooted.serversNowShutoff.length > 0, 'the reboot left servers SHUTOFF');
    const before = await json(['show', host]);
    for (const id of rebooted.serversNowShutoff as string[]) assert.equal(before.body.servers.find((s: Json) => s.id === id)?.status, 'SHUTOFF');

    const { code, body, stderr } = await json(['restart', host, '--yes', '--timeout', '60', '--verify-timeout', '20']);
    assert.equal(code, 0, `${stderr}\n${JSON.stringify(body?.outcomes, null, 1)}`);
    assert.equal(body.ok, true);
    assert.deepEqual(body.outcomes.map((o: Json) => o.server.id).sort(), serverIds);
    for (const o of body.outcomes) {
      assert.equal(o.ok, true, `${o.server.name}: ${o.summary}`);
      assert.equal(o.reachability?.ping, true, `${o.server.name} answers ping`);
      assert.ok(o.reachability?.ssh === 'ok' || o.reachability?.ssh === 'not-expected', `${o.server.name}: ssh ${o.reachability?.ssh}`);
    }
    // Every server that was stopped by the reboot was started, not rebooted.
    rebootedIds = rebooted.serversNowShutoff as string[];
    const started = new Set(body.records.filter((r: Json) => r.action === 'start' && r.result !== 'unchanged').map((r: Json) => r.server.id));
    for (const id of rebootedIds) assert.ok(started.has(id), `${id} was started`);

    const after = await json(['show', host]);
    for (const s of after.body.servers) {
      assert.equal(s.status, 'ACTIVE', s.name);
      assert.equal(s.ping, true, s.name);
    }
  });

  it('running restart a second time is safe: every server ends ACTIVE and reachable again', async () => {
    const { code, body, stderr } = await json(['restart', host, '--yes', '--timeout', '60', '--verify-timeout', '20']);
    assert.equal(code, 0, stderr);
    assert.equal(body.ok, true);
    for (const o of body.outcomes) assert.equal(o.ok, true, `${o.server.name}: ${o.summary}`);
    assert.ok(!body.records.some((r: Json) => r.action === 'start' && r.result !== 'unchanged'), 'nothing needed starting the second time');
    // The lab's own log agrees: the reboot stopped them with no user; faultline started each once, as a user.
    const log = ((await adminCall('/actions')) as { actions: Json[] }).actions.filter((a) => serverIds.includes(a.server.id));
    for (const id of rebootedIds) {
      assert.ok(log.some((a) => a.server.id === id && a.action === 'stop' && a.byHost), `${id}: host-initiated stop logged`);
      const starts = log.filter((a) => a.server.id === id && a.action === 'start');
      assert.equal(starts.length, 1, `${id} started exactly once over two runs`);
      assert.equal(starts[0].byHost, false);
    }
  });
});
