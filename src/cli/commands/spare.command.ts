import { Command, Option } from 'commander';
import type { CliContext } from '../context.js';
import type { SpareFlags } from './spare.js';

export function spareCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  return new Command('spare')
    .description('pick a forfault spare for a failed hypervisor (same center; model, memory and disk, then model and memory) and say whether to RMA or re-procure')
    .argument('<hypervisor>', 'the failed hypervisor, by name or FQDN')
    .option('-c, --config <file>', 'faultline.yaml to use (its inventory.file gives hardware and warranty)')
    .option('--from <snapshot>', 'use a saved snapshot (.json or .json.gz) instead of collecting')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--now <time>', 'judge the warranty as of this ISO time (default: now)')
    .option('--timeout <seconds>', 'default deadline per collector')
    .option('-v, --verbose', 'log collector progress to stderr')
    .addHelpText('after', '\nExit codes: 0 a spare was chosen, 1 no spare matches, 2 usage or config error (unknown hypervisor), 3 run failed.')
    .action(async (hypervisor: string, flags: SpareFlags) => {
      const { spare } = await import('./spare.js');
      setExit(await spare(ctx, hypervisor, flags));
    });
}
