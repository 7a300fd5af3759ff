import { describeOutcomes, type Announcement, type SinkOutcome } from './announce.js';
import { pagerDutyTrigger } from './pagerduty.js';
import type { SinkName } from './sink.js';

/**
 * Asking a person to take over, through the outbox: in a prod zone a page
 * (PagerDuty, plus the chat line), in a dev zone a chat mention only. The
 * runbook engine and watch's auto-start both escalate this way, so the wording
 * operators grep for and the no-sink fallback are the same from either.
 */

export interface EscalationAnnouncer {
  has(sink: SinkName): boolean;
  announce(a: Announcement): Promise<SinkOutcome[]>;
}

export interface Escalation {
  readonly kind: 'page' | 'mention';
  /** The outbox event; the same event again sends nothing that already went out. */
  readonly event: string;
  /** The chat line after its tag, not yet escaped. */
  readonly line: string;
  /** Makes the chat line safe for the chat's markdown. */
  readonly escape: (text: string) => string;
  /** The PagerDuty alert a page opens; the dedup key folds resends into one alert. */
  readonly page: { readonly dedupKey: string; readonly summary: string; readonly source: string; readonly component: string; readonly eventClass: string; readonly details: Record<string, unknown> };
  /** What a person should quote when no sink is configured, e.g. ` with run run-…`; empty for nothing. */
  readonly byHand: string;
  readonly at?: Date;
}

export interface Escalated {
  /** True when a page went out (never for a mention). */
  readonly paged: boolean;
  /** For the audit and the terminal: what was sent where, or what to do by hand. */
  readonly detail: string;
}

export async function escalate(announcer: EscalationAnnouncer | undefined, e: Escalation): Promise<Escalated> {
  const paging = e.kind === 'page';
  const pages = paging && announcer?.has('pagerduty') === true;
  if (!announcer || (!announcer.has('slack') && !pages)) {
    return { paged: false, detail: `no notices.webhook${paging ? ' or notify.pagerduty' : ''} configured: ${paging ? 'page' : 'tell'} the platform on-call by hand${e.byHand}` };
  }
  const tag = paging ? 'page' : 'mention, dev zone: no page';
  const page = pages ? pagerDutyTrigger({ ...e.page, severity: 'critical', at: e.at ?? new Date() }) : undefined;
  const outcomes = await announcer.announce({ event: e.event, chat: e.escape(`[${tag}] ${e.line}`), ...(page ? { pagerduty: page } : {}) });
  const out = outcomes.some((x) => x.state === 'sent');
  return { paged: paging && out, detail: `${paging ? (out ? 'paged' : 'page not delivered') : out ? 'mentioned in chat' : 'mention not delivered'}: ${describeOutcomes(outcomes)}` };
}
