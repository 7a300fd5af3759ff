import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ResolvedCloud } from '../config/clouds.js';
import { configSchema } from '../config/schema.js';
import { ConfigError } from '../core/errors.js';
import { coverage, planCollectors } from './plan.js';

const cloud = {
  name: 'lab',
  source: [],
  auth: { authUrl: 'http://127.0.0.1:1/identity/v3', username: 'admin', password: 'pw-123456', projectName: 'admin', userDomainName: 'Default', projectDomainName: 'Default' },
  authType: 'password',
  regions: [],
  interface: 'public',
  verify: true,
  notes: [],
} as unknown as ResolvedCloud;

describe('collector plan', () => {
  it('without any source configured, says for every section what to configure', () => {
    const cover = coverage(planCollectors({ config: configSchema.parse({}) }));
    assert.equal(cover.get('servers')?.ok, false);
    assert.match(cover.get('servers')?.reason ?? '', /no OpenStack cloud configured/);
    assert.match(cover.get('probes')?.reason ?? '', /need the server list/);
    assert.match(cover.get('hostFacts')?.reason ?? '', /set hosts in faultline.yaml/);
    assert.match(cover.get('alarms')?.reason ?? '', /alarms.source/);
  });

  it('with a cloud, runs the OpenStack collectors per region and the probes after them', () => {
    const plan = planCollectors({ config: configSchema.parse({ openstack: { regions: ['pg1', 'hn1dev'] } }), cloud });
    const ids = plan.filter((p) => p.collector).map((p) => p.id);
    assert.ok(ids.includes('openstack-servers:pg1') && ids.includes('openstack-servers:hn1dev'));
    assert.deepEqual(ids.filter((id) => id.startsWith('openstack-regions')), ['openstack-regions:pg1', 'openstack-regions:hn1dev'], 'each connection reports its own region');
    const probes = plan.find((p) => p.id === 'probes')?.collector;
    assert.deepEqual(probes?.needs, ['servers', 'hypervisors']);
  });

  it('adds the SSH host collector when hosts are configured, and honours enabled: false', () => {
    const on = planCollectors({ config: configSchema.parse({ hosts: { username: 'ops', agent: false } }), cloud });
    assert.ok(on.find((p) => p.id === 'host-ssh')?.collector);
    const off = planCollectors({ config: configSchema.parse({ hosts: { agent: false }, collectors: { 'host-ssh': { enabled: false } } }), cloud });
    assert.match(off.find((p) => p.id === 'host-ssh')?.unavailable ?? '', /disabled in config/);
  });

  it('gives the SSH host collector a deadline for its hosts, unless collectors.host-ssh.timeoutSeconds sets one', () => {
    const hypervisors = Array.from({ length: 2000 }, (_, i) => ({ id: `hv-${i}`, name: `krane-pg1-com${i}`, host: `krane-pg1-com${i}` }));
    const sized = planCollectors({ config: configSchema.parse({ hosts: { username: 'ops', agent: false, hostTimeoutSeconds: 60 } }), cloud }).find((p) => p.id === 'host-ssh')?.collector;
    assert.equal(sized?.timeoutMs, undefined);
    assert.equal(sized?.timeoutFor?.({ hypervisors }), Math.ceil(2000 / 32) * 60_000);
    const fixed = planCollectors({ config: configSchema.parse({ hosts: { username: 'ops', agent: false }, collectors: { 'host-ssh': { timeoutSeconds: 600 } } }), cloud });
    assert.equal(fixed.find((p) => p.id === 'host-ssh')?.collector?.timeoutMs, 600_000);
  });

  it('reads console logs per region after the probes, and says why not when it cannot', () => {
    const plan = planCollectors({ config: configSchema.parse({ openstack: { regions: ['pg1', 'hn1dev'] }, consoleLogs: { lines: 60 } }), cloud });
    const consoles = plan.filter((p) => p.produces.includes('consoleLogs'));
    assert.deepEqual(consoles.map((p) => p.id), ['console-logs:pg1', 'console-logs:hn1dev']);
    assert.deepEqual(consoles[0]?.collector?.needs, ['servers', 'probes']);
    assert.match(consoles[0]?.collector?.description ?? '', /last 60 lines/);
    assert.equal(coverage(plan).get('consoleLogs')?.ok, true);
    const noCloud = coverage(planCollectors({ config: configSchema.parse({}) }));
    assert.match(noCloud.get('consoleLogs')?.reason ?? '', /read through Nova, which is not configured/);
    const noProbes = coverage(planCollectors({ config: configSchema.parse({ collectors: { probes: { enabled: false } } }), cloud }));
    assert.match(noProbes.get('consoleLogs')?.reason ?? '', /servers that fail a probe, and the probes are disabled/);
    const off = coverage(planCollectors({ config: configSchema.parse({ collectors: { 'console-logs': { enabled: false } } }), cloud }));
    assert.match(off.get('consoleLogs')?.reason ?? '', /collectors.console-logs.enabled: false/);
  });

  it('passes the reason a configured cloud could not be resolved', () => {
    const plan = planCollectors({ config: configSchema.parse({}), cloudError: new ConfigError({ file: 'clouds.yaml', key: 'clouds.nope', problem: 'no such cloud' }) });
    assert.match(coverage(plan).get('servers')?.reason ?? '', /clouds.yaml: clouds.nope: no such cloud/);
  });
});
