/**
 * Label and field selectors as the API server parses them: `a=b,c!=d,e in (f,g),!h`
 * for labels, `spec.nodeName=n,status.phase!=Failed` for fields (with `\,`, `\=` and
 * `\\` escapes). A selector that does not parse is the client's mistake: 400.
 */

export class SelectorError extends Error {}

type LabelRequirement =
  | { key: string; op: 'eq' | 'neq'; value: string }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | 'notexists' };

export type LabelSelector = (labels: Readonly<Record<string, string>> | undefined) => boolean;

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;
const VALUE = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?)?$/;

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

function checkKey(key: string): string {
  if (!KEY.test(key)) throw new SelectorError(`unable to parse requirement: invalid label key "${key}"`);
  return key;
}

function checkValue(value: string): string {
  if (!VALUE.test(value)) throw new SelectorError(`unable to parse requirement: invalid label value: "${value}"`);
  return value;
}

function parseRequirement(text: string): LabelRequirement {
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(text);
  if (set) {
    const values = (set[3] as string).split(',').map((v) => checkValue(v.trim()));
    return { key: checkKey(set[1] as string), op: set[2] as 'in' | 'notin', values };
  }
  const cmp = /^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/.exec(text);
  if (cmp) return { key: checkKey(cmp[1] as string), op: cmp[2] === '!=' ? 'neq' : 'eq', value: checkValue((cmp[3] as string).trim()) };
  if (text.startsWith('!')) return { key: checkKey(text.slice(1).trim()), op: 'notexists' };
  return { key: checkKey(text), op: 'exists' };
}

export function parseLabelSelector(text: string | null): LabelSelector | null {
  if (text === null || text.trim() === '') return null;
  const reqs = splitTopLevel(text).map(parseRequirement);
  return (labels) => {
    const l = labels ?? {};
    for (const r of reqs) {
      const has = Object.prototype.hasOwnProperty.call(l, r.key);
      const v = l[r.key];
      switch (r.op) {
        case 'eq':
          if (v !== r.value) return false;
          break;
        case 'neq':
          if (v === r.value) return false;
          break;
        case 'in':
          if (!has || !r.values.includes(v as string)) return false;
          break;
        case 'notin':
          if (has && r.values.includes(v as string)) return false;
          break;
        case 'exists':
          if (!has) return false;
          break;
        case 'notexists':
          if (has) return false;
          break;
      }
    }
    return true;
  };
}

export interface FieldRequirement {
  field: string;
  negate: boolean;
  value: string;
}

/** Splits on unescaped commas, then each term on its first unescaped `!=`, `==` or `=`. */
export function parseFieldSelector(text: string | null): FieldRequirement[] {
  if (text === null || text.trim() === '') return [];
  const terms: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\' && i + 1 < text.length) {
      current += c + (text[i + 1] as string);
      i++;
    } else if (c === ',') {
      terms.push(current);
      current = '';
    } else current += c;
  }
  terms.push(current);
  const unescape = (s: string): string => s.replace(/\\(.)/g, '$1');
  return terms
    .filter((t) => t.trim() !== '')
    .map((term) => {
      for (let i = 0; i < term.length; i++) {
        if (term[i] === '\\') {
          i++;
          continue;
        }
        if (term.startsWith('!=', i)) return { field: term.slice(0, i).trim(), negate: true, value: unescape(term.slice(i + 2)) };
        if (term.startsWith('==', i)) return { field: term.slice(0, i).trim(), negate: false, value: unescape(term.slice(i + 2)) };
        if (term[i] === '=') return { field: term.slice(0, i).trim(), negate: false, value: unescape(term.slice(i + 1)) };
      }
      throw new SelectorError(`invalid selector: '${text}'; can't understand '${term}'`);
    });
}
