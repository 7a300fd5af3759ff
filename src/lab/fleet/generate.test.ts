import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FLEET_SIZES, generateFleet, loopbackAddress, resolveFleetCounts } from './generate.js';
import { createRandom } from './random.js';

describe('createRandom', () => {
  it('repeats its sequence for the same seed and differs for another', () => {
    const a = createRandom('x');
    const b = createRandom('x');
    const c = createRandom('y');
    const seqA = Array.from({ length: 5 }, () => a.next());
    assert.deepEqual(seqA, Array.from({ length: 5 }, () => b.next()));
    assert.notDeepEqual(seqA, Array.from({ length: 5 }, () => c.next()));
  });

  it('makes version 4 shaped UUIDs', () => {
    const r = createRandom(1);
    for (let i = 0; i < 200; i++) assert.match(r.uuid(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('loopbackAddress', () => {
  it('never hands out 127.0.0.x, .0 or .255', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const ip = loopbackAddress(i);
      assert.doesNotMatch(ip, /^127\.0\.0\./);
      assert.doesNotMatch(ip, /\.(0|255)$/);
      assert.ok(!seen.has(ip), ip);
      seen.add(ip);
    }
  });
});

describe('generateFleet', () => {
  it('is deterministic for (seed, size)', () => {
    const a = generateFleet({ seed: 'det', size: 'small' });
    const b = generateFleet({ seed: 'det', size: 'small' });
    assert.deepEqual(a, b);
    const c = generateFleet({ seed: 'other', size: 'small' });
    assert.notDeepEqual(
      a.servers.map((s) => s.id),
      c.servers.map((s) => s.id),
    );
  });

  it('builds a small fleet with the operator-visible shapes', () => {
    const fleet = generateFleet({ seed: 'shape', size: 'small' });
    assert.equal(fleet.regions.length, FLEET_SIZES.small.regions);
    // The compute hypervisors asked for, plus three forfault spares in each of the two centers.
    assert.equal(fleet.hypervisors.filter((h) => !h.spare).length, FLEET_SIZES.small.hypervisors);
    assert.equal(fleet.hypervisors.length, FLEET_SIZES.small.hypervisors + 6);
    assert.equal(fleet.servers.length, FLEET_SIZES.small.servers);
    assert.deepEqual(
      fleet.regions.map((r) => [r.id, r.zone]),
      [
        ['pg1', 'prod'],
        ['hn1dev', 'dev'],
      ],
    );
    for (const hv of fleet.hypervisors.filter((h) => !h.spare)) assert.match(hv.hostname, new RegExp(`^krane-${hv.regionId}-com\\d{3,}$`));
    const hosts = new Set(fleet.hypervisors.map((h) => h.hostname));
    assert.equal(hosts.size, fleet.hypervisors.length, 'hypervisor names are unique');
    for (const s of fleet.servers) {
      assert.ok(hosts.has(s.host), `${s.name} sits on a known hypervisor`);
      assert.match(s.ip, /^127\./);
      assert.notEqual(s.ip, '127.0.0.1');
      assert.ok(s.createdAt < fleet.generatedAt);
    }
    assert.equal(new Set(fleet.servers.map((s) => s.ip)).size, fleet.servers.length, 'each server has its own address');
    assert.equal(new Set(fleet.servers.map((s) => s.instanceNumber)).size, fleet.servers.length);
    assert.ok(fleet.servers.some((s) => s.roles.includes('amphora') && s.name.startsWith('amphora-')));
    assert.ok(fleet.servers.filter((s) => s.roles.includes('db')).length >= 2);
    // Every case the detectors look for exists even in the smallest fleet.
    assert.ok(fleet.servers.some((s) => s.vmState === 'error' && s.fault));
    assert.ok(fleet.servers.some((s) => s.vmState === 'stopped'));
    assert.ok(fleet.servers.some((s) => s.taskState !== null));
    assert.ok(fleet.history.some((h) => h.action === 'stop' && h.userId === null && h.projectId === null));
    // Every hypervisor runs nova-compute and three Neutron agents.
    for (const hv of fleet.hypervisors) {
      assert.equal(fleet.services.filter((s) => s.host === hv.hostname && s.binary === 'nova-compute').length, 1);
      assert.equal(fleet.agents.filter((a) => a.host === hv.hostname).length, 3);
    }
  });

  it('accepts explicit counts and rejects nonsense', () => {
    const fleet = generateFleet({ seed: 1, size: { regions: 3, hypervisors: 5, servers: 40 } });
    assert.equal(fleet.regions.length, 3);
    // pg1, hn1dev and ay1prod: three centers, three spares each.
    assert.equal(fleet.hypervisors.filter((h) => !h.spare).length, 5);
    assert.equal(fleet.hypervisors.length, 5 + 9);
    assert.equal(fleet.servers.length, 40);
    assert.throws(() => resolveFleetCounts({ regions: 0, hypervisors: 1, servers: 1 }), /at least one region/);
    assert.throws(() => resolveFleetCounts({ regions: 1, hypervisors: 0, servers: 1 }), /hypervisor/);
    assert.throws(() => resolveFleetCounts({ regions: 1, hypervisors: 1, servers: -1 }), /non-negative/);
    assert.throws(() => resolveFleetCounts({ regions: 1, hypervisors: 1, servers: 1, clusterNodes: 0 }), /clusterNodes must be a positive integer/);
  });

  it('caps a Kubernetes cluster at clusterNodes servers and starts another for the rest', () => {
    const sizes = (clusterNodes?: number): Map<string, number> => {
      const fleet = generateFleet({ seed: 'caps', size: { regions: 1, hypervisors: 20, servers: 600, ...(clusterNodes ? { clusterNodes } : {}) } });
      const out = new Map<string, number>();
      for (const s of fleet.servers) {
        const m = /^(k8s-.+-\d\d)-(?:master|worker)-\d+$/.exec(s.name);
        if (m) out.set(m[1] as string, (out.get(m[1] as string) ?? 0) + 1);
      }
      return out;
    };
    const capped = sizes(5);
    const uncapped = sizes();
    assert.ok(Math.max(...capped.values()) <= 5, JSON.stringify([...capped]));
    assert.ok(Math.max(...uncapped.values()) > 5, 'without a cap some cluster is larger than five');
    assert.equal([...capped.values()].reduce((a, b) => a + b, 0), [...uncapped.values()].reduce((a, b) => a + b, 0), 'the same servers, in more clusters');
    assert.ok(capped.size > uncapped.size);
  });

  it('generates the large fleet (2,000 hypervisors, 100,000 servers, 11 regions) in a few seconds of CPU', () => {
    const before = process.cpuUsage();
    const fleet = generateFleet({ seed: 'large', size: 'large' });
    const used = process.cpuUsage(before);
    const cpuMs = (used.user + used.system) / 1000;
    assert.equal(fleet.regions.length, 11);
    assert.equal(fleet.hypervisors.filter((h) => !h.spare).length, 2000);
    assert.equal(fleet.hypervisors.length, 2000 + 4 * 3, 'four centers (pg, hn, ay, gs), three spares each');
    assert.equal(fleet.servers.length, 100_000);
    assert.equal(new Set(fleet.servers.map((s) => s.id)).size, 100_000);
    assert.equal(new Set(fleet.servers.map((s) => s.ip)).size, 100_000);
    assert.equal(new Set(fleet.hypervisors.map((h) => h.hostname)).size, 2012);
    assert.ok(cpuMs < 8000, `took ${cpuMs.toFixed(0)} ms of CPU`);
  });
});

describe('the spare pool', () => {
  it('keeps three named forfault spares per center, empty, registered like any hypervisor', () => {
    const fleet = generateFleet({ seed: 'spares', size: 'small' });
    const spares = fleet.hypervisors.filter((h) => h.spare);
    assert.deepEqual(
      spares.map((h) => h.hostname),
      [
        'krane-pg-forfault-r630-m16g2133-nvme1920-001',
        'krane-pg-forfault-r630-m16g2133-ssd960-002',
        'krane-pg-forfault-r640-m32g2666-nvme3840-003',
        'krane-hn-forfault-r630-m16g2133-nvme1920-001',
        'krane-hn-forfault-r630-m16g2133-ssd960-002',
        'krane-hn-forfault-r640-m32g2666-nvme3840-003',
      ],
    );
    const spareHosts = new Set(spares.map((h) => h.hostname));
    assert.equal(fleet.servers.filter((s) => spareHosts.has(s.host)).length, 0, 'no server runs on a spare');
    for (const hv of spares) {
      assert.equal(fleet.services.filter((s) => s.host === hv.hostname && s.binary === 'nova-compute' && !s.disabled).length, 1);
      assert.equal(fleet.agents.filter((a) => a.host === hv.hostname).length, 3);
      assert.ok(hv.warrantyUntil > fleet.generatedAt);
    }
  });

  it('gives every compute hypervisor a box and a warranty, some of them expired', () => {
    const fleet = generateFleet({ seed: 'spares', size: 'medium' });
    const compute = fleet.hypervisors.filter((h) => !h.spare);
    assert.deepEqual([...new Set(compute.map((h) => h.hardware.model))].sort(), ['R630', 'R640', 'R740']);
    assert.ok(compute.some((h) => h.warrantyUntil < fleet.generatedAt));
    assert.ok(compute.some((h) => h.warrantyUntil > fleet.generatedAt));
  });

  it('leaves servers and compute hypervisors exactly as they were before the pool existed', () => {
    // Digests taken from the generator before spares were added: the scenarios' targets did not move.
    const digest = (value: unknown): string => createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
    const want = { small: ['4424b538dae0a04c', 'e73d5ff35c5e62a5'], medium: ['fada726ccfd0d838', '20dd6918a4820a65'] } as const;
    for (const size of ['small', 'medium'] as const) {
      const f = generateFleet({ seed: 'faultline', size });
      assert.deepEqual(
        [
          digest(f.servers.map((s) => [s.id, s.name, s.host, s.ip, s.vmState])),
          digest(f.hypervisors.filter((h) => !h.spare).map((h) => [h.id, h.hostname, h.hostIp, h.memoryMb])),
        ],
        [...want[size]],
        size,
      );
    }
  });
});

describe('lab addresses', () => {
  it('gives every server and every hypervisor its own 127/8 address, never 127.0.0.x', () => {
    const fleet = generateFleet({ seed: 'addr', size: 'medium' });
    const all = [...fleet.servers.map((s) => s.ip), ...fleet.hypervisors.map((h) => h.hostIp)];
    assert.equal(new Set(all).size, all.length);
    for (const ip of all) assert.match(ip, /^127\.(\d+)\.(\d+)\.(\d+)$/);
    assert.ok(all.every((ip) => !ip.startsWith('127.0.0.')));
  });
});
