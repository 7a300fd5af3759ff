import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FaultlineError } from '../../core/errors.js';
import type { CliContext } from '../context.js';
import { scan } from './scan.js';

export interface DemoFlags {
  scenario: string;
  out: string;
}

/**
 * The whole product in one command: start the lab with a bad day built in, scan
 * it with everything faultline can collect (Keystone/Nova/Neutron, ping and SSH
 * probes, host facts over SSH, the alarm feed), write the HTML report, stop the lab.
 * The lab runs as its own process, as it would on another machine.
 */
export async function demo(ctx: CliContext, flags: DemoFlags): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'faultline-demo-'));
  const main = fileURLToPath(new URL('../main.js', import.meta.url));
  const lab = spawn(process.execPath, [main, 'lab', '--scenario', flags.scenario, '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const banner = await new Promise<string>((res, rej) => {
      let text = '';
      let errors = '';
      lab.stdout.on('data', (d: Buffer) => {
        text += d.toString();
        if (text.includes('Stop with Ctrl-C')) res(text);
      });
      lab.stderr.on('data', (d: Buffer) => (errors += d.toString()));
      lab.once('exit', (code) => rej(new FaultlineError(`the lab stopped before it was ready (exit ${code}): ${errors.trim() || text.trim()}`)));
    });
    ctx.term.err(banner.split('\nTry:')[0]!.trimEnd());
    const labCtx: CliContext = { ...ctx, env: { ...ctx.env, OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml') } };
    return await scan(labCtx, { config: join(dir, 'faultline.yaml'), format: 'html', out: resolve(ctx.cwd, flags.out) });
  } finally {
    lab.removeAllListeners('exit');
    if (lab.exitCode === null) {
      await new Promise((res) => {
        lab.once('exit', res);
        lab.kill('SIGINT');
      });
      ctx.term.err('lab stopped');
    }
    await rm(dir, { recursive: true, force: true });
  }
}
