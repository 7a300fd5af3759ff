import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { TimeoutError, errorMessage } from '../core/errors.js';
import type { CollectorOutcome } from '../core/findings.js';
import { silentLogger, type Logger } from '../core/log.js';
import { formatIssues } from '../snapshot/issues.js';
import { snapshotSchema } from '../snapshot/schema.js';
import { COMPLETE_RECORD_CHECKS } from './section-checks.js';
import type { CollectedData, Collector } from './types.js';

type SectionSchema = { safeParse(v: unknown): { success: boolean; data?: unknown; error?: { issues: Parameters<typeof formatIssues>[0] } } };

/**
 * Checks a collector's output against the snapshot schema on its own, so one
 * collector's malformed data fails that collector and not the whole snapshot.
 * Returns the sections as the schema gives them back (defaults filled in), or
 * the problem. A section whose every record passes its hand-written check (see
 * section-checks.ts) is already in that form and is kept as it is.
 */
function validateCollected(collector: Collector, data: CollectedData): { data: CollectedData } | { problem: string } {
  const shape = snapshotSchema.shape as unknown as Record<string, SectionSchema>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if (!collector.produces.includes(key as never)) return { problem: `produced "${key}", which it does not declare` };
    const complete = COMPLETE_RECORD_CHECKS[key];
    if (complete && Array.isArray(value) && value.every((v) => complete(v))) {
      out[key] = value;
      continue;
    }
    const schema = shape[key];
    // Not a section of the snapshot: the snapshot's schema would drop it too.
    if (!schema) continue;
    const check = schema.safeParse(value);
    if (!check.success && check.error) {
      return { problem: `invalid ${key}: ${formatIssues(check.error.issues, 3).map((l) => `${key}${l.startsWith('[') ? '' : '.'}${l}`).join('; ')}` };
    }
    out[key] = check.data;
  }
  return { data: out as CollectedData };
}

/** The data of runs made here: every section already checked against the snapshot schema. */
const validatedData = new WeakSet<object>();

/** True when `data` is a run's data as runCollectors returned it: checked section by section, so assembling need not check it again. */
export function isValidatedCollection(data: CollectedData): boolean {
  return validatedData.has(data);
}

export interface CollectRunOptions {
  readonly timeoutMs: number;
  readonly log?: Logger;
  readonly now?: () => Date;
  readonly progress?: (collector: string, message: string) => void;
  /** Cancels every collector (e.g. on SIGINT). */
  readonly signal?: AbortSignal;
}

export interface CollectRun {
  readonly data: CollectedData;
  readonly outcomes: CollectorOutcome[];
}

/**
 * Runs collectors concurrently, each under its own deadline: its `timeoutMs`,
 * else what its `timeoutFor` asks for its input, else the run's default. A collector that
 * throws or overruns is recorded as `failed` with the reason and contributes
 * nothing; the others carry on. Lists from several collectors are concatenated.
 */
export async function runCollectors(collectors: readonly Collector[], options: CollectRunOptions): Promise<CollectRun> {
  const log = options.log ?? silentLogger;
  const now = options.now ?? (() => new Date());
  // Each collector's run, so dependants can wait for the producers of what they need.
  const runs = new Map<Collector, Promise<{ outcome: CollectorOutcome; data: CollectedData }>>();
  const waitFor = async (collector: Collector): Promise<CollectedData> => {
    // Yield once so every collector's run is registered before anyone looks up its producers.
    await Promise.resolve();
    const input: Record<string, unknown> = {};
    for (const key of collector.needs ?? []) {
      const producers = collectors.filter((c) => c !== collector && c.produces.includes(key) && (!collector.needsFrom || collector.needsFrom.includes(c.id)));
      const done = await Promise.all(producers.map((p) => runs.get(p)));
      const ok = done.filter((d) => d && d.outcome.status !== 'failed');
      if (ok.length === 0) {
        const why = done.map((d) => (d ? `${d.outcome.collector}: ${d.outcome.error ?? d.outcome.status}` : '')).filter(Boolean);
        throw new Error(`needs ${key}, which was not collected${why.length ? ` (${why.join('; ')})` : ' (no collector produces it)'}`);
      }
      input[key] = ok.flatMap((d) => ((d?.data as Record<string, unknown>)[key] as unknown[] | undefined) ?? []);
    }
    return input as CollectedData;
  };
  const start = (collector: Collector) =>
    (async () => {
      let timeoutMs = collector.timeoutMs ?? options.timeoutMs;
      const controller = new AbortController();
      // A collector may have hundreds of requests in flight, each listening for this signal.
      setMaxListeners(0, controller.signal);
      const onCancel = (): void => controller.abort(options.signal?.reason);
      options.signal?.addEventListener('abort', onCancel, { once: true });
      let timer: NodeJS.Timeout | undefined;
      let startedAt = now().toISOString();
      let started = performance.now();
      const base = { collector: collector.id, produces: [...collector.produces] };
      try {
        const input = await waitFor(collector);
        const asked = collector.timeoutMs === undefined ? collector.timeoutFor?.(input) : undefined;
        if (asked !== undefined && Number.isFinite(asked) && asked > 0) timeoutMs = asked;
        // The deadline counts from when the collector can start, not from when its producers did.
        startedAt = now().toISOString();
        started = performance.now();
        const deadline = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            const err = new TimeoutError(`timed out after ${timeoutMs} ms`);
            controller.abort(err);
            reject(err);
          }, timeoutMs);
        });
        const result = await Promise.race([
          collector.collect({
            signal: controller.signal,
            now,
            log,
            progress: (m) => options.progress?.(collector.id, m),
            input,
          }),
          deadline,
        ]);
        const checked = validateCollected(collector, result.data);
        if ('problem' in checked) throw new Error(checked.problem);
        const outcome: CollectorOutcome = {
          ...base,
          startedAt,
          status: result.status ?? 'ok',
          durationMs: Math.round(performance.now() - started),
          warnings: [...(result.warnings ?? [])],
        };
        return { outcome, data: checked.data };
      } catch (err) {
        const message = options.signal?.aborted ? `cancelled: ${errorMessage(options.signal.reason ?? err)}` : errorMessage(err);
        log.warn(`collector ${collector.id} failed`, { error: message });
        const outcome: CollectorOutcome = {
          ...base,
          startedAt,
          status: 'failed',
          durationMs: Math.round(performance.now() - started),
          error: message,
          warnings: [],
        };
        return { outcome, data: {} as CollectedData };
      } finally {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onCancel);
      }
    })();
  for (const c of collectors) runs.set(c, start(c));
  const settled = await Promise.all(collectors.map((c) => runs.get(c)!));
  const data: Record<string, unknown> = {};
  for (const { data: part } of settled) {
    for (const [key, value] of Object.entries(part)) {
      if (Array.isArray(value)) data[key] = [...((data[key] as unknown[] | undefined) ?? []), ...value];
      else if (key === 'kubernetes' && value && typeof value === 'object') {
        const prev = (data[key] as { clusters?: unknown[] } | undefined)?.clusters ?? [];
        data[key] = { clusters: [...prev, ...((value as { clusters?: unknown[] }).clusters ?? [])] };
      } else data[key] = value;
    }
  }
  // Lists of checked records and merged cluster lists are still what the schema accepts.
  validatedData.add(data);
  return { data: data as CollectedData, outcomes: settled.map((s) => s.outcome) };
}
