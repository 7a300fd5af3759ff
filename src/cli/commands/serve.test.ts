import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../config/load.js';
import { runFaultline } from '../testing.js';
import { parseListen } from './serve.js';

describe('faultline serve refuses to start without what it needs', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-serve-cfg-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('without an API token: exit 2, naming the file, server.tokens and the fix', async () => {
    await writeFile(join(dir, 'faultline.yaml'), 'zones: {}\n');
    const r = await runFaultline(['serve', '--store', 'store', '--no-scan'], { cwd: dir });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /faultline\.yaml: server\.tokens: no API token is configured/);
    assert.match(r.stderr, /fix: add e\.g\. server:/);
  });

  it('with a token variable that is not set, or a listen address that is not host:port', async () => {
    await writeFile(join(dir, 'faultline.yaml'), 'server:\n  tokens:\n    - {name: ops, role: operate, tokenEnv: FL_TOKEN}\n');
    const unset = await runFaultline(['serve', '--store', 'store', '--no-scan'], { cwd: dir });
    assert.equal(unset.code, 2);
    assert.match(unset.stderr, /server\.tokens\[0\]\.tokenEnv: the environment variable FL_TOKEN is not set/);
    const listen = await runFaultline(['serve', '--listen', 'localhost', '--no-scan'], { cwd: dir, env: { FL_TOKEN: 'x'.repeat(32) } });
    assert.equal(listen.code, 2);
    assert.match(listen.stderr, /--listen: "localhost" is not host:port/);
  });

  it("does not take where a token is for a secret: role names, variable names and paths stay readable", () => {
    const { redactor } = parseConfig('server:\n  tokens:\n    - {name: dashboard, role: read, tokenFile: /etc/faultline/read.token}\n    - {name: ops, role: operate, tokenEnv: FL_TOKEN}\n', 'faultline.yaml', []);
    const text = 'token dashboard (read) from /etc/faultline/read.token; ops (operate) from FL_TOKEN';
    assert.equal(redactor.redact(text), text);
  });

  it('parses host:port, bracketed IPv6 included', () => {
    assert.deepEqual(parseListen('127.0.0.1:8080'), { host: '127.0.0.1', port: 8080 });
    assert.deepEqual(parseListen('[::1]:0'), { host: '::1', port: 0 });
    assert.throws(() => parseListen('0.0.0.0:70000'), /not host:port/);
  });
});
