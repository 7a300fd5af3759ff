import { deadline } from '../../core/deadline.js';
import { ConfigError } from '../../core/errors.js';
import type { Collector, CollectorResult } from '../types.js';
import { aggregateAlarms } from './aggregate.js';
import { parseAlertmanagerFeed } from './alertmanager.js';
import { UTC_OFFSET } from './fields.js';
import { parseFeedJson } from './json-text.js';
import { displaySource, readFeedText } from './source.js';
import { parseTicketFeed, type FeedReadOptions, type ParsedFeed } from './tickets.js';

export { AlarmFeedHttpError } from './source.js';
export { FAULT_CODES, normaliseFaultCode, type FaultCodeEntry, type NormalisedFaultCode } from './fault-codes.js';

export type AlarmFeedFormat = 'tickets' | 'alertmanager';

export interface AlarmCollectorOptions {
  /** A file path, a `file:` URL or an http(s) URL. */
  readonly source: string;
  /** `tickets`: a ticket-system export; `alertmanager`: webhook payloads (or `/api/v2/alerts`). */
  readonly format: AlarmFeedFormat;
  /** Extra request headers for URL sources (e.g. Authorization); never logged. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Deadline for this collector; the runner aborts the request when it passes. */
  readonly timeoutMs?: number;
  /** UTC offset for times written without a zone, e.g. "+09:00"; default UTC. */
  readonly naiveTimeOffset?: string;
}

const PARSERS: Record<AlarmFeedFormat, (doc: unknown, source: string, options: FeedReadOptions) => ParsedFeed> = {
  tickets: parseTicketFeed,
  alertmanager: parseAlertmanagerFeed,
};

/**
 * The alarm/ticket feed (catalog §1): hardware and host alarms per host, with
 * canonical fault codes and per-host ticket counts. Rows it cannot read are
 * reported as warnings and the result is `partial`; a feed it cannot read at
 * all (unreachable, non-2xx, not JSON, wrong shape) fails the collector.
 */
export function createAlarmCollector(options: AlarmCollectorOptions): Collector {
  const where = 'alarm collector';
  if (typeof options.source !== 'string' || options.source.trim() === '') throw new ConfigError({ key: `${where}.source`, problem: 'source is empty', fix: 'give a file path or an http(s) URL' });
  if (!(options.format in PARSERS)) {
    throw new ConfigError({ key: `${where}.format`, problem: `unknown format ${JSON.stringify(options.format)}`, fix: 'use "tickets" or "alertmanager"' });
  }
  if (options.timeoutMs !== undefined && !(Number.isFinite(options.timeoutMs) && options.timeoutMs > 0)) {
    throw new ConfigError({ key: `${where}.timeoutMs`, problem: `timeoutMs must be a positive number of milliseconds, got ${String(options.timeoutMs)}` });
  }
  const naiveTimeOffset = options.naiveTimeOffset ?? 'Z';
  if (!UTC_OFFSET.test(naiveTimeOffset)) {
    throw new ConfigError({ key: `${where}.naiveTimeOffset`, problem: `invalid UTC offset ${JSON.stringify(naiveTimeOffset)}`, fix: 'write it as "Z" or "+09:00"' });
  }
  const source = options.source.trim();
  const shown = displaySource(source);
  const parse = PARSERS[options.format];
  return {
    id: `alarms:${options.format}`,
    description: `hardware and host alarms (${options.format} feed) from ${shown}`,
    produces: ['alarms'],
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    async collect(ctx): Promise<CollectorResult> {
      // The runner aborts ctx.signal at the deadline; the own timeout also holds when collect() is called directly.
      const limit = options.timeoutMs === undefined ? null : deadline(ctx.signal, options.timeoutMs);
      const signal = limit?.signal ?? ctx.signal;
      try {
        const text = await readFeedText(source, { signal, ...(options.headers ? { headers: options.headers } : {}) });
        const doc = parseFeedJson(text, shown);
        const parsed = parse(doc, shown, { now: ctx.now(), naiveTimeOffset });
        const { alarms, merged } = aggregateAlarms(parsed.alarms);
        if (merged > 0) ctx.log.debug(`alarm feed ${shown}: folded ${merged} duplicate open tickets into their host's alarm`);
        ctx.progress(`${alarms.length} alarms from ${shown}`);
        const warnings = parsed.issues.finish(naiveTimeOffset);
        return { data: { alarms }, status: parsed.issues.degraded ? 'partial' : 'ok', warnings };
      } finally {
        limit?.clear();
      }
    },
  };
}
