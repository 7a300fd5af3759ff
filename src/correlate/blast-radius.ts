import type { FleetIndex } from '../snapshot/fleet-index.js';
import type { Server } from '../snapshot/schema.js';
import type { AffectedServer, BlastRadius } from './types.js';

/**
 * Who an incident touches: every server at stake (all of a hypervisor's for a
 * host incident), which of them are already hit, the DB servers among them
 * (catalog §4 common rule), their clusters, projects and owners, each counted.
 */
export function blastRadius(index: FleetIndex, atStake: readonly Server[], impacted: ReadonlyMap<string, Server>): BlastRadius {
  const servers: AffectedServer[] = [];
  const seen = new Set<string>();
  for (const s of [...atStake, ...impacted.values()]) {
    if (seen.has(s.id)) continue;
    seen.add(s.id);
    const hv = index.hypervisorOf(s);
    const owners = [...new Set(index.inventoryOf(s).flatMap((e) => e.owners))].sort();
    const project = s.projectName ?? s.projectId;
    const region = s.region ?? hv?.region;
    servers.push({
      id: s.id,
      name: s.name,
      ...(hv ? { hypervisor: hv.name } : s.host ? { hypervisor: s.host } : {}),
      ...(region ? { region } : {}),
      ...(project ? { project } : {}),
      ips: s.addresses.map((a) => a.addr),
      owners,
      db: index.isDatabase(s),
      impacted: impacted.has(s.id),
    });
  }
  // Impacted first, then DB servers, then by name: the order the night engineer reads them in.
  servers.sort((a, b) => Number(b.impacted) - Number(a.impacted) || Number(b.db) - Number(a.db) || a.name.localeCompare(b.name));
  const clusterOf = (id: string): string | undefined => {
    const server = index.server(id);
    return server ? index.clusterOfServer(server) : undefined;
  };
  return radiusOf(servers, servers.map((s) => clusterOf(s.id)).filter((c): c is string => c !== undefined));
}

/** The lists and counts of a blast radius, from its servers (already in reading order) and their clusters. */
export function radiusOf(servers: readonly AffectedServer[], clusterNames: readonly string[]): BlastRadius {
  const dbServers = servers.filter((s) => s.db).map((s) => s.name);
  const clusters = [...new Set(clusterNames)].sort();
  const projects = [...new Set(servers.map((s) => s.project).filter((p): p is string => p !== undefined))].sort();
  const owners = [...new Set(servers.flatMap((s) => s.owners))].sort();
  return {
    servers,
    dbServers,
    clusters,
    projects,
    owners,
    counts: {
      servers: servers.length,
      impactedServers: servers.filter((s) => s.impacted).length,
      dbServers: dbServers.length,
      clusters: clusters.length,
      projects: projects.length,
      owners: owners.length,
    },
  };
}
