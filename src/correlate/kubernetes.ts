import type { Finding } from '../core/findings.js';
import type { FleetIndex } from '../snapshot/fleet-index.js';
import type { Server, Snapshot } from '../snapshot/schema.js';

/** A Kubernetes finding's node, and the server behind that node when it maps. */
export interface NodePlacement {
  readonly cluster: string;
  readonly node: string;
  readonly server?: Server;
}

type Cluster = Snapshot['kubernetes']['clusters'][number];

const clusterIndex = new WeakMap<Snapshot, { byName: Map<string, Cluster>; serverCluster: Map<string, string> }>();

/** Built once per snapshot: clusters by name, and which cluster each mapped server is a node of. */
function clustersOf(index: FleetIndex, snapshot: Snapshot): { byName: Map<string, Cluster>; serverCluster: Map<string, string> } {
  let c = clusterIndex.get(snapshot);
  if (!c) {
    const byName = new Map<string, Cluster>();
    const serverCluster = new Map<string, string>();
    for (const cluster of snapshot.kubernetes.clusters) {
      byName.set(cluster.name, cluster);
      for (const n of cluster.nodes) {
        const s = index.serverOfNode(n);
        if (s && !serverCluster.has(s.id)) serverCluster.set(s.id, cluster.name);
      }
    }
    c = { byName, serverCluster };
    clusterIndex.set(snapshot, c);
  }
  return c;
}

/**
 * The cluster a server is a node of: from the collected clusters when it maps,
 * else from the inventory's `cluster` tag.
 */
export function clusterOfServer(index: FleetIndex, snapshot: Snapshot, serverId: string, _name: string): string | undefined {
  const mapped = clustersOf(index, snapshot).serverCluster.get(serverId);
  if (mapped) return mapped;
  const server = index.server(serverId);
  if (!server) return undefined;
  for (const e of index.inventoryOf(server)) {
    const tag = e.tags['cluster'];
    if (tag) return tag;
  }
  return undefined;
}

/**
 * Where a node or pod finding sits. A node's id is `<cluster>/<node>` with its
 * cluster as parent; a scheduled pod names its node as parent (id
 * `<cluster>/<node>`); an unscheduled pod has its cluster as parent and no node.
 */
export function nodeOfFinding(index: FleetIndex, finding: Finding): NodePlacement | undefined {
  const r = finding.resource;
  const { byName } = clustersOf(index, index.snapshot);
  let clusterName: string | undefined;
  let nodeName: string | undefined;
  if (r.kind === 'node') {
    clusterName = r.parent?.kind === 'cluster' ? r.parent.id : splitNodeId(r.id)?.cluster;
    nodeName = r.name ?? splitNodeId(r.id)?.node;
  } else if (r.kind === 'pod' && r.parent?.kind === 'node') {
    const parts = splitNodeId(r.parent.id);
    clusterName = parts?.cluster;
    nodeName = r.parent.name ?? parts?.node;
  } else return undefined;
  const cluster = clusterName ? byName.get(clusterName) : undefined;
  if (!cluster || !nodeName) return undefined;
  const node = cluster.nodes.find((n) => n.name === nodeName);
  // A node that never joined has no Node object; its server is found by name, as the kubelet would have registered it.
  const server = node ? index.serverOfNode(node) : index.serverOfNode({ name: nodeName });
  return { cluster: cluster.name, node: nodeName, ...(server ? { server } : {}) };
}

/** `<cluster>/<node>`: cluster names carry no slash, so the first one splits them. */
function splitNodeId(id: string): { cluster: string; node: string } | undefined {
  const i = id.indexOf('/');
  return i > 0 ? { cluster: id.slice(0, i), node: id.slice(i + 1) } : undefined;
}
