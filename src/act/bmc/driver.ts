import type { Redactor } from '../../core/redact.js';
import type { BmcConfig } from '../../config/schema.js';
import type { PowerDriver } from '../openstack/runbook-effects.js';
import { RedfishClient, RedfishError } from './redfish.js';
import { bmcTarget, redfishOptions } from './targets.js';

/**
 * The runbook engine's power port over each hypervisor's Redfish BMC. A reset the BMC
 * refused is an error; one that got no answer is not retried here: the engine waits
 * for the power state and the hypervisor, and judges what happened by observing them.
 */
export function redfishPowerDriver(config: BmcConfig | undefined, configFile: string | undefined, redactor: Redactor): PowerDriver {
  const clients = new Map<string, RedfishClient>();
  const client = (host: string): RedfishClient => {
    let c = clients.get(host);
    if (!c) {
      c = new RedfishClient(bmcTarget(config, configFile, host, redactor), config ? redfishOptions(config) : {});
      clients.set(host, c);
    }
    return c;
  };
  return {
    settleMs: (config?.resetSettleSeconds ?? 30) * 1000,
    async resetEvidence(host) {
      const system = await client(host).system();
      return { lastResetTime: system.lastResetTime, moving: system.powerState === 'PoweringOn' || system.powerState === 'PoweringOff' };
    },
    async state(host) {
      const power = await client(host).powerState();
      return power === 'On' ? 'On' : power === 'Off' ? 'Off' : 'Unknown';
    },
    async reset(host, type) {
      const answer = await client(host).reset(type);
      if (answer.result === 'refused') throw new RedfishError(`BMC of ${host} refused ${type}: ${answer.message}`, answer.status, answer.messageId);
      return answer.result === 'accepted' ? answer.task : undefined;
    },
  };
}
