import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SnapshotError } from '../core/errors.js';
import { fleet } from './builders.js';
import { indexOf } from './fleet-index.js';
import { loadSnapshot, parseSnapshot, saveSnapshot } from './io.js';
import { migrate } from './migrate.js';
import { SNAPSHOT_SCHEMA_VERSION } from './schema.js';

const sample = () =>
  fleet()
    .region('pg1', 'prod')
    .hypervisor('krane-pg1-com001.example.net', { host: 'krane-pg1-com001', region: 'pg1' })
    .server('web-1', { on: 'krane-pg1-com001', ip: '10.1.0.5', instanceName: 'instance-0000a1' })
    .server('web-2', { on: 'krane-pg1-com001' })
    .build();

describe('snapshot save/load', () => {
  it('round-trips through plain JSON and gzip identically', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fl-snap-'));
    const s = sample();
    await saveSnapshot(s, join(dir, 'a.json'));
    await saveSnapshot(s, join(dir, 'a.json.gz'));
    const gz = await readFile(join(dir, 'a.json.gz'));
    assert.equal(gz[0], 0x1f, 'gzip file starts with the gzip magic');
    assert.deepEqual(await loadSnapshot(join(dir, 'a.json')), s);
    assert.deepEqual(await loadSnapshot(join(dir, 'a.json.gz')), s);
  });

  it('returns a frozen snapshot so detectors cannot change it', () => {
    const s = sample();
    assert.ok(Object.isFrozen(s) && Object.isFrozen(s.servers) && Object.isFrozen(s.servers[0]));
    assert.throws(() => {
      (s.servers[0] as { name: string }).name = 'x';
    }, TypeError);
  });

  it('names the file and the bad field when validation fails', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fl-snap-'));
    const path = join(dir, 'bad.json');
    await writeFile(path, JSON.stringify({ schemaVersion: 1, collectedAt: '2026-01-01T00:00:00Z', servers: [{ id: 'x', name: 'a' }] }));
    await assert.rejects(loadSnapshot(path), (err: Error) => err instanceof SnapshotError && err.message.includes(path) && /servers\[0\]\.status/.test(err.message));
  });

  it('reports invalid JSON and missing files as snapshot errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fl-snap-'));
    await writeFile(join(dir, 'x.json'), '{"schemaVersion": 1,');
    await assert.rejects(loadSnapshot(join(dir, 'x.json')), /not valid JSON/);
    await assert.rejects(loadSnapshot(join(dir, 'missing.json')), /cannot read snapshot/);
  });
});

describe('snapshot versions', () => {
  it('refuses a snapshot from a newer faultline with an upgrade hint', () => {
    assert.throws(() => parseSnapshot({ schemaVersion: SNAPSHOT_SCHEMA_VERSION + 1, collectedAt: 'x' }), /newer than this faultline.*upgrade/);
  });

  it('refuses a document without schemaVersion', () => {
    assert.throws(() => parseSnapshot({ servers: [] }), /schemaVersion/);
  });

  it('applies migrations in order up to the target version', () => {
    const out = migrate(
      { schemaVersion: 1, hosts: ['a'] },
      {
        1: (d) => ({ ...d, hypervisors: d['hosts'] }),
        2: (d) => ({ ...d, hosts: undefined }),
      },
      3,
    );
    assert.deepEqual(out, { schemaVersion: 3, hypervisors: ['a'], hosts: undefined });
  });

  it('says which migration is missing', () => {
    assert.throws(() => migrate({ schemaVersion: 1 }, {}, 2), /no migration from snapshot schemaVersion 1 to 2/);
  });
});

describe('fleet index', () => {
  it('finds servers by id, name, address and instance name, and hypervisors by FQDN or short name', () => {
    const s = sample();
    const idx = indexOf(s);
    const web1 = s.servers[0]!;
    assert.equal(idx.server(web1.id), web1);
    assert.deepEqual(idx.serversNamed('web-1'), [web1]);
    assert.equal(idx.serverByAddress('10.1.0.5'), web1);
    assert.equal(idx.serverByInstance('instance-0000a1'), web1);
    const hv = idx.hypervisor('krane-pg1-com001.example.net');
    assert.ok(hv);
    assert.equal(idx.hypervisor('KRANE-pg1-com001'), hv);
    assert.deepEqual(idx.serversOn(hv).map((x) => x.name), ['web-1', 'web-2']);
    assert.equal(indexOf(s), idx, 'one index per snapshot');
  });

  it('maps a Kubernetes node to its server by providerID, then IP, then unique name', () => {
    const s = fleet().server('k8s-worker-1', { ip: '10.2.0.9' }).server('dup').server('dup').build();
    const idx = indexOf(s);
    const w = s.servers[0]!;
    assert.equal(idx.serverOfNode({ name: 'other', providerId: `openstack:///${w.id}` }), w);
    assert.equal(idx.serverOfNode({ name: 'other', internalIp: '10.2.0.9' }), w);
    assert.equal(idx.serverOfNode({ name: 'k8s-worker-1' }), w);
    assert.equal(idx.serverOfNode({ name: 'dup' }), undefined, 'ambiguous names map to nothing');
  });

  it('treats servers in dev regions as dev and unknown regions as prod', () => {
    const s = fleet().region('hn1dev', 'dev').hypervisor('c1', { region: 'hn1dev' }).server('a', { on: 'c1' }).server('b').build();
    const idx = indexOf(s);
    assert.equal(idx.isProd(s.servers[0]!), false);
    assert.equal(idx.isProd(s.servers[1]!), true);
  });

  it('knows DB servers from the inventory', () => {
    const s = fleet().server('db-1').server('app-1').inventory({ match: { serverName: 'db-1' }, roles: ['db'], owners: ['dba'] }).build();
    const idx = indexOf(s);
    assert.equal(idx.isDatabase(s.servers[0]!), true);
    assert.equal(idx.isDatabase(s.servers[1]!), false);
  });
});
