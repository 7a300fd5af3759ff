import { performance } from 'node:perf_hooks';
import { TimeoutError, errorMessage } from '../core/errors.js';
import type { CollectorOutcome } from '../core/findings.js';
import { silentLogger, type Logger } from '../core/log.js';
import { formatIssues } from '../snapshot/issues.js';
import { snapshotSchema } from '../snapshot/schema.js';
import type { CollectedData, Collector } from './types.js';

/**
 * Checks a collector's output against the snapshot schema on its own, so one
 * collector's malformed data fails that collector and not the whole snapshot.
 */
function validateCollected(collector: Collector, data: CollectedData): string | undefined {
  const shape = snapshotSchema.shape as Record<string, { safeParse(v: unknown): { success: boolean; error?: { issues: Parameters<typeof formatIssues>[0] } } }>;
  for (const [key, value] of Object.entries(data)) {
    if (!collector.produces.includes(key as never)) return `produced "${key}", which it does not declare`;
    const check = shape[key]?.safeParse(value);
    if (check && !check.success && check.error) return `invalid ${key}: ${formatIssues(check.error.issues, 3).map((l) => `${key}${l.startsWith('[') ? '' : '.'}${l}`).join('; ')}`;
  }
  return undefined;
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
 * Runs collectors concurrently, each under its own deadline. A collector that
 * throws or overruns is recorded as `failed` with the reason and contributes
 * nothing; the others carry on. Lists from several collectors are concatenated.
 */
export async function runCollectors(collectors: readonly Collector[], options: CollectRunOptions): Promise<CollectRun> {
  const log = options.log ?? silentLogger;
  const now = options.now ?? (() => new Date());
  const settled = await Promise.all(
    collectors.map(async (collector) => {
      const startedAt = now().toISOString();
      const started = performance.now();
      const timeoutMs = collector.timeoutMs ?? options.timeoutMs;
      const controller = new AbortController();
      const onCancel = (): void => controller.abort(options.signal?.reason);
      options.signal?.addEventListener('abort', onCancel, { once: true });
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const err = new TimeoutError(`timed out after ${timeoutMs} ms`);
          controller.abort(err);
          reject(err);
        }, timeoutMs);
      });
      const base = { collector: collector.id, produces: [...collector.produces], startedAt };
      try {
        const result = await Promise.race([
          collector.collect({
            signal: controller.signal,
            now,
            log,
            progress: (m) => options.progress?.(collector.id, m),
          }),
          deadline,
        ]);
        const invalid = validateCollected(collector, result.data);
        if (invalid) throw new Error(invalid);
        const outcome: CollectorOutcome = {
          ...base,
          status: result.status ?? 'ok',
          durationMs: Math.round(performance.now() - started),
          warnings: [...(result.warnings ?? [])],
        };
        return { outcome, data: result.data };
      } catch (err) {
        const message = options.signal?.aborted ? `cancelled: ${errorMessage(options.signal.reason ?? err)}` : errorMessage(err);
        log.warn(`collector ${collector.id} failed`, { error: message });
        const outcome: CollectorOutcome = {
          ...base,
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
    }),
  );
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
  return { data: data as CollectedData, outcomes: settled.map((s) => s.outcome) };
}
