import { guarded, lines, type Parsed, type Warn } from './common.js';

export interface BlockDevice {
  name: string;
  type: string;
  rotational?: boolean;
  model?: string;
  mountpoints: string[];
  children: BlockDevice[];
}

type Json = Record<string, unknown>;

function toDevice(raw: unknown, warn: Warn): BlockDevice | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as Json;
  if (typeof r.name !== 'string') {
    warn('a block device without a name was skipped');
    return undefined;
  }
  const mounts: string[] = [];
  if (typeof r.mountpoint === 'string') mounts.push(r.mountpoint);
  if (Array.isArray(r.mountpoints)) for (const m of r.mountpoints) if (typeof m === 'string' && !mounts.includes(m)) mounts.push(m);
  // util-linux before 2.33 prints ROTA as "1"/"0" strings; later as booleans.
  const rota = r.rota === true || r.rota === '1' ? true : r.rota === false || r.rota === '0' ? false : undefined;
  const model = typeof r.model === 'string' ? r.model.trim() : undefined;
  return {
    name: r.name.replace(/^\/dev\//, ''),
    type: typeof r.type === 'string' ? r.type : 'unknown',
    ...(rota !== undefined ? { rotational: rota } : {}),
    ...(model ? { model } : {}),
    mountpoints: mounts,
    children: Array.isArray(r.children) ? r.children.map((c) => toDevice(c, warn)).filter((c): c is BlockDevice => !!c) : [],
  };
}

/** `lsblk -J …` (`{ "blockdevices": [ … ] }`), with or without `children`. */
export function parseLsblk(text: string): Parsed<BlockDevice[]> {
  return guarded('lsblk', text, () => [], (body, warn) => {
    let doc: unknown;
    try {
      doc = JSON.parse(body);
    } catch {
      warn('output is not valid JSON (truncated?)');
      return salvage(body);
    }
    const list = (doc as Json | null)?.blockdevices;
    if (!Array.isArray(list)) {
      warn('no "blockdevices" list');
      return [];
    }
    return list.map((d) => toDevice(d, warn)).filter((d): d is BlockDevice => !!d);
  });
}

function salvage(body: string): BlockDevice[] {
  const out: BlockDevice[] = [];
  for (const m of body.matchAll(/"name"\s*:\s*"([^"]+)"\s*,\s*"type"\s*:\s*"disk"/g)) out.push({ name: m[1] ?? '', type: 'disk', mountpoints: [], children: [] });
  return out;
}

/** `/proc/swaps`: swap files and partitions in use. */
export function parseProcSwaps(text: string): Parsed<{ path: string; type: string }[]> {
  return guarded('/proc/swaps', text, () => [], (body) => {
    const out: { path: string; type: string }[] = [];
    for (const line of lines(body)) {
      const t = line.trim().split(/\s+/);
      if (t.length >= 2 && t[0]?.startsWith('/') && (t[1] === 'file' || t[1] === 'partition')) out.push({ path: t[0].replace(/\\040/g, ' '), type: t[1] });
    }
    return out;
  });
}
