import { Command, Option } from 'commander';
import type { CliContext } from '../context.js';
import type { WatchFlags } from './watch.js';

export function watchCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  return new Command('watch')
    .description('collect and detect continuously: each round asks Nova only what changed, logs new and resolved findings and incidents, records them, and runs the runbooks faultline.yaml opts in to (watch.autoRun); Ctrl-C stops it')
    .option('-c, --config <file>', 'faultline.yaml to use')
    .option('--store <dir>', 'use the embedded store in this directory instead of the configured one')
    .addOption(new Option('-f, --format <format>', 'line format: text, or one JSON object per line').choices(['text', 'json']).default('text'))
    .option('--interval <seconds>', 'seconds between rounds (default: watch.intervalSeconds, 10)')
    .option('--resync-every <rounds>', 'list the whole fleet every this many rounds (default: watch.resyncEvery, 60)')
    .option('--rounds <n>', 'stop after this many rounds (default: run until Ctrl-C)')
    .option('--action-timeout <seconds>', 'how long the start of a server may take to settle', '300')
    .option('--wait-timeout <seconds>', 'cap on how long a run waits for a started server to answer')
    .option('--lease-minutes <n>', 'how long a crashed run keeps its server from other runs', '15')
    .option('-v, --verbose', 'log API requests to stderr')
    .addHelpText('after', '\nExit codes: 0 stopped cleanly (Ctrl-C, SIGTERM or --rounds), 2 usage or config error, 3 the watch failed.')
    .action(async (flags: WatchFlags) => {
      const { watch } = await import('./watch.js');
      setExit(await watch(ctx, flags));
    });
}
