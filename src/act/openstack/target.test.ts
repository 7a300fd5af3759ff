import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Hypervisor, Server } from '../../snapshot/schema.js';
import { planPower } from './power.js';
import { isReachable, probeAddress } from './reachability.js';
import { exactPattern, hypervisorMatches, looksLikeUuid } from './target.js';

const hv: Hypervisor = { id: '6f1c2a8e-0d9b-4c1e-9a53-2b8f0c7d1e42', name: 'krane-pg1-com001', host: 'krane-pg1-com001', hostIp: '10.20.0.11' };

function server(over: Partial<Server>): Server {
  return { id: '00000000-0000-4000-8000-000000000001', name: 'web-1', status: 'ACTIVE', vmState: 'active', taskState: null, addresses: [], volumes: [], metadata: {}, ...over };
}

describe('naming a target', () => {
  it('finds a hypervisor by name, compute host, FQDN, IP or id, and nothing else', () => {
    for (const t of ['krane-pg1-com001', 'KRANE-PG1-COM001', 'krane-pg1-com001.pg1.example.net', '10.20.0.11', hv.id]) assert.ok(hypervisorMatches(hv, t), t);
    for (const t of ['krane-pg1-com00', 'krane-pg1-com0011', 'krane-pg1-com002.pg1.example.net', '10.20.0.1', 'com001']) assert.ok(!hypervisorMatches(hv, t), t);
    // A hypervisor registered under its FQDN is found by the short name too.
    assert.ok(hypervisorMatches({ ...hv, name: 'krane-pg1-com001.example.net', host: 'krane-pg1-com001.example.net' }, 'krane-pg1-com001'));
  });

  it('turns names and addresses into whole, literal patterns for Nova’s regex filters', () => {
    assert.equal(exactPattern('10.0.0.1'), '^10\\.0\\.0\\.1$');
    assert.equal(exactPattern('web(1)+'), '^web\\(1\\)\\+$');
    assert.ok(new RegExp(exactPattern('10.0.0.1')).test('10.0.0.1'));
    assert.ok(!new RegExp(exactPattern('10.0.0.1')).test('10.0.0.10'));
  });

  it('tells UUIDs from names', () => {
    assert.ok(looksLikeUuid('6f1c2a8e-0d9b-4c1e-9a53-2b8f0c7d1e42'));
    assert.ok(looksLikeUuid('6f1c2a8e0d9b4c1e9a532b8f0c7d1e42'));
    assert.ok(!looksLikeUuid('web-1'));
  });
});

describe('reachability', () => {
  it('probes the fixed IPv4 address first', () => {
    const s = server({
      addresses: [
        { network: 'n', addr: '203.0.113.9', version: 4, type: 'floating' },
        { network: 'n', addr: 'fd00::5', version: 6, type: 'fixed' },
        { network: 'n', addr: '10.0.0.5', version: 4, type: 'fixed' },
      ],
    });
    assert.equal(probeAddress(s), '10.0.0.5');
    assert.equal(probeAddress(server({})), undefined);
  });

  it('needs ping, and ssh unless the server is ping-only', () => {
    assert.ok(isReachable({ ping: true, ssh: 'ok' }));
    assert.ok(isReachable({ ping: true, ssh: 'not-expected' }));
    assert.ok(!isReachable({ ping: true, ssh: 'hang' }));
    assert.ok(!isReachable({ ping: false, ssh: 'ok' }));
    assert.ok(!isReachable({ ping: null, ssh: null }));
  });
});

describe('the plan', () => {
  const steps = (verb: 'stop' | 'start' | 'restart', s: Partial<Server>, hard = false): string[] => [...(planPower(verb, [server(s)], { verify: true, hard })[0]?.steps ?? [])];

  it('leaves servers already in the wanted state alone', () => {
    assert.deepEqual(steps('stop', { status: 'SHUTOFF', vmState: 'stopped' }), []);
    assert.deepEqual(steps('start', {}), ['verify ping+ssh']);
  });

  it('marks DB servers so the DB on-call can be told, unless nothing is done to them', () => {
    const db = { metadata: { role: 'db' } };
    assert.match(planPower('stop', [server(db)], { verify: false })[0]?.note ?? '', /^DB server: tell the DB on-call/);
    assert.equal(planPower('start', [server(db)], { verify: true })[0]?.note, 'already active');
  });

  it('waits for a running task before stopping', () => {
    assert.deepEqual(steps('stop', { taskState: 'rebooting' }), ['wait for task rebooting', 'stop', 'wait for SHUTOFF']);
  });

  it('restarts softly first, hard for ERROR, busy servers or --hard, and by starting a stopped server', () => {
    assert.equal(steps('restart', {})[0], 'reboot SOFT');
    assert.equal(steps('restart', {}).at(-1), 'reboot HARD if the guest stays silent');
    assert.equal(steps('restart', { status: 'ERROR', vmState: 'error' })[0], 'reboot HARD');
    assert.equal(steps('restart', { taskState: 'rebooting_hard' })[0], 'reboot HARD');
    assert.equal(steps('restart', {}, true)[0], 'reboot HARD');
    assert.deepEqual(steps('restart', { status: 'SHUTOFF', vmState: 'stopped' }), ['start', 'wait for ACTIVE', 'verify ping+ssh']);
  });
});
