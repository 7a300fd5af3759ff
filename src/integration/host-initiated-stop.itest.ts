import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { getServer, listInstanceActions, listServers } from '../act/openstack/nova.js';
import type { OpenStackClient } from '../collect/openstack/client.js';
import type { InstanceAction, Server } from '../snapshot/schema.js';
import { realCli, realClient, requireRealCloud, setGuestPower, waitFor, type SeededFleet } from './real-cloud.js';

/**
 * A server that stops "by itself", the way Nova sees it on a real hypervisor: the
 * guest's power state changes inside nova-compute (through the fake driver's
 * backdoor), Nova's power-state sync notices and stops the server with no user
 * and no project, and `faultline scan` reports exactly that server as
 * server-unrequested-shutoff. Servers their owners stopped are not reported.
 */

interface Report {
  collection: { collector: string; status: string; error?: string }[];
  results: { detectorId: string; status: string; reason?: string; findings: { messageId: string; resource: { id: string; name?: string } }[] }[];
}

describe('a host-initiated stop on real Nova', { timeout: 600_000 }, () => {
  let fleet: SeededFleet;
  let client: OpenStackClient;
  let dir: string;
  const victims: Server[] = [];

  const latestStop = async (id: string): Promise<InstanceAction | undefined> => (await listInstanceActions(client, id, 3)).find((a) => a.action === 'stop');
  const scan = async (): Promise<Report> => {
    const r = await realCli(['scan', '--format', 'json', '--out', '-'], dir);
    assert.ok(r.code === 0 || r.code === 1, `scan exit ${r.code}: ${r.stderr}`);
    const report = JSON.parse(r.stdout) as Report;
    for (const c of report.collection.filter((x) => x.collector.startsWith('openstack-'))) assert.equal(c.status, 'ok', `${c.collector}: ${c.error ?? ''}`);
    return report;
  };

  before(async () => {
    fleet = await requireRealCloud();
    client = realClient();
    dir = await mkdtemp(join(tmpdir(), 'fl-real-scan-'));
    // Two running beta servers on different hypervisors, untouched by the other test files.
    const running = (await listServers(client, {})).filter((s) => s.projectId === fleet.projects['beta'] && s.status === 'ACTIVE' && !s.taskState);
    for (const s of running.sort((a, b) => b.name.localeCompare(a.name))) {
      if (victims.length < 2 && !victims.some((v) => v.host === s.host)) victims.push(s);
    }
    assert.equal(victims.length, 2, 'two running beta servers on two hypervisors');
  });

  it('the lifecycle event path: Nova stops the server at once, with no user and no project', async () => {
    const s = victims[0] as Server;
    const out = await setGuestPower(s.host as string, s.id, 'shutdown', true);
    assert.match(out, new RegExp(`${s.id} (SHUTDOWN|shutdown)`));
    await waitFor('SHUTOFF after the lifecycle event', 60_000, async () => {
      const now = await getServer(client, s.id);
      return now.status === 'SHUTOFF' && !now.taskState ? now : undefined;
    });
    const stop = await waitFor('the stop action with its event finished', 30_000, async () => {
      const a = await latestStop(s.id);
      return a?.events.some((e) => e.event === 'compute_stop_instance' && e.result === 'Success') ? a : undefined;
    });
    assert.equal(stop.userId, null, 'no user asked');
    assert.equal(stop.projectId, null, 'no project either');
    assert.equal(stop.events.find((e) => e.event === 'compute_stop_instance')?.host, s.host);
  });

  it('the periodic sync path: without an event, Nova finds the stopped guest on its own', async () => {
    const s = victims[1] as Server;
    await setGuestPower(s.host as string, s.id, 'shutdown', false);
    // sync_power_state_interval is 30 s in scripts/real-openstack.sh.
    await waitFor('SHUTOFF after the periodic power-state sync', 120_000, async () => {
      const now = await getServer(client, s.id);
      return now.status === 'SHUTOFF' && !now.taskState ? now : undefined;
    }, 2000);
    const stop = await waitFor('the stop action', 30_000, async () => {
      const a = await latestStop(s.id);
      return a?.events.some((e) => e.event === 'compute_stop_instance' && e.result === 'Success') ? a : undefined;
    });
    assert.equal(stop.userId, null);
    assert.equal(stop.projectId, null);
  });

  it('faultline scan reports server-unrequested-shutoff for exactly those servers, not for the ones their owners stopped', async () => {
    const report = await scan();
    const result = report.results.find((r) => r.detectorId === 'server-unrequested-shutoff');
    assert.ok(result);
    assert.equal(result.status, 'fail', result.reason);
    assert.deepEqual(result.findings.map((f) => f.resource.id).sort(), victims.map((v) => v.id).sort());
    assert.ok(result.findings.every((f) => f.messageId === 'unrequestedShutoff'));
    const shutoff = (await listServers(client, {})).filter((s) => s.status === 'SHUTOFF');
    assert.ok(shutoff.length > victims.length, 'servers stopped by their owners are SHUTOFF too, and not reported');
  });

  it('once started again, the detector passes', async () => {
    for (const s of victims) {
      const r = await realCli(['start', s.id, '--yes', '--no-verify', '--timeout', '120'], dir);
      assert.equal(r.code, 0, r.stderr);
    }
    const report = await scan();
    const result = report.results.find((r) => r.detectorId === 'server-unrequested-shutoff');
    assert.equal(result?.status, 'pass', JSON.stringify(result?.findings));
  });
});
