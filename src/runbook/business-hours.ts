/**
 * Business hours for the dev zones. The manual wants a dev region's escalation to
 * be a daytime chat mention, never a night page, so the engine holds such a run
 * until the hours open. The hours are wall-clock times in one IANA time zone,
 * judged with Intl so that daylight-saving shifts fall where the zone has them.
 */

export interface BusinessHours {
  /** IANA zone name, e.g. `Asia/Seoul`. */
  readonly timeZone: string;
  /** ISO weekdays the hours apply on: 1 is Monday, 7 is Sunday. */
  readonly days: readonly number[];
  /** `HH:MM`, inclusive. */
  readonly start: string;
  /** `HH:MM`, exclusive; later than `start`. `24:00` is the end of the day. */
  readonly end: string;
}

export const DEFAULT_BUSINESS_HOURS: BusinessHours = { timeZone: 'UTC', days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' };

const WEEKDAY: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const formats = new Map<string, Intl.DateTimeFormat>();

function format(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formats.set(timeZone, f);
  }
  return f;
}

/** Minutes since midnight of an `HH:MM` (`24:00` is midnight at the day's end); throws on anything else (config validation says which key). */
export function minutesOf(hhmm: string): number {
  if (hhmm === '24:00') return 24 * 60;
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (!m) throw new RangeError(`"${hhmm}" is not a time of day as HH:MM`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Whether `timeZone` is a zone this Node knows. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    format(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The weekday and minute of the day at `at`, on the zone's wall clock. */
function wallClock(at: Date, timeZone: string): { day: number; minute: number } {
  const parts = format(timeZone).formatToParts(at);
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return { day: WEEKDAY[get('weekday')] ?? 0, minute: Number(get('hour')) * 60 + Number(get('minute')) };
}

export function isOpen(at: Date, hours: BusinessHours): boolean {
  const { day, minute } = wallClock(at, hours.timeZone);
  return hours.days.includes(day) && minute >= minutesOf(hours.start) && minute < minutesOf(hours.end);
}

const MINUTE = 60_000;
const STEP = 15 * MINUTE;

/**
 * The first minute at or after `at` when the hours are open, or null when they never
 * open (no days). Walks forward a quarter hour at a time, then back to the exact
 * minute: a week holds 672 quarters, and a walk on the wall clock needs no
 * arithmetic of its own about offsets or daylight saving.
 */
export function nextOpening(at: Date, hours: BusinessHours): Date | null {
  if (isOpen(at, hours)) return at;
  if (hours.days.length === 0) return null;
  const from = Math.ceil(at.getTime() / MINUTE) * MINUTE;
  for (let t = from; t <= from + 8 * 24 * 60 * MINUTE; t += STEP) {
    if (!isOpen(new Date(t), hours)) continue;
    let first = t;
    while (first - MINUTE >= from && isOpen(new Date(first - MINUTE), hours)) first -= MINUTE;
    return new Date(first);
  }
  return null;
}
