import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from '../core/errors.js';
import { Redactor } from '../core/redact.js';
import { kubeconfigPaths, loadKubeconfig, selectContexts, type KubeconfigOptions } from './kubeconfig.js';

const root = mkdtempSync(join(tmpdir(), 'faultline-kube-'));
after(() => rmSync(root, { recursive: true, force: true }));
let count = 0;

function sandbox(): { home: string; cwd: string; write(path: string, text: string): string } {
  const base = join(root, `k${++count}`);
  const home = join(base, 'home');
  const cwd = join(base, 'work');
  mkdirSync(home, { recursive: true });
  mkdirSync(cwd, { recursive: true });
  return {
    home,
    cwd,
    write(path, text) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      return path;
    },
  };
}

function kubeconfig(options: { current?: string; contexts: [name: string, cluster: string, user: string][]; token?: string }): string {
  const clusters = [...new Set(options.contexts.map((c) => c[1]))];
  const users = [...new Set(options.contexts.map((c) => c[2]))];
  return [
    'apiVersion: v1',
    'kind: Config',
    ...(options.current ? [`current-context: ${options.current}`] : []),
    'clusters:',
    ...clusters.map((c) => `- name: ${c}\n  cluster:\n    server: https://${c}.example:6443`),
    'contexts:',
    ...options.contexts.map(([name, cluster, user]) => `- name: ${name}\n  context:\n    cluster: ${cluster}\n    user: ${user}\n    namespace: kube-system`),
    'users:',
    ...users.map((u) => `- name: ${u}\n  user:\n    token: ${options.token ?? `token-of-${u}`}\n    client-key-data: S0VZLURBVEEtJHt1fQ==`),
  ].join('\n');
}

function fails(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ConfigError');
}

describe('kubeconfig paths', () => {
  const base: Omit<KubeconfigOptions, 'redactor'> = { env: {}, home: '/home/op', cwd: '/work' };

  it('uses kubernetes.kubeconfig first, expanding ~', () => {
    assert.deepEqual(kubeconfigPaths({ ...base, kubeconfig: '~/k.yaml', env: { KUBECONFIG: '/a' } }), { paths: ['/home/op/k.yaml'], from: 'config' });
  });

  it('splits KUBECONFIG on the path delimiter, dropping empty and repeated entries', () => {
    const list = ['/a/config', '', 'rel/config', '/a/config'].join(delimiter);
    assert.deepEqual(kubeconfigPaths({ ...base, env: { KUBECONFIG: list } }), { paths: ['/a/config', '/work/rel/config'], from: 'KUBECONFIG' });
  });

  it('falls back to ~/.kube/config', () => {
    assert.deepEqual(kubeconfigPaths(base), { paths: ['/home/op/.kube/config'], from: 'default' });
  });
});

describe('loading kubeconfig', () => {
  it('lists contexts and the current context of ~/.kube/config', () => {
    const s = sandbox();
    s.write(join(s.home, '.kube', 'config'), kubeconfig({ current: 'prod', contexts: [['prod', 'c1', 'u1'], ['dev', 'c2', 'u2']] }));
    const kube = loadKubeconfig({ env: {}, home: s.home, cwd: s.cwd });
    assert.equal(kube.from, 'default');
    assert.equal(kube.currentContext, 'prod');
    assert.deepEqual(kube.contexts.map((c) => [c.name, c.cluster, c.user, c.namespace]), [['prod', 'c1', 'u1', 'kube-system'], ['dev', 'c2', 'u2', 'kube-system']]);
    assert.deepEqual(kube.clusters, ['c1', 'c2']);
  });

  it('merges KUBECONFIG files with the first one winning, skipping missing files', () => {
    const s = sandbox();
    const a = s.write(join(s.cwd, 'a.yaml'), kubeconfig({ current: 'shared', contexts: [['shared', 'from-a', 'ua']] }));
    const b = s.write(join(s.cwd, 'b.yaml'), kubeconfig({ current: 'only-b', contexts: [['shared', 'from-b', 'ub'], ['only-b', 'cb', 'ub']] }));
    const env = { KUBECONFIG: [a, join(s.cwd, 'missing.yaml'), b].join(delimiter) };
    const kube = loadKubeconfig({ env, home: s.home, cwd: s.cwd });
    assert.deepEqual(kube.files, [a, b]);
    assert.equal(kube.currentContext, 'shared');
    assert.equal(kube.contexts.find((c) => c.name === 'shared')?.cluster, 'from-a');
    assert.ok(kube.contexts.some((c) => c.name === 'only-b'));
  });

  it('registers user tokens and client keys with the redactor', () => {
    const s = sandbox();
    s.write(join(s.home, '.kube', 'config'), kubeconfig({ current: 'p', contexts: [['p', 'c', 'u']], token: 'eyJhbGciOi-secret' }));
    const redactor = new Redactor();
    loadKubeconfig({ env: {}, home: s.home, cwd: s.cwd, redactor });
    assert.equal(redactor.redact('eyJhbGciOi-secret S0VZLURBVEEtJHt1fQ=='), '*** ***');
  });

  it('fails when kubernetes.kubeconfig does not exist, naming the key', () => {
    const s = sandbox();
    const err = fails(() => loadKubeconfig({ kubeconfig: join(s.cwd, 'nope'), env: {}, home: s.home, cwd: s.cwd }));
    assert.equal(err.key, 'kubernetes.kubeconfig');
    assert.equal(err.file, join(s.cwd, 'nope'));
  });

  it('fails when no KUBECONFIG file exists, listing them', () => {
    const s = sandbox();
    const err = fails(() => loadKubeconfig({ env: { KUBECONFIG: ['/x/one', '/x/two'].join(delimiter) }, home: s.home, cwd: s.cwd }));
    assert.equal(err.key, 'KUBECONFIG');
    assert.match(err.message, /\/x\/one, \/x\/two/);
  });

  it('fails when ~/.kube/config is missing', () => {
    const s = sandbox();
    const err = fails(() => loadKubeconfig({ env: {}, home: s.home, cwd: s.cwd }));
    assert.equal(err.file, join(s.home, '.kube', 'config'));
    assert.match(err.fix ?? '', /kubernetes\.kubeconfig/);
  });

  it('names file, line and column for broken YAML', () => {
    const s = sandbox();
    const file = s.write(join(s.home, '.kube', 'config'), 'contexts:\n- name: [a\n');
    const err = fails(() => loadKubeconfig({ env: {}, home: s.home, cwd: s.cwd }));
    assert.equal(err.file, file);
    assert.match(err.message, /line \d+, column \d+/);
  });

  it('rejects entries without a name and sections that are not lists', () => {
    const s = sandbox();
    s.write(join(s.home, '.kube', 'config'), 'contexts:\n- context: { cluster: c }\n');
    assert.equal(fails(() => loadKubeconfig({ env: {}, home: s.home, cwd: s.cwd })).key, 'contexts[0].name');
    const t = sandbox();
    t.write(join(t.home, '.kube', 'config'), 'clusters: { a: 1 }\n');
    assert.equal(fails(() => loadKubeconfig({ env: {}, home: t.home, cwd: t.cwd })).key, 'clusters');
  });
});

describe('choosing contexts', () => {
  function load(text: string) {
    const s = sandbox();
    s.write(join(s.home, '.kube', 'config'), text);
    return loadKubeconfig({ env: {}, home: s.home, cwd: s.cwd });
  }

  it('uses the current context when faultline.yaml names none', () => {
    const kube = load(kubeconfig({ current: 'dev', contexts: [['prod', 'c1', 'u1'], ['dev', 'c2', 'u2']] }));
    assert.deepEqual(selectContexts(kube).map((c) => c.name), ['dev']);
    assert.deepEqual(selectContexts(kube, { wanted: [] }).map((c) => c.name), ['dev']);
  });

  it('uses the contexts faultline.yaml names, in its order', () => {
    const kube = load(kubeconfig({ current: 'dev', contexts: [['prod', 'c1', 'u1'], ['dev', 'c2', 'u2']] }));
    assert.deepEqual(selectContexts(kube, { wanted: ['prod', 'dev'] }).map((c) => c.name), ['prod', 'dev']);
  });

  it('names an unknown context by its index in faultline.yaml, with a suggestion', () => {
    const kube = load(kubeconfig({ current: 'dev', contexts: [['prod', 'c1', 'u1']] }));
    const err = fails(() => selectContexts(kube, { wanted: ['prod', 'prd'], configFile: '/etc/faultline.yaml' }));
    assert.equal(err.file, '/etc/faultline.yaml');
    assert.equal(err.key, 'kubernetes.contexts[1]');
    assert.match(err.message, /did you mean "prod"/);
  });

  it('explains what to do when there is no current context', () => {
    const kube = load(kubeconfig({ contexts: [['prod', 'c1', 'u1']] }));
    const err = fails(() => selectContexts(kube));
    assert.equal(err.key, 'current-context');
    assert.match(err.fix ?? '', /kubernetes\.contexts/);
  });

  it('rejects a current context that is not defined', () => {
    const kube = load(kubeconfig({ current: 'gone', contexts: [['prod', 'c1', 'u1']] }));
    assert.match(fails(() => selectContexts(kube)).message, /"gone", which is not defined/);
  });

  it('rejects a context whose cluster is not defined', () => {
    const kube = load(
      'current-context: p\ncontexts:\n- name: p\n  context: { cluster: missing, user: u }\nclusters:\n- name: c\n  cluster: { server: https://x }\nusers:\n- name: u\n  user: {}\n',
    );
    const err = fails(() => selectContexts(kube));
    assert.equal(err.key, 'contexts.p.cluster');
    assert.match(err.fix ?? '', /one of: c/);
  });
});
