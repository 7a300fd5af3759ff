import type { Finding } from '../core/findings.js';
import type { FleetIndex } from '../snapshot/fleet-index.js';
import type { Hypervisor, Server } from '../snapshot/schema.js';

/**
 * Where a finding sits in the fleet graph (pod → node → server → hypervisor → disk):
 * the hypervisor it is on, and the server when it is about one. Findings on a
 * host faultline cannot place (a node, an unknown host) have neither.
 */
export interface Placement {
  readonly hypervisor?: Hypervisor;
  readonly server?: Server;
}

export function place(index: FleetIndex, finding: Finding): Placement {
  const r = finding.resource;
  switch (r.kind) {
    case 'server': {
      const server = index.server(r.id);
      if (server) {
        const hv = index.hypervisorOf(server);
        return hv ? { server, hypervisor: hv } : { server };
      }
      const hv = r.parent ? index.hypervisor(r.parent.id) ?? (r.parent.name ? index.hypervisor(r.parent.name) : undefined) : undefined;
      return hv ? { hypervisor: hv } : {};
    }
    case 'hypervisor':
    case 'host': {
      const hv = index.hypervisor(r.id) ?? (r.name ? index.hypervisor(r.name) : undefined);
      return hv ? { hypervisor: hv } : {};
    }
    case 'disk':
    case 'agent':
    case 'service':
    case 'alarm': {
      const p = r.parent;
      const hv = p ? index.hypervisor(p.id) ?? (p.name ? index.hypervisor(p.name) : undefined) : undefined;
      return hv ? { hypervisor: hv } : {};
    }
    default:
      return {};
  }
}
