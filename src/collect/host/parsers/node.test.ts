import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixture } from '../test-support.js';
import { iscsiNothingFound, parseIpAddrJson, parseIscsiadm, parseJoinErrors, parseMultipathLl } from './node.js';

describe('node parsers', () => {
  it('reads interfaces, MTUs and addresses from ip -j addr, without the tunnel parent suffix', () => {
    const { value, warnings } = parseIpAddrJson(fixture('ip-j-addr.json'));
    assert.deepEqual(warnings, []);
    assert.deepEqual(
      value.map((n) => [n.name, n.mtu, n.up]),
      [['lo', 65536, true], ['ens3', 1500, true], ['stor0', 1500, true], ['tunl0', 1480, true], ['cali3f1a2b9c0d4', 1480, true]],
    );
    assert.deepEqual(value[0]?.addresses, ['127.0.0.1/8', '::1/128']);
    assert.deepEqual(value[2]?.addresses, ['10.240.7.31/16']);
  });

  it('skips an interface without an MTU and says so; garbage is a warning, never a throw', () => {
    const one = parseIpAddrJson('[{"ifname":"eth9"},{"ifname":"ens3","mtu":9000,"flags":["BROADCAST"]}]');
    assert.deepEqual(one.value, [{ name: 'ens3', mtu: 9000, up: false, addresses: [] }]);
    assert.match(one.warnings.join(), /without a name or MTU/);
    const bad = parseIpAddrJson('Object "addr" is unknown, try "ip help".');
    assert.deepEqual(bad.value, []);
    assert.match(bad.warnings.join(), /could not be parsed/);
  });

  it('reads iscsiadm sessions and configured nodes, portals without their tpgt', () => {
    const sessions = parseIscsiadm(fixture('iscsiadm-session.txt'), 'session');
    assert.deepEqual(sessions.warnings, []);
    assert.deepEqual(sessions.value.map((s) => [s.portal, s.state]), [['10.240.0.11:3260', 'non-flash'], ['10.240.0.12:3260', 'non-flash']]);
    assert.match(sessions.value[0]?.target ?? '', /^iqn\.1992-08\.com\.netapp:sn\./);
    const nodes = parseIscsiadm(fixture('iscsiadm-node.txt'), 'node');
    assert.deepEqual(nodes.value.map((n) => n.portal), ['10.240.0.11:3260', '10.240.0.12:3260', '[fe80::1]:3260']);
  });

  it('takes open-iscsi exit 21 as "nothing there", not a failure', () => {
    assert.equal(iscsiNothingFound('iscsiadm: No active sessions.\n', 21), true);
    assert.equal(iscsiNothingFound('iscsiadm: No records found\n', 21), true);
    assert.equal(iscsiNothingFound('iscsiadm: Could not open netlink socket\n', 12), false);
  });

  it('reads multipath maps and every path with its checker and device-mapper state', () => {
    const { value, warnings } = parseMultipathLl(fixture('multipath-ll-alua-failed.txt'));
    assert.deepEqual(warnings, []);
    assert.deepEqual(value.map((m) => [m.device, m.wwid]), [['mpathb', '3600a098038314c6a6b5d4a4d35526f42'], ['mpatha', '3600a098038314c6a6b5d4a4d35526f41']]);
    assert.deepEqual(value[0]?.paths, [
      { device: 'sdc', state: 'ready', dmState: 'active' },
      { device: 'sdd', state: 'faulty', dmState: 'failed' },
      { device: 'sde', state: 'ready', dmState: 'active' },
      { device: 'sdf', state: 'ghost', dmState: 'active' },
    ]);
    assert.equal(value[1]?.paths.length, 2);
  });

  it('says which multipath lines it could not read', () => {
    const { value, warnings } = parseMultipathLl('  |- 2:0:0:0 sda 8:0 active ready running\nDM multipath kernel driver not loaded\n');
    assert.deepEqual(value, []);
    assert.equal(warnings.length, 2);
  });

  it("finds kubeadm's failed preflight check in the journal, the check before the phase line", () => {
    const { value } = parseJoinErrors(fixture('journal-kubeadm-join.txt'));
    assert.equal(value.length, 2);
    assert.match(value[0] ?? '', /^\[ERROR CRI\]: container runtime is not running: .*containerd\.sock: connect: no such file or directory/);
    assert.match(value[1] ?? '', /^error execution phase preflight/);
    assert.deepEqual(parseJoinErrors('-- No entries --\n').value, []);
  });
});
