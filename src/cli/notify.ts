import { Announcer } from '../act/notify/announce.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../act/notify/deliver.js';
import { pagerDutySink } from '../act/notify/pagerduty.js';
import type { Sink, SinkName } from '../act/notify/sink.js';
import { slackSink } from '../act/notify/slack.js';
import type { FaultlineConfig } from '../config/schema.js';
import { Redactor } from '../core/redact.js';
import { OutboxStore } from '../store/outbox.js';
import type { Store } from '../store/store.js';
import type { CliContext } from './context.js';

/** The sinks faultline.yaml configures: the chat webhook (notices.webhook) and PagerDuty (notify.pagerduty). */
export function configuredSinks(config: FaultlineConfig, redactor: Redactor | undefined): Partial<Record<SinkName, Sink>> {
  const sinks: Partial<Record<SinkName, Sink>> = {};
  const webhook = config.notices?.webhook;
  if (webhook) sinks.slack = slackSink({ url: webhook, timeoutMs: (config.notices?.timeoutSeconds ?? 10) * 1000, ...(redactor ? { redactor } : {}) });
  const pd = config.notify?.pagerduty;
  if (pd) sinks.pagerduty = pagerDutySink({ routingKey: pd.routingKey, eventsUrl: pd.eventsUrl, timeoutMs: pd.timeoutSeconds * 1000, ...(redactor ? { redactor } : {}) });
  return sinks;
}

export function retryPolicy(config: FaultlineConfig): RetryPolicy {
  const r = config.notify?.retry;
  if (!r) return DEFAULT_RETRY;
  return { maxAttempts: r.maxAttempts, initialMs: r.initialSeconds * 1000, maxMs: r.maxSeconds * 1000, leaseMs: r.leaseSeconds * 1000 };
}

/** Notices and pages through the store's outbox, each attempt that fails shown on stderr. */
export function cliAnnouncer(ctx: CliContext, store: Store, config: FaultlineConfig): Announcer {
  return new Announcer(new OutboxStore(store.engine), configuredSinks(config, ctx.term.redactor ?? new Redactor()), {
    policy: retryPolicy(config),
    waitMs: (config.notify?.waitSeconds ?? 60) * 1000,
    onAttempt: (d) => {
      if (d.result === 'retry') ctx.term.err(`note: ${d.sink} attempt ${d.attempts} for ${d.key} failed (${d.detail}); retrying at ${d.retryAt ?? 'later'}`);
    },
  });
}
