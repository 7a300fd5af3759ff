import { Command, Option } from 'commander';
import type { CliContext } from '../context.js';
import type { ConsoleFlags } from './console.js';

export function consoleCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  return new Command('console')
    .description("a server's browser console URL (noVNC); for a hypervisor, every server's")
    .argument('<target>', 'server name, FQDN, UUID or IP, or hypervisor name or FQDN')
    .option('-c, --config <file>', 'faultline.yaml to use')
    .addOption(new Option('--protocol <protocol>', 'console protocol').choices(['vnc', 'spice', 'serial']))
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--concurrency <n>', 'servers asked at once (hypervisor target)', '8')
    .option('-v, --verbose', 'log API requests to stderr')
    .action(async (target: string, flags: ConsoleFlags) => {
      const { consoleUrl } = await import('./console.js');
      setExit(await consoleUrl(ctx, target, flags));
    });
}
