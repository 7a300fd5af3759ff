// Runs every compiled test file with node's own test runner. Node 20 has no glob
// support in --test, so the file list is built here. Files run one at a time: several
// test files start labs, and two labs at once would share loopback addresses and
// each other's nftables drops.
//
// `--integration` runs the integration suite instead (dist/**/*.itest.js), one file per
// node process: those files drive a real OpenStack (scripts/real-openstack.sh) and a lab.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function find(dir, suffix, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, suffix, out);
    else if (name.endsWith(suffix)) out.push(p);
  }
  return out;
}

const args = process.argv.slice(2);
const integration = args.includes('--integration');
const filter = args.filter((a) => a !== '--integration');
const suffix = integration ? '.itest.js' : '.test.js';
const files = find('dist', suffix).filter((f) => filter.length === 0 || filter.some((x) => f.includes(x))).sort();
if (files.length === 0) {
  console.error(`no ${suffix} files found under dist/ (run npm run build first)`);
  process.exit(1);
}
if (!integration) {
  const res = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
  process.exit(res.status ?? 1);
}
// Every file on its own: a failure in one still lets the others run and report.
let status = 0;
for (const file of files) {
  const res = spawnSync(process.execPath, ['--test', '--test-concurrency=1', file], { stdio: 'inherit' });
  if (res.status !== 0) status = res.status ?? 1;
}
process.exit(status);
