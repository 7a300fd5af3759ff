import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError, errorMessage } from '../../core/errors.js';
import { SEVERITIES, atLeast, isSeverity, type Severity } from '../../core/severity.js';
import { resolveOptions, runDetectors, selectDetectors } from '../../detect/engine.js';
import { detectors } from '../../detect/rules/index.js';
import { applyBaseline, parseBaselineReport } from '../../report/baseline.js';
import { buildReport, type ScanReport } from '../../report/model.js';
import { correlate } from '../../correlate/correlate.js';
import type { Incident } from '../../correlate/types.js';
import { reporters, shouldUseColor, type ReportFormat } from '../../report/index.js';
import { saveSnapshot } from '../../snapshot/io.js';
import type { DetectorResult } from '../../core/findings.js';
import type { AnyDetector } from '../../detect/define.js';
import type { Snapshot } from '../../snapshot/schema.js';
import { loadCliConfig, type CliConfig } from '../config.js';
import { openCliStore, retentionOf, storeLocation } from '../store-location.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { VERSION } from '../version.js';
import { obtainSnapshot } from './snapshot.js';

export interface ScanFlags {
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
  /** --record / --no-record; undefined: store.record from the config. */
  record?: boolean;
  /** --store <dir>: an embedded store in that directory. */
  store?: string;
}

function parseTime(flag: string, value: string): Date {
  const t = new Date(value);
  if (Number.isNaN(t.getTime())) throw new UsageError(`${flag}: "${value}" is not an ISO 8601 time (e.g. 2026-11-25T03:00:00Z)`);
  return t;
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

  // Opened before collecting, so a store that is locked, too new or unreachable fails in seconds, not after the scan.
  const location = storeLocation(ctx, config.store, flags.store !== undefined ? { path: flags.store } : {}, flags.record === true);
  const store = location ? await openCliStore(ctx, loaded, location, 'faultline scan') : undefined;
  try {
    const collected = await obtainSnapshot(ctx, loaded, flags);
    if (flags.saveSnapshot) await saveSnapshot(collected.snapshot, resolve(ctx.cwd, flags.saveSnapshot));
    const evaluatedAt = flags.now ? parseTime('--now', flags.now) : new Date(collected.snapshot.collectedAt);
    const run = {
      now: evaluatedAt,
      settings: config.detectors ?? {},
      suppressions: config.suppressions ?? [],
      ...(file ? { configFile: file } : {}),
    };
    let snapshot = collected.snapshot;
    let results;
    let collection = collected.collection;
    // Correlated once: the store records these incidents and the report shows the same ones.
    let incidents: readonly Incident[] | undefined;
    if (store) {
      const { detectWithStore } = await import('../../store/scan.js');
      const commit = flags.record ?? config.store?.record ?? true;
      const stored = await detectWithStore(store, {
        snapshot,
        detectors: selected,
        run,
        commit,
        lookbackDays: config.store?.lookbackDays ?? 62,
        source: flags.from ? 'snapshot' : 'collected',
        version: VERSION,
        correlate: (judged, judgedResults) => (incidents = correlate(judged, judgedResults.flatMap((r) => r.findings)).incidents),
      });
      ({ snapshot, results } = stored);
      collection = snapshot.collection;
      if (commit) await store.prune(new Date(), retentionOf(config.store));
      const r = stored.recorded;
      ctx.term.err(
        commit
          ? `recorded as scan ${r.scanId} in the store at ${store.where}: ${r.newFindings + r.later.newFindings} new, ` +
              `${r.reopenedFindings + r.later.reopenedFindings} back after being resolved, ${r.resolvedFindings + r.later.resolvedFindings} resolved` +
              (r.incidents ? `; incidents: ${r.incidents.newIncidents} new, ${r.incidents.reopenedIncidents} back, ${r.incidents.resolvedIncidents} resolved` : '')
          : `read the store at ${store.where}; not recorded (--no-record)`,
      );
    } else {
      results = runDetectors(snapshot, selected, run);
    }
    return await finish(ctx, flags, loaded, { snapshot, selected, results, evaluatedAt, collection, previous, format, failOn, ...(incidents ? { incidents } : {}) });
  } finally {
    await store?.close();
  }
}

interface Judged {
  readonly snapshot: Snapshot;
  readonly selected: readonly AnyDetector[];
  readonly results: readonly DetectorResult[];
  readonly evaluatedAt: Date;
  readonly collection: Parameters<typeof buildReport>[0]['collection'];
  readonly previous: ScanReport | undefined;
  readonly format: ReportFormat;
  readonly failOn: Severity | undefined;
  readonly incidents?: readonly Incident[];
}

async function finish(ctx: CliContext, flags: ScanFlags, loaded: CliConfig, judged: Judged): Promise<number> {
  const { config } = loaded;
  const { snapshot, selected, results, evaluatedAt, collection, previous, format, failOn, incidents } = judged;
  let report = buildReport({ snapshot, detectors: selected, results, version: VERSION, generatedAt: new Date(), evaluatedAt, collection, ...(incidents ? { incidents } : {}) });
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
