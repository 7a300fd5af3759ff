import { Command, Option } from 'commander';
import type { CliContext } from '../context.js';
import type { DetectorsFlags } from './detectors.js';

export function detectorsCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  return new Command('detectors')
    .description('list the detectors, what each needs, and whether the current config can provide it')
    .option('-c, --config <file>', 'faultline.yaml to use')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (flags: DetectorsFlags) => {
      const { listDetectors } = await import('./detectors.js');
      setExit(await listDetectors(ctx, flags));
    });
}
