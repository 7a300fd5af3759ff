import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { FaultlineError } from '../../core/errors.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { scan } from './scan.js';

export interface DemoFlags {
  scenario: string;
  out: string;
  /** Serve the live dashboard instead of writing a report. */
  serve?: boolean;
  listen?: string;
  scanInterval?: string;
}

const DEMO_TOKEN_ENV = 'FAULTLINE_DEMO_READ_TOKEN';

/**
 * The whole product in one command: start the lab with a bad day built in, scan
 * it with everything faultline can collect (Keystone/Nova/Neutron, ping and SSH
 * probes, host facts over SSH, the alarm feed), write the HTML report, stop the lab.
 * The lab runs as its own process, as it would on another machine.
 */
export async function demo(ctx: CliContext, flags: DemoFlags, until: Promise<unknown> = new Promise(() => undefined)): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'faultline-demo-'));
  const main = fileURLToPath(new URL('../main.js', import.meta.url));
  const lab = spawn(process.execPath, [main, 'lab', '--scenario', flags.scenario, '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let server: ChildProcess | undefined;
  try {
    const banner = await untilOutput(lab, 'the lab', (text) => (text.includes('Stop with Ctrl-C') ? text : undefined));
    ctx.term.err(banner.split('\nTry:')[0]!.trimEnd());
    const labEnv = { ...ctx.env, OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml') };
    if (!flags.serve) {
      const labCtx: CliContext = { ...ctx, env: labEnv };
      return await scan(labCtx, { config: join(dir, 'faultline.yaml'), format: 'html', out: resolve(ctx.cwd, flags.out) });
    }
    // A fresh token each time, handed to the server in its environment: it is in no file, and printed once, here.
    const token = randomBytes(24).toString('base64url');
    const configFile = join(dir, 'faultline.yaml');
    const config = parse(await readFile(configFile, 'utf8')) as Record<string, unknown>;
    config['server'] = { tokens: [{ name: 'demo', role: 'read', tokenEnv: DEMO_TOKEN_ENV }] };
    await writeFile(configFile, stringify(config));
    server = spawn(
      process.execPath,
      [main, 'serve', '--config', configFile, '--store', join(dir, 'store'), '--listen', flags.listen ?? '127.0.0.1:8080', '--scan-interval', flags.scanInterval ?? '15'],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...labEnv, [DEMO_TOKEN_ENV]: token } },
    );
    const url = await untilOutput(server, 'faultline serve', (text) => /listening on (http:\/\/\S+?) /.exec(text)?.[1]);
    // The server's own log goes on to stderr; its token never appears in it (it only ever holds the hash).
    server.stderr?.on('data', (d: Buffer) => ctx.term.err(d.toString().trimEnd()));
    ctx.term.out(`Dashboard: ${url}/\nRead token (paste it into the page; shown only this once): ${token}\nStop with Ctrl-C.\n`);
    // From here on the redactor masks it: only the line above may show it.
    ctx.term.redactor?.add(token);
    // Ctrl-C in a terminal reaches the server too; it stopping with 0 then is the same stop, not a failure.
    const stopped = new Promise<{ code: number | null }>((res) => server?.once('exit', (code) => res({ code })));
    const why = await Promise.race([until.then((s) => ({ signal: String(s) })), stopped]);
    if ('signal' in why) {
      ctx.term.err(`${why.signal}: stopping`);
      return EXIT.ok;
    }
    ctx.term.err(`faultline serve stopped (exit ${why.code})`);
    return why.code === 0 ? EXIT.ok : EXIT.failure;
  } finally {
    if (server) await stopChild(server);
    if (server) ctx.term.err('dashboard stopped');
    lab.removeAllListeners('exit');
    if (lab.exitCode === null) {
      await stopChild(lab);
      ctx.term.err('lab stopped');
    }
    await rm(dir, { recursive: true, force: true });
  }
}

/** Resolves with what `ready` finds in the child's stdout; rejects, with its output, if it exits first. */
function untilOutput<T>(child: ChildProcess, what: string, ready: (text: string) => T | undefined): Promise<T> {
  return new Promise<T>((res, rej) => {
    let text = '';
    let errors = '';
    child.stdout?.on('data', (d: Buffer) => {
      text += d.toString();
      const found = ready(text);
      if (found !== undefined) res(found);
    });
    child.stderr?.on('data', (d: Buffer) => (errors += d.toString()));
    child.once('exit', (code) => rej(new FaultlineError(`${what} stopped before it was ready (exit ${code}): ${errors.trim() || text.trim()}`)));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((res) => {
    if (child.exitCode !== null || child.signalCode !== null) return res();
    child.removeAllListeners('exit');
    child.once('exit', () => res());
    child.kill('SIGINT');
  });
}
