import { Command, Option } from 'commander';
import type { CliContext } from '../context.js';
import type { HistoryFlags } from './history.js';

export function historyCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  return new Command('history')
    .description('what the store remembers about a host, a server or a finding: findings, incidents, tickets, stops and actions in time order')
    .argument('<subject>', 'hypervisor or host name, server name or id, finding fingerprint, incident id, ticket id or Nova request id')
    .option('-c, --config <file>', 'faultline.yaml to use (its store section says where the store is)')
    .option('--store <dir>', 'use the embedded store in this directory instead of the configured one')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--limit <n>', 'show at most the latest n events', '500')
    .addHelpText('after', '\nExit codes: 0 events found, 1 the store knows nothing about the subject, 2 usage or config error.')
    .action(async (subject: string, flags: HistoryFlags) => {
      const { history } = await import('./history.js');
      setExit(await history(ctx, subject, flags));
    });
}
