import { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { DemoFlags } from './demo.js';

export function demoCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  return new Command('demo')
    .description('start the lab with a scenario, scan it with every collector, write report.html, stop the lab')
    .option('--scenario <name>', 'lab scenario to run (see docs/lab.md)', 'mixed')
    .option('-o, --out <file>', 'where to write the HTML report', 'report.html')
    .action(async (flags: DemoFlags) => {
      const { demo } = await import('./demo.js');
      setExit(await demo(ctx, flags));
    });
}
