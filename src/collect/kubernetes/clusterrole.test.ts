/** The ClusterRole in docs grants exactly the requests the collector makes: no more, no less. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { LISTED_RESOURCES, METRICS_PATH } from './resources.js';

const MANIFEST = join(import.meta.dirname, '..', '..', '..', 'deploy', '10-reader-rbac.yaml');

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  nonResourceURLs?: string[];
  verbs: string[];
}

describe('deploy/10-reader-rbac.yaml', () => {
  const docs = parseAllDocuments(readFileSync(MANIFEST, 'utf8')).map((d) => d.toJS() as { kind: string; rules?: Rule[]; roleRef?: { name: string }; metadata: { name: string } });
  const role = docs.find((d) => d.kind === 'ClusterRole')!;

  it('lists exactly the resources the collector lists, with the list verb only', () => {
    const granted = role.rules!.filter((r) => r.resources).flatMap((r) => {
      assert.deepEqual(r.verbs, ['list'], 'read-only: list is all the collector does');
      return r.apiGroups!.flatMap((g) => r.resources!.map((res) => `${g}/${res}`));
    });
    const used = LISTED_RESOURCES.map((r) => `${r.group}/${r.plural}`);
    assert.deepEqual([...granted].sort(), [...new Set(used)].sort());
  });

  it('gets /version and the metrics path the deprecated-API usage comes from', () => {
    const urls = role.rules!.filter((r) => r.nonResourceURLs).flatMap((r) => r.nonResourceURLs!);
    assert.deepEqual(urls.sort(), ['/version', METRICS_PATH].sort());
  });

  it('is bound to a service account', () => {
    const binding = docs.find((d) => d.kind === 'ClusterRoleBinding')!;
    assert.equal(binding.roleRef!.name, role.metadata.name);
  });
});
