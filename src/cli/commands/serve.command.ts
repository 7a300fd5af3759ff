import { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { ServeFlags } from './serve.js';

export function serveCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  return new Command('serve')
    .description('serve the HTTP API (incidents, findings, runbooks, runs, approvals, audit, history), the Alertmanager webhook and /metrics; run the watch loop on the regions this instance holds (several instances on one PostgreSQL split the regions), a periodic full scan, and the outbox delivery')
    .option('-c, --config <file>', 'faultline.yaml to use (its server section holds the API tokens; its store section says where the store is)')
    .option('--listen <host:port>', 'where to listen (default: server.listen, else 127.0.0.1:8080; port 0 = any free port)')
    .option('--store <dir>', 'use the embedded store in this directory instead of the configured one')
    .option('--scan-interval <seconds>', 'time between full scans (default: server.scanIntervalSeconds, else 300); watch rounds follow watch.intervalSeconds')
    .option('--no-scan', 'serve what the store holds; run no scans and no watch loop (the outbox is still delivered)')
    .option('--from <snapshot>', 'scan this saved snapshot each time instead of collecting')
    .option('--timeout <seconds>', 'default deadline per collector')
    .option('-v, --verbose', 'log collector progress to stderr')
    .addHelpText('after', '\nRuns until SIGINT or SIGTERM; the round, scan, runs and deliveries in progress are finished first and the region leases given back.\nExit codes: 0 stopped by a signal, 2 usage or config error, 3 the server failed.')
    .action(async (flags: ServeFlags) => {
      const stop = new Promise<string>((res) => {
        process.once('SIGINT', () => res('SIGINT'));
        process.once('SIGTERM', () => res('SIGTERM'));
      });
      const { serve } = await import('./serve.js');
      setExit(await serve(ctx, flags, stop));
    });
}
