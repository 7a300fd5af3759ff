import { resolve } from 'node:path';
import { assembleSnapshot } from '../../collect/assemble.js';
import { planCollectors } from '../../collect/plan.js';
import { runCollectors } from '../../collect/runner.js';
import { UsageError } from '../../core/errors.js';
import type { CollectorOutcome } from '../../core/findings.js';
import { loadSnapshot, saveSnapshot } from '../../snapshot/io.js';
import type { Snapshot } from '../../snapshot/schema.js';
import { loadCliConfig, type CliConfig } from '../config.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { VERSION } from '../version.js';

export interface SnapshotFlags {
  config?: string;
  out: string;
  timeout?: string;
  verbose?: boolean;
  failOnPartial?: boolean;
}

/**
 * Collects from every configured source, or replays a saved snapshot. Scan uses it
 * too; it lives here, not in scan.ts, so that `snapshot` loads no detector or report code.
 */
export async function obtainSnapshot(
  ctx: CliContext,
  loaded: CliConfig,
  flags: { from?: string; timeout?: string; verbose?: boolean },
): Promise<{ snapshot: Snapshot; collection: readonly CollectorOutcome[] }> {
  if (flags.from) {
    const snapshot = await loadSnapshot(resolve(ctx.cwd, flags.from));
    return { snapshot, collection: snapshot.collection };
  }
  const { config } = loaded;
  const timeoutSeconds = flags.timeout !== undefined ? Number(flags.timeout) : config.collectTimeoutSeconds;
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new UsageError(`--timeout: "${flags.timeout}" is not a positive number of seconds`);
  const log = ctx.term.logger(flags.verbose ?? false);
  const plan = planCollectors({ ...loaded, log });
  const runnable = plan.flatMap((p) => (p.collector ? [p.collector] : []));
  if (loaded.cloudError) ctx.term.err(`warning: OpenStack not collected: ${loaded.cloudError.message}`);
  if (runnable.length === 0) {
    ctx.term.err('warning: no collector can run with this configuration; every detector will be skipped. Configure sources in faultline.yaml or replay a snapshot with --from.');
  }
  const done = new Set<string>();
  const status = new Map<string, string>();
  const show = (): void =>
    ctx.term.progress(`collecting ${done.size}/${runnable.length}: ${[...status].filter(([id]) => !done.has(id)).map(([id, m]) => `${id} ${m}`).join(' · ')}`);
  const started = new Date();
  const run = await runCollectors(
    runnable.map((c) => ({
      ...c,
      collect: async (cctx) => {
        status.set(c.id, 'started');
        show();
        try {
          return await c.collect(cctx);
        } finally {
          done.add(c.id);
          show();
        }
      },
    })),
    {
      timeoutMs: timeoutSeconds * 1000,
      log,
      progress: (id, m) => {
        status.set(id, m);
        show();
      },
    },
  );
  ctx.term.clearProgress();
  for (const o of run.outcomes) {
    if (o.status === 'failed') ctx.term.err(`warning: collector ${o.collector} failed: ${o.error}`);
    else if (o.status === 'partial') {
      // Collectors put what failed first; the count says the list goes on, so no failure looks like the last one.
      const more = o.warnings.length - 3;
      ctx.term.err(`warning: collector ${o.collector} partial: ${o.warnings.slice(0, 3).join('; ')}${more > 0 ? `; and ${more} more (all in the report's collection section)` : ''}`);
    }
  }
  // Collector errors may echo what a source was sent (a token in an error page); the snapshot is saved and shared, so scrub them.
  const redactor = ctx.term.redactor;
  const outcomes = redactor ? run.outcomes.map((o) => redactor.redactValue(o) as typeof o) : run.outcomes;
  const snapshot = assembleSnapshot({ ...run, outcomes }, { collectedAt: started, version: VERSION });
  return { snapshot, collection: snapshot.collection };
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
