import { Command, Option } from 'commander';
import type { CliContext } from '../context.js';
import type { LogFlags } from './log.js';

export function logCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  return new Command('log')
    .description("a server's console log (boot messages); for a hypervisor, every server's")
    .argument('<target>', 'server name, FQDN, UUID or IP, or hypervisor name or FQDN')
    .option('-c, --config <file>', 'faultline.yaml to use')
    .option('-n, --lines <n>', 'only the last n lines')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--concurrency <n>', 'servers read at once (hypervisor target)', '8')
    .option('-v, --verbose', 'log API requests to stderr')
    .action(async (target: string, flags: LogFlags) => {
      const { log } = await import('./log.js');
      setExit(await log(ctx, target, flags));
    });
}
