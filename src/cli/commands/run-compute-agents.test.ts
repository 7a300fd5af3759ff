import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import ssh2 from 'ssh2';
import { parse } from 'yaml';
import { runFaultline, startLabProcess, stopLabProcess, type CliRun } from '../testing.js';

/**
 * The compute-agents runbook through the real CLI against the lab, over the lab's SSH:
 * the witnesses are the lab's log of write commands each hypervisor carried out, its
 * host facts (containers, swap) and Nova's compute service. A docker-compose host and a
 * containerd host with swap on come back; a host whose agents keep exiting gets three
 * tries, then the escalation; a run killed with a remedy begun is resumed without
 * sending it again when the host already shows it done.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

interface HostCommand {
  host: string;
  command: string;
  code: number;
}

describe('faultline run compute-agents-down against the lab', { timeout: 180_000 }, () => {
  let dir: string;
  let lab: ChildProcess;
  let admin: string;
  let token: string;
  let sshPort: number;

  const faultline = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> =>
    runFaultline(args, { cwd: dir, env: { OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml'), OS_CLOUD: 'lab', USER: 'night-shift', ...env } });
  const adminCall = async (path: string, init: { method?: string; body?: unknown } = {}): Promise<Json> => {
    const res = await fetch(`${admin}${path}`, { method: init.method ?? 'GET', headers: { 'x-lab-admin': token, 'content-type': 'application/json' }, ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
    assert.ok(res.status < 300, `${init.method ?? 'GET'} ${path}: ${res.status} ${await res.clone().text()}`);
    return res.json();
  };
  const hypervisorOf = async (faultId: string): Promise<string> => {
    const f = ((await adminCall('/faults')) as { faults: { id: string; hypervisor: string | null; status: string; problem: string | null }[] }).faults.find((x) => x.id === faultId);
    assert.ok(f?.hypervisor, `fault ${faultId} is on a hypervisor: ${JSON.stringify(f)}`);
    return f.hypervisor;
  };
  const commandsOn = async (host: string): Promise<string[]> => ((await adminCall('/hosts/commands')) as { commands: HostCommand[] }).commands.filter((c) => c.host === host).map((c) => c.command);
  const facts = (host: string): Promise<Json> => adminCall(`/hypervisors/${encodeURIComponent(host)}/facts`);
  const agentsRunning = (f: Json): boolean => (f.containers as { state: string }[]).every((c) => c.state === 'running');
  const computeUp = async (host: string): Promise<boolean> => {
    const shown = await faultline(['show', host, '--format', 'json']);
    assert.equal(shown.code, 0, shown.stderr);
    return (JSON.parse(shown.stdout) as Json).hypervisor.state === 'up';
  };
  const addAgentsDown = async (id: string, hypervisor: Record<string, unknown>, containers: string[], extra: Record<string, unknown> = {}): Promise<string> => {
    await adminCall('/faults', { method: 'POST', body: { id, kind: 'agent-down', hypervisor, containers, ...extra } });
    return hypervisorOf(id);
  };
  const addSwap = (id: string, of: string): Promise<Json> =>
    adminCall('/faults', { method: 'POST', body: { id, kind: 'host-facts', hypervisor: { sameAs: of }, facts: { memory: { swapTotalGb: 8, swapUsedGb: 1.5 } } } });
  const fast = ['--yes', '--retry-interval', '0.2', '--wait-timeout', '3', '--storm-fraction', '1', '--action-timeout', '30'];

  /** Runs one allowed command on a hypervisor by hand, as an operator (or a command that reached the host before a crash) would. */
  const byHand = async (host: string, command: string): Promise<void> => {
    const f = await facts(host);
    const key = await readFile(join(dir, 'lab_ssh_key'), 'utf8');
    await new Promise<void>((resolve, reject) => {
      const c = new ssh2.Client();
      c.on('ready', () =>
        c.exec(command, (err, stream) => {
          if (err) return reject(err);
          stream.on('close', () => {
            c.end();
            resolve();
          });
          stream.resume();
          stream.stderr.resume();
        }),
      );
      c.on('error', reject);
      c.connect({ host: f.hostIp as string, port: sshPort, username: 'faultline', privateKey: key });
    });
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-run-agents-'));
    const started = await startLabProcess(dir, ['--scenario', 'agents-down-docker', '--action-seconds', '0.3']);
    lab = started.child;
    ({ admin, token } = started);
    const config = parse(await readFile(join(dir, 'faultline.yaml'), 'utf8')) as Json;
    assert.ok(config.hosts, 'faultline lab configures SSH to the hypervisors');
    sshPort = config.hosts.port as number;
  });
  after(async () => {
    if (lab) await stopLabProcess(lab);
  });

  it('docker-compose host (scenario agents-down-docker): the plan changes nothing; --execute restarts docker, the neutron agents come back, audited', async () => {
    const host = await hypervisorOf('neutron-down');
    assert.ok(!agentsRunning(await facts(host)), 'the neutron containers are down');

    const plan = await faultline(['run', 'compute-agents-down', host]);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /plan only: nothing was changed/);
    for (const step of ['swap-check', 'swapoff', 'restart-kubelet', 'restart-runtime', 'agents-up', 'escalate']) assert.match(plan.stdout, new RegExp(`\\b${step}\\b`), step);
    assert.deepEqual(await commandsOn(host), [], 'the plan sent nothing');

    const r = await faultline(['run', 'compute-agents-down', host, '--execute', ...fast, '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const body = JSON.parse(r.stdout) as Json;
    assert.equal(body.run.status, 'done', r.stderr);
    // Swap was already 0B: nothing to switch off, so the runtime restart is the only command.
    assert.deepEqual(await commandsOn(host), ['systemctl restart docker']);
    assert.ok(agentsRunning(await facts(host)), 'every agent container runs again');
    const audit = body.audit as { what: string; result: string; actor: string }[];
    const line = audit.find((a) => a.what === `ssh ${host}: systemctl restart docker`);
    assert.ok(line, JSON.stringify(audit));
    assert.equal(line.result, 'exit 0');
    assert.match(line.actor, /^night-shift\b/);

    // A second run finds the agents up and sends nothing.
    // A dedup window of a few milliseconds: the default one would refuse the same runbook on the same host.
    const again = await faultline(['run', 'compute-agents-down', host, '--execute', ...fast, '--dedup-minutes', '0.0001', '--format', 'json']);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(await commandsOn(host), ['systemctl restart docker'], 'nothing sent the second time');
  });

  it('containerd host with swap on: swapoff -a and a kubelet restart bring nova-compute and bird back, swap 0B, Nova sees the compute service up', async () => {
    const host = await addAgentsDown('cd-down', { runtime: 'containerd' }, ['nova-compute', 'bird']);
    await addSwap('cd-swap', 'cd-down');
    assert.equal(await computeUp(host), false, 'nova-compute is down in Nova');

    const r = await faultline(['run', 'compute-agents-down', host, '--execute', ...fast, '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as Json).run.status, 'done', r.stderr);
    assert.deepEqual(await commandsOn(host), ['swapoff -a', 'systemctl restart kubelet']);
    const after = await facts(host);
    assert.equal(after.memory.swapTotalBytes, 0);
    assert.ok(agentsRunning(after), JSON.stringify(after.containers));
    assert.equal(after.services.kubelet, 'active');
    assert.equal(await computeUp(host), true);
  });

  it('agents that keep exiting: three restarts of the runtime, then the escalation', async () => {
    // A prod host: a dev zone's escalation waits for business hours. It may be the first test's host, so a short dedup window.
    const host = await addAgentsDown('stuck', { runtime: 'docker-compose', zone: 'prod' }, ['neutron-dhcp-agent'], { persistent: true });
    const before = (await commandsOn(host)).length;
    const r = await faultline(['run', 'compute-agents-down', host, '--execute', ...fast, '--wait-timeout', '1', '--dedup-minutes', '0.0001', '--format', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const body = JSON.parse(r.stdout) as Json;
    assert.equal(body.run.status, 'escalated', r.stderr);
    const tries = (body.steps as { stepId: string; attempt: number; status: string }[]).filter((s) => s.stepId === 'restart-runtime');
    assert.deepEqual(tries.map((t) => [t.attempt, t.status]), [[1, 'failed'], [2, 'failed'], [3, 'failed']]);
    // Each try: docker, then the compose project that is still down.
    const once = ['systemctl restart docker', 'cd /opt/krane/neutron && docker-compose restart'];
    assert.deepEqual((await commandsOn(host)).slice(before), [...once, ...once, ...once]);
    assert.ok((body.audit as { what: string }[]).some((a) => a.what === 'escalate'), 'the escalation is on the audit');
  });

  it('killed with swapoff begun: resume does not send it again when the host already shows 0B, and sends it once when it does not', async () => {
    const done = await addAgentsDown('kill-a', { runtime: 'containerd' }, ['nova-compute']);
    await addSwap('kill-a-swap', 'kill-a');
    const notDone = await addAgentsDown('kill-b', { runtime: 'containerd' }, ['nova-compute']);
    await addSwap('kill-b-swap', 'kill-b');
    // The writes: 1 running, 2 the swap check begun, 3 it failed, 4 on to swapoff, 5 swapoff begun.
    // One after the other on the one store (a new store's initdb costs more than the run).
    for (const { host, reachedHost } of [
      { host: done, reachedHost: true },
      { host: notDone, reachedHost: false },
    ]) {
        const crashed = await faultline(['run', 'compute-agents-down', host, '--execute', ...fast], { FAULTLINE_TEST_CRASH_AFTER_WRITES: '5' });
        assert.equal(crashed.code, null, `killed, not ended: ${crashed.stderr}`);
        const runId = /run (\S+) started/.exec(crashed.stderr)?.[1];
        assert.ok(runId, crashed.stderr);
        assert.deepEqual(await commandsOn(host), [], 'the crash came before the command went out');
        // The command reached the host and the process died before it could record that.
        if (reachedHost) await byHand(host, 'swapoff -a');

        const resumed = await faultline(['resume', runId, ...fast, '--format', 'json']);
        assert.equal(resumed.code, 0, resumed.stderr);
        assert.equal((JSON.parse(resumed.stdout) as Json).run.status, 'done');
        assert.equal((await commandsOn(host)).filter((c) => c === 'swapoff -a').length, 1, `${host}: swapoff -a reached the host once`);
        // The resumed run found swapoff begun and unfinished, and asked the host before acting.
        assert.match(resumed.stderr, reachedHost ? /resuming an unfinished host\.swapoff \(the host already shows it done; not sending it again\)/ : /resuming an unfinished host\.swapoff \(the host does not show it done; sending it\)/);
        const f = await facts(host);
        assert.equal(f.memory.swapTotalBytes, 0);
        assert.ok(agentsRunning(f));
    }
  });
});
