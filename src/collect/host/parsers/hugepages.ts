import { guarded, lines, toNumber, type Parsed } from './common.js';

/** Huge pages reserved for one page size. */
export interface HugepagePool {
  pageSizeKb: number;
  total: number;
  free?: number;
}

export interface HugepageFacts {
  /** `Hugepagesize` in /proc/meminfo: the size `hugepages=N` and an unqualified flavor request use. */
  defaultPageSizeKb?: number;
  pools: HugepagePool[];
}

/**
 * `cat /proc/meminfo`: `HugePages_Total`, `HugePages_Free` and `Hugepagesize`
 * describe the default page size only (pages of another size show in sysfs).
 * Lines are `Name:   value[ kB]`; anything else is skipped.
 */
export function parseMeminfoHugepages(text: string): Parsed<HugepageFacts> {
  return guarded<HugepageFacts>('meminfo', text, () => ({ pools: [] }), (body, warn) => {
    const values = new Map<string, number>();
    for (const raw of lines(body)) {
      const m = /^([A-Za-z_()0-9]+):\s+(\S+)(?:\s+kB)?\s*$/.exec(raw.trim());
      const n = m ? toNumber(m[2]) : undefined;
      if (m && n !== undefined) values.set(m[1] as string, n);
    }
    const size = values.get('Hugepagesize');
    const total = values.get('HugePages_Total');
    const free = values.get('HugePages_Free');
    if (size === undefined) {
      warn(values.size === 0 ? 'no "Name: value" lines' : 'no Hugepagesize line');
      return { pools: [] };
    }
    if (total === undefined) {
      warn('no HugePages_Total line');
      return { defaultPageSizeKb: size, pools: [] };
    }
    return { defaultPageSizeKb: size, pools: [{ pageSizeKb: size, total, ...(free !== undefined ? { free } : {}) }] };
  });
}

/**
 * `grep -H . /sys/kernel/mm/hugepages/hugepages-*\/nr_hugepages …/free_hugepages`:
 * one `<dir>/hugepages-<size>kB/<file>:<count>` line per page size and file,
 * which covers the sizes /proc/meminfo does not (e.g. 1 GiB pages beside a 2 MiB default).
 */
export function parseHugepageSysfs(text: string): Parsed<HugepagePool[]> {
  return guarded('hugepages sysfs', text, () => [], (body, warn) => {
    const pools = new Map<number, HugepagePool>();
    let skipped = 0;
    for (const raw of lines(body)) {
      const line = raw.trim();
      if (!line) continue;
      const m = /\/hugepages-(\d+)kB\/(nr_hugepages|free_hugepages):(\d+)$/.exec(line);
      if (!m) {
        skipped += 1;
        continue;
      }
      const size = Number(m[1]);
      const count = Number(m[3]);
      if (!Number.isSafeInteger(size) || !Number.isSafeInteger(count)) {
        skipped += 1;
        continue;
      }
      const pool = pools.get(size) ?? { pageSizeKb: size, total: 0 };
      if (m[2] === 'nr_hugepages') pool.total = count;
      else pool.free = count;
      pools.set(size, pool);
    }
    if (skipped > 0) warn(`${skipped} line(s) not of the form <path>/hugepages-<size>kB/<file>:<count>`);
    return [...pools.values()].sort((a, b) => a.pageSizeKb - b.pageSizeKb);
  });
}

/** Both sources together: sysfs knows every size, meminfo the default; sysfs wins where both speak. */
export function mergeHugepages(meminfo: HugepageFacts | undefined, sysfs: readonly HugepagePool[] | undefined): HugepageFacts | undefined {
  if (!meminfo && !sysfs?.length) return undefined;
  const pools = new Map<number, HugepagePool>();
  for (const p of meminfo?.pools ?? []) pools.set(p.pageSizeKb, { ...p });
  for (const p of sysfs ?? []) pools.set(p.pageSizeKb, { ...p });
  return {
    ...(meminfo?.defaultPageSizeKb !== undefined ? { defaultPageSizeKb: meminfo.defaultPageSizeKb } : {}),
    pools: [...pools.values()].sort((a, b) => a.pageSizeKb - b.pageSizeKb),
  };
}
