/**
 * Shared pieces of the host-output parsers. Every parser takes the raw text a
 * command printed and returns what it could read plus warnings naming what it
 * could not; none of them throws, because one odd host must never cost the
 * facts of the others (and real hosts print odd things: truncated buffers,
 * locale-specific units, shell prompts pasted into logs).
 */

export interface Parsed<T> {
  readonly value: T;
  readonly warnings: string[];
}

/** A log line turned into a fact, in the snapshot's `logEventSchema` shape. */
export interface LogEvent {
  kind: string;
  time?: string;
  line: string;
  process?: string;
  pid?: number;
  detail?: Record<string, string | number | boolean>;
}

export type Warn = (message: string) => void;

/**
 * Runs a parser body so that it cannot throw: an unexpected exception becomes a
 * warning and the fallback value. `what` names the command output in warnings.
 */
export function guarded<T>(what: string, text: unknown, fallback: () => T, body: (text: string, warn: Warn) => T): Parsed<T> {
  const warnings: string[] = [];
  const warn: Warn = (m) => {
    if (warnings.length < 50) warnings.push(`${what}: ${m}`);
    else if (warnings.length === 50) warnings.push(`${what}: further warnings suppressed`);
  };
  if (typeof text !== 'string') {
    return { value: fallback(), warnings: [`${what}: no output to parse`] };
  }
  try {
    return { value: body(text, warn), warnings };
  } catch (err) {
    warnings.push(`${what}: could not be parsed (${err instanceof Error ? err.message : String(err)})`);
    return { value: fallback(), warnings };
  }
}

export function lines(text: string): string[] {
  return text.split(/\r?\n|\r/);
}

/** "2,787" → 2787; "1.234" → 1.234; anything else → undefined. */
export function toNumber(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const cleaned = raw.trim().replace(/(\d),(?=\d{3}\b)/g, '$1');
  if (!/^[+-]?\d+(?:\.\d+)?$/.test(cleaned)) return undefined;
  const n = Number(cleaned);
  return Number.isFinite(n) ? n : undefined;
}

const UNIT_POWER: Record<string, number> = { '': 0, B: 0, K: 1, M: 2, G: 3, T: 4, P: 5, E: 6 };

/**
 * Sizes as `free -h` / `df -h` print them: "15Gi", "176Mi", "0B", "7.8G", "4.0K".
 * procps and coreutils both mean powers of 1024 here (df -H would be 1000, and
 * is not what the collector runs).
 */
export function parseHumanSize(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const m = /^(\d+(?:[.,]\d+)?)\s*([KMGTPE]?)(i?B?|i)?$/i.exec(raw.trim());
  if (!m) return undefined;
  const n = Number((m[1] ?? '').replace(',', '.'));
  const power = UNIT_POWER[(m[2] ?? '').toUpperCase()];
  if (!Number.isFinite(n) || power === undefined) return undefined;
  return Math.round(n * 1024 ** power);
}

export const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

/**
 * A wall-clock time printed by the host (dmesg -T, last, uptime -s) to ISO.
 * Hosts print local time; `offsetMinutes` is the host's UTC offset (from
 * `date -Iseconds`), assumed 0 when unknown.
 */
export function localToIso(year: number, month: number, day: number, h: number, m: number, s: number, offsetMinutes = 0): string | undefined {
  const ms = Date.UTC(year, month, day, h, m, s) - offsetMinutes * 60_000;
  if (!Number.isFinite(ms)) return undefined;
  const d = new Date(ms);
  if (Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1971 || d.getUTCFullYear() > 2200) return undefined;
  return d.toISOString();
}

/** "+0900", "+09:00", "-0530", "Z" → minutes east of UTC. */
export function parseOffset(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'Z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(raw);
  if (!m) return undefined;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -minutes : minutes;
}

/** For times printed without a year ("Aug 29 09:51:19"): the latest such time not after `now` (plus a day of slack). */
export function inferYear(month: number, day: number, now: Date): number {
  const year = now.getUTCFullYear();
  const candidate = Date.UTC(year, month, day);
  return candidate > now.getTime() + 86_400_000 ? year - 1 : year;
}

/** Keeps a log line short enough for a snapshot while still recognisable. */
export function clip(line: string, max = 400): string {
  const trimmed = line.replace(/\s+$/, '');
  return trimmed.length > max ? `${trimmed.slice(0, max)}…` : trimmed;
}

/** Output that is clearly an error from the shell, not the tool (command missing, permission). */
export function shellError(text: string): string | undefined {
  const m = /^(?:.*?: )?((?:command not found|No such file or directory|Permission denied|Operation not permitted)[^\n]*)/m.exec(text);
  return m && text.trim().split('\n').length <= 3 ? m[1] : undefined;
}
