import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fleet, type ClusterBuilder } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector, { imageRepository, pairContainers } from './rollout-lag.js';

const NOW = '2026-01-01T00:00:00Z';
const IMG = (v: string): string => `harbor.krane.local/shop/orders:${v}`;
const daysAgo = (d: number): string => new Date(Date.parse(NOW) - d * 86_400_000).toISOString();

interface Stage {
  readonly images: readonly string[];
  /** The ReplicaSets' images and creation days ago, oldest revision first; the last is current. */
  readonly history: readonly (readonly [string, number])[];
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly name?: string;
  readonly container?: string;
}

/** A Deployment with one ReplicaSet per revision, as the Deployment controller leaves them (old ones scaled to 0). */
function stage(c: ClusterBuilder, track: string, s: Stage): ClusterBuilder {
  const name = s.name ?? `orders-${track}`;
  const container = s.container ?? 'orders';
  const revision = String(s.history.length);
  c.workload('Deployment', `shop/${name}`, {
    labels: { app: 'orders', track, ...s.labels },
    annotations: { 'deployment.kubernetes.io/revision': revision, ...s.annotations },
    selector: { app: 'orders', track },
    containers: s.images.map((image, i) => ({ name: i === 0 ? container : `sidecar-${i}`, image })),
  });
  s.history.forEach(([image, ago], i) =>
    c.workload('ReplicaSet', `shop/${name}-${i + 1}abc`, {
      owner: { kind: 'Deployment', name },
      annotations: { 'deployment.kubernetes.io/revision': String(i + 1) },
      createdAt: daysAgo(ago),
      desired: i === s.history.length - 1 ? 2 : 0,
      containers: [{ name: container, image }, ...s.images.slice(1).map((img, j) => ({ name: `sidecar-${j + 1}`, image: img }))],
    }),
  );
  return c;
}

const owned = { owner: 'shop-platform', 'faultline.io/deployers': 'kim.b, kim.c,kim.d' };
const snap = (build: (c: ClusterBuilder) => void) => fleet().at(NOW).k8s('k8s-shop-pg1-01', build).build();

testDetector(detector, {
  valid: [
    {
      name: 'the stable already runs the canary\'s image',
      snapshot: snap((c) => {
        stage(c, 'canary', { images: [IMG('2.15.0')], history: [[IMG('2.14.3'), 40], [IMG('2.15.0'), 20]] });
        stage(c, 'stable', { images: [IMG('2.15.0')], history: [[IMG('2.14.3'), 38], [IMG('2.15.0'), 15]] });
      }),
    },
    {
      name: 'the canary moved five days ago: within the seven allowed',
      snapshot: snap((c) => {
        stage(c, 'canary', { images: [IMG('2.15.0')], history: [[IMG('2.14.3'), 40], [IMG('2.15.0'), 5]] });
        stage(c, 'stable', { images: [IMG('2.14.3')], history: [[IMG('2.14.3'), 38]] });
      }),
    },
    {
      name: 'a longer allowance from the config',
      snapshot: snap((c) => {
        stage(c, 'canary', { images: [IMG('2.15.0')], history: [[IMG('2.14.3'), 40], [IMG('2.15.0'), 12]] });
        stage(c, 'stable', { images: [IMG('2.14.3')], history: [[IMG('2.14.3'), 38]] });
      }),
      options: { maxLagDays: 14 },
    },
    {
      name: 'a canary without a stable is no pair',
      snapshot: snap((c) => stage(c, 'canary', { images: [IMG('2.15.0')], history: [[IMG('2.14.3'), 40], [IMG('2.15.0'), 30]] })),
    },
    {
      name: 'stages of different services are not compared',
      snapshot: snap((c) => {
        stage(c, 'canary', { images: [IMG('2.15.0')], history: [[IMG('2.14.3'), 40], [IMG('2.15.0'), 30]] });
        stage(c, 'stable', { images: [IMG('2.14.3')], history: [[IMG('2.14.3'), 38]], labels: { app: 'payments' } });
      }),
    },
    {
      name: 'without the canary\'s ReplicaSets the lag cannot be dated',
      snapshot: snap((c) => {
        c.workload('Deployment', 'shop/orders-canary', { labels: { app: 'orders', track: 'canary' }, annotations: { 'deployment.kubernetes.io/revision': '2' }, containers: [{ name: 'orders', image: IMG('2.15.0') }] });
        stage(c, 'stable', { images: [IMG('2.14.3')], history: [[IMG('2.14.3'), 38]] });
      }),
    },
    {
      name: 'containers with nothing in common are not compared',
      snapshot: snap((c) => {
        stage(c, 'canary', { images: ['docker.io/library/nginx:1.25'], history: [['docker.io/library/nginx:1.24', 40], ['docker.io/library/nginx:1.25', 30]], container: 'web' });
        stage(c, 'stable', { images: [IMG('2.14.3')], history: [[IMG('2.14.3'), 38]] });
      }),
    },
  ],
  invalid: [
    {
      name: 'seed 004: the stable lags its canary by 12 days; owner and rollout owners named',
      snapshot: snap((c) => {
        stage(c, 'canary', { images: [IMG('2.15.0')], history: [[IMG('2.14.3'), 40], [IMG('2.15.0'), 12]], annotations: owned });
        stage(c, 'stable', { images: [IMG('2.14.3')], history: [[IMG('2.14.3'), 38]], annotations: owned });
      }),
      findings: [
        {
          messageId: 'stableBehind',
          resource: 'Deployment shop/orders-stable',
          severity: 'low',
          message:
            'Deployment shop/orders-stable in cluster k8s-shop-pg1-01 has been behind its canary shop/orders-canary for 12 days (allowed 7): the canary moved from harbor.krane.local/shop/orders:2.14.3 to harbor.krane.local/shop/orders:2.15.0 on 2025-12-20; owner shop-platform, rollouts by kim.b, kim.c, kim.d.',
          evidence: { canary_revision: 2, canary_changed_at: '2025-12-20T00:00:00.000Z', lag_days: 12, owners: 'shop-platform', deployers: 'kim.b, kim.c, kim.d' },
        },
      ],
    },
    {
      name: 'the lag counts from the first revision after the one the stable runs, not from the newest',
      snapshot: snap((c) => {
        stage(c, 'canary', { images: [IMG('2.16.0')], history: [[IMG('2.14.3'), 40], [IMG('2.15.0'), 20], [IMG('2.16.0'), 2]] });
        stage(c, 'stable', { images: [IMG('2.14.3')], history: [[IMG('2.14.3'), 38]] });
      }),
      findings: [{ messageId: 'stableBehind', message: /for 20 days .*from harbor.krane.local\/shop\/orders:2\.14\.3 to harbor.krane.local\/shop\/orders:2\.16\.0 on 2025-12-12; owner unknown, rollouts by unknown\.$/, evidence: { canary_revision: 2, lag_days: 20 } }],
    },
    {
      name: 'a stable on an image the canary never ran is dated from the canary\'s current revision',
      snapshot: snap((c) => {
        stage(c, 'canary', { images: [IMG('2.15.0')], history: [[IMG('2.15.0'), 9]], labels: { team: 'shop' } });
        stage(c, 'blue-green', { images: [IMG('2.13.0-hotfix')], history: [[IMG('2.13.0-hotfix'), 38]], labels: { 'app.kubernetes.io/name': 'orders' } });
      }),
      findings: [
        {
          messageId: 'stableNotFromCanary',
          message: 'Deployment shop/orders-blue-green in cluster k8s-shop-pg1-01 runs harbor.krane.local/shop/orders:2.13.0-hotfix, which its canary shop/orders-canary has not run in its retained history; the canary has run harbor.krane.local/shop/orders:2.15.0 for 9 days (allowed 7); owner shop, rollouts by unknown.',
          evidence: { canary_revision: 1, lag_days: 9 },
        },
      ],
    },
    {
      name: 'a renamed canary container is paired with the stable\'s by image repository; sidecars that agree are left out',
      snapshot: snap((c) => {
        stage(c, 'canary', { images: [IMG('2.15.0'), 'docker.io/istio/proxyv2:1.20.3'], history: [[IMG('2.14.3'), 40], [IMG('2.15.0'), 10]], container: 'orders-canary' });
        stage(c, 'stable', { images: [IMG('2.14.3'), 'docker.io/istio/proxyv2:1.20.3'], history: [[IMG('2.14.3'), 38]] });
      }),
      findings: [{ messageId: 'stableBehind', evidence: { 'image_orders-canary': 'stable harbor.krane.local/shop/orders:2.14.3, canary harbor.krane.local/shop/orders:2.15.0', lag_days: 10 } }],
    },
  ],
});

describe('rollout-lag helpers', () => {
  it('reads an image\'s repository without its tag, digest or registry port confusion', () => {
    assert.equal(imageRepository('harbor.krane.local/shop/orders:2.15.0'), 'harbor.krane.local/shop/orders');
    assert.equal(imageRepository('harbor:5000/shop/orders'), 'harbor:5000/shop/orders');
    assert.equal(imageRepository('harbor:5000/shop/orders:1@sha256:abc'), 'harbor:5000/shop/orders');
  });
  it('pairs containers by name first, then by repository, and never twice', () => {
    const paired = pairContainers(
      [{ name: 'app', image: 'r/app:2' }, { name: 'app-canary', image: 'r/app:3' }],
      [{ name: 'app', image: 'r/app:1' }],
    );
    assert.deepEqual(paired, [{ container: 'app', canary: 'r/app:2', stable: 'r/app:1' }]);
  });
});
