import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collapseBlanks, fixture, truncate } from '../test-support.js';
import { normaliseState, parseComposePs, parseCrictlPs } from './containers.js';

describe('docker-compose ps', () => {
  it('reads the captured v1 tables of the three projects (seed 000), wrapped command included', () => {
    const nova = parseComposePs(fixture('seed-000-compose-v1-nova.txt'), 'nova');
    assert.deepEqual(nova.warnings, []);
    assert.deepEqual(nova.value, [{ runtime: 'docker-compose', project: 'nova', name: 'nova_nova-compute_1', state: 'running', status: 'Up' }]);
    const neutron = parseComposePs(fixture('seed-000-compose-v1-neutron.txt'), 'neutron').value;
    assert.deepEqual(neutron.map((c) => c.name), ['neutron_neutron-l3-agent_1', 'neutron_neutron-dhcp-agent_1', 'neutron_neutron-metadata-agent_1', 'neutron_neutron-linuxbridge-agent_1']);
    const hostroute = parseComposePs(collapseBlanks(fixture('seed-000-compose-v1-hostroute.txt')), 'hostroute').value;
    assert.equal(hostroute.length, 3);
    assert.ok(hostroute.every((c) => c.state === 'running'));
  });

  it('normalises v1 states: Exit 137, Restarting, Up (Paused)', () => {
    const { value } = parseComposePs(fixture('compose-v1-neutron-broken.txt'), 'neutron');
    assert.deepEqual(value.map((c) => c.state), ['running', 'exited', 'restarting', 'paused']);
    assert.equal(value[1]?.status, 'Exit 137');
  });

  it('reads compose v2 tables, new and old status wording', () => {
    const v2 = parseComposePs(fixture('compose-v2-nova.txt'), 'nova');
    assert.deepEqual(v2.warnings, []);
    assert.deepEqual(v2.value.map((c) => [c.name, c.state]), [
      ['nova-nova-compute-1', 'running'],
      ['nova-nova-ssh-1', 'exited'],
      ['nova-nova-api-1', 'restarting'],
      ['nova-nova-cron-1', 'created'],
    ]);
    const old = parseComposePs(fixture('compose-v2-old.txt'), 'neutron').value;
    assert.deepEqual(old.map((c) => c.state), ['running', 'exited', 'paused']);
  });

  it('falls back to recognising states when columns were re-flowed', () => {
    const { value } = parseComposePs(collapseBlanks(fixture('compose-v2-nova.txt')), 'nova');
    assert.deepEqual(value.map((c) => c.state), ['running', 'exited', 'restarting', 'created']);
  });

  it('says so when there is no table at all', () => {
    const { value, warnings } = parseComposePs('ERROR: Couldn\'t connect to Docker daemon at http+docker://localhost - is it running?\n', 'nova');
    assert.deepEqual(value, []);
    assert.equal(warnings.length, 1);
    assert.deepEqual(parseComposePs('', 'nova'), { value: [], warnings: [] });
  });

  it('maps every known status word', () => {
    assert.equal(normaliseState('Up 2 days (Paused)'), 'paused');
    assert.equal(normaliseState('Dead'), 'exited');
    assert.equal(normaliseState('removing'), 'unknown');
  });
});

describe('crictl ps', () => {
  it('reads crictl ps -a -o json', () => {
    const { value, warnings } = parseCrictlPs(fixture('crictl-ps.json'));
    assert.deepEqual(warnings, []);
    assert.deepEqual(value.map((c) => [c.runtime, c.project, c.name, c.state]), [
      ['containerd', 'nova', 'nova-compute', 'running'],
      ['containerd', 'neutron', 'neutron-dhcp-agent', 'exited'],
      ['containerd', 'hostroute', 'hostroute-bird', 'created'],
    ]);
  });

  it('reads the captured table output (seed 000)', () => {
    const { value } = parseCrictlPs(fixture('seed-000-crictl-table.txt'));
    assert.equal(value.length, 7);
    assert.ok(value.every((c) => c.state === 'running'));
    assert.equal(value[3]?.name, 'neutron-lb-agent');
  });

  it('salvages containers from cut-off JSON', () => {
    const { value, warnings } = parseCrictlPs(truncate(fixture('crictl-ps.json'), 0.6));
    assert.ok(value.length >= 1);
    assert.equal(value[0]?.name, 'nova-compute');
    assert.match(warnings[0] ?? '', /not valid JSON/);
  });
});
