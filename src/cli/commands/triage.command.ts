import { Command, Option } from 'commander';
import type { CliContext } from '../context.js';
import type { TriageFlags } from './triage.js';

export function triageCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  return new Command('triage')
    .description('which runbook case applies to a ticket, hypervisor or server, why, the gates before acting, and the plan as faultline commands (changes nothing)')
    .argument('<target>', 'alarm-feed ticket id, hypervisor name or FQDN, or server name, UUID or IP')
    .option('-c, --config <file>', 'faultline.yaml to use')
    .option('--from <snapshot>', 'triage from a saved snapshot instead of collecting')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--now <time>', 'judge as of this ISO time (default: the snapshot time)')
    .option('--timeout <seconds>', 'default deadline per collector')
    .option('-v, --verbose', 'log collector progress to stderr')
    .addHelpText('after', '\nExit codes: 0 a plan was made (or nothing was found), 2 unknown target or config error, 3 run failed.')
    .action(async (target: string, flags: TriageFlags) => {
      const { triageCli } = await import('./triage.js');
      setExit(await triageCli(ctx, target, flags));
    });
}
