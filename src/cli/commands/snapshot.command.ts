import { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { SnapshotFlags } from './snapshot.js';

export function snapshotCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  return new Command('snapshot')
    .description('collect fleet state and save it as a replayable snapshot (no detection)')
    .option('-c, --config <file>', 'faultline.yaml to use')
    .requiredOption('-o, --out <file>', 'snapshot file to write (gzip when it ends in .gz)')
    .option('--timeout <seconds>', 'default deadline per collector')
    .option('--fail-on-partial', 'exit 1 when any collector failed or was partial')
    .option('-v, --verbose', 'log collector progress to stderr')
    .action(async (flags: SnapshotFlags) => {
      const { snapshot } = await import('./snapshot.js');
      setExit(await snapshot(ctx, flags));
    });
}
