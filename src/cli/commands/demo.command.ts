import { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { DemoFlags } from './demo.js';

export function demoCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  return new Command('demo')
    .description('start the lab with a scenario, scan it with every collector, write report.html, stop the lab; with --serve, run faultline serve against it and print the dashboard URL and a read token')
    .option('--scenario <name>', 'lab scenario to run (see docs/lab.md)', 'mixed')
    .option('-o, --out <file>', 'where to write the HTML report', 'report.html')
    .option('--serve', 'serve the live dashboard against the lab until Ctrl-C instead of writing a report')
    .option('--listen <host:port>', 'with --serve: where the dashboard listens', '127.0.0.1:8080')
    .option('--scan-interval <seconds>', 'with --serve: time between scans', '15')
    .action(async (flags: DemoFlags) => {
      // Only the served demo waits for Ctrl-C; the report demo ends by itself.
      const stop = flags.serve
        ? new Promise<string>((res) => {
            process.once('SIGINT', () => res('SIGINT'));
            process.once('SIGTERM', () => res('SIGTERM'));
          })
        : undefined;
      const { demo } = await import('./demo.js');
      setExit(await demo(ctx, flags, stop));
    });
}
