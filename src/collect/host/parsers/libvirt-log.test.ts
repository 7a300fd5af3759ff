import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixture, truncate } from '../test-support.js';
import { instanceNameFromFile, parseLibvirtLogs } from './libvirt-log.js';

describe('libvirt qemu logs', () => {
  it('reads the captured qcow2 refcount errors per file (seed 002)', () => {
    const { value, warnings } = parseLibvirtLogs(fixture('seed-002-qemu-logs.txt'));
    assert.deepEqual(warnings, []);
    assert.equal(value.length, 20);
    assert.ok(value.every((e) => e.kind === 'qcow2-refcount' && e.instanceName === 'compute'));
    assert.equal(value[0]?.file, '/var/log/libvirt/qemu/compute.log.0');
    assert.equal(value[0]?.detail?.cluster, 261192);
    assert.equal(value[10]?.file, '/var/log/libvirt/qemu/compute.log.1');
    assert.equal(value[10]?.detail?.cluster, 213868);
  });

  it('names instances from their log files', () => {
    assert.equal(instanceNameFromFile('/var/log/libvirt/qemu/instance-0000abcd.log'), 'instance-0000abcd');
    assert.equal(instanceNameFromFile('/var/log/libvirt/qemu/instance-0000abcd.log.2.gz'), 'instance-0000abcd');
    assert.equal(instanceNameFromFile('/var/log/libvirt/qemu/'), undefined);
  });

  it('reads shutdown reasons and signals of one instance log without a tail header', () => {
    const { value } = parseLibvirtLogs(fixture('qemu-instance-log.txt'), { defaultFile: '/var/log/libvirt/qemu/instance-0000abcd.log' });
    assert.deepEqual(value.map((e) => [e.kind, e.instanceName, e.time]), [
      ['qemu-terminated', 'instance-0000abcd', '2025-11-25T04:33:22.001Z'],
      ['qemu-shutdown', 'instance-0000abcd', '2025-11-25T04:33:22.417Z'],
    ]);
    assert.equal(value[0]?.detail?.fromProcess, '/usr/sbin/libvirtd');
    assert.equal(value[1]?.detail?.reason, 'crashed');
  });

  it('caps refcount floods per file', () => {
    const flood = ['==> /var/log/libvirt/qemu/instance-00000001.log <==', ...Array.from({ length: 300 }, (_, i) => `ERROR cluster ${i} refcount=0 reference=1`)].join('\n');
    const { value, warnings } = parseLibvirtLogs(flood, { maxPerFile: 50 });
    assert.equal(value.length, 50);
    assert.match(warnings[0] ?? '', /250 more qcow2 refcount error line\(s\) in \/var\/log\/libvirt\/qemu\/instance-00000001.log/);
  });

  it('survives a cut-off capture', () => {
    const { value } = parseLibvirtLogs(truncate(fixture('seed-002-qemu-logs.txt'), 0.3));
    assert.ok(value.length > 0 && value.length < 20);
  });
});
