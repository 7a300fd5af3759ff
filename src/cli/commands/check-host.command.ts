import { Command, Option } from 'commander';
import type { CliContext } from '../context.js';
import type { CheckHostFlags } from './check-host.js';

export function checkHostCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  return new Command('check-host')
    .description('readiness check of a new or repaired hypervisor over SSH: VT-x, VT-d, IOMMU passthrough, x2apic, SR-IOV, swap off, huge pages (when hosts.hugepages is set)')
    .argument('<host>', 'host name of the hypervisor')
    .option('-c, --config <file>', 'faultline.yaml to use (its hosts section gives SSH access)')
    .option('--address <ip>', 'address to connect to (default: the host name)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'))
    .addHelpText('after', '\nExit codes: 0 ready, 1 not ready or unreadable, 2 usage or config error.')
    .action(async (host: string, flags: CheckHostFlags) => {
      const { checkHost } = await import('./check-host.js');
      setExit(await checkHost(ctx, host, flags));
    });
}
