import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { fileURLToPath } from 'node:url';

/** Helpers for tests that drive the built CLI as a real process. */
// Beside this file, so a build into any output folder tests its own CLI.
export const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `faultline <args>` in `cwd` with a minimal environment (PATH, HOME = cwd,
 * NO_COLOR) plus `env`, and collects its output and exit code.
 */
export function runFaultline(args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; stdin?: 'ignore' | 'pipe' }): Promise<CliRun> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env['PATH'], HOME: options.cwd, NO_COLOR: '1', ...options.env },
      stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout, stderr }));
    if (options.stdin === 'pipe') child.stdin?.end();
  });
}

export interface LabProcess {
  readonly child: ChildProcess;
  /** What the lab printed up to "Stop with Ctrl-C". */
  readonly banner: string;
  /** The lab's admin API (`http://127.0.0.1:<port>`) and the `X-Lab-Admin` token it printed. */
  readonly admin: string;
  readonly token: string;
}

/**
 * Starts `faultline lab --dir . <args>` in `dir`; resolves once it is serving, with
 * the admin endpoint and token read from its banner. A banner without them stops
 * the lab and fails: a test must not go on against a lab it cannot steer.
 */
export function startLabProcess(dir: string, args: readonly string[] = []): Promise<LabProcess> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [MAIN, 'lab', '--dir', '.', ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let banner = '';
    child.stdout?.on('data', (d: Buffer) => {
      banner += d.toString();
      if (!banner.includes('Stop with Ctrl-C')) return;
      const m = /admin\s+(\S+)\s+header X-Lab-Admin: (\S+)/.exec(banner);
      if (m) return res({ child, banner, admin: m[1] as string, token: m[2] as string });
      void stopLabProcess(child).then(() => rej(new Error(`no admin endpoint in the lab banner:\n${banner}`)));
    });
    child.on('exit', (code) => rej(new Error(`lab exited (${code}): ${banner}`)));
  });
}

/** Stops a lab the way an operator does (SIGINT) and waits until it has cleaned up. */
export function stopLabProcess(child: ChildProcess): Promise<void> {
  return new Promise((res) => {
    if (child.exitCode !== null) return res();
    child.removeAllListeners('exit');
    child.once('exit', () => res());
    child.kill('SIGINT');
  });
}

/** Where openstackclient (Debian's python3-openstackclient) is; OPENSTACK_CLI overrides it. */
export const OPENSTACK_CLI = process.env['OPENSTACK_CLI'] ?? '/usr/bin/openstack';

/** Runs `openstack <args>` against `cwd`/clouds.yaml with `cloud` and parses its JSON output (pass `-f json`). */
export function openstackJson<T>(args: readonly string[], options: { cwd: string; cloud?: string }): Promise<T> {
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: options.cwd, LANG: 'C.UTF-8', OS_CLIENT_CONFIG_FILE: join(options.cwd, 'clouds.yaml'), OS_CLOUD: options.cloud ?? 'lab' };
  return new Promise((res, rej) =>
    execFile(OPENSTACK_CLI, [...args], { cwd: options.cwd, env, timeout: 120_000 }, (err, stdout, stderr) => (err ? rej(new Error(`${err.message}: ${stderr}`)) : res(JSON.parse(stdout) as T))),
  );
}

/** What a chat webhook run by a test received: each message's text and when it arrived. */
export interface ChatHook {
  readonly posted: { at: number; text: string }[];
  close(): Promise<void>;
}

/**
 * Runs a Slack-compatible incoming webhook on loopback and points the notices of the
 * lab's faultline.yaml in `dir` at it, so a test reads what faultline posted.
 */
export async function startChatHook(dir: string): Promise<ChatHook> {
  const posted: { at: number; text: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      posted.push({ at: Date.now(), text: (JSON.parse(body) as { text: string }).text });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const file = join(dir, 'faultline.yaml');
  const config = parse(await readFile(file, 'utf8')) as { notices?: Record<string, unknown> };
  config.notices = { ...config.notices, webhook: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/night-shift` };
  await writeFile(file, stringify(config));
  return { posted, close: () => new Promise<void>((r) => server.close(() => r())) };
}
