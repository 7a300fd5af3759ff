import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { ConfigError, errorMessage } from '../core/errors.js';

/** A parsed configuration file that can say which line a key sits on. */
export interface ConfigSource {
  readonly file: string;
  readonly data: unknown;
  /** 1-based line of the key at `path` (or of its nearest existing parent); undefined when unknown. */
  lineOf(path: readonly PropertyKey[]): number | undefined;
}

export interface ParseOptions {
  /**
   * YAML 1.1 for files other tools read with YAML 1.1 parsers (clouds.yaml is read
   * by PyYAML, kubeconfig by go-yaml), so `verify: no` means what it means to them.
   * Faultline's own file uses YAML 1.2.
   */
  readonly yamlVersion?: '1.1' | '1.2';
}

/**
 * Renders a key path the way an operator writes it in YAML:
 * `detectors.server-error.severity`, `suppressions[2].reason`, `zones["eu.west"]`.
 */
export function formatKey(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else {
      const name = String(part);
      if (/^[\w-]+$/.test(name)) out += out ? `.${name}` : name;
      else out += `[${JSON.stringify(name)}]`;
    }
  }
  return out || '(top level)';
}

/** Parses YAML text; a syntax error becomes a ConfigError naming the file, line and column. */
export function parseYamlSource(text: string, file: string, options: ParseOptions = {}): ConfigSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, version: options.yamlVersion ?? '1.2' });
  const first = doc.errors[0];
  if (first) {
    const at = lineCounter.linePos(first.pos[0]);
    throw new ConfigError({
      file,
      problem: `YAML syntax error at line ${at.line}, column ${at.col}: ${describeYamlError(first.code, first.message)}`,
      fix: 'correct the YAML at that line (check indentation, a missing colon or an unclosed quote or bracket)',
    });
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ConfigError({ file, problem: `cannot read YAML: ${errorMessage(err)}`, fix: 'remove recursive or excessive aliases' });
  }
  return { file, data, lineOf: (path) => locate(doc, lineCounter, path) };
}

/** Parses JSON text (files named `.json`, read as JSON the way their own tools do). */
export function parseJsonSource(text: string, file: string): ConfigSource {
  try {
    return { file, data: JSON.parse(text) as unknown, lineOf: () => undefined };
  } catch (err) {
    throw new ConfigError({ file, problem: `JSON syntax error: ${errorMessage(err)}`, fix: 'correct the JSON, or rename the file to .yaml to write YAML' });
  }
}

/** Parses text as JSON or YAML, chosen by the file's name. */
export function parseConfigText(text: string, file: string, options: ParseOptions = {}): ConfigSource {
  return file.endsWith('.json') ? parseJsonSource(text, file) : parseYamlSource(text, file, options);
}

/** Reads and parses a file, choosing JSON or YAML by its name. */
export function readConfigSource(file: string, options: ParseOptions = {}): ConfigSource {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError({ file, problem: `cannot read the file: ${errorMessage(err)}`, fix: 'check the path and its permissions' });
  }
  return parseConfigText(text, file, options);
}

/** The yaml library's messages repeat the position and quote the source; keep only the first sentence. */
function describeYamlError(code: string, message: string): string {
  const firstLine = message.split('\n')[0] ?? message;
  const text = firstLine.replace(/ at line \d+, column \d+:?$/, '').trim();
  return text || code;
}

/** Walks the document along `path`, remembering the position of the deepest key found. */
function locate(doc: Document, lineCounter: LineCounter, path: readonly PropertyKey[]): number | undefined {
  let node: unknown = doc.contents;
  let offset: number | undefined = (doc.contents as Node | null)?.range?.[0];
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(part));
      if (!pair) break;
      offset = (pair.key as Node).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof part === 'number') {
      const item = node.items[part];
      if (!item) break;
      offset = (item as Node).range?.[0] ?? offset;
      node = item;
    } else break;
  }
  return offset === undefined ? undefined : lineCounter.linePos(offset).line;
}

/** `~` and `~/x` become the home directory; relative paths are taken from `base`. */
export function resolvePath(path: string, base: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return resolve(home, path.slice(2));
  return isAbsolute(path) ? path : resolve(base, path);
}
