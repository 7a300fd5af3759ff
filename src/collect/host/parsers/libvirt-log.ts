import { clip, guarded, lines, parseOffset, type LogEvent, type Parsed, type Warn } from './common.js';

/**
 * QEMU logs under /var/log/libvirt/qemu/, as `tail -v -n N <files>` prints them
 * (`==> /var/log/libvirt/qemu/instance-0000abcd.log <==` before each file).
 * Text without such headers is read as one file named by `defaultFile`.
 *
 * Events (each with `instanceName` from the file name and `file`):
 * - `qcow2-refcount`: `ERROR cluster N refcount=0 reference=1` (`detail.cluster`, `detail.refcount`, `detail.reference`)
 * - `qemu-shutdown`: `shutting down, reason=crashed` (`detail.reason`)
 * - `qemu-terminated`: `terminating on signal 15 from pid 1234 (/usr/sbin/libvirtd)`
 * - `io-error`: QEMU block I/O errors (`BLOCK_IO_ERROR`, `I/O error`)
 */
export interface LibvirtLogEvent extends LogEvent {
  instanceName?: string;
  file?: string;
}

export interface LibvirtLogOptions {
  readonly defaultFile?: string;
  /** Refcount lines kept per file; a corrupted image can print thousands. */
  readonly maxPerFile?: number;
}

const HEADER = /^==> (.+?) <==\s*$/;
/** libvirt's "2025-11-25 04:33:22.417+0000: " and QEMU's "-msg timestamp=on" "2025-11-25T04:33:22.001921Z " prefixes. */
const QEMU_STAMP = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d{1,3})?\d*([+-]\d{4}|Z)?:?\s/;

/** `/var/log/libvirt/qemu/instance-0000abcd.log.1` → `instance-0000abcd`. */
export function instanceNameFromFile(file: string): string | undefined {
  const base = file.split('/').pop() ?? '';
  const m = /^(.+?)\.log(?:\.\d+)?(?:\.gz)?$/.exec(base);
  return m?.[1] || undefined;
}

export function parseLibvirtLogs(text: string, options: LibvirtLogOptions = {}): Parsed<LibvirtLogEvent[]> {
  return guarded('libvirt qemu logs', text, () => [], (body, warn) => scan(body, options, warn));
}

function timeOf(message: string): { time?: string; rest: string } {
  const m = QEMU_STAMP.exec(message);
  if (!m) return { rest: message };
  const offset = parseOffset(m[4]) ?? 0;
  const local = Date.parse(`${m[1]}T${m[2]}${m[3] ?? ''}Z`);
  if (!Number.isFinite(local)) return { rest: message.slice(m[0].length) };
  return { time: new Date(local - offset * 60_000).toISOString(), rest: message.slice(m[0].length) };
}

function scan(body: string, options: LibvirtLogOptions, warn: Warn): LibvirtLogEvent[] {
  const events: LibvirtLogEvent[] = [];
  const maxPerFile = options.maxPerFile ?? 200;
  let file = options.defaultFile;
  let instanceName = file ? instanceNameFromFile(file) : undefined;
  let refcounts = 0;
  const overflow = new Map<string, number>();
  const flush = (): void => {
    if (refcounts > maxPerFile) overflow.set(file ?? '(unnamed)', refcounts - maxPerFile);
  };
  for (const raw of lines(body)) {
    const header = HEADER.exec(raw);
    if (header) {
      flush();
      file = header[1];
      instanceName = file ? instanceNameFromFile(file) : undefined;
      if (!instanceName) warn(`cannot tell the instance from file name "${file}"`);
      refcounts = 0;
      continue;
    }
    if (raw.startsWith('tail: ')) {
      // e.g. "tail: cannot open '/var/log/libvirt/qemu/*.log.[0-9]' for reading: No such file or directory"
      if (!/No such file/.test(raw)) warn(raw.trim());
      continue;
    }
    const { time, rest } = timeOf(raw);
    const where = { ...(instanceName ? { instanceName } : {}), ...(file ? { file } : {}), ...(time ? { time } : {}) };
    const refcount = /\bERROR cluster (\d+) refcount=(\d+) reference=(\d+)/.exec(rest);
    if (refcount) {
      refcounts += 1;
      if (refcounts <= maxPerFile) {
        events.push({ kind: 'qcow2-refcount', line: clip(raw), ...where, detail: { cluster: Number(refcount[1]), refcount: Number(refcount[2]), reference: Number(refcount[3]) } });
      }
      continue;
    }
    const shutdown = /\bshutting down, reason=(\w+)/.exec(rest);
    if (shutdown) {
      events.push({ kind: 'qemu-shutdown', line: clip(raw), ...where, detail: { reason: shutdown[1] ?? '' } });
      continue;
    }
    const signal = /terminating on signal (\d+)(?: from pid (\d+)(?: \(([^)]*)\))?)?/.exec(rest);
    if (signal) {
      events.push({
        kind: 'qemu-terminated',
        line: clip(raw),
        ...where,
        detail: { signal: Number(signal[1]), ...(signal[2] ? { fromPid: Number(signal[2]) } : {}), ...(signal[3] ? { fromProcess: signal[3] } : {}) },
      });
      continue;
    }
    if (/\bBLOCK_IO_ERROR\b|\bI\/O error\b/.test(rest)) {
      events.push({ kind: 'io-error', line: clip(raw), ...where, detail: { qemu: true } });
    }
  }
  flush();
  for (const [f, n] of overflow) warn(`${n} more qcow2 refcount error line(s) in ${f} not listed (limit ${maxPerFile} per file)`);
  return events;
}
