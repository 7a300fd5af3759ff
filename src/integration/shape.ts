import type { z } from 'zod';

/**
 * What faultline reads from an answer, as a set of field paths with the JSON
 * types seen at each: `servers[].OS-EXT-STS:task_state → {string, null}`. The
 * paths come from the zod schema faultline validates the answer with, so the
 * comparison covers exactly the fields faultline depends on, no more: a field
 * Nova sends that faultline ignores cannot make the lab "wrong".
 *
 * Types are `string`, `number`, `boolean`, `null`, `object`, `array`, and
 * `absent` for a key the answer does not have. Array elements share one path
 * (`[]`), record values too (`*`).
 */
export type JsonKind = 'string' | 'number' | 'boolean' | 'null' | 'object' | 'array' | 'absent';
export type Shape = Map<string, Set<JsonKind>>;

export function kindOf(value: unknown): JsonKind {
  if (value === undefined) return 'absent';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const t = typeof value;
  return t === 'string' || t === 'number' || t === 'boolean' ? t : 'object';
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Strips optional, nullable, default and the like: they describe presence, which the observation records. */
function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (;;) {
    const def = defOf(s);
    if (def.innerType && ['optional', 'nullable', 'default', 'prefault', 'catch', 'readonly', 'nonoptional'].includes(def.type)) s = def.innerType;
    else if (def.type === 'pipe' && def.in) s = def.in;
    else return s;
  }
}

/** The JSON kind a schema node stands for, to pick the union member that applies to a value. */
function schemaKind(schema: z.ZodType): JsonKind | 'any' {
  const t = defOf(unwrap(schema)).type;
  if (t === 'object' || t === 'record') return 'object';
  if (t === 'array') return 'array';
  if (t === 'string' || t === 'enum' || t === 'literal') return 'string';
  if (t === 'number' || t === 'int') return 'number';
  if (t === 'boolean') return 'boolean';
  return 'any';
}

function add(shape: Shape, path: string, kind: JsonKind): void {
  let kinds = shape.get(path);
  if (!kinds) shape.set(path, (kinds = new Set()));
  kinds.add(kind);
}

/** Records, for every path `schema` reads, the kinds `value` has there; adds to `shape`. */
export function observe(schema: z.ZodType, value: unknown, shape: Shape = new Map(), path = ''): Shape {
  const kind = kindOf(value);
  const node = unwrap(schema);
  const def = defOf(node);
  if (def.type === 'union' && def.options) {
    add(shape, path || '.', kind);
    const matching = def.options.filter((o) => schemaKind(o) === kind);
    for (const option of matching) if (kind === 'object' || kind === 'array') observeInside(option, value, shape, path);
    return shape;
  }
  add(shape, path || '.', kind);
  observeInside(node, value, shape, path);
  return shape;
}

function observeInside(schema: z.ZodType, value: unknown, shape: Shape, path: string): void {
  const def = defOf(unwrap(schema));
  const kind = kindOf(value);
  if (def.type === 'object' && def.shape && kind === 'object') {
    const record = value as Record<string, unknown>;
    for (const [key, child] of Object.entries(def.shape)) observe(child, record[key], shape, path ? `${path}.${key}` : key);
  } else if (def.type === 'array' && def.element && kind === 'array') {
    for (const item of value as unknown[]) observe(def.element, item, shape, `${path}[]`);
  } else if (def.type === 'record' && def.valueType && kind === 'object') {
    for (const item of Object.values(value as Record<string, unknown>)) observe(def.valueType, item, shape, `${path}.*`);
  }
}

/** Every path `schema` can read, whether or not an answer had it: what a comparison must cover. */
export function schemaPaths(schema: z.ZodType, path = '', out: string[] = []): string[] {
  const node = unwrap(schema);
  const def = defOf(node);
  out.push(path || '.');
  const visit = (s: z.ZodType, p: string): void => {
    const d = defOf(unwrap(s));
    if (d.type === 'object' && d.shape) for (const [key, child] of Object.entries(d.shape)) schemaPaths(child, p ? `${p}.${key}` : key, out);
    else if (d.type === 'array' && d.element) schemaPaths(d.element, `${p}[]`, out);
    else if (d.type === 'record' && d.valueType) schemaPaths(d.valueType, `${p}.*`, out);
  };
  if (def.type === 'union' && def.options) for (const o of def.options) visit(o, path);
  else visit(node, path);
  return [...new Set(out)];
}

export interface FieldDifference {
  readonly call: string;
  readonly path: string;
  readonly real: string;
  readonly lab: string;
  /** Set when the difference is known and accepted; the reason says why. */
  readonly allowed?: string;
}

export const formatKinds = (kinds: ReadonlySet<JsonKind> | undefined): string => (kinds && kinds.size ? [...kinds].sort().join('|') : 'not seen');

/**
 * An accepted difference, with the reason. `call` is exact, or a prefix when it
 * ends in `*`; `path` covers that field and everything under it.
 */
export interface Allowance {
  readonly call: string;
  readonly path: string;
  readonly reason: string;
}

export function allowanceFor(allowances: readonly Allowance[], call: string, path: string): Allowance | undefined {
  const callMatches = (a: Allowance): boolean => a.call === call || (a.call.endsWith('*') && call.startsWith(a.call.slice(0, -1)));
  const pathMatches = (a: Allowance): boolean => path === a.path || path.startsWith(`${a.path}.`) || path.startsWith(`${a.path}[]`);
  return allowances.find((a) => callMatches(a) && pathMatches(a));
}

/**
 * The paths where the kinds seen differ between the real answer and the lab's.
 * A path only one side reached (on the other its parent was absent, null or an
 * empty list, say a server without volumes) is reported as `not seen`: nothing
 * was compared there, and an allowance must say why that is acceptable.
 */
export function compareShapes(call: string, schema: z.ZodType, real: Shape, lab: Shape, allowances: readonly Allowance[] = []): FieldDifference[] {
  const out: FieldDifference[] = [];
  for (const path of schemaPaths(schema)) {
    const r = real.get(path);
    const l = lab.get(path);
    if (!r && !l) continue;
    const rs = formatKinds(r);
    const ls = formatKinds(l);
    if (rs === ls) continue;
    const allowed = allowanceFor(allowances, call, path);
    out.push({ call, path, real: rs, lab: ls, ...(allowed ? { allowed: allowed.reason } : {}) });
  }
  return out;
}

/** A plain-text table of differences; allowed ones point to their reason, listed once below the table. */
export function differencesTable(rows: readonly FieldDifference[]): string {
  if (rows.length === 0) return '(no differences)\n';
  const reasons = [...new Set(rows.flatMap((r) => (r.allowed ? [r.allowed] : [])))];
  const header = ['CALL', 'FIELD', 'REAL NOVA', 'LAB', 'VERDICT'];
  const lines = rows.map((r) => [r.call, r.path, r.real, r.lab, r.allowed ? `allowed [${reasons.indexOf(r.allowed) + 1}]` : 'DIFFERS']);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const fmt = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  const legend = reasons.map((r, i) => `[${i + 1}] ${r}`);
  return [fmt(header), ...lines.map(fmt), ...(legend.length ? ['', ...legend] : [])].join('\n') + '\n';
}
