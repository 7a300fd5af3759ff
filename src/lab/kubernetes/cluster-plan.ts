/**
 * Which Kubernetes clusters a fleet has and what each one is made of, read from the
 * servers the generator made (`k8s-<team>-<region>-NN-{master,worker}-N`, metadata
 * `kubernetes-cluster`). Everything here is fixed by the fleet, so two labs with the
 * same seed have the same clusters, versions and node names.
 */
import type { LabFleet, LabServer } from '../fleet/types.js';
import { pickIndex } from './naming.js';

export interface ClusterPlan {
  name: string;
  team: string;
  regionId: string;
  availabilityZone: string;
  /** The control plane's version (`v1.28.15`); kubelets run it unless a fault says otherwise. */
  version: string;
  /** When the cluster was made: its first server's launch. */
  createdAt: number;
  masters: LabServer[];
  workers: LabServer[];
  /** The cluster's index in the fleet, for its service and pod address ranges. */
  index: number;
}

/** Releases the lab's clusters run, the last patch of each minor. */
export const CLUSTER_VERSIONS = ['v1.27.16', 'v1.28.15', 'v1.29.10', 'v1.30.6'] as const;

/** `v1.28.15` → 28. */
export function minorOf(version: string): number {
  return Number(/^v1\.(\d+)\./.exec(version)?.[1] ?? 0);
}

/** A version `minorsBehind` minors older than `version`, at a patch such a release really had. */
export function olderVersion(version: string, minorsBehind: number): string {
  const minor = Math.max(20, minorOf(version) - minorsBehind);
  const patches: Record<number, number> = { 20: 15, 21: 14, 22: 17, 23: 17, 24: 17, 25: 16, 26: 15, 27: 16, 28: 15, 29: 10 };
  return `v1.${minor}.${patches[minor] ?? 3}`;
}

export function isMaster(server: LabServer): boolean {
  return server.roles.includes('k8s-control-plane');
}

export function planClusters(fleet: LabFleet): ClusterPlan[] {
  const byName = new Map<string, LabServer[]>();
  for (const s of fleet.servers) {
    const name = s.metadata['kubernetes-cluster'];
    if (!name) continue;
    const list = byName.get(name);
    if (list) list.push(s);
    else byName.set(name, [s]);
  }
  const plans: ClusterPlan[] = [];
  for (const [name, servers] of [...byName].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const sorted = [...servers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const first = sorted.reduce((a, b) => (a.createdAt <= b.createdAt ? a : b));
    const team = /^k8s-([a-z0-9]+)-/.exec(name)?.[1] ?? 'apps';
    plans.push({
      name,
      team,
      regionId: first.regionId,
      availabilityZone: first.availabilityZone,
      version: CLUSTER_VERSIONS[pickIndex(`version/${name}`, CLUSTER_VERSIONS.length)] as string,
      createdAt: first.launchedAt ?? first.createdAt,
      masters: sorted.filter(isMaster),
      workers: sorted.filter((s) => !isMaster(s)),
      index: plans.length,
    });
  }
  return plans;
}
