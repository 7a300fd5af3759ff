/**
 * Writes to a lab cluster with its administrator token, as the API server answers them:
 * what is created is listed, watched and survives the simulator's rebuilds; duplicates,
 * bodies that contradict their URL and unknown fields under strict validation are
 * refused; dry runs store nothing; the read-only token still may not write.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateFleet } from '../fleet/generate.js';
import { healFleet } from '../fleet/heal.js';
import { startLab, type RunningLab } from '../openstack/lab.js';
import type { LabCluster } from './clusters.js';
import { kube, target, watch, type KubeTarget } from './testing.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const SA = '/api/v1/namespaces/ops/serviceaccounts';
const DEPLOYMENTS = '/apis/apps/v1/namespaces/ops/deployments';

const deployment = (containers: Json[]): Json => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers } } },
});

describe('writes to a lab cluster', () => {
  let lab: RunningLab;
  let cluster: LabCluster;
  let admin: KubeTarget;
  let reader: KubeTarget;

  before(async () => {
    lab = await startLab({ fleet: healFleet(generateFleet({ seed: 'faultline', size: 'small' })), clock: 'manual', sshHosts: false });
    cluster = lab.kubernetes!.clusters.clusters[0]!;
    admin = target(lab, cluster, cluster.adminToken);
    reader = target(lab, cluster);
    const ns = await kube(admin, '/api/v1/namespaces', { method: 'POST', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ops' } } });
    assert.equal(ns.status, 201, ns.text);
  });
  after(() => lab.stop());

  it('creates an object (201, with uid, creation time and resourceVersion) that get and list then show', async () => {
    const made = await kube(admin, SA, { method: 'POST', body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' } } });
    assert.equal(made.status, 201, made.text);
    assert.equal(made.body.metadata.namespace, 'ops');
    assert.match(made.body.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.ok(Number(made.body.metadata.resourceVersion) > 0);
    const got = await kube(admin, `${SA}/robot`);
    assert.equal(got.body.metadata.uid, made.body.metadata.uid);
    const listed = (await kube(reader, '/api/v1/serviceaccounts')).body.items.map((o: Json) => `${o.metadata.namespace}/${o.metadata.name}`);
    assert.ok(listed.includes('ops/robot'));
  });

  it('keeps what a client wrote across the simulator\'s rebuilds (an hour of lab time)', async () => {
    await kube(admin, '/api/v1/namespaces/ops/configmaps', { method: 'POST', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kept' }, data: { a: '1' } } });
    lab.state.advance(60 * 60_000);
    const got = await kube(reader, '/api/v1/namespaces/ops/configmaps/kept');
    assert.equal(got.status, 200);
    assert.deepEqual(got.body.data, { a: '1' });
    // The simulator's own objects are still there beside it.
    assert.ok((await kube(reader, '/api/v1/namespaces/kube-system/pods')).body.items.length > 0);
  });

  it('answers 409 AlreadyExists for a second create, and 404 for a namespace that does not exist', async () => {
    const again = await kube(admin, SA, { method: 'POST', body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' } } });
    assert.deepEqual([again.status, again.body.reason], [409, 'AlreadyExists']);
    assert.match(again.body.message, /serviceaccounts "robot" already exists/);
    const nowhere = await kube(admin, '/api/v1/namespaces/nope/serviceaccounts', { method: 'POST', body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'x' } } });
    assert.deepEqual([nowhere.status, nowhere.body.reason], [404, 'NotFound']);
    assert.match(nowhere.body.message, /namespaces "nope" not found/);
  });

  it('refuses a body whose kind, namespace or name contradicts the request, and unknown fields when validation is strict', async () => {
    const kind = await kube(admin, SA, { method: 'POST', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } } });
    assert.equal(kind.status, 400);
    const ns = await kube(admin, SA, { method: 'POST', body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'x', namespace: 'default' } } });
    assert.equal(ns.status, 400);
    assert.match(ns.body.message, /namespace of the provided object does not match/);
    const name = await kube(admin, SA, { method: 'POST', body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'Bad_Name' } } });
    assert.deepEqual([name.status, name.body.reason], [422, 'Invalid']);
    const strict = await kube(admin, `${SA}?fieldValidation=Strict`, { method: 'POST', body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'x' }, colour: 'red' } });
    assert.equal(strict.status, 400);
    assert.match(strict.body.message, /unknown field "colour"/);
    assert.equal((await kube(admin, `${SA}/x`)).status, 404, 'nothing refused was stored');
  });

  it('stores nothing for a dry run, yet answers with the object', async () => {
    const dry = await kube(admin, `${SA}?dryRun=All`, { method: 'POST', body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'ghost' } } });
    assert.equal(dry.status, 201);
    assert.equal(dry.body.metadata.name, 'ghost');
    assert.equal((await kube(admin, `${SA}/ghost`)).status, 404);
  });

  it('server-side apply creates, then replaces a client\'s object (fields it drops go), bumping generation only on a spec change', async () => {
    const apply = (body: Json) => kube(admin, `${DEPLOYMENTS}/web?fieldManager=kubectl&force=false`, { method: 'PATCH', contentType: 'application/apply-patch+yaml', body });
    const first = await apply(deployment([{ name: 'web', image: 'nginx:1.27', env: [{ name: 'A', value: '1' }] }]));
    assert.equal(first.status, 201, first.text);
    assert.equal(first.body.metadata.generation, 1);
    const same = await apply(deployment([{ name: 'web', image: 'nginx:1.27', env: [{ name: 'A', value: '1' }] }]));
    assert.equal(same.status, 200);
    assert.equal(same.body.metadata.generation, 1);
    assert.equal(same.body.metadata.uid, first.body.metadata.uid);
    const changed = await apply(deployment([{ name: 'web', image: 'nginx:1.28' }]));
    assert.equal(changed.body.metadata.generation, 2);
    assert.equal(changed.body.spec.template.spec.containers[0].env, undefined);
    const noManager = await kube(admin, `${DEPLOYMENTS}/web`, { method: 'PATCH', contentType: 'application/apply-patch+yaml', body: deployment([]) });
    assert.equal(noManager.status, 400);
    assert.match(noManager.body.message, /fieldManager: Required value/);
  });

  it('merges a strategic merge patch by the list\'s merge key (containers by name) and obeys $patch: delete', async () => {
    await kube(admin, DEPLOYMENTS, { method: 'POST', body: { ...deployment([{ name: 'app', image: 'a:1' }, { name: 'sidecar', image: 's:1' }]), metadata: { name: 'two', labels: { app: 'web' } } } });
    const patch = { spec: { template: { spec: { containers: [{ name: 'sidecar', image: 's:2' }, { name: 'app', $patch: 'delete' }, { name: 'extra', image: 'e:1' }] } } } };
    const res = await kube(admin, `${DEPLOYMENTS}/two`, { method: 'PATCH', contentType: 'application/strategic-merge-patch+json', body: patch });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(
      res.body.spec.template.spec.containers.map((c: Json) => `${c.name}=${c.image}`),
      ['sidecar=s:2', 'extra=e:1'],
    );
    const merge = await kube(admin, `${DEPLOYMENTS}/two`, { method: 'PATCH', contentType: 'application/merge-patch+json', body: { metadata: { labels: { tier: 'front' } } } });
    assert.deepEqual(merge.body.metadata.labels, { app: 'web', tier: 'front' });
  });

  it('tells watchers about a created object, and deletes what a client made but not the simulator\'s own objects', async () => {
    const rv = (await kube(reader, '/api/v1/namespaces/ops/configmaps')).body.metadata.resourceVersion;
    const w = await watch(reader, `/api/v1/namespaces/ops/configmaps?watch=true&resourceVersion=${rv}`);
    try {
      await kube(admin, '/api/v1/namespaces/ops/configmaps', { method: 'POST', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'seen' } } });
      await w.until((e) => e.type === 'ADDED' && e.object.metadata.name === 'seen');
      const gone = await kube(admin, '/api/v1/namespaces/ops/configmaps/seen', { method: 'DELETE' });
      assert.equal(gone.status, 200);
      await w.until((e) => e.type === 'DELETED' && e.object.metadata.name === 'seen');
    } finally {
      w.close();
    }
    const pod = (await kube(admin, '/api/v1/namespaces/kube-system/pods')).body.items[0];
    const refused = await kube(admin, `/api/v1/namespaces/kube-system/pods/${pod.metadata.name}`, { method: 'DELETE' });
    assert.equal(refused.status, 403);
    assert.equal((await kube(admin, `/api/v1/namespaces/kube-system/pods/${pod.metadata.name}`)).status, 200);
  });

  it('still refuses every write with the read-only token, and secrets stay hidden from it', async () => {
    const res = await kube(reader, SA, { method: 'POST', body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sneaky' } } });
    assert.equal(res.status, 403);
    await kube(admin, '/api/v1/namespaces/ops/secrets', { method: 'POST', body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { password: 'hunter2' } } });
    assert.equal((await kube(reader, '/api/v1/namespaces/ops/secrets/s')).status, 403);
    const secret = (await kube(admin, '/api/v1/namespaces/ops/secrets/s')).body;
    assert.deepEqual(secret.data, { password: Buffer.from('hunter2').toString('base64') });
    assert.equal(secret.stringData, undefined);
    assert.equal(secret.type, 'Opaque');
  });

  it('serves the OpenAPI v3 index and the PATCH operations kubectl checks for fieldValidation', async () => {
    const root = (await kube(reader, '/openapi/v3')).body;
    const url: string = root.paths['apis/apps/v1'].serverRelativeURL;
    assert.match(url, /^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]+$/);
    const doc = (await kube(reader, url)).body;
    const patch = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
    assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: 'apps', version: 'v1', kind: 'Deployment' });
    assert.ok(patch.parameters.some((p: Json) => p.name === 'fieldValidation' && p.in === 'query'));
  });
});
