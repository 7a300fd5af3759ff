/**
 * deploy/ as an operator uses it: kubectl applies the manifests to a cluster of
 * `faultline lab` with the kubeconfig-admin it writes, client-side and server-side, twice;
 * the read-only kubeconfig may not. (kubectl 1.29 and 1.33: 1.27 and 1.28 validate against
 * OpenAPI v2 in protobuf, which the lab does not serve; 1.27 reads the result back.) The manifests
 * also cannot drift from the product: every faultline command line in them parses
 * against faultline's own commands, and the faultline.yaml they carry is valid.
 */
import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Command } from 'commander';
import { parse, parseAllDocuments } from 'yaml';
import { configSchema } from '../config/schema.js';
import { defaultContext } from './context.js';
import { buildProgram } from './program.js';
import { startLabProcess, stopLabProcess } from './testing.js';

const DEPLOY = join(import.meta.dirname, '..', '..', 'deploy');
const KUBECTL_DIR = process.env['KUBECTL_DIR'] ?? '/usr/lib/google-cloud-sdk/bin';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function manifests(): Promise<Json[]> {
  const files = (await readdir(DEPLOY)).filter((f) => f.endsWith('.yaml')).sort();
  const docs: Json[] = [];
  for (const f of files) for (const d of parseAllDocuments(await readFile(join(DEPLOY, f), 'utf8'))) if (d.contents) docs.push(d.toJS());
  return docs;
}

/** What kubectl calls an object in its output: `deployment.apps/faultline-serve`. */
function kubectlName(o: Json): string {
  const group = String(o.apiVersion).includes('/') ? String(o.apiVersion).split('/')[0] : '';
  return `${String(o.kind).toLowerCase()}${group ? `.${group}` : ''}/${o.metadata.name}`;
}

function containersOf(o: Json): Json[] {
  if (o.kind === 'Deployment') return o.spec.template.spec.containers;
  if (o.kind === 'CronJob') return o.spec.jobTemplate.spec.template.spec.containers;
  return [];
}

describe('deploy/ manifests', () => {
  let dir: string;
  let lab: ChildProcess;
  let context: string;
  let docs: Json[];

  const kubectl = (version: string, kubeconfig: string, args: string[]): Promise<Run> =>
    new Promise((resolve) => {
      // A home per version: kubectl caches discovery and OpenAPI in ~/.kube/cache.
      const env = { PATH: '/usr/bin:/bin', HOME: join(dir, `home-${version}`), KUBECONFIG: join(dir, kubeconfig) };
      execFile(join(KUBECTL_DIR, `kubectl.${version}`), ['--context', context, ...args], { env, timeout: 60_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as NodeJS.ErrnoException & { code?: unknown }).code ?? 1) || 1 : 0, stdout, stderr });
      });
    });

  before(async () => {
    docs = await manifests();
    dir = await mkdtemp(join(tmpdir(), 'fl-deploy-'));
    lab = (await startLabProcess(dir, ['--no-prometheus', '--ssh-port', '0', '--hosts-ssh-port', '0'])).child;
    const kubeconfig = parse(await readFile(join(dir, 'kubeconfig-admin'), 'utf8')) as Json;
    context = kubeconfig.contexts[0].name;
  });
  after(async () => {
    if (lab) await stopLabProcess(lab);
    await rm(dir, { recursive: true, force: true });
  });

  it('holds what a cluster needs to run faultline: namespace, read-only RBAC, secrets, the server and the periodic scan', () => {
    const kinds = docs.map((d) => d.kind).sort();
    for (const k of ['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Secret', 'Deployment', 'Service', 'CronJob']) assert.ok(kinds.includes(k), k);
    const role = docs.find((d) => d.kind === 'ClusterRole');
    for (const rule of role.rules) for (const verb of rule.verbs) assert.ok(['get', 'list', 'watch'].includes(verb), `the ClusterRole only reads (${verb})`);
    const accounts = new Set(docs.filter((d) => d.kind === 'ServiceAccount').map((d) => d.metadata.name));
    for (const d of docs.filter((x) => x.kind === 'Deployment' || x.kind === 'CronJob')) {
      const pod = d.kind === 'Deployment' ? d.spec.template.spec : d.spec.jobTemplate.spec.template.spec;
      assert.ok(accounts.has(pod.serviceAccountName), `${d.metadata.name} runs as a service account the manifests make`);
      const secrets = new Set(docs.filter((x) => x.kind === 'Secret').map((x) => x.metadata.name));
      for (const v of pod.volumes.filter((x: Json) => x.secret)) assert.ok(secrets.has(v.secret.secretName), `${d.metadata.name} mounts ${v.secret.secretName}, which the manifests make`);
    }
  });

  it('runs faultline command lines that faultline accepts: known commands and options', () => {
    const program = buildProgram(defaultContext(), () => undefined);
    const lines = docs.flatMap(containersOf).map((c) => c.args as string[]);
    assert.ok(lines.length >= 2);
    for (const args of lines) {
      const cmd = program.commands.find((c: Command) => c.name() === args[0]);
      assert.ok(cmd, `faultline has a ${args[0]} command`);
      const longs = new Set(cmd.options.map((o) => o.long));
      for (const a of args.slice(1).filter((x) => x.startsWith('--'))) assert.ok(longs.has(a.split('=')[0]), `faultline ${args[0]} takes ${a}`);
    }
  });

  it('carries a faultline.yaml that faultline\'s configuration schema accepts', () => {
    const secret = docs.find((d) => d.kind === 'Secret' && d.stringData?.['faultline.yaml']);
    const parsed = configSchema.safeParse(parse(secret.stringData['faultline.yaml']));
    assert.ok(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues));
  });

  it('applies with kubectl apply (client side), and applying again changes nothing it does not have to', async () => {
    const first = await kubectl('1.29', 'kubeconfig-admin', ['apply', '-f', DEPLOY]);
    assert.equal(first.code, 0, first.stderr);
    for (const d of docs) assert.ok(first.stdout.includes(`${kubectlName(d)} created`), `${kubectlName(d)} created:\n${first.stdout}`);
    const again = await kubectl('1.33', 'kubeconfig-admin', ['apply', '-f', DEPLOY]);
    assert.equal(again.code, 0, again.stderr);
    for (const line of again.stdout.trim().split('\n')) assert.match(line, / (unchanged|configured)$/);
    // Secrets with stringData are patched on every client-side apply (the server never returns stringData); nothing else is.
    for (const line of again.stdout.trim().split('\n').filter((l) => l.endsWith('configured'))) assert.match(line, /^secret\//);
  });

  it('applies server side, and the cluster then holds the objects as written (read back with the oldest kubectl)', async () => {
    const res = await kubectl('1.33', 'kubeconfig-admin', ['apply', '--server-side', '-f', DEPLOY]);
    assert.equal(res.code, 0, res.stderr);
    for (const d of docs) assert.ok(res.stdout.includes(`${kubectlName(d)} serverside-applied`), kubectlName(d));
    const got = await kubectl('1.27', 'kubeconfig-admin', ['-n', 'faultline', 'get', 'deployment/faultline-serve', 'cronjob/faultline-scan', '-o', 'json']);
    assert.equal(got.code, 0, got.stderr);
    const items = (JSON.parse(got.stdout) as Json).items as Json[];
    const serve = items.find((i) => i.kind === 'Deployment');
    const written = docs.find((d) => d.kind === 'Deployment');
    assert.deepEqual(serve.spec.template.spec.containers[0].args, written.spec.template.spec.containers[0].args);
    assert.equal(items.find((i) => i.kind === 'CronJob').spec.schedule, docs.find((d) => d.kind === 'CronJob').spec.schedule);
    const svc = await kubectl('1.33', 'kubeconfig-admin', ['-n', 'faultline', 'get', 'service', 'faultline', '-o', 'jsonpath={.spec.clusterIP}']);
    assert.match(svc.stdout, /^10\.\d+\.\d+\.\d+$/, 'the Service got a cluster IP');
  });

  it('is refused with the read-only kubeconfig: faultline\'s own reader may not change a cluster', async () => {
    const res = await kubectl('1.33', 'kubeconfig', ['apply', '--server-side', '-f', join(DEPLOY, '40-scan-cronjob.yaml')]);
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /forbidden/i);
  });
});
