import { resolve } from 'node:path';
import { Command } from 'commander';
import { saveSnapshot } from '../../snapshot/io.js';
import { loadCliConfig, type CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { obtainSnapshot } from './scan.js';

interface SnapshotFlags {
  config?: string;
  out: string;
  timeout?: string;
  verbose?: boolean;
  failOnPartial?: boolean;
}

export async function snapshot(ctx: CliContext, flags: SnapshotFlags): Promise<number> {
  const loaded = await loadCliConfig(ctx, flags.config);
  const { snapshot: snap } = await obtainSnapshot(ctx, loaded, flags);
  const path = resolve(ctx.cwd, flags.out);
  await saveSnapshot(snap, path);
  const bad = snap.collection.filter((o) => o.status !== 'ok');
  ctx.term.err(
    `snapshot written to ${flags.out}: ${snap.servers.length} servers, ${snap.hypervisors.length} hypervisors, ${snap.alarms.length} alarms; ` +
      `collectors: ${snap.collection.map((o) => `${o.collector} ${o.status}`).join(', ') || 'none'}`,
  );
  return flags.failOnPartial && bad.length > 0 ? EXIT.findings : EXIT.ok;
}

export function snapshotCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  return new Command('snapshot')
    .description('collect fleet state and save it as a replayable snapshot (no detection)')
    .option('-c, --config <file>', 'faultline.yaml to use')
    .requiredOption('-o, --out <file>', 'snapshot file to write (gzip when it ends in .gz)')
    .option('--timeout <seconds>', 'default deadline per collector')
    .option('--fail-on-partial', 'exit 1 when any collector failed or was partial')
    .option('-v, --verbose', 'log collector progress to stderr')
    .action(async (flags: SnapshotFlags) => setExit(await snapshot(ctx, flags)));
}
