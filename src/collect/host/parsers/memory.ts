import { guarded, lines, parseHumanSize, toNumber, type Parsed } from './common.js';

export interface MemoryFacts {
  totalBytes: number;
  availableBytes: number;
  swapTotalBytes: number;
  swapUsedBytes: number;
}

/**
 * `free -b` (exact bytes), and `free -h` / `free` (KiB, pass `unit`) as people paste them.
 * Columns are found from the header, so older procps (no "available" column,
 * an extra "-/+ buffers/cache" line) is read too: available is then free +
 * buffers + cache, and a warning says so.
 */
export function parseFree(text: string, options: { unit?: 'bytes' | 'KiB' } = {}): Parsed<MemoryFacts | undefined> {
  return guarded('free', text, () => undefined, (body, warn) => {
    let header: string[] | undefined;
    let mem: string[] | undefined;
    let swap: string[] | undefined;
    for (const raw of lines(body)) {
      const t = raw.trim().split(/\s+/);
      if (t[0] === 'total') header = t;
      else if (t[0] === 'Mem:') mem = t.slice(1);
      else if (t[0] === 'Swap:') swap = t.slice(1);
    }
    if (!mem) {
      warn('no "Mem:" line');
      return undefined;
    }
    const cols = header ?? ['total', 'used', 'free', 'shared', 'buff/cache', 'available'];
    // `free -h` puts a unit on every value; plain numbers are bytes (-b, what the collector runs) or KiB (no flag).
    const human = [...mem, ...(swap ?? [])].some((v) => /[A-Za-z]/.test(v));
    const kib = options.unit === 'KiB';
    const size = (v: string | undefined): number | undefined => {
      if (v === undefined) return undefined;
      if (human) return parseHumanSize(v);
      const n = toNumber(v);
      return n === undefined ? undefined : kib ? n * 1024 : n;
    };
    const at = (row: string[], name: string): number | undefined => {
      const i = cols.indexOf(name);
      return i < 0 ? undefined : size(row[i]);
    };
    const total = at(mem, 'total');
    if (total === undefined) {
      warn('cannot read total memory');
      return undefined;
    }
    let available = at(mem, 'available');
    if (available === undefined) {
      const parts = ['free', 'buffers', 'cached', 'buff/cache'].map((c) => at(mem as string[], c) ?? 0);
      available = parts.reduce((a, b) => a + b, 0);
      warn('no "available" column; using free + buffers + cache');
    }
    let swapTotal = 0;
    let swapUsed = 0;
    if (swap) {
      swapTotal = size(swap[0]) ?? 0;
      swapUsed = size(swap[1]) ?? 0;
    } else warn('no "Swap:" line; swap taken as 0');
    return { totalBytes: total, availableBytes: available, swapTotalBytes: swapTotal, swapUsedBytes: swapUsed };
  });
}
