import { NotifyError, postToWebhook } from '../../act/notify/webhook.js';
import { ConfigError, UsageError } from '../../core/errors.js';
import type { Incident } from '../../correlate/types.js';
import { renderNotice, type NoticeKind } from '../../report/notices/render.js';
import { TriageTargetError, triage } from '../../runbook/triage.js';
import { loadCliConfig } from '../config.js';
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
