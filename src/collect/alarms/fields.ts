import { alarmSchema, type Alarm } from '../../snapshot/schema.js';
import { normaliseFaultCode } from './fault-codes.js';

/**
 * Helpers shared by the feed formats: forgiving field lookup, time and list
 * parsing, and one place that collects what was wrong with which row.
 */

/** `ticket_id`, `ticketId`, `Ticket ID` and `TICKETID` are one field. */
function fieldKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** A row's fields under forgiving names; the first of `names` present (and not blank) wins. */
export class Fields {
  private readonly byKey = new Map<string, unknown>();
  constructor(row: Readonly<Record<string, unknown>>) {
    for (const [k, v] of Object.entries(row)) {
      const key = fieldKey(k);
      if (!this.byKey.has(key)) this.byKey.set(key, v);
    }
  }
  get(names: readonly string[]): unknown {
    for (const name of names) {
      const v = this.byKey.get(fieldKey(name));
      if (v !== undefined && v !== null && !(typeof v === 'string' && v.trim() === '')) return v;
    }
    return undefined;
  }
  /** A string or number field as trimmed text. */
  text(names: readonly string[]): string | undefined {
    for (const name of names) {
      const v = this.get([name]);
      if (typeof v === 'string') return v.trim();
      if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    }
    return undefined;
  }
}

const NAIVE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;
export const UTC_OFFSET = /^(Z|[+-](0\d|1[0-4]):[0-5]\d)$/;

export interface ParsedTime {
  readonly iso: string;
  /** True when the text carried no zone and `naiveOffset` was applied. */
  readonly naive: boolean;
}

/**
 * Reads a time as ISO 8601 (with or without a zone), `YYYY-MM-DD hh:mm[:ss]`, or
 * epoch seconds/milliseconds. Times without a zone are read at `naiveOffset`.
 */
export function parseTime(value: unknown, naiveOffset = 'Z'): ParsedTime | undefined {
  if (typeof value === 'number' || (typeof value === 'string' && /^\d{9,13}(\.\d+)?$/.test(value.trim()))) {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) return undefined;
    // Ten digits are seconds until the year 2286; thirteen are milliseconds.
    const ms = n < 1e11 ? n * 1000 : n;
    const d = new Date(ms);
    return Number.isNaN(d.getTime()) ? undefined : { iso: d.toISOString(), naive: false };
  }
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  const naive = NAIVE_TIME.test(text);
  const ms = Date.parse(naive ? `${text.replace(' ', 'T')}${naiveOffset}` : text);
  if (Number.isNaN(ms)) return undefined;
  return { iso: new Date(ms).toISOString(), naive };
}

/** IPs as an array, or one string separated by commas, semicolons or spaces. */
export function parseIps(value: unknown): string[] | undefined {
  if (value === undefined) return [];
  const parts = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,;]+/) : undefined;
  if (!parts || parts.some((p) => typeof p !== 'string')) return undefined;
  return [...new Set((parts as string[]).map((p) => p.trim()).filter((p) => p !== ''))];
}

/** A positive whole count from a number or numeric text. */
export function parseCount(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/**
 * What went wrong while reading a feed. `degraded` (some rows were dropped or
 * guessed at) makes the collector's status partial; notes alone do not.
 */
export class FeedIssues {
  readonly warnings: string[] = [];
  degraded = false;
  private readonly unknownCodes = new Map<string, number>();
  private naiveTimes = 0;

  /** A row was dropped or a field had to be guessed. */
  problem(message: string): void {
    this.warnings.push(message);
    this.degraded = true;
  }
  /** Worth saying, but nothing was lost. */
  note(message: string): void {
    this.warnings.push(message);
  }
  unknownCode(code: string): void {
    this.unknownCodes.set(code, (this.unknownCodes.get(code) ?? 0) + 1);
  }
  naiveTime(): void {
    this.naiveTimes++;
  }
  /** Warnings with the per-code and per-time notes folded into one line each. */
  finish(naiveOffset: string): string[] {
    const out = [...this.warnings];
    for (const [code, n] of this.unknownCodes) out.push(`unknown fault code ${code} kept as-is (${n} alarm${n === 1 ? '' : 's'})`);
    if (this.naiveTimes > 0 && naiveOffset === 'Z') {
      out.push(`${this.naiveTimes} time${this.naiveTimes === 1 ? '' : 's'} without a zone read as UTC; set naiveTimeOffset (e.g. "+09:00") if the feed uses local time`);
    }
    return out;
  }
}

/** Canonicalises the fault code, then validates the alarm against the snapshot schema. */
export function finishAlarm(raw: Omit<Alarm, 'faultCode'> & { faultCode: string }, where: string, issues: FeedIssues): Alarm | undefined {
  const fault = normaliseFaultCode(raw.faultCode);
  if (!fault.known) issues.unknownCode(fault.code);
  const checked = alarmSchema.safeParse({ ...raw, faultCode: fault.code });
  if (!checked.success) {
    issues.problem(`${where}: ${checked.error.issues.map((i) => `${i.path.join('.') || 'alarm'}: ${i.message}`).join('; ')}; skipped`);
    return undefined;
  }
  return checked.data;
}
