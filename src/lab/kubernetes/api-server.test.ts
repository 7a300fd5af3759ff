/**
 * The lab's Kubernetes API as a client sees it over HTTPS: authentication, discovery,
 * lists with paging and selectors, tables, logs, watches, and the node lifecycle that
 * follows the lab's servers. Manual clock, so grace periods pass instantly.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateFleet } from '../fleet/generate.js';
import { healFleet } from '../fleet/heal.js';
import { startLab, type RunningLab } from '../openstack/lab.js';
import { parseFault } from '../scenarios/load.js';
import type { LabCluster } from './clusters.js';
import { kube, target, watch, type KubeTarget } from './testing.js';

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

describe('lab Kubernetes API', () => {
  let lab: RunningLab;
  let cluster: LabCluster;
  let other: LabCluster;
  let t: KubeTarget;

  before(async () => {
    lab = await startLab({ fleet: healFleet(generateFleet({ seed: 'faultline', size: 'small' })), clock: 'manual', sshHosts: false });
    const clusters = lab.kubernetes?.clusters.clusters ?? [];
    cluster = clusters.find((c) => c.plan.masters.length > 0 && c.plan.workers.length >= 3) as LabCluster;
    other = clusters.find((c) => c !== cluster) as LabCluster;
    assert.ok(cluster && other, 'the small fleet has a cluster with a master and three workers, and another');
    t = target(lab, cluster);
  });
  after(() => lab.stop());

  it('serves every cluster the fleet generator made, one node per server', async () => {
    const names = new Set(lab.fleet.servers.map((s) => s.metadata['kubernetes-cluster']).filter(Boolean));
    assert.deepEqual(lab.kubernetes?.clusters.clusters.map((c) => c.name).sort(), [...names].sort());
    const nodes = (await kube(t, '/api/v1/nodes')).body as Json;
    assert.equal(nodes.kind, 'NodeList');
    const servers = [...cluster.plan.masters, ...cluster.plan.workers];
    assert.deepEqual(nodes.items.map((n: Json) => n.metadata.name).sort(), servers.map((s) => s.name).sort());
    for (const n of nodes.items) {
      const s = servers.find((x) => x.name === n.metadata.name)!;
      assert.equal(n.spec.providerID, `openstack:///${s.id}`);
      assert.equal(n.status.nodeInfo.kubeletVersion, cluster.plan.version);
      assert.equal(n.status.conditions.find((c: Json) => c.type === 'Ready').status, 'True');
      assert.equal('node-role.kubernetes.io/control-plane' in n.metadata.labels, s.roles.includes('k8s-control-plane'));
    }
    const leases = (await kube(t, '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases')).body as Json;
    assert.equal(leases.items.length, servers.length);
  });

  it('answers 401 with a Status without a token or with another cluster\'s, but shows /version to anyone', async () => {
    for (const token of [undefined, other.token, 'garbage']) {
      const res = await kube({ ...t, token }, '/api/v1/pods');
      assert.equal(res.status, 401);
      assert.deepEqual([res.body.kind, res.body.reason, res.body.code], ['Status', 'Unauthorized', 401]);
    }
    const v = await kube({ ...t, token: undefined }, '/version');
    assert.equal(v.status, 200);
    assert.equal(v.body.gitVersion, cluster.plan.version);
  });

  it('refuses writes and secrets with 403 Forbidden naming the service account', async () => {
    const del = await kube(t, '/api/v1/namespaces/kube-system/pods/x', { method: 'DELETE' });
    assert.equal(del.status, 403);
    assert.match(del.body.message, /cannot delete resource "pods" in API group "" in the namespace "kube-system"/);
    const secrets = await kube(t, '/api/v1/secrets');
    assert.equal(secrets.status, 403);
    assert.match(secrets.body.message, /cannot list resource "secrets" in API group "" at the cluster scope/);
  });

  it('discovery lists the groups and resources kubectl resolves names with', async () => {
    const api = (await kube(t, '/api')).body as Json;
    assert.deepEqual(api.versions, ['v1']);
    const groups = ((await kube(t, '/apis')).body as Json).groups.map((g: Json) => g.name);
    for (const g of ['apps', 'batch', 'discovery.k8s.io', 'coordination.k8s.io', 'events.k8s.io']) assert.ok(groups.includes(g), g);
    const core = ((await kube(t, '/api/v1')).body as Json).resources;
    assert.ok(core.some((r: Json) => r.name === 'pods/log'));
    assert.deepEqual(core.find((r: Json) => r.name === 'pods').shortNames, ['po']);
    const unknown = await kube(t, '/apis/example.com/v1/things');
    assert.equal(unknown.status, 404);
  });

  it('lists in pages with limit and continue, the pages adding up to the whole list', async () => {
    const all = ((await kube(t, '/api/v1/pods')).body as Json).items.map((p: Json) => `${p.metadata.namespace}/${p.metadata.name}`);
    assert.ok(all.length > 20);
    const paged: string[] = [];
    let token = '';
    let first: Json;
    do {
      const page = (await kube(t, `/api/v1/pods?limit=7${token ? `&continue=${encodeURIComponent(token)}` : ''}`)).body as Json;
      first ??= page;
      assert.ok(page.items.length <= 7);
      paged.push(...page.items.map((p: Json) => `${p.metadata.namespace}/${p.metadata.name}`));
      token = page.metadata.continue ?? '';
    } while (token);
    assert.deepEqual(paged, all);
    assert.equal(first.metadata.remainingItemCount, all.length - 7);
  });

  it('filters with field and label selectors, and rejects fields it cannot select on', async () => {
    const worker = cluster.plan.workers[0]!.name;
    const onNode = ((await kube(t, `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${worker}`)}`)).body as Json).items;
    assert.ok(onNode.length >= 2);
    assert.ok(onNode.every((p: Json) => p.spec.nodeName === worker));
    const calico = ((await kube(t, `/api/v1/namespaces/kube-system/pods?labelSelector=${encodeURIComponent('k8s-app in (calico-node),!missing')}`)).body as Json).items;
    assert.equal(calico.length, cluster.plan.masters.length + cluster.plan.workers.length);
    const notRunning = ((await kube(t, `/api/v1/pods?fieldSelector=${encodeURIComponent('status.phase!=Running,metadata.namespace=kube-system')}`)).body as Json).items;
    assert.deepEqual(notRunning, []);
    const bad = await kube(t, '/api/v1/pods?fieldSelector=spec.color%3Dred');
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /spec\.color/);
    const cron = ((await kube(t, '/api/v1/events')).body as Json).items.find((e: Json) => e.involvedObject.kind === 'CronJob');
    const byObject = ((await kube(t, `/api/v1/events?fieldSelector=${encodeURIComponent(`involvedObject.kind=CronJob,involvedObject.name=${cron.involvedObject.name}`)}`)).body as Json).items;
    assert.ok(byObject.length >= 1 && byObject.every((e: Json) => e.involvedObject.name === cron.involvedObject.name));
  });

  it('prints tables for kubectl, with the object when asked to', async () => {
    const table = (await kube(t, '/api/v1/namespaces/kube-system/pods', { accept: TABLE })).body as Json;
    assert.equal(table.kind, 'Table');
    assert.deepEqual(table.columnDefinitions.map((c: Json) => c.name), ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates']);
    assert.equal(table.rows[0].object.kind, 'PartialObjectMetadata');
    const full = (await kube(t, '/api/v1/nodes?includeObject=Object', { accept: TABLE })).body as Json;
    assert.equal(full.rows[0].object.kind, 'Node');
    assert.equal(full.rows[0].cells[1], 'Ready');
  });

  it('serves pod logs per container, with tailLines, and asks which container of two', async () => {
    const pods = ((await kube(t, `/api/v1/pods?labelSelector=app%3D${cluster.plan.team}-api`)).body as Json).items;
    const pod = pods[0];
    const two = await kube(t, `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/log`);
    assert.equal(two.status, 400);
    assert.match(two.body.message, /a container name must be specified .* choose one of: \[.* istio-proxy\]/);
    const tail = await kube(t, `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/log?container=${cluster.plan.team}-api&tailLines=3`);
    assert.equal(tail.status, 200);
    assert.equal(tail.text.trimEnd().split('\n').length, 3);
    const envoy = await kube(t, `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/log?container=istio-proxy`);
    assert.match(envoy.text, /Envoy proxy is ready/);
  });

  it('a SHUTOFF VM stops heartbeats: Unknown after the grace period, tainted, pods not ready, then evicted', async () => {
    const server = cluster.plan.workers[1]!;
    const node = async (): Promise<Json> => (await kube(t, `/api/v1/nodes/${server.name}`)).body;
    lab.state.stopFromHost(server.id);
    lab.state.advance(30_000);
    assert.equal((await node()).status.conditions.find((c: Json) => c.type === 'Ready').status, 'True', 'still inside the 40 s grace period');
    lab.state.advance(15_000);
    const n = await node();
    const ready = n.status.conditions.find((c: Json) => c.type === 'Ready');
    assert.deepEqual([ready.status, ready.reason, ready.message], ['Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.']);
    assert.deepEqual(n.spec.taints.map((x: Json) => `${x.key}:${x.effect}`), ['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute']);
    const lease = (await kube(t, `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${server.name}`)).body as Json;
    assert.ok(Date.parse(lease.spec.renewTime) <= lab.state.now() - 40_000, 'the lease stopped at the stop');
    const pods = ((await kube(t, `/api/v1/pods?fieldSelector=spec.nodeName%3D${server.name}`)).body as Json).items;
    assert.ok(pods.every((p: Json) => p.status.conditions.find((c: Json) => c.type === 'Ready').status === 'False'));
    const events = ((await kube(t, `/api/v1/namespaces/default/events?fieldSelector=involvedObject.kind%3DNode,involvedObject.name%3D${server.name}`)).body as Json).items;
    assert.equal(events[0]?.reason, 'NodeNotReady');
    lab.state.advance(301_000);
    const later = ((await kube(t, `/api/v1/pods?fieldSelector=spec.nodeName%3D${server.name}`)).body as Json).items;
    const daemon = later.filter((p: Json) => p.metadata.ownerReferences?.[0]?.kind === 'DaemonSet');
    const evictable = later.filter((p: Json) => p.metadata.ownerReferences?.[0]?.kind !== 'DaemonSet');
    assert.ok(daemon.every((p: Json) => !p.metadata.deletionTimestamp), 'DaemonSet pods tolerate unreachable');
    assert.ok(evictable.length > 0 && evictable.every((p: Json) => p.metadata.deletionTimestamp), 'the others are evicted after tolerationSeconds');
  });

  it('an expired continue token is 410 Gone (Expired) once the store compacts', async () => {
    const page = (await kube(t, '/api/v1/pods?limit=5')).body as Json;
    lab.state.advance(6 * 60_000);
    const res = await kube(t, `/api/v1/pods?limit=5&continue=${encodeURIComponent(page.metadata.continue)}`);
    assert.equal(res.status, 410);
    assert.deepEqual([res.body.reason, res.body.code], ['Expired', 410]);
    const garbage = await kube(t, '/api/v1/pods?continue=bm90LWEtdG9rZW4');
    assert.equal(garbage.status, 400);
  });

  it('changes move resourceVersion only on what changed', async () => {
    const a = ((await kube(t, '/api/v1/namespaces/kube-system/pods')).body as Json).items;
    lab.state.advance(10_000);
    const b = ((await kube(t, '/api/v1/namespaces/kube-system/pods')).body as Json).items;
    assert.deepEqual(b.map((p: Json) => p.metadata.resourceVersion), a.map((p: Json) => p.metadata.resourceVersion), 'a heartbeat rewrites leases, not pods');
  });

  it('watches from a resourceVersion: a fault shows up as MODIFIED, bookmarks come when asked for', async () => {
    const list = (await kube(t, '/api/v1/namespaces/kube-system/pods?labelSelector=k8s-app%3Dcalico-node')).body as Json;
    const w = await watch(t, `/api/v1/namespaces/kube-system/pods?watch=true&labelSelector=k8s-app%3Dcalico-node&resourceVersion=${list.metadata.resourceVersion}&allowWatchBookmarks=true&timeoutSeconds=2`);
    const worker = cluster.plan.workers[2]!;
    lab.faults.add(parseFault({ kind: 'calico-crashloop', servers: { name: worker.name } }));
    const ev = await w.until((e) => e.type === 'MODIFIED' && e.object.spec.nodeName === worker.name);
    assert.equal(ev.object.status.containerStatuses[0].state.waiting.reason, 'CrashLoopBackOff');
    await w.until((e) => e.type === 'BOOKMARK');
    await w.ended;
    const log = await kube(t, `/api/v1/namespaces/kube-system/pods/${ev.object.metadata.name}/log?container=calico-node`);
    assert.match(log.text, /bird: Unable to open configuration file \/etc\/calico\/confd\/config\/bird\.cfg: No such file or directory/);
    const old = await watch(t, '/api/v1/pods?watch=true&resourceVersion=1');
    await old.ended;
    assert.deepEqual([old.events[0].type, old.events[0].object.code, old.events[0].object.reason], ['ERROR', 410, 'Expired']);
  });
});
