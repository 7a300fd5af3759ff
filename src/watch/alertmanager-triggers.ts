import { hostFromInstance } from '../collect/alarms/alertmanager.js';
import { deadline } from '../core/deadline.js';
import { errorMessage } from '../core/errors.js';
import type { Redactor } from '../core/redact.js';
import type { Trigger, TriggerSource } from './watch.js';

/**
 * Alertmanager as a trigger of the watch: its API v2 (`GET /api/v2/alerts`) is
 * polled, and an alert that is firing, not silenced or inhibited, not seen
 * before (by fingerprint), and whose labels name a server or a hypervisor wakes
 * the watch for a round at once instead of at the next interval.
 */

export interface AlertmanagerTriggerOptions {
  readonly url: string;
  readonly timeoutMs: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly redactor: Redactor;
  readonly fetch?: typeof fetch;
}

/** Labels that name the machine an alert is about, most specific first. */
const TARGET_LABELS = ['server', 'server_name', 'instance_name', 'hypervisor', 'host', 'hostname', 'nodename', 'node', 'instance'];

interface ApiAlert {
  fingerprint?: unknown;
  labels?: unknown;
  status?: { state?: unknown };
}

export function alertTarget(labels: Readonly<Record<string, string>>): string | null {
  for (const key of TARGET_LABELS) {
    const v = labels[key]?.trim();
    if (v) return key === 'instance' ? hostFromInstance(v) : v;
  }
  return null;
}

export class AlertmanagerTriggers implements TriggerSource {
  readonly #o: AlertmanagerTriggerOptions;
  readonly #seen = new Set<string>();

  constructor(options: AlertmanagerTriggerOptions) {
    this.#o = options;
  }

  async poll(signal: AbortSignal): Promise<readonly Trigger[]> {
    const base = this.#o.url.replace(/\/+$/, '');
    const url = `${base}/api/v2/alerts?active=true&silenced=false&inhibited=false`;
    const limit = deadline(signal, this.#o.timeoutMs);
    let body: unknown;
    try {
      let res: Response;
      try {
        res = await (this.#o.fetch ?? fetch)(url, { headers: { Accept: 'application/json', ...this.#o.headers }, signal: limit.signal });
      } catch (err) {
        throw new Error(this.#o.redactor.redact(`Alertmanager at ${base}: ${errorMessage(err)}`));
      }
      if (!res.ok) throw new Error(this.#o.redactor.redact(`Alertmanager at ${base} answered HTTP ${res.status} to GET /api/v2/alerts`));
      body = (await res.json().catch(() => undefined)) as unknown;
    } finally {
      limit.clear();
    }
    if (!Array.isArray(body)) throw new Error(this.#o.redactor.redact(`Alertmanager at ${base}: GET /api/v2/alerts did not answer a JSON list of alerts`));
    const out: Trigger[] = [];
    const firing = new Set<string>();
    for (const raw of body as ApiAlert[]) {
      const labels = stringRecord(raw.labels);
      const fingerprint = typeof raw.fingerprint === 'string' ? raw.fingerprint : JSON.stringify(Object.entries(labels).sort());
      const state = typeof raw.status?.state === 'string' ? raw.status.state : 'active';
      if (state !== 'active') continue;
      firing.add(fingerprint);
      if (this.#seen.has(fingerprint)) continue;
      this.#seen.add(fingerprint);
      const target = alertTarget(labels);
      if (target === null) continue;
      out.push({ source: 'alertmanager', detail: `${labels['alertname'] ?? 'alert'} firing (${fingerprint})`, target });
    }
    // An alert that stops firing and fires again later is a new trigger.
    for (const fp of this.#seen) if (!firing.has(fp)) this.#seen.delete(fp);
    return out;
  }
}

function stringRecord(value: unknown): Record<string, string> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}
