import { deliverDue } from '../../act/notify/deliver.js';
import { UsageError } from '../../core/errors.js';
import { Redactor } from '../../core/redact.js';
import { singleLine } from '../../report/text.js';
import { OutboxStore, type OutboxState } from '../../store/outbox.js';
import { loadCliConfig } from '../config.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { configuredSinks, retryPolicy } from '../notify.js';
import { renderColumns } from '../openstack.js';
import { openCliStore, storeLocation } from '../store-location.js';

export interface OutboxFlags {
  config?: string;
  store?: string;
  state?: OutboxState;
  deliver?: boolean;
  limit?: string;
  format?: 'table' | 'json';
}

/**
 * `faultline outbox`: the rows of the outbox, and with --deliver one pass of
 * the delivery loop first, for notices that a crash or a long outage left
 * pending (a run or `faultline notice` only waits for its own, and only so long).
 */
export async function outbox(ctx: CliContext, flags: OutboxFlags): Promise<number> {
  const limit = Number(flags.limit ?? '100');
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit: "${flags.limit}" is not a positive whole number`);
  const loaded = await loadCliConfig(ctx, flags.config);
  const location = storeLocation(ctx, loaded.config.store, flags.store !== undefined ? { path: flags.store } : {}, true);
  if (!location) throw new UsageError('the outbox is in the store: configure store: or give --store');
  const store = await openCliStore(ctx, loaded, location, 'faultline outbox');
  try {
    const rows = new OutboxStore(store.engine);
    let failedNow = 0;
    if (flags.deliver) {
      const delivered = await deliverDue(rows, configuredSinks(loaded.config, ctx.term.redactor ?? new Redactor()), { policy: retryPolicy(loaded.config), limit: 500 });
      for (const d of delivered) {
        if (d.result === 'failed') failedNow++;
        ctx.term.err(`${d.key}: ${d.result}${d.retryAt ? ` (next attempt ${d.retryAt})` : ''}: ${singleLine(d.detail)}`);
      }
      ctx.term.err(`delivered: ${delivered.filter((d) => d.result === 'sent').length} sent, ${delivered.filter((d) => d.result === 'retry').length} to retry, ${failedNow} failed`);
    }
    const list = await rows.list({ ...(flags.state ? { states: [flags.state] } : {}), limit });
    if (flags.format === 'json') ctx.term.out(`${JSON.stringify({ events: list }, null, 2)}\n`);
    else
      ctx.term.out(
        renderColumns(
          ['KEY', 'SINK', 'STATE', 'ATTEMPTS', 'NEXT ATTEMPT', 'SENT', 'LAST ERROR'],
          list.map((e) => [e.key, e.sink, e.state, String(e.attempts), e.state === 'pending' ? e.nextAttemptAt : '-', e.sentAt ?? '-', singleLine(e.lastError ?? '')]),
        ),
      );
    return failedNow > 0 ? EXIT.findings : EXIT.ok;
  } finally {
    await store.close();
  }
}
