/**
 * @kubernetes/client-node 1.x (the library faultline's collector will use for kubeconfig
 * handling) against the lab: the kubeconfig loads with its many contexts, typed lists
 * page with continue tokens, and its Watch sees a change.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { generateFleet } from '../fleet/generate.js';
import { healFleet } from '../fleet/heal.js';
import { startLab, type RunningLab } from '../openstack/lab.js';
import { parseFault } from '../scenarios/load.js';
import type { LabCluster } from './clusters.js';

describe('@kubernetes/client-node against the lab', () => {
  let lab: RunningLab;
  let cluster: LabCluster;
  let kc: KubeConfig;

  before(async () => {
    lab = await startLab({ fleet: healFleet(generateFleet({ seed: 'faultline', size: 'small' })), clock: 'manual', sshHosts: false });
    cluster = lab.kubernetes!.clusters.clusters.find((c) => c.plan.workers.length >= 3)!;
    kc = new KubeConfig();
    kc.loadFromString(lab.kubernetes!.kubeconfig());
    kc.setCurrentContext(cluster.name);
  });
  after(() => lab.stop());

  it('loads one context per cluster', () => {
    assert.deepEqual(kc.getContexts().map((c) => c.name).sort(), lab.kubernetes!.clusters.clusters.map((c) => c.name).sort());
  });

  it('lists every pod across pages, typed', async () => {
    const api = kc.makeApiClient(CoreV1Api);
    const whole = await api.listPodForAllNamespaces();
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await api.listPodForAllNamespaces({ limit: 5, _continue: token });
      names.push(...page.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`));
      token = page.metadata?._continue;
    } while (token);
    assert.deepEqual(names, whole.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`));
    const node = await api.readNode({ name: cluster.plan.workers[0]!.name });
    assert.equal(node.spec?.providerID, `openstack:///${cluster.plan.workers[0]!.id}`);
    assert.ok(node.metadata?.creationTimestamp instanceof Date, 'timestamps parse as dates');
  });

  it('watches from the list resourceVersion and sees a node go Unknown', async () => {
    const api = kc.makeApiClient(CoreV1Api);
    const list = await api.listNode();
    const server = cluster.plan.workers[1]!;
    const seen = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no MODIFIED node event')), 5_000);
      void new Watch(kc)
        .watch(
          '/api/v1/nodes',
          { resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: true },
          (type: string, node: { metadata?: { name?: string }; status?: { conditions?: { type: string; status: string }[] } }) => {
            const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
            if (type === 'MODIFIED' && node.metadata?.name === server.name && ready === 'Unknown') {
              clearTimeout(timer);
              resolve(ready);
            }
          },
          (err: unknown) => {
            if (err) reject(err instanceof Error ? err : new Error(String(err)));
          },
        )
        .then((req) => seen.finally(() => req.abort()));
    });
    lab.faults.add(parseFault({ kind: 'vm-hang', servers: { name: server.name } }));
    lab.state.advance(45_000);
    assert.equal(await seen, 'Unknown');
  });
});
