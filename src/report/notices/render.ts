import { ReportError } from '../../core/errors.js';
import type { AffectedServer, Incident } from '../../correlate/types.js';
import type { Alarm } from '../../snapshot/schema.js';
import { chatText, mentionFor, ownerText, type MentionRules } from './chat-text.js';
import { WORDS, type NoticeLang, type NoticeWords } from './words.js';

export type NoticeKind = 'fault' | 'recovery' | 'data-loss';

/** A notice ready to paste or send: chat Markdown, and the mentions it makes on purpose. */
export interface Notice {
  readonly kind: NoticeKind;
  readonly lang: NoticeLang;
  readonly incidentId: string;
  readonly text: string;
  /** Every mention written into `text`, once each: the owners (and the DB on-call when it is told). */
  readonly mentions: readonly string[];
}

export interface NoticeInput {
  readonly incident: Incident;
  /** The snapshot's alarm feed; the tickets the incident names are taken from it. */
  readonly alarms: readonly Alarm[];
  readonly lang: NoticeLang;
  readonly mentions: MentionRules;
  /** How the DB on-call is mentioned (configured, sent verbatim); named in the DB warning. */
  readonly dbOncall?: string;
}

export interface RecoveryInput extends NoticeInput {
  /** What was done, in the engineer's words (one entry per action). */
  readonly actions: readonly string[];
  /** Who confirmed the servers are back. */
  readonly confirmedBy: string;
}

export interface DataLossInput extends NoticeInput {
  /** When the notice goes out; the VMs are deleted within two days of it. */
  readonly now?: Date;
}

/** Servers listed by name; the count and every owner's mention are always complete. */
export const LISTED_SERVERS = 50;

const DELETE_AFTER_MS = 2 * 86_400_000;

/** The fault notice: the ticket, where the box is, what the alarm said, who is affected, the DB warning. */
export function renderFaultNotice(input: NoticeInput): Notice {
  const w = WORDS[input.lang];
  const out = new NoticeText(input);
  out.title(w.faultTitle);
  out.tickets();
  out.line(w.incident(input.incident.severity, input.incident.zone, input.incident.region && chatText(input.incident.region)));
  out.servers();
  out.dbWarning();
  out.owners();
  return out.done('fault');
}

/**
 * The recovery comment under the fault notice: what was done, who confirmed it,
 * and the servers with their owners mentioned again (runbook §5.3). A data-loss
 * incident gets none: nothing was recovered, and saying so would mislead (§5.3.4).
 */
export function renderRecoveryComment(input: RecoveryInput): Notice {
  if (input.incident.case === 'disk-data-loss') {
    throw new ReportError(
      `incident ${input.incident.id} is a disk failure with data loss: it gets no recovery comment, because nothing on it can be recovered (runbook §5.3); the data-loss notice is the last word`,
    );
  }
  if (input.confirmedBy.trim() === '') throw new ReportError('a recovery comment needs who confirmed the recovery');
  if (input.actions.every((a) => a.trim() === '')) throw new ReportError('a recovery comment needs what was done');
  const w = WORDS[input.lang];
  const out = new NoticeText(input);
  out.title(w.recoveryTitle);
  out.paragraph([w.recovered(chatText(input.confirmedBy)), `${w.actions}: ${input.actions.filter((a) => a.trim() !== '').map(chatText).join(' / ')}`]);
  out.tickets();
  out.servers();
  out.owners();
  return out.done('recovery');
}

/** The data-loss notice with the runbook's fixed statement (§5.5.2): all data lost, no recovery, deletion in two days, re-add cluster nodes. */
export function renderDataLossNotice(input: DataLossInput): Notice {
  const w = WORDS[input.lang];
  const out = new NoticeText(input);
  out.title(w.dataLossTitle);
  out.tickets();
  const statement = [...w.dataLoss];
  if (input.now) statement.push(w.deleteBy(new Date(input.now.getTime() + DELETE_AFTER_MS).toISOString().slice(0, 10)));
  out.paragraph(statement);
  out.servers();
  out.owners();
  return out.done('data-loss');
}

/** Renders a notice of the given kind; recovery needs its extra fields. */
export function renderNotice(kind: NoticeKind, input: NoticeInput & Partial<Pick<RecoveryInput, 'actions' | 'confirmedBy'>> & { now?: Date }): Notice {
  if (kind === 'fault') return renderFaultNotice(input);
  if (kind === 'data-loss') return renderDataLossNotice(input);
  return renderRecoveryComment({ ...input, actions: input.actions ?? [], confirmedBy: input.confirmedBy ?? '' });
}

/** Builds one notice: blocks separated by blank lines, each mention recorded as it is written. */
class NoticeText {
  readonly #input: NoticeInput;
  readonly #w: NoticeWords;
  readonly #blocks: string[][] = [];
  readonly #mentions = new Set<string>();

  constructor(input: NoticeInput) {
    this.#input = input;
    this.#w = WORDS[input.lang];
  }

  title(prefix: string): void {
    this.#blocks.push([`**${prefix} ${chatText(this.#input.incident.title)}**`]);
  }

  line(text: string): void {
    this.#blocks.push([text]);
  }

  paragraph(lines: readonly string[]): void {
    this.#blocks.push([...lines]);
  }

  tickets(): void {
    const { incident, alarms } = this.#input;
    const wanted = new Set(incident.tickets);
    const tickets = alarms.filter((a) => wanted.has(a.ticketId));
    const w = this.#w;
    if (tickets.length === 0) {
      const root = incident.root.resource;
      this.#blocks.push([`- ${w.ticket}: - / ${chatText(root.name ?? root.id)} / ${chatText(incident.root.detectorId)} (${w.noTicket})`]);
      return;
    }
    const lines: string[] = [];
    for (const t of tickets) {
      lines.push(`- ${w.ticket}: ${chatText(t.ticketId)} / ${chatText(t.host)} / ${chatText(t.faultCode)}`);
      lines.push(`- ${w.locationIps}: ${chatText(t.location ?? '-')} / ${t.ips.length > 0 ? t.ips.map(chatText).join(', ') : '-'}`);
      if (t.message.trim() !== '') lines.push(`- ${w.message}: ${chatText(t.message)}`);
    }
    this.#blocks.push(lines);
  }

  servers(): void {
    const { servers, counts } = this.#input.incident.blastRadius;
    const w = this.#w;
    if (servers.length === 0) {
      this.#blocks.push([w.noServers]);
      return;
    }
    // DB servers and the ones already hit first: those are what the reader acts on.
    const ordered = [...servers].sort((a, b) => Number(b.db) - Number(a.db) || Number(b.impacted) - Number(a.impacted) || a.name.localeCompare(b.name));
    const lines = [`${w.affected(counts.servers, counts.impactedServers)}:`];
    for (const s of ordered.slice(0, LISTED_SERVERS)) lines.push(`- ${this.#server(s)}`);
    if (ordered.length > LISTED_SERVERS) lines.push(`- ${w.moreServers(ordered.length - LISTED_SERVERS)}`);
    this.#blocks.push(lines);
  }

  #server(s: AffectedServer): string {
    const w = this.#w;
    const parts = [chatText(s.name)];
    if (s.ips.length > 0) parts.push(s.ips.map(chatText).join(', '));
    if (s.project) parts.push(`${w.project} ${chatText(s.project)}`);
    if (s.db) parts.push(w.db);
    if (s.impacted) parts.push(w.down);
    parts.push(`${w.owners}: ${s.owners.length > 0 ? s.owners.map((o) => this.#owner(o)).join(', ') : w.noOwners}`);
    return parts.join(' · ');
  }

  dbWarning(): void {
    const db = this.#input.incident.blastRadius.servers.filter((s) => s.db);
    if (db.length === 0) return;
    const hit = db.filter((s) => s.impacted);
    const oncall = this.#input.dbOncall;
    if (oncall) this.#mentions.add(oncall);
    const names = (list: readonly AffectedServer[]): string => list.map((s) => chatText(s.name)).join(', ');
    this.#blocks.push([hit.length > 0 ? this.#w.dbImpacted(hit.length, names(hit), oncall ?? '') : this.#w.dbWaiting(db.length, names(db), oncall ?? '')]);
  }

  owners(): void {
    const owners = this.#input.incident.blastRadius.owners;
    this.#blocks.push([`${this.#w.owners}: ${owners.length > 0 ? owners.map((o) => this.#owner(o)).join(' ') : this.#w.noOwners}`]);
  }

  #owner(owner: string): string {
    const mention = mentionFor(owner, this.#input.mentions);
    if (mention !== undefined) this.#mentions.add(mention);
    return ownerText(owner, this.#input.mentions);
  }

  done(kind: NoticeKind): Notice {
    return {
      kind,
      lang: this.#input.lang,
      incidentId: this.#input.incident.id,
      text: `${this.#blocks.map((b) => b.join('\n')).join('\n\n')}\n`,
      mentions: [...this.#mentions],
    };
  }
}
