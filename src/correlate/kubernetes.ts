import type { Finding } from '../core/findings.js';
import { shortHostName, type FleetIndex } from '../snapshot/fleet-index.js';
import type { Server } from '../snapshot/schema.js';

/** A Kubernetes finding's node, and the server behind that node when it maps. */
export interface NodePlacement {
  readonly cluster: string;
  readonly node: string;
  readonly server?: Server;
}

/**
 * Where a node or pod finding sits. A node's id is `<cluster>/<node>` with its
 * cluster as parent; a scheduled pod names its node as parent (id
 * `<cluster>/<node>`); an unscheduled pod has its cluster as parent and no node.
 */
export function nodeOfFinding(index: FleetIndex, finding: Finding): NodePlacement | undefined {
  const r = finding.resource;
  let clusterName: string | undefined;
  let nodeName: string | undefined;
  if (r.kind === 'node') {
    clusterName = r.parent?.kind === 'cluster' ? r.parent.id : splitNodeId(r.id)?.cluster;
    nodeName = r.name ?? splitNodeId(r.id)?.node;
  } else if (r.kind === 'pod' && r.parent?.kind === 'node') {
    const parts = splitNodeId(r.parent.id);
    clusterName = parts?.cluster;
    nodeName = r.parent.name ?? parts?.node;
  } else if (r.kind === 'pod' && r.parent?.kind === 'cluster') {
    // Not scheduled: it sits in its cluster, on no node.
    return index.cluster(r.parent.id) ? { cluster: r.parent.id, node: '' } : undefined;
  } else if (r.kind === 'server' || r.kind === 'host') {
    // Host facts read on a node VM, or a server that should be a node: the VM names the node.
    const server = r.kind === 'server' ? index.server(r.id) : uniqueServer(index, r.name ?? r.id);
    if (!server) return undefined;
    const registered = index.nodeOfServer(server.id);
    const cluster = registered?.cluster.name ?? index.clusterOfServer(server);
    return cluster ? { cluster, node: registered?.node.name ?? server.name, server } : undefined;
  } else return undefined;
  const cluster = clusterName ? index.cluster(clusterName) : undefined;
  if (!cluster || !nodeName) return undefined;
  const node = cluster.nodes.find((n) => n.name === nodeName);
  // A node that never joined has no Node object; its server is found by name, as the kubelet would have registered it.
  const server = node ? index.serverOfNode(node) : index.serverOfNode({ name: nodeName });
  return { cluster: cluster.name, node: nodeName, ...(server ? { server } : {}) };
}

function uniqueServer(index: FleetIndex, host: string): Server | undefined {
  const named = index.serversNamed(host);
  if (named.length === 1) return named[0];
  const byShort = index.serversNamed(shortHostName(host));
  return byShort.length === 1 ? byShort[0] : undefined;
}

/** `<cluster>/<node>`: cluster names carry no slash, so the first one splits them. */
function splitNodeId(id: string): { cluster: string; node: string } | undefined {
  const i = id.indexOf('/');
  return i > 0 ? { cluster: id.slice(0, i), node: id.slice(i + 1) } : undefined;
}
