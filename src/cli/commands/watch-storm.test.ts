import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { runFaultline, startChatHook, startLabProcess, stopLabProcess, type ChatHook } from '../testing.js';

/**
 * The storm check on the watch's own path, through the real CLI against the lab:
 * half of hn1dev's guests go silent (every hypervisor up) and its host stops one
 * more server. `faultline watch` with auto-start on must not start it: the run stops
 * at the storm check, which samples the servers the watch already holds instead of
 * listing every ACTIVE server of the region again (the lab's request log is the
 * witness).
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const SCENARIO = `
name: watch-storm-test
title: Half of a dev region's guests go silent while its host stops one more
description: The hypervisors are fine; the guests' network is not; one server is stopped by its host.
covers: [server-unrequested-shutoff]
fleet: { seed: faultline, size: small }
faults:
  - id: silent
    kind: vm-down
    servers: { region: hn1dev, role: k8s-worker, count: 22 }
  - id: stopped
    kind: unrequested-shutoff
    servers: { region: hn1dev, role: k8s-worker }
`;

describe('faultline watch auto-start in a storm', { timeout: 120_000 }, () => {
  let dir: string;
  let lab: ChildProcess | undefined;
  let admin: string;
  let token: string;
  let chat: ChatHook | undefined;
  const labGet = async (path: string): Promise<Json> => (await fetch(`${admin}${path}`, { headers: { 'x-lab-admin': token } })).json();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-watch-storm-'));
    await writeFile(join(dir, 'watch-storm.yaml'), SCENARIO);
    const started = await startLabProcess(dir, ['--scenario', join(dir, 'watch-storm.yaml'), '--action-seconds', '0.3', '--no-prometheus']);
    lab = started.child;
    ({ admin, token } = started);
    const file = join(dir, 'faultline.yaml');
    const config = parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    config['watch'] = { autoRun: { 'host-stopped-server': { enabled: true, flapLimit: { restarts: 3, windowMinutes: 60 } } } };
    await writeFile(file, stringify(config));
    chat = await startChatHook(dir);
  });
  after(async () => {
    await chat?.close();
    if (lab) await stopLabProcess(lab);
    await rm(dir, { recursive: true, force: true });
  });

  it('stops the start at the storm check, sampling the held servers: no ACTIVE listing, no start', async () => {
    const faults = (await labGet('/faults')).faults as { id: string; servers: { id: string }[] }[];
    const victim = faults.find((f) => f.id === 'stopped')!.servers[0]!.id;
    const since = new Date(Date.parse((await labGet('/state')).clock.now) - 1000).toISOString();
    const r = await runFaultline(['watch', '--rounds', '2', '--interval', '0.5', '--store', 'store', '--format', 'json', '--wait-timeout', '10', '--action-timeout', '30'], {
      cwd: dir,
      env: { OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml'), OS_CLOUD: 'lab', USER: 'night-shift' },
    });
    assert.equal(r.code, 0, r.stderr);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Json);
    const started = events.find((e) => e.type === 'autorun.started' && e.server.id === victim);
    assert.ok(started, `the host-stopped server was taken up: ${JSON.stringify(events.filter((e) => e.type.startsWith('autorun')))}`);
    const finished = events.find((e) => e.type === 'autorun.finished' && e.server.id === victim);
    assert.equal(finished?.status, 'storm', JSON.stringify(finished));
    const m = /0 of \d+ hypervisors down .*; (\d+) of (\d+) other ACTIVE servers sampled do not answer ping/.exec(finished.reason);
    assert.ok(m, finished.reason);
    assert.ok(Number(m[1]) >= 15 && Number(m[1]) / Number(m[2]) > 0.3, finished.reason);

    const requests = (await labGet(`/requests?service=compute&since=${encodeURIComponent(since)}`)).requests as { path: string; query: string }[];
    const activeListings = requests.filter((q) => q.path.endsWith('/servers/detail') && /status=ACTIVE/i.test(q.query));
    assert.deepEqual(activeListings, [], 'the storm check sampled the servers the watch holds, without listing the ACTIVE ones again');
    assert.ok(requests.some((q) => q.path.endsWith('/os-hypervisors/detail') || q.path.includes('os-hypervisors')), 'the hypervisors are still read fresh');

    const actions = ((await labGet('/actions')).actions as { action: string; byHost: boolean; server: { id: string } }[]).filter((a) => !a.byHost);
    assert.deepEqual(actions, [], 'Nova was asked to start nothing');
    // The storm pages once (a dev zone: a chat mention), through the outbox as faultline run does.
    const about = chat!.posted.filter((p) => p.text.includes(finished.runId));
    assert.equal(about.length, 1, JSON.stringify(chat!.posted));
    assert.match(about[0]!.text, /storm/i);
  });
});
