import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../../core/errors.js';
import { agoMs, faultSchema, scenarioSchema, type FaultSpec, type Scenario } from './schema.js';

/**
 * Where the shipped scenarios are: next to the compiled module when the build copied
 * them (`dist/lab/scenarios`), else in the source tree (`src/lab/scenarios`), found
 * from the module's own location or from the working directory.
 */
export function scenarioDirectory(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [here, resolve(here, '../../../src/lab/scenarios'), resolve(process.cwd(), 'src/lab/scenarios')];
  for (const dir of candidates) {
    if (existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.yaml'))) return dir;
  }
  return candidates[1] as string;
}

/** Names of the shipped scenarios, sorted. */
export function scenarioNames(dir = scenarioDirectory()): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => basename(f, '.yaml'))
    .sort();
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(top level)';
}

/** A fix for the usual zod issues, in words a scenario author can act on. */
function fixFor(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `remove ${issue.keys.join(', ')} (misspelt or not valid here; see docs/lab.md)`;
    case 'invalid_union':
      return 'set kind to one of vm-hang, vm-down, pm-hang, kernel-oops, server-error, unrequested-shutoff, stuck-task, agent-down, alarm, host-facts, guest-async-pf-panic, root-mount-panic, calico-crashloop, node-facts, node-not-joined, kubelet-version-skew, control-plane-workload, service-endpoints, workload-failures, unused-services';
    case 'invalid_value':
      return `use one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_type':
      return `write a ${issue.expected}`;
    case 'too_small':
      return `use at least ${String(issue.minimum)}`;
    default:
      return 'see docs/lab.md for the scenario format';
  }
}

function issuesToError(error: z.ZodError, file: string): ConfigError {
  const first = error.issues[0];
  if (!first) return new ConfigError({ file, problem: 'invalid scenario' });
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem${error.issues.length > 2 ? 's' : ''})` : '';
  return new ConfigError({ file, key: formatPath(first.path), problem: `${first.message}${more}`, fix: fixFor(first) });
}

/** Validates a parsed scenario document; errors name the file, the key and a fix. */
export function parseScenario(doc: unknown, file: string): Scenario {
  const result = scenarioSchema.safeParse(doc);
  if (!result.success) throw issuesToError(result.error, file);
  const scenario = result.data;
  const ids = new Set<string>();
  // The past comes first, oldest moment first: present faults may point at past ones, not the other way round.
  const past = [...scenario.past.entries()].sort(([, a], [, b]) => agoMs(b.ago) - agoMs(a.ago));
  for (const [m, moment] of past) {
    moment.faults.forEach((fault, i) => {
      const key = `past[${m}].faults[${i}]`;
      if (fault.at !== 0) throw new ConfigError({ file, key: `${key}.at`, problem: 'a fault of the past appears at its moment', fix: 'leave `at` out; set the moment\'s `ago` instead' });
      if (fault.id === undefined) throw new ConfigError({ file, key: `${key}.id`, problem: 'a fault of the past needs an id', fix: 'give it an id, so later moments and faults can refer to it' });
      if (ids.has(fault.id)) throw new ConfigError({ file, key: `${key}.id`, problem: `duplicate fault id ${fault.id}`, fix: 'give every fault its own id' });
      for (const ref of sameAsRefs(fault)) {
        if (!ids.has(ref.id)) throw new ConfigError({ file, key: `${key}.${ref.key}.sameAs`, problem: `no earlier fault has id ${ref.id}`, fix: 'point sameAs at a fault of an earlier moment (or earlier in this one)' });
      }
      ids.add(fault.id);
    });
    const refs = [
      ...moment.counts.map((c, i) => ({ key: `past[${m}].counts[${i}].fault`, id: c.fault })),
      ...moment.clear.map((id, i) => ({ key: `past[${m}].clear[${i}]`, id })),
      ...moment.ownerStarts.map((id, i) => ({ key: `past[${m}].ownerStarts[${i}]`, id })),
      ...moment.forget.map((id, i) => ({ key: `past[${m}].forget[${i}]`, id })),
      ...moment.operator.map((o, i) => ({ key: `past[${m}].operator[${i}].fault`, id: o.fault })),
    ];
    for (const ref of refs) {
      if (!ids.has(ref.id)) throw new ConfigError({ file, key: ref.key, problem: `no fault of this or an earlier moment has id ${ref.id}`, fix: 'name a fault of the past that appears at or before this moment' });
    }
  }
  scenario.faults.forEach((fault, i) => {
    if (fault.id !== undefined) {
      if (ids.has(fault.id)) throw new ConfigError({ file, key: `faults[${i}].id`, problem: `duplicate fault id ${fault.id}`, fix: 'give every fault its own id' });
      ids.add(fault.id);
    }
    for (const ref of sameAsRefs(fault)) {
      if (!ids.has(ref.id)) {
        throw new ConfigError({ file, key: `faults[${i}].${ref.key}.sameAs`, problem: `no earlier fault has id ${ref.id}`, fix: 'point sameAs at the id of a fault listed before this one' });
      }
    }
  });
  return scenario;
}

function sameAsRefs(fault: FaultSpec): { key: string; id: string }[] {
  const out: { key: string; id: string }[] = [];
  if ('servers' in fault) {
    if (fault.servers.sameAs) out.push({ key: 'servers', id: fault.servers.sameAs });
    if (fault.servers.on?.sameAs) out.push({ key: 'servers.on', id: fault.servers.on.sameAs });
  }
  if ('hypervisor' in fault && fault.hypervisor.sameAs) out.push({ key: 'hypervisor', id: fault.hypervisor.sameAs });
  return out;
}

/** Parses YAML text; syntax errors name the line. */
export function parseScenarioText(text: string, file: string): Scenario {
  const doc = parseDocument(text, { prettyErrors: true });
  const err = doc.errors[0];
  if (err) {
    const line = err.linePos?.[0]?.line;
    throw new ConfigError({ file, key: line ? `line ${line}` : undefined, problem: err.message.split('\n')[0] ?? 'invalid YAML', fix: 'fix the YAML syntax' });
  }
  return parseScenario(doc.toJS(), file);
}

/**
 * Loads a scenario by shipped name (`pm-hang`) or by file path (anything with a `/`
 * or ending in `.yaml`/`.yml`).
 */
export function loadScenario(nameOrFile: string, dir = scenarioDirectory()): Scenario {
  const isFile = nameOrFile.includes('/') || /\.ya?ml$/i.test(nameOrFile);
  const file = isFile ? resolve(nameOrFile) : join(dir, `${nameOrFile}.yaml`);
  if (!existsSync(file)) {
    const names = scenarioNames(dir);
    throw new ConfigError({
      file: isFile ? file : undefined,
      problem: isFile ? 'scenario file not found' : `unknown scenario ${nameOrFile}`,
      fix: `use one of ${names.join(', ') || '(none found in ' + dir + ')'}, or a path to a scenario .yaml file`,
    });
  }
  return parseScenarioText(readFileSync(file, 'utf8'), file);
}

/** Validates one fault as given to the admin API. */
export function parseFault(body: unknown): FaultSpec {
  const result = faultSchema.safeParse(body);
  if (!result.success) throw issuesToError(result.error, 'request body');
  return result.data;
}
