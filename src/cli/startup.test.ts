import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { DEFAULT_HOSTS_SSH_PORT } from '../lab/index.js';
import { LAB_HOSTS_SSH_PORT } from './commands/lab.command.js';
import { MAIN, runFaultline, type CliRun } from './testing.js';

/**
 * The CLI loads a command's implementation only when that command runs, so that
 * `--version`, `--help` and `snapshot` start fast. One static import in the wrong
 * place undoes that without breaking anything else, so these tests run the built CLI
 * with a loader hook that writes down every module it loads, and look at the list.
 */

// Written to a temp dir at run time: the build copies no .mjs files, and the hook
// must be a file that Node can load before faultline itself.
const HOOKS = `
import { appendFileSync } from 'node:fs';
let out;
export function initialize(data) { out = data.out; }
export async function load(url, context, next) {
  appendFileSync(out, url + '\\n');
  return next(url, context);
}
`;
// Node 20's hooks do not see require() inside CommonJS packages (ssh2 is one), so the
// CommonJS cache is written down too, at exit.
const REGISTER = `
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';
const out = process.env.FAULTLINE_MODULE_LOG;
register(new URL('./hooks.mjs', import.meta.url), { data: { out } });
process.on('exit', () => {
  const cjs = Object.keys(createRequire(import.meta.url).cache).map((p) => pathToFileURL(p).href);
  appendFileSync(out, cjs.map((u) => u + '\\n').join(''));
});
`;

/** The build under test (dist/, or a private outDir): this file's parent folder's parent. */
const BUILD = new URL('../', import.meta.url).href;
const MAIN_URL = pathToFileURL(MAIN).href;

/** Never needed before a command runs; `snapshot` needs none of them either. */
const HEAVY = ['lab', 'detect', 'report', 'act'].map((layer) => `${BUILD}${layer}/`);
const isHeavy = (url: string): boolean => HEAVY.some((prefix) => url.startsWith(prefix)) || url.includes('/node_modules/ssh2/');

/** All that building the program takes: the CLI's own modules, core, and commander. */
const isStartup = (url: string): boolean =>
  url.startsWith('node:') || url.startsWith(`${BUILD}cli/`) || url.startsWith(`${BUILD}core/`) || url.includes('/node_modules/commander/');

let dir: string;
let register: string;
let runs = 0;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fl-startup-'));
  await writeFile(join(dir, 'hooks.mjs'), HOOKS);
  await writeFile(join(dir, 'register.mjs'), REGISTER);
  register = pathToFileURL(join(dir, 'register.mjs')).href;
});
after(() => rm(dir, { recursive: true, force: true }));

/** Runs `faultline <args>` in a fresh directory and returns what it printed and every module it loaded. */
async function traced(args: readonly string[], files: Record<string, string> = {}): Promise<CliRun & { modules: string[] }> {
  const cwd = await mkdtemp(join(dir, 'cwd-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(cwd, name), text);
  const log = join(dir, `modules-${++runs}.txt`);
  const run = await runFaultline(args, { cwd, env: { NODE_OPTIONS: `--import=${register}`, FAULTLINE_MODULE_LOG: log } });
  const modules = (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  // Without this, a recorder that silently recorded nothing would make every test below pass.
  assert.ok(modules.includes(MAIN_URL), `the module recorder did not see ${MAIN_URL}; it saw ${modules.length} modules`);
  return { ...run, modules };
}

const relative = (urls: readonly string[]): string[] => urls.map((u) => (u.startsWith(BUILD) ? u.slice(BUILD.length) : u));

describe('CLI start-up loads only what the command needs', () => {
  for (const args of [['--version'], ['--help'], ['snapshot', '--help']]) {
    it(`${args.join(' ')} loads only the command definitions, core and commander`, async () => {
      const r = await traced(args);
      assert.equal(r.code, 0, r.stderr);
      assert.notEqual(r.stdout.trim(), '');
      assert.deepEqual(relative(r.modules.filter((u) => !isStartup(u))), []);
    });
  }

  it('snapshot collects without loading the lab, detectors, reports, actions or ssh2', async () => {
    const r = await traced(['snapshot', '--out', 'snap.json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /snapshot written to snap\.json/);
    // The host collector's module is loaded with the others; only ssh2 waits for a host to connect to.
    assert.ok(r.modules.includes(`${BUILD}collect/host/ssh-collector.js`), 'snapshot did not load the host collector; this test no longer shows ssh2 is deferred');
    assert.deepEqual(relative(r.modules.filter(isHeavy)), []);
  });

  it('a command loads its own implementation when it runs (detectors: the detector registry)', async () => {
    const r = await traced(['detectors', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.modules.includes(`${BUILD}detect/rules/index.js`), 'the detectors command ran without loading detect/rules/index.js');
  });

  it('the host collector loads ssh2 when it runs (check-host, with a key ssh2 must parse)', async () => {
    const r = await traced(['check-host', 'hv1'], { 'faultline.yaml': 'hosts:\n  privateKey: key\n  agent: false\n', key: 'not a key\n' });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /cannot use the SSH private key/);
    assert.ok(r.modules.some((u) => u.includes('/node_modules/ssh2/')), 'ssh2 was not loaded although the host collector parsed a key');
  });

  it("lab --help shows the lab's own default hypervisor SSH port", () => {
    assert.equal(LAB_HOSTS_SSH_PORT, DEFAULT_HOSTS_SSH_PORT);
  });
});
