import { Command, Option } from 'commander';
import type { CliContext } from '../context.js';
import type { ShowFlags } from './show.js';

export function showCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  return new Command('show')
    .description('a hypervisor\'s servers with state, ping and ssh, or one server\'s details, instance actions and reachability')
    .argument('<target>', 'server name, FQDN, UUID or IP, or hypervisor name or FQDN')
    .option('-c, --config <file>', 'faultline.yaml to use')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--no-probe', 'do not ping or ssh-check the servers')
    .option('--actions <n>', 'how many instance actions to show for a server', '10')
    .option('-v, --verbose', 'log API requests to stderr')
    .action(async (target: string, flags: ShowFlags) => {
      const { show } = await import('./show.js');
      setExit(await show(ctx, target, flags));
    });
}
