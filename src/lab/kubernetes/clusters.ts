/**
 * The lab's Kubernetes clusters as control planes: each keeps its objects in a store
 * and, whenever it is asked (or watched), brings them in line with the fleet. The
 * node lifecycle works as kube-controller-manager's does: a kubelet whose VM is
 * SHUTOFF, hung or on a hung hypervisor stops renewing its Lease; once the lease is
 * older than the node monitor grace period the node's conditions go Unknown, it is
 * tainted unreachable, its pods are marked not ready, and after the taints'
 * tolerationSeconds they are evicted (left Terminating, as no kubelet confirms).
 */
import { randomBytes } from 'node:crypto';
import { PowerState, type LabServer } from '../fleet/types.js';
import type { LabState } from '../openstack/state.js';
import type { LabFaults } from '../scenarios/faults.js';
import { olderVersion, planClusters, type ClusterPlan, isMaster } from './cluster-plan.js';
import { buildClusterObjects, buildLeases, NODE_MONITOR_GRACE_MS, type ClusterFaultView, type ClusterObjects, type ClusterShape, type NodeState } from './cluster-objects.js';
import { ClusterStore, objectKey, type KubeObject } from './store.js';

/** Leases renew every 10 s, as the kubelet's do. */
const HEARTBEAT_BUCKET_MS = 10_000;
/** Everything else that moves with time alone is redone once a minute. */
const REBUILD_BUCKET_MS = 60_000;

/** The fault kinds that act on clusters rather than on OpenStack. */
export const KUBERNETES_FAULT_KINDS = ['calico-crashloop', 'node-not-joined', 'kubelet-version-skew', 'control-plane-workload', 'service-endpoints', 'workload-failures', 'unused-services'] as const;

export class LabCluster {
  readonly store = new ClusterStore(1000);
  /** The bearer token of the cluster's read-only service account. */
  readonly token: string;
  /** The bearer token of the cluster's administrator (kubeconfig-admin): may also create, apply and delete. */
  readonly adminToken: string;
  /**
   * Objects clients wrote (by store resource, then key). The simulator states the whole
   * cluster on every rebuild, so these are laid over what it states rather than kept
   * in the store alone, where the next rebuild would delete them.
   */
  private readonly written = new Map<string, Map<string, KubeObject>>();
  private readonly nodes = new Map<string, NodeState>();
  private syncedRevision = '';
  private syncedBucket = -1;
  private syncedFull = '';

  constructor(
    readonly plan: ClusterPlan,
    readonly owner: LabClusters,
  ) {
    this.token = `${randomBytes(6).toString('hex')}.${randomBytes(24).toString('base64url')}`;
    this.adminToken = `${randomBytes(6).toString('hex')}.${randomBytes(24).toString('base64url')}`;
    const now = owner.state.now();
    for (const s of [...plan.masters, ...plan.workers]) {
      const lastRenew = owner.kubeletAlive(s) ? now : Math.min(now, owner.deathTime(s));
      this.nodes.set(s.id, { server: s, flavor: owner.state.flavors.get(s.flavorId), kubeletVersion: plan.version, lastRenew, unknownSince: null });
    }
  }

  get name(): string {
    return this.plan.name;
  }

  /** The node of a server, as the lifecycle controller sees it now. */
  node(serverId: string): NodeState | undefined {
    this.sync();
    return this.nodes.get(serverId);
  }

  /**
   * Brings the store in line with the fleet. A full rebuild happens when a fault, a
   * server's state or a node's condition changed, or a minute passed (ages of events,
   * CronJob runs, restart counts); between those a heartbeat renews only the leases.
   */
  sync(): void {
    const now = this.owner.state.now();
    const revision = `${this.owner.revision}:${this.owner.state.serverStateRevision}`;
    const bucket = Math.floor(now / HEARTBEAT_BUCKET_MS);
    if (revision === this.syncedRevision && bucket === this.syncedBucket) return;
    const view = this.owner.faultView(this.plan.name);
    const joined = this.observeNodes(view, now);
    const nodeSignature = joined.map((n) => `${n.unknownSince ?? ''}/${n.kubeletVersion}`).join(',');
    const full = `${revision}|${Math.floor(now / REBUILD_BUCKET_MS)}|${nodeSignature}`;
    if (full !== this.syncedFull) this.store.replace(this.withWritten(buildClusterObjects(this.plan, joined, view, now, this.owner.shape)), now);
    else this.store.replace(buildLeases(this.plan, joined), now, { partial: true });
    this.syncedFull = full;
    this.syncedRevision = revision;
    this.syncedBucket = bucket;
  }

  /** Whether a client wrote this object (the simulator's own objects are not the client's to delete). */
  isWritten(resource: string, key: string): boolean {
    return this.written.get(resource)?.has(key) ?? false;
  }

  /** Keeps a client's object and shows it at once (a full rebuild, so the store holds it beside the simulator's). */
  write(resource: string, object: KubeObject): void {
    let map = this.written.get(resource);
    if (!map) {
      map = new Map();
      this.written.set(resource, map);
    }
    map.set(objectKey(object), object);
    this.syncedFull = '';
    this.syncedRevision = '';
    this.sync();
  }

  remove(resource: string, key: string): void {
    this.written.get(resource)?.delete(key);
    this.syncedFull = '';
    this.syncedRevision = '';
    this.sync();
  }

  private withWritten(objects: ClusterObjects): ClusterObjects {
    for (const [resource, map] of this.written) {
      // A client's apply of an object the simulator also states wins, as the last write does in etcd.
      const list = (objects.get(resource) ?? []).filter((o) => !map.has(objectKey(o)));
      // A copy each time: the store strips and stamps resourceVersions on what it is given.
      for (const o of map.values()) list.push(structuredClone(o));
      objects.set(resource, list);
    }
    return objects;
  }

  /** The node lifecycle controller's pass: renew live kubelets' leases, mark silent ones Unknown. Returns the joined nodes. */
  private observeNodes(view: ClusterFaults, now: number): NodeState[] {
    const joined: NodeState[] = [];
    for (const n of this.nodes.values()) {
      n.kubeletVersion = view.kubeletVersions.get(n.server.id) ?? this.plan.version;
      if (this.owner.kubeletAlive(n.server)) {
        n.lastRenew = now;
        n.unknownSince = null;
      } else {
        // The kubelet renewed until its VM went quiet, which may be after the last time anyone looked.
        n.lastRenew = Math.min(now, Math.max(n.lastRenew, this.owner.deathTime(n.server)));
        if (n.unknownSince === null && now - n.lastRenew > NODE_MONITOR_GRACE_MS) n.unknownSince = n.lastRenew + NODE_MONITOR_GRACE_MS;
      }
      if (!view.notJoined.has(n.server.id)) joined.push(n);
    }
    return joined.sort((a, b) => Number(isMaster(b.server)) - Number(isMaster(a.server)) || (a.server.name < b.server.name ? -1 : 1));
  }
}

export interface ClusterFaults extends ClusterFaultView {
  kubeletVersions: ReadonlyMap<string, string>;
}

const EMPTY_VIEW = (): ClusterFaults => ({ notJoined: new Set(), calicoCrashloop: new Map(), controlPlaneWorkload: null, serviceEndpoints: null, workloadFailures: null, workloadFailureNodes: new Set(), rolloutLag: null, unusedServices: null, kubeletVersions: new Map() });

/** Every cluster of the fleet, their tokens, and what the faults in force do to them. */
export class LabClusters {
  readonly clusters: LabCluster[];
  readonly byName = new Map<string, LabCluster>();
  readonly byToken = new Map<string, LabCluster>();
  readonly byAdminToken = new Map<string, LabCluster>();
  private readonly clusterOfServer = new Map<string, string>();
  private views: Map<string, ClusterFaults> | null = null;
  private faultRevision = 0;

  constructor(
    readonly state: LabState,
    readonly faults: LabFaults,
    readonly shape: ClusterShape = {},
  ) {
    faults.onChange(() => {
      this.faultRevision++;
      this.views = null;
    });
    this.clusters = planClusters(state.fleet).map((plan) => new LabCluster(plan, this));
    for (const c of this.clusters) {
      this.byName.set(c.name, c);
      this.byToken.set(c.token, c);
      this.byAdminToken.set(c.adminToken, c);
      for (const s of [...c.plan.masters, ...c.plan.workers]) this.clusterOfServer.set(s.id, c.name);
    }
  }

  /** Moves whenever a fault changes: the clusters rebuild on their next sync. */
  get revision(): number {
    this.faults.tick();
    return this.faultRevision;
  }

  clusterOf(serverId: string): LabCluster | undefined {
    const name = this.clusterOfServer.get(serverId);
    return name ? this.byName.get(name) : undefined;
  }

  /** Brings every watched cluster up to date, so watchers see changes without asking. */
  syncWatched(): void {
    for (const c of this.clusters) if (c.store.watcherCount > 0) c.sync();
  }

  kubeletAlive(server: LabServer): boolean {
    if (server.vmState !== 'active' || server.powerState !== PowerState.RUNNING) return false;
    // A kubelet stopped on the VM (after a reboot, refused to start with swap on) renews nothing though the VM answers.
    return this.faults.reachability(server.ip) === 'ok' && !this.faults.kubeletStopped(server.id);
  }

  /** When a server that is not answering stopped: its stop, its host's silence, or the fault that hung it. */
  deathTime(server: LabServer): number {
    if (server.vmState !== 'active' || server.powerState !== PowerState.RUNNING) return server.updatedAt;
    const service = this.state.computeService(server.host);
    if (this.faults.reachability(this.state.hypervisorByHost.get(server.host)?.hostIp ?? '') === 'down' && service?.lastHeartbeatAt) return service.lastHeartbeatAt;
    const kubeletStopped = this.faults.kubeletStoppedAt(server.id);
    if (kubeletStopped !== undefined) return kubeletStopped;
    const fault = this.faults.list().find((f) => f.status === 'active' && f.servers.includes(server.id));
    return fault?.appliedAt ?? this.state.now();
  }

  faultView(cluster: string): ClusterFaults {
    if (!this.views) {
      const views = new Map<string, ClusterFaults>();
      const viewOf = (serverId: string): ClusterFaults | null => {
        const name = this.clusterOfServer.get(serverId);
        if (!name) return null;
        let v = views.get(name);
        if (!v) {
          v = EMPTY_VIEW();
          views.set(name, v);
        }
        return v;
      };
      for (const f of this.faults.list()) {
        if (f.status !== 'active' || f.appliedAt === null) continue;
        const spec = f.spec;
        for (const id of f.servers) {
          const v = viewOf(id);
          if (!v) continue;
          const plan = this.byName.get(this.clusterOfServer.get(id) as string)?.plan;
          switch (spec.kind) {
            case 'calico-crashloop':
              (v.calicoCrashloop as Map<string, { since: number; restarts: number; countedFrom: number }>).set(id, { since: f.appliedAt - spec.sinceMinutes * 60_000, restarts: spec.restarts, countedFrom: f.appliedAt });
              break;
            case 'node-not-joined':
              (v.notJoined as Set<string>).add(id);
              break;
            case 'kubelet-version-skew':
              if (plan) (v.kubeletVersions as Map<string, string>).set(id, olderVersion(plan.version, spec.minorsBehind));
              break;
            case 'control-plane-workload':
              v.controlPlaneWorkload = f.appliedAt;
              break;
            case 'service-endpoints':
              v.serviceEndpoints = f.appliedAt;
              break;
            case 'workload-failures':
              v.workloadFailures = f.appliedAt;
              (v.workloadFailureNodes as Set<string>).add(id);
              break;
            case 'rollout-lag':
              v.rolloutLag = f.appliedAt - spec.days * 86_400_000;
              break;
            case 'unused-services':
              v.unusedServices = f.appliedAt;
              break;
            default:
              break;
          }
        }
      }
      this.views = views;
    }
    return this.views.get(cluster) ?? EMPTY_VIEW();
  }
}
