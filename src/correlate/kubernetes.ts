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
 * Where a node or pod finding sits: a node names itself (its cluster is the
 * parent); a pod is placed on the node it runs on, looked up in the snapshot.
 */
export function nodeOfFinding(index: FleetIndex, finding: Finding): NodePlacement | undefined {
  const r = finding.resource;
  const clusterName = r.parent?.kind === 'cluster' ? r.parent.id : undefined;
  const { byName } = clustersOf(index, index.snapshot);
  const cluster = clusterName ? byName.get(clusterName) : undefined;
  if (!cluster) return undefined;
  let nodeName: string | undefined;
  if (r.kind === 'node') nodeName = r.name ?? r.id;
  else if (r.kind === 'pod') {
    const [ns, name] = (r.name ?? r.id).split('/');
    nodeName = cluster.pods.find((p) => p.namespace === ns && p.name === name)?.nodeName;
  }
  if (!nodeName) return undefined;
  const node = cluster.nodes.find((n) => n.name === nodeName);
  const server = node ? index.serverOfNode(node) : undefined;
  return { cluster: cluster.name, node: nodeName, ...(server ? { server } : {}) };
}
