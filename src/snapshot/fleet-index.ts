import type {
  Alarm,
  ComputeService,
  Disk,
  HostFacts,
  Hypervisor,
  InstanceAction,
  InventoryEntry,
  KubernetesCluster,
  KubernetesNode,
  NetworkAgent,
  Probe,
  Region,
  Server,
  Snapshot,
} from './schema.js';

const EMPTY: readonly never[] = Object.freeze([]);

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** The first DNS label, so `com908.pg1.example` and `com908` name the same host. */
export function shortHostName(name: string): string {
  const dot = name.indexOf('.');
  return (dot === -1 ? name : name.slice(0, dot)).toLowerCase();
}

/** Nova encodes a server id in Kubernetes providerIDs as `openstack:///<uuid>` (optionally with a region). */
export function serverIdFromProviderId(providerId: string): string | undefined {
  const m = /^openstack:\/\/[^/]*\/([0-9a-fA-F-]{8,})$/.exec(providerId);
  return m?.[1];
}

/** How a node was tied to its server; the weaker the link, the more the evidence should say so. */
export type NodeMatch = 'providerId' | 'name' | 'address';

export interface NodeServer {
  readonly server: Server;
  readonly by: NodeMatch;
}

/** A node and the cluster it is in. */
export interface ClusterNode {
  readonly cluster: KubernetesCluster;
  readonly node: KubernetesNode;
}

/** Server metadata key the lab and the node-join automation set to the cluster a server was built for. */
export const CLUSTER_METADATA_KEY = 'kubernetes-cluster';

/** Every address a node reports: InternalIP first, as the kubelet registers it. */
function nodeAddresses(node: Pick<KubernetesNode, 'internalIp'> & { addresses?: readonly { address: string }[] }): string[] {
  const out = node.internalIp ? [node.internalIp] : [];
  for (const a of node.addresses ?? []) if (!out.includes(a.address)) out.push(a.address);
  return out;
}

/**
 * Lookups over one immutable snapshot, built once so that detectors stay linear
 * on fleets of 100,000 servers.
 */
export class FleetIndex {
  readonly snapshot: Snapshot;
  private readonly serverById = new Map<string, Server>();
  private readonly serversByName = new Map<string, Server[]>();
  private readonly serverByIp = new Map<string, Server>();
  private readonly serverByInstanceName = new Map<string, Server>();
  private readonly hypervisorByKey = new Map<string, Hypervisor>();
  private readonly serversByHypervisor = new Map<string, Server[]>();
  private readonly actionsByServer = new Map<string, InstanceAction[]>();
  private readonly probesByTarget = new Map<string, Probe>();
  private readonly servicesByHost = new Map<string, ComputeService[]>();
  private readonly agentsByHost = new Map<string, NetworkAgent[]>();
  private readonly factsByHost = new Map<string, HostFacts>();
  private readonly disksByHost = new Map<string, Disk[]>();
  private readonly alarmsByHost = new Map<string, Alarm[]>();
  private readonly regionByName = new Map<string, Region>();
  private readonly inventoryById = new Map<string, InventoryEntry[]>();
  private readonly inventoryByName = new Map<string, InventoryEntry[]>();
  private readonly clusterByName = new Map<string, KubernetesCluster>();
  private readonly nodeServers = new Map<KubernetesNode, NodeServer>();
  private readonly nodeByServer = new Map<string, ClusterNode>();
  private readonly serversByCluster = new Map<string, Server[]>();

  constructor(snapshot: Snapshot) {
    this.snapshot = snapshot;
    for (const r of snapshot.regions) this.regionByName.set(r.name, r);
    for (const h of snapshot.hypervisors) {
      for (const key of [h.id, h.name, h.host, shortHostName(h.name), shortHostName(h.host)]) {
        if (!this.hypervisorByKey.has(key)) this.hypervisorByKey.set(key, h);
      }
    }
    for (const s of snapshot.servers) {
      this.serverById.set(s.id, s);
      push(this.serversByName, s.name, s);
      for (const a of s.addresses) this.serverByIp.set(a.addr, s);
      if (s.instanceName) this.serverByInstanceName.set(s.instanceName, s);
      const hv = this.hypervisorOf(s);
      if (hv) push(this.serversByHypervisor, hv.id, s);
    }
    const actions = [...snapshot.instanceActions].sort((a, b) => b.startTime.localeCompare(a.startTime));
    for (const a of actions) push(this.actionsByServer, a.serverId, a);
    for (const p of snapshot.probes) this.probesByTarget.set(`${p.targetKind}:${p.targetId}`, p);
    for (const c of snapshot.computeServices) push(this.servicesByHost, shortHostName(c.host), c);
    for (const a of snapshot.networkAgents) push(this.agentsByHost, shortHostName(a.host), a);
    for (const f of snapshot.hostFacts) this.factsByHost.set(shortHostName(f.host), f);
    for (const d of snapshot.disks) push(this.disksByHost, shortHostName(d.host), d);
    for (const a of snapshot.alarms) push(this.alarmsByHost, shortHostName(a.host), a);
    for (const e of snapshot.inventory) {
      if (e.match.serverId !== undefined) push(this.inventoryById, e.match.serverId, e);
      if (e.match.serverName !== undefined) push(this.inventoryByName, e.match.serverName, e);
    }
    for (const cluster of snapshot.kubernetes.clusters) {
      this.clusterByName.set(cluster.name, cluster);
      for (const node of cluster.nodes) {
        const hit = this.matchNode(node);
        if (!hit) continue;
        this.nodeServers.set(node, hit);
        if (!this.nodeByServer.has(hit.server.id)) this.nodeByServer.set(hit.server.id, { cluster, node });
      }
    }
    const inventoryCluster = new Map<string, string>();
    for (const e of snapshot.inventory) {
      const c = e.tags['cluster'] ?? e.tags[CLUSTER_METADATA_KEY];
      if (c === undefined) continue;
      if (e.match.serverId) inventoryCluster.set(`id:${e.match.serverId}`, c);
      if (e.match.serverName) inventoryCluster.set(`name:${e.match.serverName}`, c);
    }
    for (const s of snapshot.servers) {
      const c = this.nodeByServer.get(s.id)?.cluster.name ?? s.metadata[CLUSTER_METADATA_KEY] ?? inventoryCluster.get(`id:${s.id}`) ?? inventoryCluster.get(`name:${s.name}`);
      if (c !== undefined) push(this.serversByCluster, c, s);
    }
  }

  private matchNode(node: Pick<KubernetesNode, 'name' | 'providerId' | 'internalIp'> & { addresses?: readonly { address: string }[] }): NodeServer | undefined {
    const byProvider = node.providerId ? serverIdFromProviderId(node.providerId) : undefined;
    const s = byProvider ? this.serverById.get(byProvider) : undefined;
    if (s) return { server: s, by: 'providerId' };
    // A providerID naming a server that is not in the snapshot is a real link we cannot follow; guessing by name would mislead.
    if (byProvider) return undefined;
    const named = this.serversNamed(node.name);
    if (named.length === 1) return { server: named[0] as Server, by: 'name' };
    const short = shortHostName(node.name);
    if (short !== node.name) {
      const shortNamed = this.serversNamed(short);
      if (shortNamed.length === 1) return { server: shortNamed[0] as Server, by: 'name' };
    }
    for (const ip of nodeAddresses(node)) {
      const byIp = this.serverByIp.get(ip);
      if (byIp) return { server: byIp, by: 'address' };
    }
    return undefined;
  }

  server(id: string): Server | undefined {
    return this.serverById.get(id);
  }
  serversNamed(name: string): readonly Server[] {
    return this.serversByName.get(name) ?? EMPTY;
  }
  serverByAddress(ip: string): Server | undefined {
    return this.serverByIp.get(ip);
  }
  serverByInstance(instanceName: string): Server | undefined {
    return this.serverByInstanceName.get(instanceName);
  }
  /** Accepts a hypervisor id, hypervisor_hostname, service host or short host name. */
  hypervisor(key: string): Hypervisor | undefined {
    return this.hypervisorByKey.get(key) ?? this.hypervisorByKey.get(shortHostName(key));
  }
  hypervisorOf(server: Server): Hypervisor | undefined {
    const key = server.hypervisorHostname ?? server.host;
    return key ? this.hypervisor(key) : undefined;
  }
  serversOn(hypervisor: Hypervisor): readonly Server[] {
    return this.serversByHypervisor.get(hypervisor.id) ?? EMPTY;
  }
  /** Newest first. */
  actionsOf(serverId: string): readonly InstanceAction[] {
    return this.actionsByServer.get(serverId) ?? EMPTY;
  }
  probe(kind: Probe['targetKind'], targetId: string): Probe | undefined {
    return this.probesByTarget.get(`${kind}:${targetId}`);
  }
  computeServicesOn(host: string): readonly ComputeService[] {
    return this.servicesByHost.get(shortHostName(host)) ?? EMPTY;
  }
  networkAgentsOn(host: string): readonly NetworkAgent[] {
    return this.agentsByHost.get(shortHostName(host)) ?? EMPTY;
  }
  hostFacts(host: string): HostFacts | undefined {
    return this.factsByHost.get(shortHostName(host));
  }
  disksOn(host: string): readonly Disk[] {
    return this.disksByHost.get(shortHostName(host)) ?? EMPTY;
  }
  alarmsOn(host: string): readonly Alarm[] {
    return this.alarmsByHost.get(shortHostName(host)) ?? EMPTY;
  }
  region(name: string | undefined): Region | undefined {
    return name === undefined ? undefined : this.regionByName.get(name);
  }
  /** Prod unless the region is known to be dev: an unknown zone gets the careful treatment. */
  isProd(server: Server): boolean {
    const region = this.region(server.region ?? this.hypervisorOf(server)?.region);
    return region?.zone !== 'dev';
  }
  /** Inventory entries (roles, owners) that match a server by id, name or host. */
  inventoryOf(server: Server): readonly InventoryEntry[] {
    // Indexed: a CMDB export has an entry per server, and detectors ask once per server.
    const byId = this.inventoryById.get(server.id) ?? EMPTY;
    const byName = this.inventoryByName.get(server.name) ?? EMPTY;
    if (byName.length === 0) return byId;
    if (byId.length === 0) return byName;
    // In the file's order, each entry once (one may match by both id and name).
    const hits = new Set([...byId, ...byName]);
    return this.snapshot.inventory.filter((e) => hits.has(e));
  }
  isDatabase(server: Server): boolean {
    return this.inventoryOf(server).some((e) => e.roles.includes('db'));
  }
  /** Maps a Kubernetes node to its backing server: providerID first, then a unique server name, then an address. */
  serverOfNode(node: { name: string; providerId?: string | undefined; internalIp?: string | undefined; addresses?: readonly { address: string }[] }): Server | undefined {
    return this.nodeServerOf(node)?.server;
  }
  /** The backing server and how it was found. */
  nodeServerOf(node: { name: string; providerId?: string | undefined; internalIp?: string | undefined; addresses?: readonly { address: string }[] }): NodeServer | undefined {
    return this.nodeServers.get(node as KubernetesNode) ?? this.matchNode(node);
  }
  /** The node a server backs, in whichever cluster registered it. */
  nodeOfServer(serverId: string): ClusterNode | undefined {
    return this.nodeByServer.get(serverId);
  }
  cluster(name: string): KubernetesCluster | undefined {
    return this.clusterByName.get(name);
  }
  /**
   * The cluster a server belongs to: the cluster whose node it backs, else the
   * cluster named in its metadata (`kubernetes-cluster`) or its inventory tags.
   */
  clusterOfServer(server: Server): string | undefined {
    return this.nodeByServer.get(server.id)?.cluster.name ?? this.clusterNameFromRecords(server);
  }
  private clusterNameFromRecords(server: Server): string | undefined {
    return server.metadata[CLUSTER_METADATA_KEY] ?? this.inventoryOf(server).map((e) => e.tags['cluster'] ?? e.tags[CLUSTER_METADATA_KEY]).find((c) => c !== undefined);
  }
  /** Every server that backs a node of the cluster or is recorded as built for it. */
  serversOfCluster(name: string): readonly Server[] {
    return this.serversByCluster.get(name) ?? EMPTY;
  }
}

const cache = new WeakMap<Snapshot, FleetIndex>();

/** One index per snapshot, shared by every detector in a run. */
export function indexOf(snapshot: Snapshot): FleetIndex {
  let idx = cache.get(snapshot);
  if (!idx) {
    idx = new FleetIndex(snapshot);
    cache.set(snapshot, idx);
  }
  return idx;
}
