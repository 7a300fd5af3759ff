import { createHash } from 'node:crypto';
import { CollectorError } from '../../core/errors.js';
import type { Alarm } from '../../snapshot/schema.js';
import { FeedIssues, Fields, finishAlarm, parseCount, parseIps, parseTime } from './fields.js';
import type { FeedReadOptions, ParsedFeed } from './tickets.js';

/**
 * Reads Alertmanager webhook payloads (`webhook_config`, payload version "4"):
 * one payload, or an array of them as a receiver stores them. Each alert becomes
 * an alarm; `resolved` alerts become closed alarms. Also accepts the alert list
 * that Alertmanager's own API returns (`GET /api/v2/alerts`), so the collector
 * can point straight at an Alertmanager.
 */

type Labels = Record<string, string>;

const HOST_LABELS = ['host', 'hostname', 'nodename', 'node', 'server', 'instance'];
const CODE_LABELS = ['fault_code', 'faultCode', 'code', 'alarm', 'alertname'];
const TICKET_LABELS = ['ticket_id', 'ticketId', 'ticket'];
const LOCATION_LABELS = ['location', 'rack', 'position'];
const IP_LABELS = ['ips', 'ip', 'ip_address', 'address'];
const COUNT_LABELS = ['count', 'ticket_count', 'occurrences'];
const MESSAGE_ANNOTATIONS = ['summary', 'description', 'message'];

function stringRecord(value: unknown): Labels {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  const out: Labels = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
export function looksLikeIp(text: string): boolean {
  return IPV4.test(text) || (text.includes(':') && /^[0-9a-f:.]+$/i.test(text));
}

/**
 * The host in an `instance` label: `com908.pg1:9100`, `10.61.128.38:9100`,
 * `[fd00::8]:9100` and `https://com908.pg1/metrics` all name a host plus a port or path.
 */
export function hostFromInstance(instance: string): string {
  const s = instance.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    try {
      return new URL(s).hostname.replace(/^\[|\]$/g, '');
    } catch {
      return s;
    }
  }
  const bracketed = /^\[([^\]]+)\](:\d+)?$/.exec(s);
  if (bracketed) return bracketed[1] as string;
  const colons = s.split(':').length - 1;
  return colons === 1 ? s.slice(0, s.indexOf(':')) : s;
}

/** Alertmanager's fingerprint is a hash of the label set; recompute one when a payload lacks it. */
function labelFingerprint(labels: Labels): string {
  const h = createHash('sha256');
  for (const k of Object.keys(labels).sort()) h.update(`${k}\u0000${labels[k]}\u0000`);
  return h.digest('hex').slice(0, 16);
}

interface AlertInput {
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly startsAt: unknown;
  readonly status: 'open' | 'closed';
  readonly fingerprint: string | undefined;
  readonly where: string;
}

function toAlarm(alert: AlertInput, issues: FeedIssues, options: FeedReadOptions): Alarm | undefined {
  const labels = new Fields(alert.labels);
  const annotations = new Fields(alert.annotations);
  const hostLabel = labels.text(HOST_LABELS);
  const host = hostLabel === undefined ? undefined : hostFromInstance(hostLabel);
  const faultCode = labels.text(CODE_LABELS);
  if (!host || !faultCode) {
    const missing = [!host && `host (labels ${HOST_LABELS.join('/')})`, !faultCode && 'fault code (labels fault_code/alertname)'].filter(Boolean);
    issues.problem(`${alert.where}: no ${missing.join(' and ')}; skipped`);
    return undefined;
  }

  const time = parseTime(alert.startsAt, options.naiveTimeOffset);
  if (time?.naive) issues.naiveTime();
  if (!time) issues.problem(`${alert.where}: unreadable startsAt ${JSON.stringify(alert.startsAt)}; using the collection time`);

  let ips = parseIps(labels.get(IP_LABELS)) ?? [];
  if (looksLikeIp(host) && !ips.includes(host)) ips = [host, ...ips];

  const rawCount = labels.get(COUNT_LABELS) ?? annotations.get(COUNT_LABELS);
  let count = rawCount === undefined ? 1 : parseCount(rawCount);
  if (count === undefined) {
    issues.problem(`${alert.where}: count ${JSON.stringify(rawCount)} is not a positive whole number; using 1`);
    count = 1;
  }

  const severity = labels.text(['severity']);
  const text = annotations.text(MESSAGE_ANNOTATIONS) ?? '';
  const message = severity ? `[${severity}] ${text}`.trim() : text;
  const location = labels.text(LOCATION_LABELS);
  return finishAlarm(
    {
      ticketId: labels.text(TICKET_LABELS) ?? annotations.text(TICKET_LABELS) ?? alert.fingerprint ?? labelFingerprint(alert.labels),
      host,
      faultCode,
      ...(location ? { location } : {}),
      ips,
      message,
      raisedAt: time?.iso ?? options.now.toISOString(),
      status: alert.status,
      count,
    },
    alert.where,
    issues,
  );
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** One webhook payload; its common labels and annotations fill in what an alert leaves out. */
function readPayload(payload: Record<string, unknown>, where: string, issues: FeedIssues, options: FeedReadOptions, out: Alarm[]): void {
  if (!Array.isArray(payload['alerts'])) {
    issues.problem(`${where}: not an Alertmanager webhook payload (no "alerts" list); skipped`);
    return;
  }
  const version = payload['version'];
  if (version !== undefined && version !== '4') issues.note(`${where}: payload version ${JSON.stringify(version)}, read as version "4"`);
  const truncated = payload['truncatedAlerts'];
  if (typeof truncated === 'number' && truncated > 0) {
    issues.problem(`${where}: Alertmanager left out ${truncated} alert${truncated === 1 ? '' : 's'} (max_alerts in webhook_config); those hosts are missing`);
  }
  const commonLabels = stringRecord(payload['commonLabels']);
  const commonAnnotations = stringRecord(payload['commonAnnotations']);
  const groupStatus = payload['status'];
  (payload['alerts'] as unknown[]).forEach((alert, j) => {
    const at = `${where}.alerts[${j}]`;
    if (!isRecord(alert)) {
      issues.problem(`${at}: not an object; skipped`);
      return;
    }
    const status = alert['status'] ?? groupStatus;
    if (status !== 'firing' && status !== 'resolved') issues.note(`${at}: status ${JSON.stringify(status)} read as firing`);
    const alarm = toAlarm(
      {
        labels: { ...commonLabels, ...stringRecord(alert['labels']) },
        annotations: { ...commonAnnotations, ...stringRecord(alert['annotations']) },
        startsAt: alert['startsAt'],
        status: status === 'resolved' ? 'closed' : 'open',
        fingerprint: typeof alert['fingerprint'] === 'string' && alert['fingerprint'] !== '' ? alert['fingerprint'] : undefined,
        where: at,
      },
      issues,
      options,
    );
    if (alarm) out.push(alarm);
  });
}

/** An alert from `GET /api/v2/alerts`: only firing alerts are listed; silenced ones are still real faults. */
function readApiAlert(alert: Record<string, unknown>, where: string, issues: FeedIssues, options: FeedReadOptions, out: Alarm[]): void {
  const alarm = toAlarm(
    {
      labels: stringRecord(alert['labels']),
      annotations: stringRecord(alert['annotations']),
      startsAt: alert['startsAt'],
      status: 'open',
      fingerprint: typeof alert['fingerprint'] === 'string' && alert['fingerprint'] !== '' ? alert['fingerprint'] : undefined,
      where,
    },
    issues,
    options,
  );
  if (alarm) out.push(alarm);
}

export function parseAlertmanagerFeed(doc: unknown, source: string, options: FeedReadOptions): ParsedFeed {
  const issues = new FeedIssues();
  const alarms: Alarm[] = [];
  if (isRecord(doc)) {
    if (!Array.isArray(doc['alerts'])) {
      throw new CollectorError(`alarm feed ${source}: not an Alertmanager webhook payload (expected an object with an "alerts" list, got keys ${Object.keys(doc).slice(0, 8).join(', ') || '(none)'})`);
    }
    readPayload(doc, 'payload', issues, options, alarms);
    return { alarms, issues };
  }
  if (!Array.isArray(doc)) throw new CollectorError(`alarm feed ${source}: expected an Alertmanager webhook payload or a list of them, got ${doc === null ? 'null' : typeof doc}`);
  doc.forEach((item, i) => {
    if (!isRecord(item)) issues.problem(`payload[${i}]: not an object; skipped`);
    else if ('alerts' in item) readPayload(item, `payload[${i}]`, issues, options, alarms);
    else if ('labels' in item) readApiAlert(item, `alerts[${i}]`, issues, options, alarms);
    else issues.problem(`payload[${i}]: neither a webhook payload nor an alert (no "alerts" or "labels"); skipped`);
  });
  return { alarms, issues };
}
