import { isIP } from 'node:net';
import { UsageError } from '../../core/errors.js';
import type { Hypervisor, Server } from '../../snapshot/schema.js';
import { findServerById, isForbidden, listHypervisors, listServers, type RegionClient } from './nova.js';

/** What a command acts on: one server, or a hypervisor and every server on it. */
export type Target =
  | { readonly kind: 'server'; readonly query: string; readonly at: RegionClient; readonly server: Server }
  | { readonly kind: 'hypervisor'; readonly query: string; readonly at: RegionClient; readonly hypervisor: Hypervisor; readonly servers: Server[] };

/** A server together with the region connection that manages it. */
export interface LocatedServer {
  readonly at: RegionClient;
  readonly server: Server;
}

export function serversOf(target: Target): LocatedServer[] {
  return target.kind === 'server' ? [{ at: target.at, server: target.server }] : target.servers.map((server) => ({ at: target.at, server }));
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

export function looksLikeUuid(text: string): boolean {
  return UUID.test(text);
}

/** Nova's name and ip filters are regular expressions: match the text literally and whole. */
export function exactPattern(text: string): string {
  return `^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
}

const shortName = (name: string): string => name.split('.')[0]?.toLowerCase() ?? '';

/**
 * A hypervisor is named by its hypervisor hostname, its compute host, an FQDN
 * whose first label is either, its host IP or its id.
 */
export function hypervisorMatches(h: Hypervisor, text: string): boolean {
  const t = text.toLowerCase();
  if (h.name.toLowerCase() === t || h.host.toLowerCase() === t || h.id === text || (h.hostIp !== undefined && h.hostIp === text)) return true;
  // krane-pg1-com001.example.net names the same host as krane-pg1-com001, in either direction.
  const hasDomain = t.includes('.') && isIP(text) === 0;
  return hasDomain ? shortName(t) === shortName(h.name) || shortName(t) === shortName(h.host) : shortName(h.name) === t || shortName(h.host) === t;
}

function serverMatches(s: Server, text: string): boolean {
  if (s.id === text.toLowerCase()) return true;
  if (isIP(text) !== 0) return s.addresses.some((a) => a.addr === text);
  return s.name === text || (text.includes('.') && s.name === text.split('.')[0]);
}

async function serverCandidates(at: RegionClient, text: string, allProjects: boolean, signal?: AbortSignal): Promise<Server[]> {
  if (looksLikeUuid(text)) {
    const found = await findServerById(at.client, text, signal);
    return found ? [found] : [];
  }
  if (isIP(text) !== 0) return (await listServers(at.client, { ip: exactPattern(text), allProjects }, signal)).filter((s) => serverMatches(s, text));
  const names = [text, ...(text.includes('.') ? [text.split('.')[0] as string] : [])];
  const found = new Map<string, Server>();
  for (const name of names) for (const s of await listServers(at.client, { name: exactPattern(name), allProjects }, signal)) if (serverMatches(s, text)) found.set(s.id, s);
  return [...found.values()];
}

/**
 * The region's hypervisors, or undefined when Nova forbids listing them: the
 * caller is a project member, not an admin, and sees only its project's servers.
 */
async function hypervisorsIfAllowed(at: RegionClient, signal?: AbortSignal): Promise<Hypervisor[] | undefined> {
  try {
    return await listHypervisors(at.client, signal);
  } catch (err) {
    if (isForbidden(err)) return undefined;
    throw err;
  }
}

function describeServer(s: Server): string {
  return `${s.name || '(no name)'} ${s.id} (project ${s.projectId ?? '?'}, host ${s.host ?? '?'}, ${s.status})`;
}

function nothingMatches(query: string, searched: readonly { at: RegionClient; admin: boolean }[]): string {
  const inRegions = searched.length > 1 ? ` in ${searched.length} regions` : '';
  const member = searched.filter((f) => !f.admin);
  if (member.length === searched.length) {
    return `no server of your project matches "${query}" (looked for a server name, FQDN, UUID or IP${inRegions}); hypervisors were not searched: naming a hypervisor needs the admin role, and Nova refused these credentials the hypervisor list (403 Forbidden)`;
  }
  const looked = `no server or hypervisor matches "${query}" (looked for a server name, FQDN, UUID or IP and a hypervisor name, FQDN, IP or id${inRegions})`;
  if (member.length === 0) return looked;
  const regions = member.map((f) => f.at.region ?? '(default)').join(', ');
  return `${looked}; in region ${regions} only your project's servers were searched: naming a hypervisor there needs the admin role (Nova answered 403 to the hypervisor list)`;
}

/**
 * Finds what `text` names: a server (name, FQDN, UUID or IP) or a hypervisor
 * (name, FQDN, host IP or id), across the configured regions. Anything but
 * exactly one match is a UsageError listing the candidates, because acting on
 * the wrong machine is the one mistake these commands must not make. Without
 * the admin role (Nova refuses the hypervisor list) only the servers of the
 * caller's project are searched, and a hypervisor cannot be named.
 */
export async function resolveTarget(clients: readonly RegionClient[], text: string, signal?: AbortSignal): Promise<Target> {
  const query = text.trim();
  if (!query) throw new UsageError('the target is empty: give a server name, FQDN, UUID or IP, or a hypervisor name');
  const found = await Promise.all(
    clients.map(async (at) => {
      // The hypervisor listing tells an admin from a project member, who may not ask for every project's servers.
      const all = await hypervisorsIfAllowed(at, signal);
      const servers = await serverCandidates(at, query, all !== undefined, signal);
      return { at, admin: all !== undefined, hypervisors: (all ?? []).filter((h) => hypervisorMatches(h, query)), servers };
    }),
  );
  const hypervisors = found.flatMap((f) => f.hypervisors.map((hypervisor) => ({ at: f.at, hypervisor })));
  const servers = found.flatMap((f) => f.servers.map((server) => ({ at: f.at, server })));
  if (hypervisors.length + servers.length === 0) throw new UsageError(nothingMatches(query, found));
  if (hypervisors.length + servers.length > 1) {
    const lines = [
      ...hypervisors.map((h) => `  hypervisor ${h.hypervisor.name}${h.hypervisor.region ? ` (region ${h.hypervisor.region})` : ''}`),
      ...servers.map((s) => `  server ${describeServer(s.server)}`),
    ];
    throw new UsageError(`"${query}" is ambiguous; it matches:\n${lines.join('\n')}\nName one of them by server UUID, or by the hypervisor's full name`);
  }
  const hv = hypervisors[0];
  if (hv) {
    const onHost = await listServers(hv.at.client, { host: hv.hypervisor.host }, signal);
    return { kind: 'hypervisor', query, at: hv.at, hypervisor: hv.hypervisor, servers: onHost };
  }
  const only = servers[0] as LocatedServer;
  return { kind: 'server', query, at: only.at, server: only.server };
}
