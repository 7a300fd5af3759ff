import { guarded, inferYear, lines, localToIso, MONTHS, parseOffset, type Parsed } from './common.js';

export interface RebootFacts {
  time: string;
  kernel?: string;
}

export interface HostClock {
  /** The host's own idea of now. */
  now: string;
  /** Minutes east of UTC, for the local times other tools print. */
  offsetMinutes: number;
}

/** `date -Iseconds`: `2025-07-07T11:48:23-04:00`. */
export function parseHostDate(text: string): Parsed<HostClock | undefined> {
  return guarded('date', text, () => undefined, (body, warn) => {
    const m = /(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:[.,]\d+)?([+-]\d{2}:?\d{2}|Z)/.exec(body);
    const offset = parseOffset(m?.[2]);
    if (!m || offset === undefined) {
      warn('no ISO time with a UTC offset');
      return undefined;
    }
    const ms = Date.parse(`${m[1]}Z`) - offset * 60_000;
    if (!Number.isFinite(ms)) {
      warn('invalid time');
      return undefined;
    }
    return { now: new Date(ms).toISOString(), offsetMinutes: offset };
  });
}

export interface UptimeOptions {
  /** When the command ran (for `/proc/uptime` and `uptime`); defaults to now. */
  readonly now?: Date;
  readonly offsetMinutes?: number;
}

/**
 * Boot time from any of: `cat /proc/uptime` ("10543.12 40000.55"), `uptime -s`
 * ("2025-03-05 03:33:21", host-local), or `uptime`/`top` ("up 122 days, 24 min").
 */
export function parseUptime(text: string, options: UptimeOptions = {}): Parsed<{ bootTime?: string; uptimeSeconds?: number }> {
  return guarded('uptime', text, () => ({}), (body, warn) => {
    const now = options.now ?? new Date();
    const proc = /^\s*(\d+(?:\.\d+)?)\s+\d+(?:\.\d+)?\s*$/m.exec(body);
    if (proc) {
      const seconds = Number(proc[1]);
      return { uptimeSeconds: Math.round(seconds), bootTime: new Date(now.getTime() - Math.round(seconds * 1000)).toISOString() };
    }
    const since = /^\s*(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})\s*$/m.exec(body);
    if (since) {
      const bootTime = localToIso(Number(since[1]), Number(since[2]) - 1, Number(since[3]), Number(since[4]), Number(since[5]), Number(since[6]), options.offsetMinutes ?? 0);
      if (bootTime) return { bootTime, uptimeSeconds: Math.max(0, Math.round((now.getTime() - Date.parse(bootTime)) / 1000)) };
    }
    const up = /\bup\s+(?:(\d+) days?,\s*)?(?:(\d+):(\d{2})|(\d+) min)/.exec(body);
    if (up) {
      const seconds = Number(up[1] ?? 0) * 86_400 + Number(up[2] ?? 0) * 3600 + Number(up[3] ?? 0) * 60 + Number(up[4] ?? 0) * 60;
      // `uptime` has minute precision; round the boot time to the minute so reruns agree.
      const boot = Math.floor((now.getTime() - seconds * 1000) / 60_000) * 60_000;
      return { uptimeSeconds: seconds, bootTime: new Date(boot).toISOString() };
    }
    warn('no uptime in the output');
    return {};
  });
}

const LAST_LINE = /^reboot\s+system boot\s+(\S+)\s+(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2})(?::(\d{2}))?(?: (\d{4}))?/;

/**
 * `last -F reboot` (full times with year) or `last reboot` (no seconds, no
 * year: the latest matching date not after now is assumed). The trailing
 * `wtmp begins …` line is ignored. Times are host-local (see `offsetMinutes`).
 */
export function parseLastReboot(text: string, options: UptimeOptions = {}): Parsed<RebootFacts[]> {
  return guarded('last reboot', text, () => [], (body, warn) => {
    const now = options.now ?? new Date();
    const out: RebootFacts[] = [];
    let unread = 0;
    for (const raw of lines(body)) {
      const line = raw.trim();
      if (!line || /^wtmp(x)? begins/.test(line)) continue;
      const m = LAST_LINE.exec(line);
      if (!m) {
        if (/^reboot\b/.test(line)) unread += 1;
        continue;
      }
      const month = MONTHS[m[2] ?? ''];
      if (month === undefined) {
        unread += 1;
        continue;
      }
      const day = Number(m[3]);
      const year = m[7] ? Number(m[7]) : inferYear(month, day, now);
      const time = localToIso(year, month, day, Number(m[4]), Number(m[5]), Number(m[6] ?? 0), options.offsetMinutes ?? 0);
      if (!time) {
        unread += 1;
        continue;
      }
      out.push({ time, kernel: m[1] ?? '' });
    }
    if (unread > 0) warn(`${unread} reboot line(s) not understood`);
    return out;
  });
}
