import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { MAIN } from '../testing.js';

/**
 * `faultline demo --serve` as a process: it starts the lab and faultline serve,
 * prints the dashboard's URL and a read token once, the URL answers (the page
 * without a token, the view with it), and SIGINT stops the server and the lab.
 */
describe('faultline demo --serve', { timeout: 90_000 }, () => {
  let dir = '';
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const answers = async (url: string): Promise<boolean> =>
    fetch(url, { signal: AbortSignal.timeout(2000) }).then(
      () => true,
      () => false,
    );

  it('prints the URL and a read token, serves the dashboard, and stops the server and the lab on SIGINT', async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-demo-serve-'));
    const child = spawn(process.execPath, [MAIN, 'demo', '--serve', '--scenario', 'healthy', '--listen', '127.0.0.1:0', '--scan-interval', '3600'], {
      cwd: dir,
      env: { PATH: process.env['PATH'], HOME: dir, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
    const printed = await new Promise<{ url: string; token: string }>((res, rej) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const m = /Dashboard: (http:\/\/127\.0\.0\.1:\d+)\/\nRead token[^:]*: (\S+)\n/.exec(stdout);
        if (m) res({ url: m[1] as string, token: m[2] as string });
      });
      void exited.then((code) => rej(new Error(`demo exited (${code}) before printing the URL: ${stdout}\n${stderr}`)));
    });
    const keystone = /Keystone\s+(http:\/\/\S+)/.exec(stderr)?.[1];
    assert.ok(keystone, `the lab's banner is shown: ${stderr}`);
    assert.ok(printed.token.length >= 24, 'a long random token');

    const page = await fetch(`${printed.url}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /faultline dashboard/);
    assert.equal((await fetch(`${printed.url}/api/v1/dashboard`)).status, 401);
    const view = await fetch(`${printed.url}/api/v1/dashboard`, { headers: { authorization: `Bearer ${printed.token}` } });
    assert.equal(view.status, 200);
    assert.equal(((await view.json()) as { role: string }).role, 'read');
    assert.ok(await answers(keystone), 'the lab answers');

    child.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
    assert.equal(await answers(`${printed.url}/`), false, 'the server stopped');
    assert.equal(await answers(keystone), false, 'the lab stopped');
    assert.equal(stdout.split(printed.token).length - 1, 1, 'the token is printed exactly once');
    assert.ok(!stderr.includes(printed.token), 'and never logged');
  });
});
