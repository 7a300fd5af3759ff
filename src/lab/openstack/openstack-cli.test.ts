import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LabServer } from '../fleet/types.js';
import { startLab, type RunningLab } from './lab.js';
import { serverStatus } from './nova-views.js';

/**
 * Fidelity: the real python-openstackclient (Debian's, Zed era) against the lab.
 * If the lab differs from OpenStack in a way the client notices, these fail.
 */

const OPENSTACK = process.env.OPENSTACK_CLI ?? '/usr/bin/openstack';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

describe('openstack CLI against the lab', { timeout: 900_000 }, () => {
  let lab: RunningLab;
  let dir: string;
  let pg1: LabServer[];

  const run = (cloud: string, args: string[]): Promise<CliResult> =>
    new Promise((resolve) => {
      // Only what the client needs: no OS_* from the caller's environment may leak in.
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: dir,
        LANG: 'C.UTF-8',
        OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml'),
      };
      execFile(OPENSTACK, ['--os-cloud', cloud, ...args], { env, cwd: dir, timeout: 180_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  const json = async (cloud: string, args: string[]): Promise<Json> => {
    const res = await run(cloud, [...args, '-f', 'json']);
    assert.equal(res.code, 0, `openstack ${args.join(' ')} failed: ${res.stderr}`);
    return JSON.parse(res.stdout);
  };

  before(async () => {
    if (!existsSync(OPENSTACK)) {
      throw new Error(`${OPENSTACK} is missing: install python3-openstackclient (apt-get install python3-openstackclient) to run the lab fidelity tests`);
    }
    dir = mkdtempSync(join(tmpdir(), 'faultline-lab-cli-'));
    lab = await startLab({ seed: 'cli', size: 'small', actionDurationMs: 60_000 });
    writeFileSync(join(dir, 'clouds.yaml'), lab.cloudsYaml());
    pg1 = lab.fleet.servers.filter((s) => s.regionId === 'pg1');
  });
  after(async () => {
    await lab?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const target = (): LabServer => {
    const s = pg1.find((x) => x.vmState === 'active' && x.taskState === null && !x.locked && !x.roles.includes('amphora'));
    assert.ok(s, 'an active server in pg1');
    return s;
  };

  it('server list --all-projects --long matches the region’s servers', async () => {
    const rows: Json[] = await json('lab', ['server', 'list', '--all-projects', '--long']);
    assert.equal(rows.length, pg1.length);
    const byId = new Map(pg1.map((s) => [s.id, s]));
    for (const row of rows) {
      const s = byId.get(row.ID);
      assert.ok(s, `unexpected server ${row.ID}`);
      assert.equal(row.Name, s.name);
      assert.equal(row.Status, serverStatus(s));
      assert.equal(row.Host, s.host);
      assert.deepEqual(row.Networks, { [s.networkName]: [s.ip] });
      assert.equal(row['Flavor Name'], lab.state.flavors.get(s.flavorId)?.name);
      assert.equal(row['Image Name'], lab.state.images.get(s.imageId)?.name);
      assert.equal(row['Power State'], s.powerState);
    }
  });

  it('server show, stop, start, event list and event show', async () => {
    const s = target();
    const shown = await json('lab', ['server', 'show', s.id]);
    assert.equal(shown.id, s.id);
    assert.equal(shown.status, 'ACTIVE');
    assert.equal(shown['OS-EXT-SRV-ATTR:host'], s.host);
    assert.equal(shown['OS-EXT-SRV-ATTR:instance_name'], `instance-${s.instanceNumber.toString(16).padStart(8, '0')}`);
    assert.deepEqual(shown.addresses, { [s.networkName]: [s.ip] });

    const stop = await run('lab', ['server', 'stop', s.id]);
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal(lab.state.server(s.id)?.taskState, 'powering-off');
    const busy = await run('lab', ['server', 'stop', s.id]);
    assert.notEqual(busy.code, 0);
    assert.match(busy.stderr, new RegExp(`Cannot 'stop' instance ${s.id} while it is in task_state powering-off`));
    lab.state.clock.advance(60_000);
    const stopped = await json('lab', ['server', 'show', s.id]);
    assert.equal(stopped.status, 'SHUTOFF');
    assert.equal(stopped['OS-EXT-STS:power_state'], 4);

    const start = await run('lab', ['server', 'start', s.id]);
    assert.equal(start.code, 0, start.stderr);
    assert.equal(lab.state.server(s.id)?.taskState, 'powering-on');
    lab.state.clock.advance(60_000);

    const events: Json[] = await json('lab', ['server', 'event', 'list', s.id]);
    assert.deepEqual(
      events.map((e) => e.Action),
      ['start', 'stop', 'create'],
    );
    const stopEvent = events.find((e) => e.Action === 'stop');
    const detail = await json('lab', ['server', 'event', 'show', s.id, stopEvent['Request ID']]);
    assert.equal(detail.action, 'stop');
    assert.equal(detail.user_id, lab.fleet.users.find((u) => u.name === 'admin')?.id);
    assert.equal(detail.events[0].event, 'compute_stop_instance');
    assert.equal(detail.events[0].result, 'Success');
  });

  it('shows a host-initiated stop with no user', async () => {
    const s = pg1.filter((x) => x.vmState === 'active' && x.taskState === null && !x.locked)[1];
    assert.ok(s);
    const action = lab.state.stopFromHost(s.id);
    const detail = await json('lab', ['server', 'event', 'show', s.id, action.requestId]);
    assert.equal(detail.action, 'stop');
    assert.equal(detail.user_id, null);
    assert.equal(detail.project_id, null);
    assert.equal(detail.events[0].event, 'compute_stop_instance');
  });

  it('hypervisor list, compute service list and network agent list', async () => {
    const pg1Hosts = lab.fleet.hypervisors.filter((h) => h.regionId === 'pg1').map((h) => h.hostname);
    const [hypervisors, services, agents] = await Promise.all([
      json('lab', ['--os-compute-api-version', '2.53', 'hypervisor', 'list']) as Promise<Json[]>,
      json('lab', ['compute', 'service', 'list']) as Promise<Json[]>,
      json('lab', ['network', 'agent', 'list']) as Promise<Json[]>,
    ]);
    assert.deepEqual(hypervisors.map((h) => h['Hypervisor Hostname']).sort(), [...pg1Hosts].sort());
    assert.ok(hypervisors.every((h) => h.State === 'up' && /^[0-9a-f-]{36}$/.test(h.ID)));
    const computes = services.filter((s) => s.Binary === 'nova-compute');
    assert.deepEqual(computes.map((s) => s.Host).sort(), [...pg1Hosts].sort());
    assert.ok(services.some((s) => s.Binary === 'nova-conductor' && s.Zone === 'internal'));
    assert.equal(agents.length, pg1Hosts.length * 3);
    assert.deepEqual(new Set(agents.map((a) => a.Binary)), new Set(['neutron-dhcp-agent', 'neutron-metadata-agent', 'neutron-linuxbridge-agent']));
    assert.ok(agents.every((a) => a.Alive === true));
  });

  it('console log show and console url show', async () => {
    const s = pg1.filter((x) => x.vmState === 'active' && x.taskState === null && !x.locked)[2];
    assert.ok(s);
    const [log, url] = await Promise.all([run('lab', ['console', 'log', 'show', '--lines', '5', s.id]), json('lab', ['console', 'url', 'show', s.id])]);
    assert.equal(log.code, 0, log.stderr);
    assert.equal(log.stdout.trimEnd().split('\n').length, 5);
    assert.match(log.stdout, /login:/);
    assert.equal(url.type, 'novnc');
    assert.match(url.url, new RegExp(`^${lab.url}/novnc/vnc_auto\\.html\\?path=%3Ftoken%3D`));
  });

  it('refuses admin APIs to the viewer and accepts an application credential', async () => {
    const [denied, appcred] = await Promise.all([
      run('lab-viewer', ['--os-compute-api-version', '2.53', 'hypervisor', 'list']),
      json('lab-appcred', ['server', 'list', '--all-projects', '-c', 'ID']) as Promise<Json[]>,
    ]);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /Policy doesn't allow os_compute_api:os-hypervisors:list-detail to be performed\. \(HTTP 403\)/);
    assert.equal(appcred.length, pg1.length);
  });
});
