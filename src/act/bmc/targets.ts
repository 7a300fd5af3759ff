/**
 * Which BMC powers which hypervisor, from faultline.yaml's `bmc:` section and the
 * inventory file it may name. Every password found is registered with the redactor
 * before anything else can print it: the inventory is not faultline.yaml, so the
 * config loader never saw those.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ConfigError } from '../../core/errors.js';
import type { Redactor } from '../../core/redact.js';
import { bmcEntrySchema, type BmcConfig } from '../../config/schema.js';
import type { BmcTarget, RedfishOptions } from './redfish.js';

export function readBmcInventory(file: string, redactor: Redactor): Map<string, BmcTarget> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError({ file, problem: `cannot read the BMC inventory (${(err as NodeJS.ErrnoException).code ?? 'error'})`, fix: 'point bmc.inventory in faultline.yaml at an existing file, e.g. the bmc.yaml faultline lab writes' });
  }
  let data: unknown;
  try {
    data = parse(text);
  } catch {
    throw new ConfigError({ file, problem: 'is not valid YAML', fix: 'write `hypervisors: {<name>: {address, username, password}}`' });
  }
  redactor.addSecretsFrom(data);
  const hypervisors = (data as { hypervisors?: unknown } | null)?.hypervisors;
  if (hypervisors === null || typeof hypervisors !== 'object' || Array.isArray(hypervisors)) {
    throw new ConfigError({ file, key: 'hypervisors', problem: 'is missing or not a map', fix: 'write `hypervisors: {<name>: {address, username, password}}`' });
  }
  const out = new Map<string, BmcTarget>();
  for (const [name, entry] of Object.entries(hypervisors as Record<string, unknown>)) {
    const parsed = bmcEntrySchema.safeParse(entry);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const key = ['hypervisors', name, ...(issue?.path ?? []).map(String)].join('.');
      throw new ConfigError({ file, key, problem: issue?.message ?? 'is not a BMC entry', fix: 'give address (http(s) URL), username and password' });
    }
    out.set(name, { hypervisor: name, url: parsed.data.address, username: parsed.data.username, password: parsed.data.password });
  }
  return out;
}

/** The BMC of one hypervisor: faultline.yaml's own entry first, then the inventory's. */
export function bmcTarget(config: BmcConfig | undefined, configFile: string | undefined, hypervisor: string, redactor: Redactor): BmcTarget {
  if (!config) throw new ConfigError({ file: configFile, key: 'bmc', problem: 'no BMCs are configured', fix: 'add a bmc: section with hypervisors: or inventory: (see docs/bmc.md)' });
  const own = config.hypervisors[hypervisor];
  if (own) return { hypervisor, url: own.address, username: own.username, password: own.password };
  const fromInventory = config.inventory === undefined ? undefined : readBmcInventory(config.inventory, redactor).get(hypervisor);
  if (fromInventory) return fromInventory;
  throw new ConfigError({
    file: config.inventory ?? configFile,
    key: `hypervisors.${hypervisor}`,
    problem: `no BMC is known for hypervisor ${hypervisor}`,
    fix: `add ${hypervisor} with address, username and password under bmc.hypervisors or to the inventory`,
  });
}

export function redfishOptions(config: BmcConfig): RedfishOptions {
  return {
    requestTimeoutMs: config.requestTimeoutSeconds * 1000,
    powerTimeoutMs: config.powerTimeoutSeconds * 1000,
    pollIntervalMs: config.pollIntervalSeconds * 1000,
    resetSettleMs: config.resetSettleSeconds * 1000,
  };
}
