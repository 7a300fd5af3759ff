import { UsageError } from '../../core/errors.js';
import { timelineOf } from '../../store/timeline.js';
import { loadCliConfig } from '../config.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { positiveNumber, renderColumns } from '../openstack.js';
import { openCliStore, storeLocation } from '../store-location.js';

export interface HistoryFlags {
  config?: string;
  store?: string;
  format?: 'table' | 'json';
  limit?: string;
}

export async function history(ctx: CliContext, subject: string, flags: HistoryFlags): Promise<number> {
  const limit = positiveNumber('--limit', flags.limit, 500, true);
  const loaded = await loadCliConfig(ctx, flags.config);
  const location = storeLocation(ctx, loaded.config.store, flags.store !== undefined ? { path: flags.store } : {}, true);
  if (!location) throw new UsageError('no store: add a store section to faultline.yaml or pass --store <dir>');
  const store = await openCliStore(ctx, loaded, location, 'faultline history');
  try {
    const timeline = await timelineOf(store.engine, subject, limit);
    if (flags.format === 'json') ctx.term.out(`${JSON.stringify({ store: store.where, ...timeline }, null, 2)}\n`);
    else if (timeline.events.length === 0) ctx.term.err(`the store at ${store.where} knows nothing about "${subject}"`);
    else ctx.term.out(renderColumns(['AT', 'WHAT', 'SUBJECT', 'SUMMARY', 'REF'], timeline.events.map((e) => [e.at, e.kind, e.subject, e.summary, e.ref ?? ''])));
    return timeline.events.length === 0 ? EXIT.findings : EXIT.ok;
  } finally {
    await store.close();
  }
}
