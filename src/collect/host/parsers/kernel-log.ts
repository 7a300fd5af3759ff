import { clip, guarded, inferYear, lines, localToIso, MONTHS, parseOffset, type LogEvent, type Parsed, type Warn } from './common.js';

/**
 * Kernel messages as `dmesg -T`, plain `dmesg` and `journalctl -k` (short or
 * short-iso) print them, turned into the events host detectors look for:
 *
 * - `oops` / `bug`: `Oops: …` / `BUG: …` / `kernel BUG at …`; `process` and `pid`
 *   from the `CPU: n PID: p Comm: name` line that follows, `detail.tainted` from
 *   `Tainted: G D …`. A BUG headline followed by its Oops line is one event of kind `oops`.
 * - `hung-task`: `INFO: task name:pid blocked for more than N seconds` (`detail.seconds`).
 * - `oom-kill`: `Killed process pid (name)`; `process` is the killed process; `detail.instanceName`
 *   when the preceding `oom-kill:…task_memcg=` line names a libvirt machine scope.
 * - `io-error`: block layer I/O errors, buffer I/O errors, filesystem errors,
 *   NVMe timeouts and QEMU's `BLOCK_IO_ERROR` (`detail.device` when named).
 * - `panic`: `Kernel panic - not syncing: reason` (`detail.reason`).
 * - `mce`: machine-check and EDAC reports (`detail.corrected` for CE).
 */
export interface KernelLogOptions {
  /** Where the text came from; recorded as `detail.source`. */
  readonly source?: string;
  /** The host's UTC offset in minutes, for `dmesg -T` / short journal times. */
  readonly offsetMinutes?: number;
  /** Boot time (ISO), to turn plain-dmesg `[seconds]` stamps into times. */
  readonly bootTime?: string;
  /** Reference time for year-less journal stamps. */
  readonly now?: Date;
  /** Events kept per kind; the rest are counted in a warning. */
  readonly maxPerKind?: number;
}

interface Stamp {
  time?: string;
  message: string;
}

const DMESG_T = /\[(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})\]\s?/;
const MONOTONIC = /\[\s*(\d{1,9}\.\d{1,9})\]\s?/;
const JOURNAL_ISO = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:[.,]\d+)?([+-]\d{2}:?\d{2}|Z)?\s+\S+\s+[^\s:]+(?:\[\d+\])?:\s?/;
const JOURNAL_SHORT = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})\s+\S+\s+[^\s:]+(?:\[\d+\])?:\s?/;

function stampOf(raw: string, options: KernelLogOptions): Stamp {
  const now = options.now ?? new Date();
  let line = raw;
  let time: string | undefined;
  const iso = JOURNAL_ISO.exec(line);
  if (iso) {
    const offset = iso[3] ? parseOffset(iso[3]) : options.offsetMinutes;
    const [y, mo, d] = (iso[1] ?? '').split('-').map(Number);
    const [h, mi, s] = (iso[2] ?? '').split(':').map(Number);
    time = localToIso(y ?? 0, (mo ?? 1) - 1, d ?? 1, h ?? 0, mi ?? 0, s ?? 0, offset ?? 0);
    line = line.slice(iso[0].length);
  } else {
    const short = JOURNAL_SHORT.exec(line);
    if (short) {
      const month = MONTHS[short[1] ?? ''];
      if (month !== undefined) {
        const day = Number(short[2]);
        time = localToIso(inferYear(month, day, now), month, day, Number(short[3]), Number(short[4]), Number(short[5]), options.offsetMinutes ?? 0);
      }
      line = line.slice(short[0].length);
    }
  }
  const wall = DMESG_T.exec(line);
  if (wall) {
    const month = MONTHS[wall[1] ?? ''];
    if (month !== undefined && !time) {
      time = localToIso(Number(wall[6]), month, Number(wall[2]), Number(wall[3]), Number(wall[4]), Number(wall[5]), options.offsetMinutes ?? 0);
    }
    return { time, message: line.slice(wall.index + wall[0].length) };
  }
  const mono = MONOTONIC.exec(line);
  if (mono && mono.index < 40) {
    if (!time && options.bootTime) {
      const boot = Date.parse(options.bootTime);
      const seconds = Number(mono[1]);
      if (Number.isFinite(boot) && Number.isFinite(seconds)) time = new Date(boot + Math.round(seconds * 1000)).toISOString();
    }
    return { time, message: line.slice(mono.index + mono[0].length) };
  }
  return { time, message: line };
}

const TAINT = /Tainted: ((?:[A-Z] *)+?) *(\d[\w.\-+~#]*)?(?:\s|$)/;

/** Fills process, pid and taint from a `CPU: 0 PID: 18119 Comm: qemu-system-x86 Tainted: G D 4.8.0-41-generic` line. */
function applyTaskLine(event: LogEvent, message: string): boolean {
  const m = /\bCPU: (\d+) PID: (\d+) Comm: (.+?)(?: Kdump: \S+)?(?: (?:Not tainted|Tainted:)|$)/.exec(message);
  if (!m) return false;
  event.pid = Number(m[2]);
  event.process = (m[3] ?? '').trim();
  const detail = (event.detail ??= {});
  detail.cpu = Number(m[1]);
  const taint = TAINT.exec(message);
  if (taint) {
    detail.tainted = (taint[1] ?? '').trim().replace(/ +/g, ' ');
    if (taint[2]) detail.kernel = taint[2];
  } else {
    const clean = /Not tainted (\d[\w.\-+~#]*)/.exec(message);
    if (clean?.[1]) detail.kernel = clean[1];
  }
  return true;
}

interface Rule {
  readonly kind: LogEvent['kind'];
  readonly test: RegExp;
  readonly build: (m: RegExpExecArray, message: string) => Omit<LogEvent, 'kind' | 'line' | 'time'> | null;
}

const IO_RULES: Rule[] = [
  {
    kind: 'io-error',
    test: /\b(?:(critical (?:medium|target|nexus|space allocation|protection) error)|I\/O error),? dev (\w+)(?:, sector (\d+))?/,
    build: (m) => ({ detail: { device: m[2] ?? '', ...(m[3] ? { sector: Number(m[3]) } : {}), ...(m[1] ? { error: m[1] } : {}) } }),
  },
  { kind: 'io-error', test: /Buffer I\/O error on dev(?:ice)? ([\w-]+)/, build: (m) => ({ detail: { device: m[1] ?? '', buffer: true } }) },
  { kind: 'io-error', test: /EXT4-fs (?:error|warning) \(device ([\w-]+)\)/, build: (m) => ({ detail: { device: m[1] ?? '', filesystem: 'ext4' } }) },
  { kind: 'io-error', test: /XFS \(([\w-]+)\): .*(?:I\/O error|metadata I\/O|Corruption)/, build: (m) => ({ detail: { device: m[1] ?? '', filesystem: 'xfs' } }) },
  { kind: 'io-error', test: /\bnvme (nvme\d+): I\/O \d+ (?:\(\w+\) )?QID \d+ timeout/, build: (m) => ({ detail: { device: m[1] ?? '', timeout: true } }) },
  {
    kind: 'io-error',
    test: /\bBLOCK_IO_ERROR\b/,
    build: (_m, message) => {
      const dev = /(?:device|node-name|drive)['"]?\s*[:=]\s*['"]?([\w.-]+)/.exec(message);
      return { detail: { qemu: true, ...(dev?.[1] ? { device: dev[1] } : {}) } };
    },
  },
];

const RULES: Rule[] = [
  {
    kind: 'hung-task',
    test: /\btask (.+?):(\d+) blocked for more than (\d+) seconds/,
    build: (m) => ({ process: m[1] ?? '', pid: Number(m[2]), detail: { seconds: Number(m[3]) } }),
  },
  {
    kind: 'oom-kill',
    test: /\bKill(?:ed)? process (\d+) \((.+?)\)/,
    build: (m, message) => {
      const detail: Record<string, string | number | boolean> = {};
      if (/Memory cgroup out of memory/i.test(message)) detail.cgroup = true;
      const rss = /anon-rss:(\d+)kB/.exec(message);
      if (rss) detail.anonRssKiB = Number(rss[1]);
      return { process: m[2] ?? '', pid: Number(m[1]), detail };
    },
  },
  ...IO_RULES,
  {
    kind: 'mce',
    test: /(?:\[Hardware Error\]: (?:CPU \d+: )?Machine Check(?: Exception)?:|mce: \[Hardware Error\]: Machine check events logged|Machine check events logged)/,
    build: () => ({ detail: {} }),
  },
  {
    kind: 'mce',
    test: /\bEDAC (?:MC\d+|[\w-]+): (\d+) (CE|UE) (.*)/,
    build: (m) => ({ detail: { count: Number(m[1]), corrected: m[2] === 'CE' } }),
  },
];

/** Headlines that open a multi-line kernel report (oops, BUG, panic). */
const REPORT_HEADS: { kind: string; test: RegExp }[] = [
  { kind: 'panic', test: /Kernel panic - not syncing: ?(.*)/ },
  { kind: 'oops', test: /\bOops: ([0-9a-fx]+ \[#\d+\].*)/ },
  { kind: 'oops', test: /\b(general protection fault)\b(.*)/ },
  { kind: 'bug', test: /\bBUG: (soft lockup|unable to handle|kernel NULL pointer|scheduling while atomic|Bad page|KASAN|sleeping function)(.*)/ },
  { kind: 'bug', test: /\bkernel BUG at (\S+)/ },
  { kind: 'bug', test: /\bBUG: (.+)/ },
];

export function parseKernelLog(text: string, options: KernelLogOptions = {}): Parsed<LogEvent[]> {
  const what = options.source ?? 'kernel log';
  return guarded(what, text, () => [], (body, warn) => scan(body, options, warn));
}

function scan(body: string, options: KernelLogOptions, warn: Warn): LogEvent[] {
  const events: LogEvent[] = [];
  const perKind = new Map<string, number>();
  const dropped = new Map<string, number>();
  const maxPerKind = options.maxPerKind ?? 200;
  let open: { event: LogEvent; at: number; hasTask: boolean } | undefined;
  let oomCgroup: { pid: number; memcg: string; at: number } | undefined;
  const all = lines(body);
  let recognised = 0;
  const push = (event: LogEvent): boolean => {
    const n = perKind.get(event.kind) ?? 0;
    if (n >= maxPerKind) {
      dropped.set(event.kind, (dropped.get(event.kind) ?? 0) + 1);
      return false;
    }
    perKind.set(event.kind, n + 1);
    if (options.source) (event.detail ??= {}).source = options.source;
    events.push(event);
    return true;
  };
  for (let i = 0; i < all.length; i++) {
    const raw = all[i] ?? '';
    if (raw.length === 0 || raw.startsWith('-- ')) continue;
    const { time, message } = stampOf(raw, options);
    if (time || message !== raw) recognised += 1;
    const line = clip(raw);
    if (/---\[ end (?:trace|Kernel panic)/.test(message)) {
      open = undefined;
      continue;
    }
    if (open && i - open.at > 60) open = undefined;
    if (open && !open.hasTask && applyTaskLine(open.event, message)) {
      open.hasTask = true;
      continue;
    }
    let headed = false;
    for (const head of REPORT_HEADS) {
      const m = head.test.exec(message);
      if (!m) continue;
      headed = true;
      if (head.kind === 'oops' && open && open.event.kind === 'bug' && i - open.at <= 10 && !open.event.detail?.oops) {
        // "BUG: unable to handle …" then "Oops: 0010 [#2] SMP": one report.
        open.event.kind = 'oops';
        (open.event.detail ??= {}).oops = (m[1] ?? '').trim();
        break;
      }
      const event: LogEvent = { kind: head.kind, line, ...(time ? { time } : {}), detail: {} };
      const detail = event.detail as Record<string, string | number | boolean>;
      if (head.kind === 'panic') detail.reason = (m[1] ?? '').trim();
      else if (head.kind === 'oops') detail.oops = `${m[1] ?? ''}${m[2] ?? ''}`.trim();
      else detail.headline = message.slice(message.indexOf('BUG')).trim();
      // Soft lockups name the task in brackets on the headline itself.
      const task = /\[([^\]\s]+):(\d+)\]\s*$/.exec(message);
      const hasTask = applyTaskLine(event, message);
      if (!hasTask && task) {
        // The CPU/Comm line that follows still adds the taint flags.
        event.process = task[1];
        event.pid = Number(task[2]);
      }
      if (push(event)) open = { event, at: i, hasTask };
      break;
    }
    if (headed) continue;
    const summary = /oom-kill:.*?task_memcg=([^,\s]+).*?,task=([^,]+),pid=(\d+)/.exec(message);
    if (summary) {
      oomCgroup = { pid: Number(summary[3]), memcg: summary[1] ?? '', at: i };
      continue;
    }
    for (const rule of RULES) {
      const m = rule.test.exec(message);
      if (!m) continue;
      const built = rule.build(m, message);
      if (!built) break;
      if (rule.kind === 'oom-kill') {
        // Older kernels print "Kill process N (x) score … or sacrifice child" and then "Killed process N (x)".
        const prev = events[events.length - 1];
        if (prev && prev.kind === 'oom-kill' && prev.pid === built.pid) {
          prev.line = line;
          if (built.detail) prev.detail = { ...prev.detail, ...built.detail };
          break;
        }
      }
      if (rule.kind === 'oom-kill' && oomCgroup && oomCgroup.pid === built.pid && i - oomCgroup.at <= 5) {
        // "task_memcg=/machine.slice/machine-qemu\x2d12\x2dinstance\x2d0000abcd.scope" names the VM.
        const memcg = oomCgroup.memcg.replace(/\\x([0-9a-f]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
        const instance = /instance-[0-9a-f]{8}/.exec(memcg)?.[0];
        built.detail = { ...built.detail, memcg, ...(instance ? { instanceName: instance } : {}) };
      }
      const event: LogEvent = { kind: rule.kind, line, ...(time ? { time } : {}), ...built };
      if (event.detail && Object.keys(event.detail).length === 0) delete event.detail;
      push(event);
      break;
    }
  }
  for (const [kind, n] of dropped) warn(`${n} more ${kind} line(s) not listed (limit ${maxPerKind})`);
  const nonEmpty = all.filter((l) => l.trim().length > 0 && !l.startsWith('-- ')).length;
  if (nonEmpty > 0 && recognised === 0) warn('no line carried a recognisable kernel timestamp; events have no time');
  return events;
}

/**
 * Joins the events read from dmesg and from the journal, which overlap: the same
 * report read twice has the same kind and message and times within two minutes.
 */
export function mergeKernelEvents(...lists: readonly LogEvent[][]): LogEvent[] {
  const out: LogEvent[] = [];
  const body = (e: LogEvent): string => stampOf(e.line, {}).message.trim();
  for (const list of lists) {
    for (const e of list) {
      const twin = out.find((o) => {
        if (o.kind !== e.kind || o.pid !== e.pid || body(o) !== body(e)) return false;
        if (!o.time || !e.time) return true;
        return Math.abs(Date.parse(o.time) - Date.parse(e.time)) <= 120_000;
      });
      if (!twin) out.push(e);
      else if (!twin.time && e.time) twin.time = e.time;
    }
  }
  return out.sort((a, b) => (a.time ?? '').localeCompare(b.time ?? ''));
}
