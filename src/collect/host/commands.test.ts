import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allowedCommands, BASE_COMMANDS, composeCommand, isAllowedCommand, render, SMART_SCAN, smartCommand, type ComposeProject } from './commands.js';

describe('command allow-list', () => {
  it('accepts every command the collector builds, plain and with sudo', () => {
    for (const sudo of [false, true]) {
      for (const c of allowedCommands(['sda', 'nvme0n1', 'nvme1'], sudo)) assert.ok(isAllowedCommand(c), c);
    }
    assert.equal(render(smartCommand('sda', 'json'), false), 'smartctl -j -a /dev/sda');
    assert.equal(render(smartCommand('nvme0n1', 'json'), true), "sudo -n sh -c 'smartctl -j -a /dev/nvme0n1'");
    assert.equal(render(composeCommand('nova', 'v1'), false), 'cd /opt/krane/nova && docker-compose ps');
    assert.equal(render(composeCommand('neutron', 'v2'), false), 'cd /opt/krane/neutron && docker compose ps -a');
    assert.equal(render(SMART_SCAN, false), 'smartctl --scan-open -j');
    const cpu = BASE_COMMANDS.find((c) => c.id === 'cpuFlags');
    assert.ok(cpu && isAllowedCommand(render(cpu, true)));
    assert.ok(BASE_COMMANDS.some((c) => c.command === 'journalctl -k --since "-24h" --no-pager -o short-iso'));
    assert.ok(BASE_COMMANDS.some((c) => c.command === 'crictl ps -a -o json'));
  });

  it('refuses anything else, including look-alikes', () => {
    for (const c of [
      'rm -rf /',
      'smartctl -j -a /dev/sda; reboot',
      'smartctl -j -a /dev/sda1',
      'smartctl -j -a /dev/vda',
      'smartctl -t long /dev/sda',
      'dmesg -T ',
      'dmesg -C',
      'cd /opt/krane/nova && docker-compose restart',
      "sudo -n sh -c 'reboot'",
      "sudo -n sh -c 'smartctl -j -a /dev/sda' && reboot",
    ]) {
      assert.equal(isAllowedCommand(c), false, c);
    }
    assert.throws(() => smartCommand('sda;reboot', 'json'));
    assert.throws(() => composeCommand('evil' as ComposeProject, 'v1'));
  });

  it('reads only: no command in the list writes, restarts or kills', () => {
    // `last -F reboot` reads the wtmp log of reboots; it is the one place the word may appear.
    for (const c of allowedCommands(['sda'], true)) assert.doesNotMatch(c.replace('last -F reboot', 'last'), /\b(rm|restart|stop|kill|reboot|swapoff|mkfs|dd|tee)\b|>|\|\s/, c);
  });
});
