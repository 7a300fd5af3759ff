import { Command, Option } from 'commander';
import type { CliContext } from '../context.js';
import type { StoreFlags } from './store.js';

const common = (cmd: Command): Command =>
  cmd
    .option('-c, --config <file>', 'faultline.yaml to use (its store section says where the store is)')
    .option('--store <dir>', 'use the embedded store in this directory instead of the configured one');

export function storeCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  const act =
    (verb: 'migrate' | 'status' | 'export' | 'import') =>
    async (...args: unknown[]): Promise<void> => {
      const { storeVerb } = await import('./store.js');
      const file = verb === 'import' ? (args[0] as string) : undefined;
      const flags = (verb === 'import' ? args[1] : args[0]) as StoreFlags;
      setExit(await storeVerb(ctx, verb, flags, file));
    };
  return new Command('store')
    .description('the history store: where scans, findings, incidents, tickets and actions are kept')
    .addCommand(common(new Command('migrate').description('create the store or bring it to this version\'s schema (scan does this too)')).action(act('migrate')))
    .addCommand(
      common(new Command('status').description('where the store is, its schema version and what it holds'))
        .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'))
        .action(act('status')),
    )
    .addCommand(
      common(new Command('export').description('write the whole store as JSON lines (to move it, e.g. from the embedded store to a server)'))
        .option('-o, --out <file>', 'where to write; - for stdout', '-')
        .action(act('export')),
    )
    .addCommand(
      common(new Command('import').description('load an export into the configured store, which must be empty'))
        .argument('<file>', 'a file written by faultline store export; - for stdin')
        .action(act('import')),
    )
    .addHelpText('after', '\nExit codes: 0 ok, 2 usage or config error (store cannot be opened, is newer than this faultline, or is not empty for import), 3 failure.');
}
