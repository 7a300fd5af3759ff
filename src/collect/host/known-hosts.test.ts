import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { entryMatches, fingerprint, keyTypeOf, knownHostsName, parseKnownHosts, verifyHostKey } from './known-hosts.js';
import { ed25519, publicKeyField } from './test-ssh-server.js';

const hasKeygen = spawnSync('ssh-keygen', ['-?'], { encoding: 'utf8' }).error === undefined;
const blob = (pub: string): Buffer => Buffer.from(pub.split(' ')[1] ?? '', 'base64');

describe('known_hosts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-kh-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const a = ed25519();
  const b = ed25519();
  const keyA = blob(a.public);
  const keyB = blob(b.public);

  it('matches plain names, [host]:port, wildcards and negations', () => {
    const text = [
      '# comment',
      '',
      `krane-hn1prod-com0001,10.61.128.38 ${publicKeyField(a)}`,
      `[10.61.128.39]:2222 ${publicKeyField(a)}`,
      `krane-*-com0*,!krane-hn1dev-com0007 ${publicKeyField(b)}`,
      'garbage-line-without-key',
    ].join('\n');
    const { value, warnings } = parseKnownHosts(text);
    assert.equal(value.length, 3);
    assert.deepEqual(warnings, ['known_hosts: line 6: not a "hosts keytype key" line']);
    assert.ok(entryMatches(value[0]!, 'krane-hn1prod-com0001'));
    assert.ok(entryMatches(value[0]!, '10.61.128.38'));
    assert.ok(!entryMatches(value[0]!, '10.61.128.3'));
    assert.ok(entryMatches(value[1]!, knownHostsName('10.61.128.39', 2222)));
    assert.ok(!entryMatches(value[1]!, '10.61.128.39'));
    assert.ok(entryMatches(value[2]!, 'krane-pg1-com0908'));
    assert.ok(!entryMatches(value[2]!, 'krane-hn1dev-com0007'));
    assert.equal(keyTypeOf(keyA), 'ssh-ed25519');
  });

  it('gives distinct verdicts: ok, mismatch, unknown, revoked', () => {
    const { value } = parseKnownHosts([`host1 ${publicKeyField(a)}`, `@revoked * ${publicKeyField(b)}`, `@cert-authority *.dakao.io ${publicKeyField(a)}`].join('\n'), '/etc/faultline/known_hosts');
    assert.deepEqual(verifyHostKey(value, ['host1'], keyA), { ok: true, line: 1 });
    const mismatch = verifyHostKey(value, ['host2', 'host1'], blob(ed25519().public), '/etc/faultline/known_hosts');
    assert.equal(mismatch.ok, false);
    assert.equal(!mismatch.ok && mismatch.reason, 'mismatch');
    assert.match(!mismatch.ok ? mismatch.message : '', /^host key mismatch for host2: offered ssh-ed25519 SHA256:\S+, \/etc\/faultline\/known_hosts has ssh-ed25519 at line 1\./);
    const unknown = verifyHostKey(value, ['x.dakao.io'], keyA);
    // A CA line is not a host key: still unknown.
    assert.equal(!unknown.ok && unknown.reason, 'unknown');
    const revoked = verifyHostKey(value, ['host1'], keyB);
    assert.equal(!revoked.ok && revoked.reason, 'revoked');
  });

  it('reads entries hashed by ssh-keygen -H and prints fingerprints like ssh-keygen -l', { skip: !hasKeygen && 'ssh-keygen not installed' }, () => {
    const file = join(dir, 'known_hosts');
    writeFileSync(file, `krane-hn1prod-com0369 ${publicKeyField(a)}\n[127.0.0.1]:2200 ${publicKeyField(b)}\n`);
    const hashed = spawnSync('ssh-keygen', ['-H', '-f', file], { encoding: 'utf8' });
    assert.equal(hashed.status, 0, hashed.stderr);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^\|1\|/m);
    const { value } = parseKnownHosts(text);
    assert.ok(verifyHostKey(value, ['krane-hn1prod-com0369'], keyA).ok);
    assert.ok(verifyHostKey(value, [knownHostsName('127.0.0.1', 2200)], keyB).ok);
    const other = verifyHostKey(value, ['krane-hn1prod-com0370'], keyA);
    assert.equal(!other.ok && other.reason, 'unknown');
    const pubFile = join(dir, 'a.pub');
    writeFileSync(pubFile, `${a.public}\n`);
    const printed = spawnSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', pubFile], { encoding: 'utf8' });
    assert.equal(printed.stdout.split(' ')[1], fingerprint(keyA));
  });
});
