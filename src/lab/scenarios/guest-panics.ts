/**
 * What a panicked guest leaves on its serial console (Nova's `os-getConsoleOutput`),
 * in the format an Ubuntu 22.04 guest kernel prints on OpenStack: `[%5lu.%06lu]`
 * uptime stamps, the SMBIOS name Nova gives its guests, and the call traces of the
 * real panics (compare the captured ones in src/collect/host/fixtures/seed-002-console-*.txt).
 */

/** The guest kernel of the lab's images (see LabState.consoleLog). */
export const GUEST_KERNEL = '5.15.0-91-generic';
const HARDWARE = 'Hardware name: OpenStack Foundation OpenStack Nova, BIOS 1.15.0-1 04/01/2014';
const ASYNC_PF = 'Host injected async #PF in kernel mode';
const NO_ROOT = 'VFS: Unable to mount root fs on unknown-block(0,0)';

/** printk's stamp: seconds since the guest booted, six decimals, at least five digits wide. */
export function printkStamp(seconds: number): string {
  const micros = Math.max(0, Math.round(seconds * 1e6));
  return `[${String(Math.floor(micros / 1e6)).padStart(5, ' ')}.${String(micros % 1e6).padStart(6, '0')}]`;
}

/** Stamps the lines one after the other, a few hundred microseconds apart, as a panic prints them. */
function stamped(startSeconds: number, lines: readonly string[], seed: number): string[] {
  let t = startSeconds;
  return lines.map((line, i) => {
    const out = `${printkStamp(t)} ${line}`;
    t += (350 + ((seed * 31 + i * 197) % 900)) / 1e6;
    return out;
  });
}

/** How every panic report opens, down to panic() itself in the call trace. */
function panicOpening(message: string, cpu: number, pid: number, comm: string, kernel: string): string[] {
  return [
    `Kernel panic - not syncing: ${message}`,
    `CPU: ${cpu} PID: ${pid} Comm: ${comm} Not tainted ${kernel} ${kernelBuild(kernel)}`,
    HARDWARE,
    'Call Trace:',
    ' <TASK>',
    ' show_stack+0x52/0x5c',
    ' dump_stack_lvl+0x4a/0x63',
    ' dump_stack+0x10/0x16',
    ' panic+0x15c/0x33b',
  ];
}

/** How every panic report closes; the offset is KASLR's, different on each boot. */
function panicClosing(message: string, kernelOffset: string): string[] {
  return [' </TASK>', `Kernel Offset: ${kernelOffset} from 0xffffffff81000000 (relocation range: 0xffffffff80000000-0xffffffffbfffffff)`, `---[ end Kernel panic - not syncing: ${message} ]---`];
}

function kernelBuild(kernel: string): string {
  const abi = /^\d+\.\d+\.\d+-(\d+)-generic$/.exec(kernel)?.[1] ?? '91';
  return `#${Number(abi) + 10}-Ubuntu`;
}

/**
 * `Kernel panic - not syncing: Host injected async #PF in kernel mode` (arch/x86/kernel/kvm.c):
 * the host could not bring in a page the guest touched and injected the fault into the guest's
 * kernel. Storage stalls first show in the guest as blocked journal writes.
 */
export function asyncPfPanicLines(uptimeSeconds: number, pid: number, process: string, kernel = GUEST_KERNEL): string[] {
  const build = kernelBuild(kernel);
  const stall = Math.max(0, uptimeSeconds - 0.9);
  return [
    // A guest up for less than the hung-task limit panics before the watchdog could report the stall.
    ...(stall > 121.4
      ? stamped(stall, [
          'INFO: task jbd2/vda1-8:231 blocked for more than 120 seconds.',
          `      Not tainted ${kernel} ${build}`,
          '"echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.',
          'task:jbd2/vda1-8     state:D stack:    0 pid:  231 ppid:     2 flags:0x00004000',
        ], pid)
      : []),
    ...stamped(uptimeSeconds, [
      ...panicOpening(ASYNC_PF, pid % 4, pid, process, kernel),
      ' ? restore_regs_and_return_to_kernel+0x22/0x22',
      ' __kvm_handle_async_pf+0xa3/0xb0',
      ' exc_page_fault+0x7d/0x150',
      ' asm_exc_page_fault+0x27/0x30',
      'RIP: 0010:__put_user_nocheck_8+0x3/0x20',
      'Code: 00 00 48 39 d9 73 54 0f 01 cb 66 89 01 31 c9 0f 01 ca c3 0f 1f 44 00 00 48 bb f9 ef ff ff ff 7f 00 00 48 39 d9 73 34 0f 01 cb <48> 89 01 31 c9 0f 01 ca c3 0f 1f 44 00 00 0f 01 cb 89 01 31 c9 0f',
      'RSP: 0018:ffffb6cfc1d63cb8 EFLAGS: 00050206',
      'RAX: 0000000000000000 RBX: 0000000000000000 RCX: 00007ff25f20a0e8',
      ' rseq_ip_fixup+0x6e/0x1a0',
      ' __rseq_handle_notify_resume+0x26/0xb0',
      ' exit_to_user_mode_loop+0xd9/0x130',
      ' exit_to_user_mode_prepare+0xa2/0xb0',
      ' syscall_exit_to_user_mode+0x27/0x50',
      ' do_syscall_64+0x69/0xc0',
      ' entry_SYSCALL_64_after_hwframe+0x62/0xcc',
      'RIP: 0033:0x7ff25ead9267',
      ...panicClosing(ASYNC_PF, '0x2a600000'),
    ], pid),
  ];
}

/**
 * The guest's own reboot after an update, then the new kernel's boot without an
 * initramfs: `root=LABEL=…` cannot be resolved, so the kernel finds no root device
 * (init/do_mounts.c, mount_block_root) and panics with
 * `VFS: Unable to mount root fs on unknown-block(0,0)`. The guest stays there (panic=0).
 */
export function rootMountPanicLines(uptimeSeconds: number, kernel: string, seed: number): string[] {
  const build = kernelBuild(kernel);
  const abi = /^(\d+\.\d+\.\d+)-(\d+)-generic$/.exec(kernel);
  const version = abi ? `${abi[1]}-${abi[2]}.${Number(abi[2]) + 10}-generic` : kernel;
  return [
    '         Stopping User Login Management...',
    '[  OK  ] Stopped User Login Management.',
    '[  OK  ] Reached target System Shutdown.',
    '[  OK  ] Reached target Late Shutdown Services.',
    `${printkStamp(uptimeSeconds)} reboot: Restarting system`,
    ...stamped(0, [
      `Linux version ${kernel} (buildd@lcy02-amd64-051) (gcc (Ubuntu 11.4.0-1ubuntu1~22.04) 11.4.0, GNU ld (GNU Binutils for Ubuntu) 2.38) ${build} SMP Wed Jan 10 09:33:48 UTC 2024 (Ubuntu ${version} 5.15.136)`,
      `Command line: BOOT_IMAGE=/boot/vmlinuz-${kernel} root=LABEL=cloudimg-rootfs ro console=tty1 console=ttyS0`,
      'KERNEL supported cpus:',
      'BIOS-provided physical RAM map:',
    ], seed),
    ...stamped(0.004, ['Hypervisor detected: KVM'], seed),
    ...stamped(0.512311, ['Booting paravirtualized kernel on KVM'], seed),
    ...stamped(1.093482, [
      'md: Waiting for all devices to be available before autodetect',
      "md: If you don't use raid, use raid=noautodetect",
      'md: Autodetecting RAID arrays.',
      'md: autorun ...',
      'md: ... autorun DONE.',
      'VFS: Cannot open root device "LABEL=cloudimg-rootfs" or unknown-block(0,0): error -6',
      'Please append a correct "root=" boot option; here are the available partitions:',
      ...panicOpening(NO_ROOT, 0, 1, 'swapper/0', kernel),
      ' mount_block_root+0x144/0x1dd',
      ' mount_root+0x10c/0x11c',
      ' prepare_namespace+0x13f/0x19e',
      ' kernel_init_freeable+0x18c/0x1b5',
      ' ? rest_init+0x100/0x100',
      ' kernel_init+0x1b/0x150',
      ' ? rest_init+0x100/0x100',
      ' ret_from_fork+0x22/0x30',
      ...panicClosing(NO_ROOT, '0x1c600000'),
    ], seed),
  ];
}
