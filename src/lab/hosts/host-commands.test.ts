import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateFleet } from '../fleet/generate.js';
import { healthyHostFacts, qemuOopsLines, type HostFacts } from './facts.js';
import { answeredCommands, runHostCommand, unwrapSudo, type HostContext } from './host-commands.js';

const NOW = Date.UTC(2026, 10, 25, 3, 0, 0);
const fleet = generateFleet({ seed: 'host-commands', size: 'small' });

function context(patch: (f: HostFacts) => void = () => undefined, runtime?: HostFacts['runtime']): HostContext {
  const hv = fleet.hypervisors.find((h) => runtime === undefined || (runtime === 'containerd' ? h.legacyId % 2 === 0 : h.legacyId % 2 === 1));
  assert.ok(hv);
  const facts = healthyHostFacts(hv, NOW - 86_400_000 * 30);
  facts.uptimeSeconds = 86_400 * 30;
  patch(facts);
  return { facts, now: NOW, vcpus: hv.vcpus, guests: [{ instanceNumber: 0x36c, launchedAt: NOW - 86_400_000 }] };
}

const run = (command: string, ctx = context()): ReturnType<typeof runHostCommand> => runHostCommand(command, ctx);

describe('host commands', () => {
  it('answers every allow-listed command, with and without sudo -n sh -c', () => {
    const ctx = context();
    for (const command of answeredCommands(ctx.facts)) {
      const plain = run(command, ctx);
      assert.doesNotMatch(plain.stderr, /not allowed/, command);
      const quoted = `sudo -n sh -c '${command.replaceAll("'", `'\\''`)}'`;
      assert.equal(unwrapSudo(quoted), command);
      assert.deepEqual(run(quoted, ctx), plain, quoted);
    }
  });

  it('refuses anything else with status 127 and says so', () => {
    for (const command of ['reboot', 'free -b && reboot', 'smartctl -a /dev/sda1', 'smartctl -j -a /dev/loop0', 'dmesg', "sudo -n sh -c 'id'", 'cd /opt/krane/glance && docker-compose ps']) {
      assert.deepEqual(run(command), { stdout: '', stderr: `faultline-lab: command not allowed: ${command}\n`, code: 127 }, command);
    }
  });

  it('prints the clock like date, /proc/uptime and uptime -s', () => {
    assert.equal(run('date -Iseconds').stdout, '2026-11-25T03:00:00+00:00\n');
    assert.match(run('cat /proc/uptime').stdout, /^2592000\.00 \d+\.\d\d\n$/);
    assert.equal(run('uptime -s').stdout, '2026-10-26 03:00:00\n');
    assert.equal(run('last -F reboot').stdout, 'reboot   system boot  5.15.0-91-generic Mon Oct 26 03:00:00 2026   still running\n\nwtmp begins Mon Oct 26 03:00:00 2026\n');
  });

  it('lists swap in /proc/swaps with the kernel’s tabs, and only the header without swap', () => {
    assert.equal(run('cat /proc/swaps').stdout, 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n');
    const swapping = context((f) => Object.assign(f.memory, { swapTotalBytes: 8 * 1024 ** 3, swapUsedBytes: 1825361920 }));
    assert.equal(run('cat /proc/swaps', swapping).stdout, 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/swap.img                               file\t\t8388604\t\t1782580\t\t-2\n');
    assert.match(run('free -b', swapping).stdout, /\nSwap: {5}8589930496 {2}1825361920 {2}6764568576\n$/);
  });

  it('shows the huge pages reserved at boot in /proc/meminfo, sysfs and the kernel command line', () => {
    const ctx = context((f) => {
      const pool = f.hugepages.pools.find((p) => p.pageSizeKb === 1_048_576);
      assert.ok(pool);
      Object.assign(pool, { total: 192, free: 40 });
    });
    const meminfo = run('cat /proc/meminfo', ctx).stdout;
    // Every line: the name and colon padded to 16 columns, the value right-aligned in 8.
    for (const line of meminfo.trimEnd().split('\n')) assert.match(line, /^[A-Za-z_()0-9]+: *\d+( kB)?$/, line);
    assert.match(meminfo, /^MemTotal: {7}\d{9} kB\n/);
    assert.match(meminfo, /\nHugePages_Total: {5}192\nHugePages_Free: {7}40\nHugePages_Rsvd: {8}0\nHugePages_Surp: {8}0\nHugepagesize: {4}1048576 kB\nHugetlb: {8}201326592 kB\n/);
    const available = Number(/MemAvailable: +(\d+) kB/.exec(meminfo)?.[1]) * 1024;
    assert.ok(Math.abs(available - ctx.facts.memory.availableBytes) < 1024, 'agrees with free -b');
    assert.equal(
      run('grep -H . /sys/kernel/mm/hugepages/hugepages-*/nr_hugepages /sys/kernel/mm/hugepages/hugepages-*/free_hugepages', ctx).stdout,
      [
        '/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages:192',
        '/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages:0',
        '/sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages:40',
        '/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages:0',
        '',
      ].join('\n'),
    );
    assert.match(run('dmesg -T', ctx).stdout, / iommu=pt default_hugepagesz=1G hugepagesz=1G hugepages=192\n/);
    const none = context((f) => f.hugepages.pools.forEach((p) => Object.assign(p, { total: 0, free: 0 })));
    assert.match(run('cat /proc/meminfo', none).stdout, /\nHugePages_Total: {7}0\n/);
    assert.match(run('dmesg -T', none).stdout, / iommu=pt\n/);
  });

  it('renders df -P with coreutils’ column widths', () => {
    const lines = run('df -P').stdout.trimEnd().split('\n');
    const header = lines[0] ?? '';
    const mountAt = header.indexOf('Mounted on');
    for (const l of lines.slice(1)) {
      assert.match(l, /^\S+ +\d+ +\d+ +\d+ +\d+% \/\S*$/, l);
      assert.equal(l.indexOf('% /') + 2, mountAt, `mount point column lines up: ${l}`);
    }
  });

  it('reads the declared disks in lsblk and smartctl, failing drives with exit status 8', () => {
    const ctx = context((f) => {
      const sda = f.disks.find((d) => d.device === 'sda');
      if (sda) Object.assign(sda, { smartPassed: false, reallocatedSectors: 61288, pendingSectors: 1304 });
    });
    const lsblk = JSON.parse(run('lsblk -J -d -o NAME,TYPE,ROTA,MODEL', ctx).stdout) as { blockdevices: { name: string }[] };
    assert.deepEqual(lsblk.blockdevices.map((d) => d.name), ['sda', 'nvme0n1']);
    const tree = JSON.parse(run('lsblk -J -o NAME,TYPE,MOUNTPOINT', ctx).stdout) as { blockdevices: { name: string; children?: { name: string; mountpoint: string | null }[] }[] };
    assert.deepEqual(tree.blockdevices[0]?.children?.map((c) => `${c.name} ${c.mountpoint}`), ['sda1 /boot/efi', 'sda2 /']);
    const json = run('smartctl -j -a /dev/sda', ctx);
    assert.equal(json.code, 8);
    const doc = JSON.parse(json.stdout) as { smart_status: { passed: boolean }; smartctl: { exit_status: number }; ata_smart_attributes: { table: { id: number; raw: { value: number }; when_failed: string }[] } };
    assert.equal(doc.smart_status.passed, false);
    assert.equal(doc.smartctl.exit_status, 8);
    assert.equal(doc.ata_smart_attributes.table.find((a) => a.id === 197)?.raw.value, 1304);
    assert.equal(doc.ata_smart_attributes.table.find((a) => a.id === 5)?.when_failed, 'now');
    const text = run('smartctl -a /dev/sda', ctx).stdout;
    assert.match(text, /^SMART overall-health self-assessment test result: FAILED!$/m);
    assert.match(text, /^ {2}5 Reallocated_Sector_Ct {3}0x0033 {3}005 {3}005 {3}010 {4}Pre-fail {2}Always {3}FAILING_NOW 61288$/m);
    assert.match(text, /^197 Current_Pending_Sector {2}0x0012 {3}001 {3}001 {3}000 {4}Old_age {3}Always {7}- {7}1304$/m);
    const missing = run('smartctl -j -a /dev/sdq', ctx);
    assert.equal(missing.code, 2);
    assert.match(missing.stdout, /Smartctl open device: \/dev\/sdq failed: No such device/);
  });

  it('answers containers through the host’s runtime only', () => {
    const containerd = context(undefined, 'containerd');
    const compose = context((f) => {
      const dhcp = f.containers.find((c) => c.name === 'neutron-dhcp-agent');
      if (dhcp) dhcp.state = 'exited';
    }, 'docker-compose');
    assert.equal(run('crictl ps -a -o json', compose).code, 127);
    assert.equal(run('cd /opt/krane/neutron && docker-compose ps', containerd).stderr, 'bash: line 1: cd: /opt/krane/neutron: No such file or directory\n');
    const doc = JSON.parse(run('crictl ps -a -o json', containerd).stdout) as { containers: { state: string; createdAt: string }[] };
    assert.equal(doc.containers.length, 7);
    assert.match(doc.containers[0]?.createdAt ?? '', /^\d{19}$/);
    assert.equal(
      run('cd /opt/krane/neutron && docker-compose ps', compose).stdout,
      [
        // texttable as docker-compose 1.29 draws it: widths from the cells, the header centred, cells 3 apart.
        '               Name                              Command                State     Ports',
        '---------------------------------------------------------------------------------------',
        'neutron_neutron-dhcp-agent_1          /opt/openstack/bin/neutron ...   Exit 137',
        'neutron_neutron-linuxbridge-agent_1   /opt/openstack/bin/neutron ...   Up',
        'neutron_neutron-metadata-agent_1      /opt/openstack/bin/neutron ...   Up',
        '',
      ].join('\n'),
    );
    const v2 = run('cd /opt/krane/neutron && docker compose ps -a', compose).stdout.split('\n');
    assert.match(v2[0] ?? '', /^NAME {3,}IMAGE {3,}COMMAND {3,}SERVICE {3,}CREATED {3,}STATUS {3,}PORTS$/);
    assert.match(v2[1] ?? '', /^neutron-neutron-dhcp-agent-1 {3,}registry\S+ {3,}"\/opt\/openstack\/bin\/…" {3,}neutron-dhcp-agent {3,}\d+ \w+ ago {3,}Exited \(137\) 2 hours ago {3,}$/);
  });

  it('reports systemd units, one per line, with is-active’s exit status', () => {
    const all = context((f) => Object.assign(f.services, { docker: 'active', kubelet: 'active', 'nova-compute': 'active' }));
    assert.deepEqual(run('systemctl is-active docker containerd kubelet libvirtd nova-compute', all), { stdout: 'active\nactive\nactive\nactive\nactive\n', stderr: '', code: 0 });
    const failed = context((f) => (f.services.libvirtd = 'failed'));
    const out = run('systemctl is-active docker containerd kubelet libvirtd nova-compute', failed);
    assert.equal(out.code, 3);
    assert.equal(out.stdout.split('\n')[3], 'failed');
  });

  it('shows the virtualization flags in kvm-ok, cpuinfo, iommu groups, sysfs and the boot log', () => {
    const off = context((f) => Object.assign(f.virtualization, { vtx: false, vtd: false, x2apic: false, sriovTotalVfs: 0, iommuDefaultDomain: 'Translated' }));
    assert.equal(run('kvm-ok', off).code, 1);
    assert.match(run('kvm-ok', off).stdout, /INFO: KVM \(vmx\) is disabled by your BIOS\n.*\nKVM acceleration can NOT be used\n$/s);
    assert.deepEqual(run("grep -m1 -o -w -E 'vmx|svm' /proc/cpuinfo", off), { stdout: '', stderr: '', code: 1 });
    assert.equal(run('ls /sys/kernel/iommu_groups', off).stdout, '');
    assert.match(run('ls /sys/kernel/iommu_groups').stdout, /^0\n1\n10\n11\n/);
    assert.match(run('grep -H . /sys/class/net/*/device/sriov_totalvfs', off).stdout, /^\/sys\/class\/net\/eno1\/device\/sriov_totalvfs:0\n\/sys\/class\/net\/ens2f0\/device\/sriov_totalvfs:0\n/);
    const dmesg = run('dmesg -T', off).stdout;
    assert.match(dmesg, /\] x2apic: disabled\n/);
    assert.match(dmesg, /\] iommu: Default domain type: Translated \n/);
    assert.doesNotMatch(dmesg, /DMAR: IOMMU enabled/);
  });

  it('puts declared kernel lines in dmesg and the last 24 hours of them in the journal', () => {
    const ctx = context((f) => f.kernelLog.push(...qemuOopsLines(NOW - 3_600_000, 23_456)));
    assert.match(run('dmesg -T', ctx).stdout, /^\[Wed Nov 25 02:00:00 2026\] CPU: 37 PID: 23456 Comm: qemu-system-x86 Tainted: G {11}OE {5}5\.15\.0-91-generic #101-Ubuntu$/m);
    const journal = run('journalctl -k --since "-24h" --no-pager -o short-iso', ctx).stdout;
    assert.match(journal, new RegExp(`^2026-11-25T02:00:00\\+0000 ${ctx.facts.hostname} kernel: Oops: 0000 \\[#1\\] SMP NOPTI$`, 'm'));
    assert.doesNotMatch(journal, /Linux version/, 'boot lines are older than 24 hours');
    assert.equal(run('journalctl -k --since "-24h" --no-pager -o short-iso').stdout, '-- No entries --\n');
    assert.equal(run('journalctl --since "-24h" --no-pager -o short-iso -u libvirtd -u virtqemud --grep "BLOCK_IO_ERROR|I/O error"').code, 1);
  });

  it('heads each libvirt log like tail -v, and fails like tail when there is none', () => {
    const out = run('tail -v -n 2000 /var/log/libvirt/qemu/*.log').stdout;
    assert.match(out, /^==> \/var\/log\/libvirt\/qemu\/instance-0000036c\.log <==\n\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\+0000: starting up libvirt version/);
    const none = runHostCommand('tail -v -n 2000 /var/log/libvirt/qemu/*.log', { ...context(), guests: [] });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^tail: cannot open '\/var\/log\/libvirt\/qemu\/\*\.log' for reading: No such file or directory\n$/);
  });

  it('lists the role directories that exist and complains about the rest like ls', () => {
    const out = run('ls -d /var/lib/nova/instances /var/lib/libvirt/images /home/libvirt/images /var/lib/docker /var/lib/containerd', context(undefined, 'containerd'));
    assert.equal(out.code, 2);
    assert.equal(out.stdout, '/var/lib/containerd\n/var/lib/libvirt/images\n/var/lib/nova/instances\n');
    assert.match(out.stderr, /^ls: cannot access '\/home\/libvirt\/images': No such file or directory\nls: cannot access '\/var\/lib\/docker': No such file or directory\n$/);
  });

  it('prints sensors with one coretemp block per socket', () => {
    const out = run('sensors', context((f) => (f.cpuTemperaturesC = [91, 58]))).stdout;
    assert.match(out, /^coretemp-isa-0000\nAdapter: ISA adapter\nPackage id 0: {2}\+91\.0°C {2}\(high = \+80\.0°C, crit = \+100\.0°C\)\n/);
    assert.match(out, /\n\ncoretemp-isa-0001\nAdapter: ISA adapter\nPackage id 1: {2}\+58\.0°C/);
  });
});
