/**
 * The cron syntax a CronJob's schedule accepts: five fields (minute, hour, day of
 * month, month, day of week) or a descriptor (`@daily`, `@every 90m`), as the
 * Kubernetes controller parses it (robfig/cron's standard parser). Written here
 * so an invalid schedule is found from the snapshot, before the controller
 * silently never runs the job.
 */
export interface CronSchedule {
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly daysOfMonth: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  readonly daysOfWeek: ReadonlySet<number>;
  /** Whether day of month / day of week were `*` or `?`: cron ORs the two day fields only when both are restricted. */
  readonly domAny: boolean;
  readonly dowAny: boolean;
}

export type CronParse = { readonly ok: true; readonly schedule: CronSchedule | 'interval' } | { readonly ok: false; readonly error: string };

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** The value the first name stands for (jan = 1, sun = 0). */
  readonly nameBase?: number;
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { name: 'day of week', min: 0, max: 6, names: DAYS, nameBase: 0 },
];

const DESCRIPTORS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

// Go's time.ParseDuration units, as `@every` takes them.
const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

function value(text: string, spec: FieldSpec): number | string {
  if (/^\d+$/.test(text)) return Number(text);
  const i = spec.names?.indexOf(text.toLowerCase()) ?? -1;
  if (i >= 0) return i + (spec.nameBase ?? 0);
  return `"${text}" is not a number${spec.names ? ' or a name' : ''}`;
}

function field(text: string, spec: FieldSpec): { values: Set<number>; any: boolean } | string {
  const values = new Set<number>();
  let any = false;
  for (const part of text.split(',')) {
    if (part === '') return `empty list element in the ${spec.name} field "${text}"`;
    const [rangeText, stepText, extra] = part.split('/');
    if (extra !== undefined) return `too many "/" in the ${spec.name} field "${part}"`;
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0) return `step "${stepText}" in the ${spec.name} field must be a positive number`;
      step = Number(stepText);
    }
    let lo: number;
    let hi: number;
    if (rangeText === '*' || rangeText === '?') {
      [lo, hi] = [spec.min, spec.max];
      if (stepText === undefined) any = true;
    } else {
      const bounds = (rangeText ?? '').split('-');
      if (bounds.length > 2 || bounds.some((b) => b === '')) return `malformed range "${rangeText}" in the ${spec.name} field`;
      const a = value(bounds[0] as string, spec);
      if (typeof a === 'string') return `${a} in the ${spec.name} field`;
      lo = a;
      if (bounds.length === 2) {
        const b = value(bounds[1] as string, spec);
        if (typeof b === 'string') return `${b} in the ${spec.name} field`;
        hi = b;
      } else hi = stepText === undefined ? a : spec.max;
    }
    if (lo < spec.min || hi > spec.max) return `${spec.name} ${lo < spec.min ? lo : hi} is out of range ${spec.min}-${spec.max}`;
    if (lo > hi) return `range ${lo}-${hi} in the ${spec.name} field runs backwards`;
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return { values, any };
}

/** Parses a CronJob schedule; the error says which field is wrong and why. */
export function parseCron(schedule: string): CronParse {
  const text = schedule.trim();
  if (text === '') return { ok: false, error: 'the schedule is empty' };
  if (/^(CRON_)?TZ=/.test(text)) return { ok: false, error: 'TZ= and CRON_TZ= are not allowed in the schedule; set spec.timeZone instead' };
  if (text.startsWith('@')) {
    const [name, ...rest] = text.split(/\s+/);
    if (name === '@every') {
      if (rest.length !== 1 || !GO_DURATION.test(rest[0] as string)) return { ok: false, error: `@every needs one duration such as 90m or 1h30m, got "${rest.join(' ')}"` };
      return { ok: true, schedule: 'interval' };
    }
    const expanded = DESCRIPTORS[(name as string).toLowerCase()];
    if (!expanded || rest.length > 0) return { ok: false, error: `unknown descriptor "${text}" (known: ${Object.keys(DESCRIPTORS).join(', ')}, @every <duration>)` };
    return parseCron(expanded);
  }
  const parts = text.split(/\s+/);
  if (parts.length !== 5) return { ok: false, error: `expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}` };
  const parsed: { values: Set<number>; any: boolean }[] = [];
  for (let i = 0; i < 5; i++) {
    const r = field(parts[i] as string, FIELDS[i] as FieldSpec);
    if (typeof r === 'string') return { ok: false, error: r };
    parsed.push(r);
  }
  const [mi, h, dom, mon, dow] = parsed as [typeof parsed[0], typeof parsed[0], typeof parsed[0], typeof parsed[0], typeof parsed[0]];
  return { ok: true, schedule: { minutes: mi.values, hours: h.values, daysOfMonth: dom.values, months: mon.values, daysOfWeek: dow.values, domAny: dom.any, dowAny: dow.any } };
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Whether a valid schedule can ever fire: `0 0 30 2 *` parses but February has no
 * 30th. Only a restricted day of month with an unrestricted day of week can miss,
 * since a restricted day of week matches every week.
 */
export function canFire(s: CronSchedule): boolean {
  if (s.domAny || !s.dowAny) return true;
  for (const m of s.months) for (const d of s.daysOfMonth) if (d <= (DAYS_IN_MONTH[m - 1] as number)) return true;
  return false;
}
