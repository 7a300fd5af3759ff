/**
 * Fidelity against clients nobody here wrote: the oldest and newest kubectl on the
 * machine run the cluster checklist's commands against the lab, and Debian's
 * python3-kubernetes pages through every pod with limit and _continue. The lab's request
 * log says what each client needed (printed as a diagnostic for the docs).
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateFleet } from '../fleet/generate.js';
import { healFleet } from '../fleet/heal.js';
import { startLab, type RunningLab } from '../openstack/lab.js';
import { parseFault } from '../scenarios/load.js';
import type { LabCluster } from './clusters.js';

const KUBECTL_DIR = process.env['KUBECTL_DIR'] ?? '/usr/lib/google-cloud-sdk/bin';
const VERSIONS = ['1.27', '1.33'];
const PYTHON = '/usr/bin/python3';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('kubectl and python3-kubernetes against the lab', () => {
  let lab: RunningLab;
  let dir: string;
  let kubeconfig: string;
  let cluster: LabCluster;

  const run = (file: string, args: string[], env: Record<string, string> = {}): Promise<Run> =>
    new Promise((resolve) => {
      execFile(file, args, { env: { PATH: '/usr/bin:/bin', HOME: dir, KUBECONFIG: kubeconfig, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as NodeJS.ErrnoException & { code?: unknown }).code ?? 1) || 1 : 0, stdout, stderr });
      });
    });
  // A home per version: kubectl caches discovery in ~/.kube/cache, and each version must ask for itself.
  const kubectl = (version: string, args: string[]): Promise<Run> => run(join(KUBECTL_DIR, `kubectl.${version}`), ['--context', cluster.name, ...args], { HOME: join(dir, `home-${version}`) });
  const rows = (out: string): string[][] =>
    out
      .trimEnd()
      .split('\n')
      .map((l) => l.trim().split(/\s{2,}/));

  before(async () => {
    lab = await startLab({ fleet: healFleet(generateFleet({ seed: 'faultline', size: 'small' })), sshHosts: false, kubernetes: { bookmarkIntervalMs: 1_000 } });
    cluster = lab.kubernetes!.clusters.clusters.find((c) => c.plan.masters.length > 0 && c.plan.workers.length >= 3)!;
    dir = await mkdtemp(join(tmpdir(), 'fl-kubectl-'));
    kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, lab.kubernetes!.kubeconfig(), { mode: 0o600 });
  });
  after(async () => {
    await lab.stop();
    await rm(dir, { recursive: true, force: true });
  });

  for (const version of VERSIONS) {
    describe(`kubectl ${version}`, () => {
      it('is installed', () => assert.ok(existsSync(join(KUBECTL_DIR, `kubectl.${version}`)), `kubectl.${version} in ${KUBECTL_DIR}`));

      it('get nodes: every server a Ready node with its role and kubelet version', async (t) => {
        const from = lab.kubernetes!.api.requests.length;
        const r = await kubectl(version, ['get', 'nodes']);
        assert.equal(r.code, 0, r.stderr);
        const [head, ...body] = rows(r.stdout);
        assert.deepEqual(head, ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
        const servers = [...cluster.plan.masters, ...cluster.plan.workers];
        assert.deepEqual(body.map((x) => x[0]).sort(), servers.map((s) => s.name).sort());
        for (const row of body) {
          const master = cluster.plan.masters.some((m) => m.name === row[0]);
          assert.deepEqual([row[1], row[2], row[4]], ['Ready', master ? 'control-plane' : '<none>', cluster.plan.version]);
        }
        const asked = lab.kubernetes!.api.requests.slice(from).map((q) => `${q.path.replace(/^\/clusters\/[^/]+/, '')}  [${q.accept}]`);
        // What this kubectl needed from the server, for docs/lab.md.
        t.diagnostic(`kubectl ${version} get nodes requested: ${asked.join(' | ')}`);
      });

      it('get pods -A -o wide: kube-system and the team namespace with IPs and nodes', async () => {
        const r = await kubectl(version, ['get', 'pods', '-A', '-o', 'wide']);
        assert.equal(r.code, 0, r.stderr);
        const [head, ...body] = rows(r.stdout);
        assert.deepEqual(head, ['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
        const calico = body.filter((x) => x[0] === 'kube-system' && x[1]!.startsWith('calico-node-'));
        assert.equal(calico.length, cluster.plan.masters.length + cluster.plan.workers.length);
        assert.ok(calico.every((x) => x[2] === '1/1' && x[3] === 'Running'));
        assert.ok(body.some((x) => x[0] === cluster.plan.team && x[2] === '2/2'));
        assert.ok(body.some((x) => x[1] === `etcd-${cluster.plan.masters[0]!.name}`), 'the static etcd pod is there as a mirror pod');
      });

      it('--chunk-size pages through the same pods', async () => {
        const from = lab.kubernetes!.api.requests.length;
        const whole = await kubectl(version, ['get', 'pods', '-A', '--no-headers', '-o', 'name']);
        const chunked = await kubectl(version, ['get', 'pods', '-A', '--no-headers', '-o', 'name', '--chunk-size', '7']);
        assert.equal(chunked.code, 0, chunked.stderr);
        assert.equal(chunked.stdout, whole.stdout);
        const pages = lab.kubernetes!.api.requests.slice(from).filter((q) => q.path.includes('/api/v1/pods?') && q.path.includes('limit=7'));
        assert.ok(pages.length >= 3 && pages.slice(1).every((q) => q.path.includes('continue=')), `kubectl followed continue tokens (${pages.length} pages)`);
      });

      it('logs: the default container, and -c for one of two', async () => {
        const calico = (await kubectl(version, ['-n', 'kube-system', 'get', 'pods', '-l', 'k8s-app=calico-node', '-o', 'name'])).stdout.trim().split('\n')[0]!.replace('pod/', '');
        const r = await kubectl(version, ['-n', 'kube-system', 'logs', calico]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /Calico node started successfully/);
        const api = (await kubectl(version, ['-n', cluster.plan.team, 'get', 'pods', '-l', `app=${cluster.plan.team}-api`, '-o', 'name'])).stdout.trim().split('\n')[0]!.replace('pod/', '');
        const sidecar = await kubectl(version, ['-n', cluster.plan.team, 'logs', api, '-c', 'istio-proxy']);
        assert.equal(sidecar.code, 0, sidecar.stderr);
        assert.match(sidecar.stdout, /Envoy proxy is ready/);
        const tail = await kubectl(version, ['-n', cluster.plan.team, 'logs', api, '--tail', '2']);
        assert.equal(tail.stdout.trimEnd().split('\n').length, 2);
        assert.match(tail.stdout, /"msg":"request"/, 'the annotated default container, not the sidecar');
      });

      it('get events --sort-by=.lastTimestamp: oldest first', async () => {
        const r = await kubectl(version, ['get', 'events', '-A', '--sort-by=.lastTimestamp', '-o', 'custom-columns=LAST:.lastTimestamp,REASON:.reason']);
        assert.equal(r.code, 0, r.stderr);
        const times = rows(r.stdout).slice(1).map((x) => Date.parse(x[0]!));
        assert.ok(times.length >= 3);
        assert.deepEqual(times, [...times].sort((a, b) => a - b));
        const table = await kubectl(version, ['-n', cluster.plan.team, 'get', 'events', '--sort-by=.lastTimestamp']);
        assert.deepEqual(rows(table.stdout)[0], ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
      });

      it('describe node: provider ID, conditions, the pods on it', async () => {
        const worker = cluster.plan.workers[0]!;
        const r = await kubectl(version, ['describe', 'node', worker.name]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`ProviderID:\\s+openstack:///${worker.id}`));
        assert.match(r.stdout, /Ready\s+True\s.*KubeletReady/);
        assert.match(r.stdout, /Non-terminated Pods:\s+\(\d+ in total\)/);
        assert.match(r.stdout, /calico-node-/);
      });

      it('get pods --watch: a calico crash loop shows up', async () => {
        const worker = cluster.plan.workers[version === VERSIONS[0] ? 1 : 2]!;
        const child = spawn(join(KUBECTL_DIR, `kubectl.${version}`), ['--context', cluster.name, '-n', 'kube-system', 'get', 'pods', '--watch', '-o', 'wide'], { env: { PATH: '/usr/bin:/bin', HOME: join(dir, `home-${version}`), KUBECONFIG: kubeconfig } });
        let out = '';
        // One reader of the output: a listener per wait would append every later chunk once per wait, and a
        // line split across two chunks would then read "calico-node-xcalico-node-x" and never match.
        const waiters = new Set<() => void>();
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          for (const w of [...waiters]) w();
        });
        const seen = (pattern: RegExp): Promise<void> =>
          new Promise((resolve, reject) => {
            const check = (): void => {
              if (!pattern.test(out)) return;
              clearTimeout(timer);
              waiters.delete(check);
              resolve();
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              reject(new Error(`kubectl --watch never printed ${pattern}:\n${out}`));
            }, 15_000);
            waiters.add(check);
            check();
          });
        try {
          await seen(/calico-node-/);
          const fault = lab.faults.add(parseFault({ kind: 'calico-crashloop', servers: { name: worker.name } }));
          try {
            await seen(new RegExp(`calico-node-\\S+\\s+0/1\\s+CrashLoopBackOff\\s+\\d+ \\(.*\\s${worker.name}\\s`));
          } finally {
            lab.faults.clear(fault.id);
          }
        } finally {
          child.kill();
        }
      });
    });
  }

  it('python3-kubernetes lists every pod with limit and _continue', async () => {
    const script = [
      'import json, sys',
      'from kubernetes import client, config',
      `config.load_kube_config(config_file=sys.argv[1], context=sys.argv[2])`,
      'v1 = client.CoreV1Api()',
      'names, token, pages = [], None, 0',
      'while True:',
      '    kw = {"limit": 6}',
      '    if token: kw["_continue"] = token',
      '    page = v1.list_pod_for_all_namespaces(**kw)',
      '    pages += 1',
      '    names += [p.metadata.namespace + "/" + p.metadata.name for p in page.items]',
      '    token = page.metadata._continue',
      '    if not token: break',
      'whole = [p.metadata.namespace + "/" + p.metadata.name for p in v1.list_pod_for_all_namespaces().items]',
      'node = v1.read_node(v1.list_node().items[0].metadata.name)',
      'print(json.dumps({"names": names, "whole": whole, "pages": pages, "provider": node.spec.provider_id}))',
    ].join('\n');
    const file = join(dir, 'list_pods.py');
    await writeFile(file, script);
    const r = await run(PYTHON, [file, kubeconfig, cluster.name]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { names: string[]; whole: string[]; pages: number; provider: string };
    assert.deepEqual(out.names, out.whole);
    assert.ok(out.pages >= Math.ceil(out.whole.length / 6), `${out.pages} pages for ${out.whole.length} pods`);
    assert.match(out.provider, /^openstack:\/\/\/[0-9a-f-]{36}$/);
  });
});
