import type { DataKey } from '../core/data-keys.js';
import type { FaultlineConfig } from '../config/schema.js';
import { createAlarmCollector } from './alarms/index.js';
import { createInventoryFileCollector } from './inventory/file.js';
import type { Collector } from './types.js';

/** A collector faultline knows about, and whether this configuration can run it. */
export interface PlannedCollector {
  readonly id: string;
  readonly produces: readonly DataKey[];
  readonly collector?: Collector;
  /** Why it will not run, in words that tell the operator what to configure. */
  readonly unavailable?: string;
}

const seconds = (s: number | undefined): number | undefined => (s === undefined ? undefined : Math.round(s * 1000));

/**
 * Every collector faultline has, resolved against one configuration. Sources that
 * need something not configured are listed with the reason, so `faultline
 * detectors` can say which checks this setup cannot make.
 */
export function planCollectors(config: FaultlineConfig): PlannedCollector[] {
  const enabled = (id: string): boolean => config.collectors?.[id]?.enabled !== false;
  const timeout = (id: string, fallback?: number): number | undefined => seconds(config.collectors?.[id]?.timeoutSeconds ?? fallback);
  const plan: PlannedCollector[] = [];

  const openstackKeys: DataKey[] = ['regions', 'servers', 'hypervisors', 'computeServices', 'networkAgents', 'instanceActions'];
  plan.push({
    id: 'openstack',
    produces: openstackKeys,
    unavailable: 'the OpenStack API collector is not part of this version yet; replay a snapshot with --from',
  });
  plan.push({ id: 'probes', produces: ['probes'], unavailable: 'the ICMP/SSH reachability probe is not part of this version yet' });
  plan.push({ id: 'hosts', produces: ['hostFacts', 'disks'], unavailable: 'the SSH host-facts collector is not part of this version yet' });
  plan.push({ id: 'kubernetes', produces: ['kubernetes'], unavailable: 'the Kubernetes collector is not part of this version yet' });

  if (!config.alarms) plan.push({ id: 'alarms', produces: ['alarms'], unavailable: 'no alarm feed configured (set alarms.source in faultline.yaml)' });
  else if (!enabled('alarms')) plan.push({ id: 'alarms', produces: ['alarms'], unavailable: 'disabled in config (collectors.alarms.enabled: false)' });
  else {
    const t = timeout('alarms', config.alarms.timeoutSeconds);
    plan.push({
      id: 'alarms',
      produces: ['alarms'],
      collector: createAlarmCollector({
        source: config.alarms.source,
        format: config.alarms.format,
        ...(config.alarms.headers ? { headers: config.alarms.headers } : {}),
        ...(t !== undefined ? { timeoutMs: t } : {}),
      }),
    });
  }

  if (!config.inventory) plan.push({ id: 'inventory', produces: ['inventory'], unavailable: 'no inventory configured (set inventory.file in faultline.yaml)' });
  else if (!enabled('inventory')) plan.push({ id: 'inventory', produces: ['inventory'], unavailable: 'disabled in config (collectors.inventory.enabled: false)' });
  else {
    const c = createInventoryFileCollector(config.inventory.file);
    const t = timeout('inventory');
    plan.push({ id: 'inventory', produces: ['inventory'], collector: t === undefined ? c : { ...c, timeoutMs: t } });
  }
  return plan;
}

/** Which data keys this configuration can collect, and for the others why not. */
export function coverage(plan: readonly PlannedCollector[]): Map<DataKey, { ok: boolean; by: string; reason?: string }> {
  const out = new Map<DataKey, { ok: boolean; by: string; reason?: string }>();
  for (const p of plan) {
    for (const key of p.produces) {
      const prev = out.get(key);
      if (p.collector) out.set(key, { ok: true, by: p.id });
      else if (!prev) out.set(key, { ok: false, by: p.id, reason: p.unavailable ?? 'unavailable' });
    }
  }
  return out;
}
