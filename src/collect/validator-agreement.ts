/**
 * Test support for hand-written validators that stand in for a zod schema on a
 * hot path: from valid samples, every variant one edit away (each field, at any
 * depth, removed, replaced by a value of another kind, or joined by an unknown
 * key), plus random combinations of a few edits. Tests compare the validator's
 * verdict with the schema's on all of them.
 */

type Path = readonly (string | number)[];

/** Values of every JSON kind and a few that only JavaScript has. */
export const ODD_VALUES: readonly unknown[] = [
  undefined, null, '', 'x', 0, -0, 1, -1, 1.5, 4, 6, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY, true, false,
  {}, [], ['x'], [1], { id: 'x' }, { a: 1 }, [{}], new Date(0), 'fixed', 'floating',
];

function paths(value: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [];
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push([...prefix, i], ...paths(v, [...prefix, i]));
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) out.push([...prefix, k], ...paths(v, [...prefix, k]));
  }
  return out;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

function containerAt(root: unknown, path: Path): Record<string | number, unknown> {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  return node;
}

function setAt(root: unknown, path: Path, value: unknown): void {
  containerAt(root, path)[path[path.length - 1] as string | number] = value;
}

function deleteAt(root: unknown, path: Path): void {
  const parent = containerAt(root, path);
  const key = path[path.length - 1] as string | number;
  if (Array.isArray(parent)) parent.splice(key as number, 1);
  else delete parent[key];
}

/** Every variant of `sample` one edit away, with a label saying what changed. */
export function singleEdits(sample: unknown): { label: string; value: unknown }[] {
  const out: { label: string; value: unknown }[] = [];
  for (const path of paths(sample)) {
    const name = path.join('.');
    const removed = clone(sample);
    deleteAt(removed, path);
    out.push({ label: `${name} removed`, value: removed });
    for (const odd of ODD_VALUES) {
      const changed = clone(sample);
      setAt(changed, path, clone(odd));
      out.push({ label: `${name} = ${String(JSON.stringify(odd))}`, value: changed });
    }
  }
  for (const path of [[], ...paths(sample)]) {
    const target = path.length === 0 ? sample : path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], sample);
    if (target === null || typeof target !== 'object' || Array.isArray(target)) continue;
    const extra = clone(sample);
    const node = path.length === 0 ? extra : path.reduce<unknown>((n, key) => (n as Record<string | number, unknown>)[key], extra);
    (node as Record<string, unknown>)['unexpected'] = 'x';
    out.push({ label: `${path.join('.') || '(top)'} + unknown key`, value: extra });
    const proto = clone(sample);
    const protoNode = path.length === 0 ? proto : path.reduce<unknown>((n, key) => (n as Record<string | number, unknown>)[key], proto);
    Object.defineProperty(protoNode, '__proto__', { value: 'x', enumerable: true, configurable: true, writable: true });
    out.push({ label: `${path.join('.') || '(top)'} + own __proto__ key`, value: proto });
  }
  out.push({ label: 'null', value: null }, { label: 'array', value: [sample] }, { label: 'string', value: 'x' });
  return out;
}

/** `count` variants with two to four random edits each, from a fixed seed. */
export function randomEdits(sample: unknown, count: number, seed = 1): { label: string; value: unknown }[] {
  let state = seed >>> 0 || 1;
  const random = (n: number): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % n;
  };
  const out: { label: string; value: unknown }[] = [];
  for (let c = 0; c < count; c++) {
    const value = clone(sample);
    const labels: string[] = [];
    const edits = 2 + random(3);
    for (let e = 0; e < edits; e++) {
      const all = paths(value);
      if (all.length === 0) break;
      const path = all[random(all.length)] as Path;
      if (random(4) === 0) {
        deleteAt(value, path);
        labels.push(`${path.join('.')} removed`);
      } else {
        const odd = ODD_VALUES[random(ODD_VALUES.length)];
        setAt(value, path, clone(odd));
        labels.push(`${path.join('.')} = ${String(JSON.stringify(odd))}`);
      }
    }
    out.push({ label: labels.join(', '), value });
  }
  return out;
}
