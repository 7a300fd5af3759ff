/**
 * Debian's python3-kubernetes (a client nobody here wrote) against the lab's API
 * server: its kubeconfig loader takes the lab's file, paging with `limit` and
 * `_continue` reaches every pod the lab holds, a pod's log reads, and a continue
 * token the store has compacted away raises ApiException with status 410, as
 * against a real API server.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { generateFleet } from '../fleet/generate.js';
import { healFleet } from '../fleet/heal.js';
import { startLab, type RunningLab } from '../openstack/lab.js';
import type { LabCluster } from './clusters.js';

const PYTHON = '/usr/bin/python3';
const PAGE = 7;

/**
 * Phase 1 pages through every pod, reads a log and keeps a first page's token; it
 * then waits for a line on stdin (the test moves the lab clock past compaction
 * meanwhile) and tries that token again.
 */
const SCRIPT = `
import json, sys
from kubernetes import client, config
from kubernetes.client.rest import ApiException
config.load_kube_config(config_file=sys.argv[1], context=sys.argv[2])
v1 = client.CoreV1Api()
limit = int(sys.argv[3])
names, token, pages = [], None, 0
while True:
    kw = {"limit": limit}
    if token:
        kw["_continue"] = token
    page = v1.list_pod_for_all_namespaces(**kw)
    pages += 1
    names += [p.metadata.namespace + "/" + p.metadata.name for p in page.items]
    token = page.metadata._continue
    if not token:
        break
calico = [p for p in v1.list_namespaced_pod("kube-system", label_selector="k8s-app=calico-node").items]
log = v1.read_namespaced_pod_log(calico[0].metadata.name, "kube-system", container="calico-node", tail_lines=20)
held = v1.list_pod_for_all_namespaces(limit=limit).metadata._continue
print(json.dumps({"names": names, "pages": pages, "logPod": calico[0].metadata.name, "log": log}), flush=True)
sys.stdin.readline()
try:
    v1.list_pod_for_all_namespaces(limit=limit, _continue=held)
    print(json.dumps({"expired": None}), flush=True)
except ApiException as e:
    print(json.dumps({"expired": e.status, "reason": json.loads(e.body).get("reason")}), flush=True)
`;

interface Listed {
  names: string[];
  pages: number;
  logPod: string;
  log: string;
}

describe('python3-kubernetes against the lab', () => {
  let lab: RunningLab;
  let dir: string;
  let cluster: LabCluster;
  let listed: Listed;
  /** The pods the lab held when the client paged: read before the clock moves, since a CronJob may start a new Job once it does. */
  let held: string[];
  let expired: { expired: number | null; reason?: string };
  let stderr = '';

  before(async () => {
    lab = await startLab({ fleet: healFleet(generateFleet({ seed: 'faultline', size: 'small' })), clock: 'manual', sshHosts: false });
    cluster = lab.kubernetes!.clusters.clusters.find((c) => c.plan.workers.length >= 2)!;
    dir = await mkdtemp(join(tmpdir(), 'fl-pykube-'));
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, lab.kubernetes!.kubeconfig(), { mode: 0o600 });
    await writeFile(join(dir, 'client.py'), SCRIPT);
    const child = spawn(PYTHON, [join(dir, 'client.py'), kubeconfig, cluster.name, String(PAGE)], { env: { PATH: '/usr/bin:/bin', HOME: dir }, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const next = async (): Promise<unknown> => {
      const r = await Promise.race([lines.next(), exited.then(() => ({ done: true as const, value: undefined }))]);
      if (r.done) throw new Error(`python3-kubernetes exited early:\n${stderr}`);
      return JSON.parse(r.value as string);
    };
    listed = (await next()) as Listed;
    held = cluster.store.list('pods').map((o) => o.key);
    // Past the store's compaction window: the next write compacts what the token points at.
    lab.state.advance(6 * 60_000);
    child.stdin.end('\n');
    expired = (await next()) as typeof expired;
    assert.equal(await exited, 0, stderr);
  });
  after(async () => {
    await lab.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('pages through every pod in all namespaces with limit and _continue', () => {
    assert.ok(held.length > PAGE * 2, `${held.length} pods: enough for several pages`);
    assert.equal(listed.names.length, held.length);
    assert.deepEqual(new Set(listed.names), new Set(held));
    assert.equal(listed.pages, Math.ceil(held.length / PAGE));
  });

  it('reads a container\'s log', () => {
    assert.match(listed.logPod, /^calico-node-/);
    assert.ok(listed.log.trim().length > 0, 'the log has lines');
  });

  it('a compacted continue token raises ApiException with status 410 (Expired)', () => {
    assert.deepEqual(expired, { expired: 410, reason: 'Expired' });
  });
});
