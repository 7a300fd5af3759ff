// npm run demo: start the lab with the `mixed` scenario (a bad day on a small fleet),
// scan it through the real APIs, probes and alarm feed, write report.html, stop the lab.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = process.cwd();
const main = join(root, 'dist/cli/main.js');
const dir = resolve(root, '.demo-lab');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const scenario = process.env.DEMO_SCENARIO ?? 'mixed';
const out = resolve(root, process.env.DEMO_OUT ?? 'report.html');

const lab = spawn(process.execPath, [main, 'lab', '--scenario', scenario, '--dir', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
let banner = '';
await new Promise((res, rej) => {
  lab.stdout.on('data', (d) => {
    banner += d.toString();
    if (banner.includes('Stop with Ctrl-C')) res();
  });
  lab.on('exit', (code) => rej(new Error(`the lab stopped early (exit ${code}):\n${banner}`)));
});
process.stdout.write(banner.split('\nTry:')[0] + '\n\n');

const scan = spawn(process.execPath, [main, 'scan', '--config', join(dir, 'faultline.yaml'), '--format', 'html', '--out', out], {
  stdio: 'inherit',
  env: { ...process.env, OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml') },
});
const code = await new Promise((res) => scan.on('exit', res));
lab.removeAllListeners('exit');
lab.kill('SIGINT');
await new Promise((res) => lab.on('exit', res));
console.log(code === 0 ? `\nOpen ${out} in a browser.` : `\nscan exited ${code}`);
process.exit(code ?? 1);
