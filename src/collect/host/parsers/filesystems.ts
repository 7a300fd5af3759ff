import { guarded, lines, parseHumanSize, toNumber, type Parsed } from './common.js';

export interface FilesystemFacts {
  filesystem: string;
  mount: string;
  sizeBytes: number;
  usedBytes: number;
  usedPercent: number;
}

/**
 * Mounts that are not the host's own storage and would only make noise:
 * snap squashfs images (always 100 %), container overlay and per-pod mounts
 * (each repeats the filesystem that holds it).
 */
const IGNORED_MOUNT = /^\/(?:snap\/|var\/lib\/docker\/(?:overlay2|containers|plugins)\/|var\/lib\/kubelet\/pods\/|run\/containerd\/|run\/k3s\/|var\/lib\/containers\/storage\/overlay|run\/netns\/|run\/docker\/netns\/)/;
const IGNORED_FS = new Set(['overlay', 'shm', 'nsfs', 'squashfs']);

/**
 * `df -P` (POSIX: one line per filesystem, block size in the header such as
 * `1024-blocks` or `1B-blocks`) and `df -h` (units per value) output.
 */
export function parseDf(text: string): Parsed<FilesystemFacts[]> {
  return guarded('df', text, () => [], (body, warn) => {
    const out: FilesystemFacts[] = [];
    let blockSize: number | 'human' = 1024;
    let sawHeader = false;
    let pending = '';
    let skipped = 0;
    for (const raw of lines(body)) {
      if (/^Filesystem\s/.test(raw)) {
        sawHeader = true;
        const m = /\s(\d+)([KMG]?)B?-blocks\s/.exec(raw);
        if (m) blockSize = Number(m[1]) * (m[2] === 'K' ? 1024 : m[2] === 'M' ? 1024 ** 2 : m[2] === 'G' ? 1024 ** 3 : 1);
        else if (/\sSize\s/.test(raw)) blockSize = 'human';
        continue;
      }
      if (raw.startsWith('df: ')) {
        // "df: /run/user/1000/doc: Operation not permitted" — one mount unreadable, the rest fine.
        warn(raw.slice(4).trim());
        continue;
      }
      const line = (pending ? `${pending} ${raw.trim()}` : raw).trim();
      if (!line) continue;
      const t = line.split(/\s+/);
      // Without -P, a long device name sits alone on its line and the numbers follow on the next.
      if (t.length === 1) {
        pending = line;
        continue;
      }
      pending = '';
      const pct = t.findIndex((v, i) => i >= 4 && /^(\d+|-)%$/.test(v));
      if (pct < 4) {
        skipped += 1;
        continue;
      }
      const filesystem = t.slice(0, pct - 3).join(' ');
      const mount = t.slice(pct + 1).join(' ');
      if (!mount.startsWith('/')) {
        skipped += 1;
        continue;
      }
      const size = blockSize === 'human' ? parseHumanSize(t[pct - 3]) : mul(toNumber(t[pct - 3]), blockSize);
      const used = blockSize === 'human' ? parseHumanSize(t[pct - 2]) : mul(toNumber(t[pct - 2]), blockSize);
      const percent = toNumber((t[pct] ?? '').replace('%', ''));
      if (size === undefined || used === undefined) {
        skipped += 1;
        continue;
      }
      if (IGNORED_FS.has(filesystem) || IGNORED_MOUNT.test(mount)) continue;
      out.push({ filesystem, mount, sizeBytes: size, usedBytes: used, usedPercent: percent ?? (size > 0 ? Math.ceil((used / size) * 100) : 0) });
    }
    if (!sawHeader && out.length > 0) warn('no header line; block size assumed 1024');
    if (skipped > 0) warn(`${skipped} line(s) not understood`);
    if (!sawHeader && out.length === 0) warn('no filesystem lines');
    return out;
  });
}

function mul(n: number | undefined, by: number): number | undefined {
  return n === undefined ? undefined : n * by;
}
