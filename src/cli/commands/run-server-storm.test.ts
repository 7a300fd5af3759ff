import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runFaultline, startChatHook, startLabProcess, stopLabProcess, type ChatHook, type CliRun } from '../testing.js';

/**
 * The storm check's second half through the real CLI: every hypervisor is up, but
 * half of hn1dev's guests stop answering at once (a network fault, not twenty hung
 * VMs). `faultline run vm-hang` on one of them must stop before its first stop,
 * having pinged a sample of the region's other servers, and say so once in chat:
 * as a mention, since hn1dev is a dev zone.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const SCENARIO = `
name: server-storm-test
title: Half of a dev region's guests go silent at once
description: The hypervisors are fine; the guests' network is not.
covers: [server-unreachable]
fleet: { seed: faultline, size: small }
faults:
  - id: silent
    kind: vm-down
    servers: { region: hn1dev, role: k8s-worker, count: 22 }
`;

describe('faultline run vm-hang when half a region is unreachable', { timeout: 120_000 }, () => {
  let dir: string;
  let lab: ChildProcess | undefined;
  let admin: string;
  let token: string;
  let chat: ChatHook | undefined;
  const posted = (): string[] => chat?.posted.map((p) => p.text) ?? [];
  const faultline = (args: string[]): Promise<CliRun> => runFaultline(args, { cwd: dir, env: { OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml'), OS_CLOUD: 'lab', USER: 'night-shift' } });
  const adminGet = async (path: string): Promise<Json> => (await fetch(`${admin}${path}`, { headers: { 'x-lab-admin': token } })).json();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-run-server-storm-'));
    await writeFile(join(dir, 'server-storm.yaml'), SCENARIO);
    const started = await startLabProcess(dir, ['--scenario', join(dir, 'server-storm.yaml'), '--action-seconds', '0.3', '--no-prometheus']);
    lab = started.child;
    ({ admin, token } = started);
    chat = await startChatHook(dir);
  });
  after(async () => {
    if (lab) await stopLabProcess(lab);
    await chat?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stops at the storm check with no hypervisor down: one mention, Nova asked to do nothing', async () => {
    const faults = ((await adminGet('/faults')) as { faults: { id: string; servers: { id: string }[] }[] }).faults;
    const victim = faults.find((f) => f.id === 'silent')!.servers[0]!.id;
    const r = await faultline(['run', 'vm-hang', victim, '--execute', '--yes', '--action-timeout', '30', '--wait-timeout', '10', '--format', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const body = JSON.parse(r.stdout) as Json;
    assert.equal(body.run.status, 'storm', r.stderr);
    const m = /0 of \d+ hypervisors down .*; (\d+) of (\d+) other ACTIVE servers sampled do not answer ping/.exec(body.run.reason);
    assert.ok(m, body.run.reason);
    // 21 of hn1dev's other ACTIVE servers are silent, out of about 45.
    assert.ok(Number(m[1]) >= 18 && Number(m[1]) / Number(m[2]) > 0.3, body.run.reason);
    assert.equal(posted().length, 1, JSON.stringify(posted()));
    assert.match(posted()[0]!, /mention, dev zone: no page/);
    assert.match(posted()[0]!, /Storm/);
    const actions = ((await adminGet('/actions')) as { actions: { byHost: boolean }[] }).actions.filter((a) => !a.byHost);
    assert.deepEqual(actions, [], 'Nova was asked to do nothing');
  });

  it('with the check off (--storm-fraction 1) the same run goes ahead and stops the server', async () => {
    const faults = ((await adminGet('/faults')) as { faults: { id: string; servers: { id: string }[] }[] }).faults;
    const victim = faults.find((f) => f.id === 'silent')!.servers[1]!.id;
    const r = await faultline(['run', 'vm-hang', victim, '--execute', '--yes', '--storm-fraction', '1', '--action-timeout', '30', '--wait-timeout', '3', '--format', 'json']);
    const body = JSON.parse(r.stdout) as Json;
    assert.notEqual(body.run.status, 'storm', r.stderr);
    const actions = ((await adminGet('/actions')) as { actions: { action: string; byHost: boolean; server: { id: string } }[] }).actions.filter((a) => !a.byHost && a.server.id === victim);
    assert.ok(actions.some((a) => a.action === 'stop'), JSON.stringify(actions));
  });
});
