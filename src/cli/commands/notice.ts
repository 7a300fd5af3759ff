import { describeOutcomes, type Announcement } from '../../act/notify/announce.js';
import { pagerDutyFollowUp, pagerDutyTrigger, type PagerDutyEvent, type PagerDutySeverity } from '../../act/notify/pagerduty.js';
import { NotifyError, postToWebhook } from '../../act/notify/webhook.js';
import type { Severity } from '../../core/severity.js';
import { ConfigError, UsageError } from '../../core/errors.js';
import type { Incident } from '../../correlate/types.js';
import { renderNotice, type NoticeKind } from '../../report/notices/render.js';
import { TriageTargetError, triage } from '../../runbook/triage.js';
import { loadCliConfig, type CliConfig } from '../config.js';
import { cliAnnouncer } from '../notify.js';
import { openCliStore, storeLocation } from '../store-location.js';
import { OutboxStore } from '../../store/outbox.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { judgeFleet } from './judge.js';

export interface NoticeFlags {
  kind?: NoticeKind;
  lang?: 'ko' | 'en';
  done?: string[];
  confirmedBy?: string;
  send?: boolean;
  config?: string;
  from?: string;
  now?: string;
  timeout?: string;
  verbose?: boolean;
}

/**
 * `faultline notice <target>`: scan (or replay), correlate, pick the incident
 * (by id, or as triage would for a ticket, host or server) and render its notice.
 * Printing is the default; `--send` posts it once to the configured webhook.
 * With a store (a store: or notify: section) the notice goes through the
 * outbox, keyed `<incident>/e<episode>/<kind>`: retried when the chat is down,
 * never posted twice for one spell of an incident and kind, and paged to PagerDuty when notify.pagerduty
 * is set (a prod fault or data-loss triggers the incident's alert, a recovery
 * resolves it).
 */
export async function notice(ctx: CliContext, target: string, flags: NoticeFlags): Promise<number> {
  const loaded = await loadCliConfig(ctx, flags.config);
  const { config, file } = loaded;
  const settings = config.notices;
  if (flags.send && !settings?.webhook) {
    throw new ConfigError({ file, key: 'notices.webhook', problem: '--send needs a webhook to post to', fix: 'set notices.webhook to the incoming-webhook URL, or leave out --send to print the notice' });
  }
  const { snapshot, now, findings, correlation } = await judgeFleet(ctx, loaded, flags);

  let incident: Incident | undefined;
  if (/^inc-[0-9a-f]+$/.test(target)) {
    incident = correlation.incidents.find((i) => i.id === target);
    if (!incident) throw new UsageError(`no incident ${target} in this scan: it may be resolved, or its data was not collected (faultline scan --format table lists the open ones)`);
  } else {
    try {
      const t = triage({ snapshot, findings, correlation, target, now });
      incident = t.incident ? correlation.incidents.find((i) => i.id === t.incident?.id) : undefined;
    } catch (err) {
      if (err instanceof TriageTargetError) throw new UsageError(err.message);
      throw err;
    }
    if (!incident) throw new UsageError(`no incident is about ${target} in this scan, so there is nothing to announce`);
  }
  const kind: NoticeKind = flags.kind ?? (incident.case === 'disk-data-loss' ? 'data-loss' : 'fault');
  if (kind === 'recovery' && (!flags.confirmedBy || !flags.done || flags.done.length === 0)) {
    throw new UsageError('a recovery comment says what was done and who confirmed it: give --done "<action>" and --confirmed-by <name>');
  }
  const rendered = renderNotice(kind, {
    incident,
    alarms: snapshot.alarms,
    lang: flags.lang ?? settings?.lang ?? 'ko',
    mentions: { owners: settings?.owners ?? {}, ...(settings?.mention ? { template: settings.mention } : {}) },
    ...(settings?.dbOncall ? { dbOncall: settings.dbOncall } : {}),
    ...(flags.done ? { actions: flags.done } : {}),
    ...(flags.confirmedBy ? { confirmedBy: flags.confirmedBy } : {}),
    now,
  });
  if (!flags.send) {
    ctx.term.out(rendered.text.endsWith('\n') ? rendered.text : `${rendered.text}\n`);
    return EXIT.ok;
  }
  const location = storeLocation(ctx, config.store, {}, config.notify !== undefined);
  if (location) return viaOutbox(ctx, loaded, location, incident, kind, rendered);
  try {
    const res = await postToWebhook(rendered.text, { url: settings?.webhook as string, timeoutMs: (settings?.timeoutSeconds ?? 10) * 1000, ...(ctx.term.redactor ? { redactor: ctx.term.redactor } : {}) });
    ctx.term.err(`${kind} notice for ${incident.id} posted (HTTP ${res.status}); mentions: ${rendered.mentions.join(', ') || 'none'}`);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof NotifyError) {
      ctx.term.err(`error: ${err.message}`);
      return EXIT.findings;
    }
    throw err;
  }
}

const PD_SEVERITY: Record<Severity, PagerDutySeverity> = { critical: 'critical', high: 'error', medium: 'warning', low: 'info', info: 'info' };

/** The PagerDuty side of a notice: prod faults page, a recovery resolves; a dev zone is never paged (CATALOG §4.2). */
function pageOf(incident: Incident, kind: NoticeKind, now: Date): PagerDutyEvent | undefined {
  if (kind === 'recovery') return pagerDutyFollowUp('resolve', incident.id);
  if (incident.zone === 'dev') return undefined;
  const root = incident.root.resource;
  return pagerDutyTrigger({
    dedupKey: incident.id,
    summary: `${kind === 'data-loss' ? 'Data loss: ' : ''}${incident.title}`,
    source: root.parent?.name ?? root.name ?? root.id,
    severity: kind === 'data-loss' ? 'critical' : PD_SEVERITY[incident.severity],
    at: now,
    component: root.name ?? root.id,
    eventClass: incident.case,
    details: { incident: incident.id, case: incident.case, ...(incident.region ? { region: incident.region } : {}), tickets: incident.tickets },
  });
}

/**
 * Which spell of the incident a notice belongs to. An incident's id is stable
 * across spells (the same hypervisor hanging again next week is the same id), so
 * the outbox key carries the spell: a fault notice after a sent recovery opens
 * the next one, and is sent, while a repeat inside one spell is not.
 */
async function episodeOf(outbox: OutboxStore, incidentId: string, kind: NoticeKind): Promise<number> {
  const rows = await outbox.keysUnder(`${incidentId}/e`);
  let latest = 0;
  const recovered = new Set<number>();
  for (const r of rows) {
    const m = /\/e(\d+)\/([a-z-]+)\//.exec(r.key.slice(incidentId.length));
    if (!m) continue;
    const n = Number(m[1]);
    latest = Math.max(latest, n);
    if (m[2] === 'recovery' && r.state === 'sent') recovered.add(n);
  }
  if (latest === 0) return 1;
  return kind !== 'recovery' && recovered.has(latest) ? latest + 1 : latest;
}

async function viaOutbox(
  ctx: CliContext,
  loaded: CliConfig,
  location: NonNullable<ReturnType<typeof storeLocation>>,
  incident: Incident,
  kind: NoticeKind,
  rendered: { text: string; mentions: readonly string[] },
): Promise<number> {
  const store = await openCliStore(ctx, loaded, location, 'faultline notice');
  try {
    const announcer = cliAnnouncer(ctx, store, loaded.config);
    const page = announcer.has('pagerduty') ? pageOf(incident, kind, new Date()) : undefined;
    const episode = await episodeOf(new OutboxStore(store.engine), incident.id, kind);
    const announcement: Announcement = { event: `${incident.id}/e${episode}/${kind}`, chat: rendered.text, ...(page ? { pagerduty: page } : {}) };
    const outcomes = await announcer.announce(announcement);
    const chat = outcomes.find((o) => o.sink === 'slack');
    ctx.term.err(`${kind} notice for ${incident.id}: ${describeOutcomes(outcomes)}; mentions: ${rendered.mentions.join(', ') || 'none'}`);
    return outcomes.every((o) => o.state === 'sent') && chat !== undefined ? EXIT.ok : EXIT.findings;
  } finally {
    await store.close();
  }
}
