import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { assembleSnapshot } from '../../collect/assemble.js';
import { planCollectors } from '../../collect/plan.js';
import { runCollectors } from '../../collect/runner.js';
import { UsageError, errorMessage } from '../../core/errors.js';
import type { CollectorOutcome } from '../../core/findings.js';
import { SEVERITIES, atLeast, isSeverity, type Severity } from '../../core/severity.js';
import { resolveOptions, runDetectors, selectDetectors } from '../../detect/engine.js';
import { detectors } from '../../detect/rules/index.js';
import { applyBaseline, parseBaselineReport } from '../../report/baseline.js';
import { buildReport, type ScanReport } from '../../report/model.js';
import { reporters, shouldUseColor, type ReportFormat } from '../../report/index.js';
import { loadSnapshot, saveSnapshot } from '../../snapshot/io.js';
import type { Snapshot } from '../../snapshot/schema.js';
import { collectList, loadCliConfig, type CliConfig, type CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { VERSION } from '../version.js';

const FORMATS: readonly ReportFormat[] = ['html', 'json', 'table', 'markdown'];

interface ScanFlags {
  config?: string;
  from?: string;
  format?: ReportFormat;
  out?: string;
  only?: string[];
  skip?: string[];
  failOn?: string;
  failOnSkipped?: boolean;
  baseline?: string;
  saveSnapshot?: string;
  now?: string;
  timeout?: string;
  verbose?: boolean;
}

function parseTime(flag: string, value: string): Date {
  const t = new Date(value);
  if (Number.isNaN(t.getTime())) throw new UsageError(`${flag}: "${value}" is not an ISO 8601 time (e.g. 2026-11-25T03:00:00Z)`);
  return t;
}

/** Collects from every configured source, or replays a saved snapshot. */
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
    else if (o.status === 'partial') ctx.term.err(`warning: collector ${o.collector} partial: ${o.warnings.slice(0, 3).join('; ')}`);
  }
  // Collector errors may echo what a source was sent (a token in an error page); the snapshot is saved and shared, so scrub them.
  const redactor = ctx.term.redactor;
  const outcomes = redactor ? run.outcomes.map((o) => redactor.redactValue(o) as typeof o) : run.outcomes;
  const snapshot = assembleSnapshot({ ...run, outcomes }, { collectedAt: started, version: VERSION });
  return { snapshot, collection: snapshot.collection };
}

export async function scan(ctx: CliContext, flags: ScanFlags): Promise<number> {
  const loaded = await loadCliConfig(ctx, flags.config);
  const { config, file } = loaded;
  const format = flags.format ?? config.report?.format ?? 'html';
  const failOnRaw = flags.failOn ?? config.report?.failOn;
  let failOn: Severity | undefined;
  if (failOnRaw !== undefined) {
    if (!isSeverity(failOnRaw)) throw new UsageError(`--fail-on: "${failOnRaw}" is not a severity (${SEVERITIES.join(', ')})`);
    failOn = failOnRaw;
  }
  const selected = selectDetectors(detectors, { only: flags.only ?? [], skip: flags.skip ?? [], settings: config.detectors ?? {} });
  // Validate every detector's options before collecting, so a typo fails fast.
  for (const d of selected) resolveOptions(d, config.detectors?.[d.id]?.options, file);
  let previous: ScanReport | undefined;
  if (flags.baseline) {
    const path = resolve(ctx.cwd, flags.baseline);
    const text = await readFile(path, 'utf8').catch((err: unknown) => {
      throw new UsageError(`--baseline: cannot read ${path}: ${errorMessage(err)}`);
    });
    previous = parseBaselineReport(text, flags.baseline);
  }

  const { snapshot, collection } = await obtainSnapshot(ctx, loaded, flags);
  if (flags.saveSnapshot) await saveSnapshot(snapshot, resolve(ctx.cwd, flags.saveSnapshot));
  const evaluatedAt = flags.now ? parseTime('--now', flags.now) : new Date(snapshot.collectedAt);
  const results = runDetectors(snapshot, selected, {
    now: evaluatedAt,
    settings: config.detectors ?? {},
    suppressions: config.suppressions ?? [],
    ...(file ? { configFile: file } : {}),
  });
  let report = buildReport({ snapshot, detectors: selected, results, version: VERSION, generatedAt: new Date(), evaluatedAt, collection });
  if (previous && flags.baseline) report = applyBaseline(report, previous, flags.baseline);

  const out = flags.out ?? config.report?.out ?? (format === 'html' ? 'report.html' : '-');
  const toTerminal = out === '-';
  const rendered = reporters[format](report, {
    color: toTerminal && shouldUseColor(ctx.env, Boolean(ctx.term.stdout.isTTY)),
    // Only a terminal has a width to fit; a pipe or file gets whole lines.
    ...(toTerminal && ctx.term.stdout.isTTY && ctx.term.stdout.columns ? { width: ctx.term.stdout.columns } : {}),
  });
  if (toTerminal) ctx.term.out(rendered.endsWith('\n') ? rendered : `${rendered}\n`);
  else {
    const path = resolve(ctx.cwd, out);
    const redacted = ctx.term.redactor ? ctx.term.redactor.redact(rendered) : rendered;
    await writeFile(path, redacted);
  }
  const s = report.summary;
  const notChecked = s.byStatus.skipped + s.byStatus.error;
  ctx.term.err(
    `${s.findings} finding(s): ${SEVERITIES.slice().reverse().filter((v) => s.bySeverity[v] > 0).map((v) => `${s.bySeverity[v]} ${v}`).join(', ') || 'none'}; ` +
      `detectors: ${s.byStatus.fail} failed, ${s.byStatus.pass} passed, ${s.byStatus.skipped} skipped, ${s.byStatus.error} errored` +
      `${s.new !== undefined ? `; vs baseline: ${s.new} new, ${s.resolved} resolved` : ''}` +
      `${toTerminal ? '' : `; report written to ${out}`}`,
  );
  if (failOn && report.results.some((r) => r.findings.some((f) => atLeast(f.severity, failOn)))) return EXIT.findings;
  if (flags.failOnSkipped && notChecked > 0) return EXIT.findings;
  return EXIT.ok;
}

export function scanCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  return new Command('scan')
    .description('collect fleet state (or replay a snapshot), run the detectors and write a report')
    .option('-c, --config <file>', 'faultline.yaml to use (default: ./faultline.yaml or $FAULTLINE_CONFIG)')
    .option('--from <snapshot>', 'replay a saved snapshot (.json or .json.gz) instead of collecting')
    .addOption(new Option('-f, --format <format>', 'report format').choices(FORMATS))
    .option('-o, --out <file>', 'where to write the report; - for stdout (default: report.html for html, stdout otherwise)')
    .option('--only <ids>', 'run only these detectors (comma-separated, repeatable)', collectList)
    .option('--skip <ids>', 'do not run these detectors (comma-separated, repeatable)', collectList)
    .option('--fail-on <severity>', `exit 1 when a finding has at least this severity (${SEVERITIES.join(', ')})`)
    .option('--fail-on-skipped', 'exit 1 when any detector was skipped or errored (data missing)')
    .option('--baseline <report.json>', 'mark findings new/unchanged and list resolved ones against a previous JSON report')
    .option('--save-snapshot <file>', 'also save the collected snapshot (gzip when the name ends in .gz)')
    .option('--now <time>', 'judge as of this ISO time (default: the snapshot time)')
    .option('--timeout <seconds>', 'default deadline per collector')
    .option('-v, --verbose', 'log collector progress to stderr')
    .addHelpText('after', '\nExit codes: 0 ok, 1 findings at --fail-on (or skipped with --fail-on-skipped), 2 usage or config error, 3 run failed.')
    .action(async (flags: ScanFlags) => setExit(await scan(ctx, flags)));
}
