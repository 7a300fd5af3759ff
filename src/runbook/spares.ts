import { UsageError } from '../core/errors.js';
import type { Hypervisor, Snapshot } from '../snapshot/schema.js';

/**
 * The spare pool (runbook §7): "forfault" boxes kept in every center so a
 * failed hypervisor's part or whole box is swapped at once instead of waiting
 * for the vendor. A spare's name says what it is:
 * `<prefix>-<center>-forfault-<model>-m<GiB>g<MHz>-<nvme|ssd><GB>-<seq>`,
 * e.g. `krane-pg-forfault-r630-m16g2133-nvme1920-001`. Any spare in the same
 * center will do, whatever its zone; the best matches model, memory and disk
 * (priority 1), the next model and memory (priority 2).
 */

export type DiskKind = 'nvme' | 'ssd';

/** The hardware a spare must match. */
export interface BoxSpec {
  readonly model: string;
  readonly memoryGiB: number;
  readonly memoryMHz: number;
  readonly disk: DiskKind;
  readonly diskGB: number;
}

export interface SpareName extends BoxSpec {
  /** The name as written (host name, without a domain). */
  readonly name: string;
  readonly prefix: string;
  readonly center: string;
  readonly seq: number;
}

const SPARE_NAME = /^([a-z0-9]+)-([a-z0-9]+)-forfault-([a-z0-9]+)-m(\d+)g(\d+)-(nvme|ssd)(\d+)-(\d+)$/i;

/** Parses a spare's name (an FQDN's first label counts); undefined for anything else. */
export function parseSpareName(text: string): SpareName | undefined {
  const name = text.trim().split('.')[0] ?? '';
  const m = SPARE_NAME.exec(name);
  if (!m) return undefined;
  const [, prefix, center, model, mem, clock, disk, size, seq] = m as unknown as [string, string, string, string, string, string, string, string, string];
  return {
    name,
    prefix: prefix.toLowerCase(),
    center: center.toLowerCase(),
    model: normalizeModel(model),
    memoryGiB: Number(mem),
    memoryMHz: Number(clock),
    disk: disk.toLowerCase() as DiskKind,
    diskGB: Number(size),
    seq: Number(seq),
  };
}

/** Models are compared the way the spare names write them: lower case, no spaces or punctuation ("PowerEdge R630" → "poweredger630"). */
export function normalizeModel(model: string): string {
  return model.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** The first label of a host name; Nova and the alarm feed disagree on domains. */
function shortName(host: string): string {
  return host.trim().toLowerCase().split('.')[0] ?? '';
}

/** A center from a region name when the snapshot records none: the leading letters (`pg1` → `pg`, `hn1prod` → `hn`). */
export function centerOfRegion(region: string): string {
  return /^[a-z]+/i.exec(region)?.[0]?.toLowerCase() ?? region.toLowerCase();
}

export type SpareSource = 'inventory' | 'hypervisors';

/** A spare known to the snapshot, and whether it can be taken. */
export interface SpareCandidate extends SpareName {
  readonly sources: readonly SpareSource[];
  /** Why it cannot be taken (servers run on it: it is already in service), or undefined. */
  readonly unavailable?: string;
}

/** Every spare the inventory file or the hypervisor list names, once each. */
export function spareCandidates(snapshot: Snapshot): SpareCandidate[] {
  const found = new Map<string, { spare: SpareName; sources: Set<SpareSource> }>();
  const add = (text: string | undefined, source: SpareSource): void => {
    if (!text) return;
    const spare = parseSpareName(text);
    if (!spare) return;
    const key = spare.name.toLowerCase();
    const entry = found.get(key) ?? { spare, sources: new Set<SpareSource>() };
    entry.sources.add(source);
    found.set(key, entry);
  };
  for (const e of snapshot.inventory) add(e.match.host, 'inventory');
  for (const hv of snapshot.hypervisors) {
    add(hv.name, 'hypervisors');
    if (shortName(hv.host) !== shortName(hv.name)) add(hv.host, 'hypervisors');
  }
  const serversOn = new Map<string, number>();
  for (const s of snapshot.servers) {
    for (const h of [s.host, s.hypervisorHostname]) {
      if (h) serversOn.set(shortName(h), (serversOn.get(shortName(h)) ?? 0) + 1);
    }
  }
  return [...found.values()]
    .map(({ spare, sources }) => {
      const busy = serversOn.get(shortName(spare.name)) ?? 0;
      return { ...spare, sources: [...sources].sort(), ...(busy > 0 ? { unavailable: `${busy} server record(s) on it: already in service` } : {}) };
    })
    .sort((a, b) => a.center.localeCompare(b.center) || a.name.localeCompare(b.name));
}

export type Warranty = 'under-warranty' | 'expired' | 'unknown';

/** The failed hypervisor as the spare choice sees it. */
export interface FailedBox {
  readonly name: string;
  readonly region?: string;
  readonly center?: string;
  readonly hardware: Partial<BoxSpec>;
  readonly warrantyUntil?: string;
  readonly owners: readonly string[];
}

/** Finds the hypervisor and what the inventory says about its box. */
export function failedBox(snapshot: Snapshot, target: string): FailedBox {
  const want = shortName(target);
  const hv: Hypervisor | undefined = snapshot.hypervisors.find((h) => shortName(h.name) === want || shortName(h.host) === want);
  const entries = snapshot.inventory.filter((e) => e.match.host !== undefined && shortName(e.match.host) === want);
  if (!hv && entries.length === 0) {
    const known = snapshot.hypervisors.length;
    throw new UsageError(`no hypervisor named ${target} in the snapshot (${known} hypervisor(s) in it, and no inventory entry with host ${target})`);
  }
  if (parseSpareName(want)) throw new UsageError(`${target} is itself a spare (forfault) box; name the failed hypervisor`);
  const hardware: { -readonly [K in keyof BoxSpec]?: BoxSpec[K] } = {};
  let warrantyUntil: string | undefined;
  const owners = new Set<string>();
  for (const e of entries) {
    const h = e.hardware;
    if (h?.model !== undefined) hardware.model = normalizeModel(h.model);
    if (h?.memoryGiB !== undefined) hardware.memoryGiB = h.memoryGiB;
    if (h?.memoryMHz !== undefined) hardware.memoryMHz = h.memoryMHz;
    if (h?.disk !== undefined) hardware.disk = h.disk;
    if (h?.diskGB !== undefined) hardware.diskGB = h.diskGB;
    if (e.warrantyUntil !== undefined) warrantyUntil = e.warrantyUntil;
    for (const o of e.owners) owners.add(o);
  }
  if (hardware.model === undefined && hv?.model) hardware.model = normalizeModel(hv.model);
  const region = hv?.region;
  const recorded = region ? snapshot.regions.find((r) => r.name === region)?.center : undefined;
  const center = recorded?.toLowerCase() ?? (region ? centerOfRegion(region) : centerFromName(want));
  return {
    name: hv?.name ?? target,
    ...(region ? { region } : {}),
    ...(center ? { center } : {}),
    hardware,
    ...(warrantyUntil ? { warrantyUntil } : {}),
    owners: [...owners].sort(),
  };
}

/** `krane-pg1-com009` → `pg`: the region label of a compute host's name, when nothing better is known. */
function centerFromName(name: string): string | undefined {
  const region = /^[a-z0-9]+-([a-z0-9]+)-/i.exec(name)?.[1];
  return region ? centerOfRegion(region) : undefined;
}

/** Whether the warranty still runs on `now` (the last day counts, in UTC). */
export function warrantyOf(box: FailedBox, now: Date): Warranty {
  if (!box.warrantyUntil) return 'unknown';
  const last = Date.parse(`${box.warrantyUntil.slice(0, 10)}T23:59:59.999Z`);
  if (Number.isNaN(last)) return 'unknown';
  return now.getTime() <= last ? 'under-warranty' : 'expired';
}

export interface RankedSpare {
  readonly spare: SpareCandidate;
  /** 1: model, memory and disk match; 2: model and memory; null: not usable for this box. */
  readonly priority: 1 | 2 | null;
  readonly why: string;
}

export interface SpareChoice {
  readonly hypervisor: FailedBox;
  readonly warranty: Warranty;
  readonly chosen?: RankedSpare;
  /** Every spare of the center, best first, with why it ranks where it does. */
  readonly candidates: readonly RankedSpare[];
  /** Spares elsewhere are not candidates (same center only); counted so their absence is not a mystery. */
  readonly otherCenters: number;
  /** Why nothing could be chosen, or what is missing to choose better. */
  readonly notes: readonly string[];
  /** What to do, in order. */
  readonly plan: readonly string[];
}

/** A box in the spare names' own spelling (`r630-m16g2133-nvme1920`), `?` for what is not known. */
export function describeSpec(s: Partial<BoxSpec>): string {
  return [s.model ?? '?', `m${s.memoryGiB ?? '?'}g${s.memoryMHz ?? '?'}`, `${s.disk ?? '?'}${s.diskGB ?? '?'}`].join('-');
}

function rank(box: FailedBox, spare: SpareCandidate): RankedSpare {
  const h = box.hardware;
  if (spare.unavailable) return { spare, priority: null, why: spare.unavailable };
  if (h.model === undefined || h.memoryGiB === undefined || h.memoryMHz === undefined) return { spare, priority: null, why: 'the failed box has no model or memory recorded' };
  if (spare.model !== h.model) return { spare, priority: null, why: `model ${spare.model}, not ${h.model}` };
  if (spare.memoryGiB !== h.memoryGiB || spare.memoryMHz !== h.memoryMHz) {
    return { spare, priority: null, why: `memory m${spare.memoryGiB}g${spare.memoryMHz}, not m${h.memoryGiB}g${h.memoryMHz}` };
  }
  if (h.disk !== undefined && h.diskGB !== undefined && spare.disk === h.disk && spare.diskGB === h.diskGB) return { spare, priority: 1, why: 'model, memory and disk match' };
  const disk = h.disk !== undefined && h.diskGB !== undefined ? `disk ${spare.disk}${spare.diskGB}, not ${h.disk}${h.diskGB}` : 'disk of the failed box unknown';
  return { spare, priority: 2, why: `model and memory match; ${disk}` };
}

/**
 * Picks the spare for a failed hypervisor: same center, priority 1 before 2,
 * then the lowest sequence number (the pool's own order), and says what the
 * warranty means for the box taken out.
 */
export function chooseSpare(snapshot: Snapshot, target: string, now: Date): SpareChoice {
  const box = failedBox(snapshot, target);
  const all = spareCandidates(snapshot);
  const here = box.center === undefined ? [] : all.filter((s) => s.center === box.center);
  const candidates = here
    .map((s) => rank(box, s))
    .sort((a, b) => (a.priority ?? 9) - (b.priority ?? 9) || a.spare.seq - b.spare.seq || a.spare.name.localeCompare(b.spare.name));
  const chosen = candidates.find((c) => c.priority !== null);
  const notes: string[] = [];
  const h = box.hardware;
  const fix = `add hardware: { model, memoryGiB, memoryMHz, disk, diskGB } to the inventory entry with host ${box.name}`;
  if (box.center === undefined) notes.push(`the center of ${box.name} is unknown (no region recorded): spares are chosen within a center`);
  if (h.model === undefined || h.memoryGiB === undefined || h.memoryMHz === undefined) notes.push(`the model or memory of ${box.name} is not known: ${fix}`);
  else if (h.disk === undefined || h.diskGB === undefined) notes.push(`the disk of ${box.name} is not known, so no spare can be a priority-1 match: ${fix}`);
  if (box.center !== undefined && here.length === 0) notes.push(`no spare in center ${box.center} (${all.length} spare(s) in other centers)`);
  else if (here.length > 0 && !chosen) notes.push(`none of the ${here.length} spare(s) in center ${box.center} matches model and memory`);

  const warranty = warrantyOf(box, now);
  const owners = box.owners.length > 0 ? box.owners.join(', ') : 'the owner (none in the inventory)';
  const plan: string[] = [];
  if (chosen) plan.push(`swap ${box.name} with spare ${chosen.spare.name} (priority ${chosen.priority}: ${chosen.why})`);
  else plan.push(`no matching spare: escalate to the hardware owner for a part or box (${owners})`);
  if (warranty === 'under-warranty') {
    plan.push(
      chosen
        ? `under warranty until ${box.warrantyUntil}: send the failed part or box back to the vendor (RMA); what comes back refills the pool`
        : `under warranty until ${box.warrantyUntil}: have the vendor repair or replace it (RMA)`,
    );
  }
  else if (warranty === 'expired') plan.push(`out of warranty since ${box.warrantyUntil}: tell ${owners} that the warranty has expired and the box must be re-procured`);
  else plan.push(`warranty unknown: add warrantyUntil to the inventory entry of ${box.name}, and check it before choosing RMA or re-procurement`);
  if (chosen) plan.push('after a box or mainboard swap, check the firmware settings again: faultline check-host');
  return { hypervisor: box, warranty, ...(chosen ? { chosen } : {}), candidates, otherCenters: all.length - here.length, notes, plan };
}
