import { fleet } from '../../snapshot/builders.js';
import { testDetector } from '../tester.js';
import detector from './node-version-skew.js';

testDetector(detector, {
  valid: [
    { name: 'patch versions may differ within one minor', snapshot: fleet().k8s('a', (c) => c.node('n1', { version: 'v1.29.4' }).node('n2', { version: 'v1.29.7' }), { serverVersion: 'v1.29.7' }).build() },
    { name: 'a kubelet three minors behind is within policy', snapshot: fleet().k8s('a', (c) => c.node('n1', { version: 'v1.26.1' }), { serverVersion: 'v1.29.0' }).build() },
  ],
  invalid: [
    {
      name: 'seed 004: a node joined from an old image leaves two minors in one cluster',
      snapshot: fleet().k8s('k8s-shop-pg1-01', (c) => c.node('w1', { version: 'v1.29.4' }).node('w2', { version: 'v1.29.4' }).node('w3', { version: 'v1.27.9' })).build(),
      findings: [
        {
          messageId: 'mixedVersions',
          resource: 'k8s-shop-pg1-01',
          message: 'Cluster k8s-shop-pg1-01 runs 2 kubelet minor versions: 1.27 on 1 node(s), 1.29 on 2 node(s).',
          evidence: { 'kubelet_1.27': 'w3', 'kubelet_1.29': 'w1, w2' },
        },
      ],
    },
    {
      name: 'a kubelet newer than the API server, and one too old',
      snapshot: fleet().k8s('a', (c) => c.node('new', { version: 'v1.30.0' }).node('old', { version: 'v1.25.3' }), { serverVersion: 'v1.29.2' }).build(),
      findings: [
        { messageId: 'mixedVersions' },
        { messageId: 'unsupportedSkew', resource: 'new', severity: 'medium', message: /newer than the API server/ },
        { messageId: 'unsupportedSkew', resource: 'old', message: 'Node old in cluster a runs kubelet v1.25.3 against API server v1.29.2: the kubelet is 4 minor versions older, beyond the 3 the skew policy allows.' },
      ],
    },
  ],
});
