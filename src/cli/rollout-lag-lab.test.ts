/**
 * (In cli/ because it drives the collector against the lab, which collect/ may not import.)
 * The lab's canary and stable Deployments through the real collector into the
 * rollout-lag detector: in step by default, and one stable behind its canary for
 * the fault's days, with owners, once the rollout-lag fault is applied.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { configSchema } from '../config/schema.js';
import type { CollectContext } from '../collect/types.js';
import { planKubernetes } from '../collect/kubernetes/plan.js';
import { runDetectors } from '../detect/engine.js';
import rolloutLag from '../detect/rules/rollout-lag.js';
import { parseSnapshot } from '../snapshot/io.js';
import { SNAPSHOT_SCHEMA_VERSION, type Snapshot } from '../snapshot/schema.js';
import { generateFleet } from '../lab/fleet/generate.js';
import { healFleet } from '../lab/fleet/heal.js';
import { startLab, type RunningLab } from '../lab/openstack/lab.js';
import { parseFault } from '../lab/scenarios/load.js';

describe('rollout-lag against the lab\'s clusters', () => {
  let lab: RunningLab;
  let kubeconfig: string;

  before(async () => {
    lab = await startLab({ fleet: healFleet(generateFleet({ seed: 'faultline', size: 'small' })), clock: 'manual', sshHosts: false });
    kubeconfig = join(mkdtempSync(join(tmpdir(), 'faultline-rollout-')), 'kubeconfig');
    writeFileSync(kubeconfig, lab.kubernetes!.kubeconfig(), { mode: 0o600 });
  });
  after(() => lab.stop());

  async function scan(): Promise<{ snapshot: Snapshot; now: Date }> {
    const now = new Date(lab.state.now());
    const p = planKubernetes({ config: configSchema.parse({ kubernetes: { kubeconfig, contexts: ['*'], pageSize: 50 } }), env: {}, home: tmpdir(), cwd: tmpdir() });
    if (!('collector' in p)) throw new Error(p.unavailable);
    const ctx = { signal: new AbortController().signal, now: () => now, log: { debug() {}, info() {}, warn() {}, error() {} }, progress: () => undefined, input: {} } as unknown as CollectContext;
    const result = await p.collector.collect(ctx);
    assert.equal(result.status, 'ok', (result.warnings ?? []).join('\n'));
    const snapshot = parseSnapshot({
      schemaVersion: SNAPSHOT_SCHEMA_VERSION,
      collectedAt: now.toISOString(),
      collection: [{ collector: 'kubernetes', status: 'ok', produces: ['kubernetes'], startedAt: now.toISOString(), durationMs: 1 }],
      kubernetes: result.data.kubernetes,
    });
    return { snapshot, now };
  }

  it('healthy: every cluster with workers has an orders canary and stable in step, with their revisions collected', async () => {
    const { snapshot, now } = await scan();
    const withWorkers = lab.kubernetes!.clusters.clusters.filter((c) => c.plan.workers.length > 0);
    for (const lc of withWorkers) {
      const c = snapshot.kubernetes.clusters.find((x) => x.name === lc.name)!;
      const canary = c.workloads.find((w) => w.kind === 'Deployment' && w.name === `${lc.plan.team}-orders-canary`);
      assert.ok(canary, `${lc.name} has the canary`);
      assert.equal(canary.labels['track'], 'canary');
      assert.equal(canary.annotations['deployment.kubernetes.io/revision'], '2');
      assert.match(canary.containers[0]?.image ?? '', /:2\.15\.0$/);
      const sets = c.workloads.filter((w) => w.kind === 'ReplicaSet' && w.owner?.name === canary.name);
      assert.deepEqual(sets.map((s) => [s.annotations['deployment.kubernetes.io/revision'], s.desired]).sort(), [['1', 0], ['2', 1]]);
    }
    const [result] = runDetectors(snapshot, [rolloutLag], { now });
    assert.equal(result!.status, 'pass', JSON.stringify(result!.findings.map((f) => f.message)));
  });

  it('the rollout-lag fault leaves one stable 12 days behind its canary, owners named', async () => {
    const fault = lab.faults.add(parseFault({ id: 'lagging-stable', kind: 'rollout-lag', servers: { role: 'k8s-worker' } }));
    const cluster = lab.kubernetes!.clusters.clusterOf(fault.servers[0]!)!;
    const { snapshot, now } = await scan();
    const [result] = runDetectors(snapshot, [rolloutLag], { now });
    assert.equal(result!.status, 'fail');
    assert.equal(result!.findings.length, 1, JSON.stringify(result!.findings.map((f) => f.message)));
    const f = result!.findings[0]!;
    const team = cluster.plan.team;
    assert.equal(f.resource.id, `${cluster.name}/${team}/Deployment/${team}-orders-stable`);
    assert.equal(f.messageId, 'stableBehind');
    const ev = Object.fromEntries(f.evidence.map((e) => [e.label, e.value]));
    assert.equal(ev['lag_days'], 12);
    assert.equal(ev['canary_revision'], 3);
    assert.equal(ev['owners'], `${team}-platform, ${team}`, 'the owner and team labels');
    assert.equal(ev['deployers'], `${team}-release-1, ${team}-release-2`);
    assert.match(f.message, new RegExp(`from harbor\\.krane\\.local/${team}/${team}-orders:2\\.15\\.0 to harbor\\.krane\\.local/${team}/${team}-orders:2\\.16\\.0`));
  });
});
