import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REDACTED, Redactor, isSecretKey } from './redact.js';

describe('isSecretKey', () => {
  const secret = [
    'password',
    'OS_PASSWORD',
    'secret',
    'client_secret',
    'token',
    'auth-token',
    'application_credential_secret',
    'api_key',
    'api-key',
    'apiKey',
    'private_key',
    'privateKey',
    'Authorization',
    'X-Auth-Token',
    'passphrase',
  ];
  const ordinary = ['username', 'auth_url', 'project_name', 'region_name', 'key', 'api', 'authority', 'description'];

  for (const key of secret) it(`treats ${key} as secret`, () => assert.equal(isSecretKey(key), true));
  for (const key of ordinary) it(`treats ${key} as ordinary`, () => assert.equal(isSecretKey(key), false));
});

describe('Redactor.redact', () => {
  it('replaces every occurrence of a registered secret', () => {
    const r = new Redactor();
    r.add('hunter22');
    assert.equal(r.redact('pw=hunter22 again hunter22.'), `pw=${REDACTED} again ${REDACTED}.`);
  });

  it('ignores empty and very short values so ordinary text survives', () => {
    const r = new Redactor();
    r.add('');
    r.add('abc');
    assert.equal(r.size, 0);
    assert.equal(r.redact('abc is fine'), 'abc is fine');
  });

  it('treats regular-expression characters in a secret literally', () => {
    const r = new Redactor();
    r.add('a.b*c(d)');
    assert.equal(r.redact('x a.b*c(d) y aXbbbc(d)'), `x ${REDACTED} y aXbbbc(d)`);
  });

  it('replaces the longer of two overlapping secrets whole', () => {
    const r = new Redactor();
    r.add('secret');
    r.add('secret-and-more');
    assert.equal(r.redact('[secret-and-more]'), `[${REDACTED}]`);
  });

  it('catches the URL-encoded and JSON-escaped forms of a secret', () => {
    const r = new Redactor();
    r.add('p@ss w"rd');
    assert.equal(r.redact('GET /?password=p%40ss%20w%22rd'), `GET /?password=${REDACTED}`);
    assert.equal(r.redact('{"password":"p@ss w\\"rd"}'), `{"password":"${REDACTED}"}`);
  });

  it('registers the credential inside an Authorization header on its own', () => {
    const r = new Redactor();
    r.add('Bearer abcdef123');
    assert.equal(r.redact('token abcdef123 leaked'), `token ${REDACTED} leaked`);
  });

  it('picks up secrets added after an earlier redact call', () => {
    const r = new Redactor();
    r.add('first-secret');
    assert.equal(r.redact('second-secret'), 'second-secret');
    r.add('second-secret');
    assert.equal(r.redact('second-secret'), REDACTED);
  });

  it('returns text unchanged when nothing is registered', () => {
    assert.equal(new Redactor().redact('nothing to hide'), 'nothing to hide');
  });
});

describe('Redactor.redactValue', () => {
  it('replaces values under secret-looking keys and redacts strings elsewhere, without touching the input', () => {
    const r = new Redactor();
    r.add('s3cr3t-value');
    const input = {
      auth: { username: 'admin', password: 'whatever', Application_Credential_Secret: { nested: 1 } },
      note: 'login with s3cr3t-value failed',
      list: ['s3cr3t-value', 42, true, null],
      token: null,
    };
    const copy = structuredClone(input);
    const out = r.redactValue(input);
    assert.deepEqual(out, {
      auth: { username: 'admin', password: REDACTED, Application_Credential_Secret: REDACTED },
      note: `login with ${REDACTED} failed`,
      list: [REDACTED, 42, true, null],
      token: null,
    });
    assert.deepEqual(input, copy);
  });

  it('copies arrays and objects instead of sharing them', () => {
    const r = new Redactor();
    const input = { a: [{ b: 1 }] };
    const out = r.redactValue(input) as typeof input;
    assert.notEqual(out.a, input.a);
    assert.notEqual(out.a[0], input.a[0]);
  });

  it('survives cycles', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a['self'] = a;
    const out = new Redactor().redactValue(a) as Record<string, unknown>;
    assert.equal(out['self'], out);
  });
});

describe('Redactor.addSecretsFrom', () => {
  it('registers strings under secret-looking keys at any depth and nothing else', () => {
    const r = new Redactor();
    r.addSecretsFrom({
      clouds: { prod: { auth: { username: 'admin-user', password: 'pw-12345' } } },
      alarms: { headers: { Authorization: 'Basic dXNlcjpwdw==' } },
      secrets: ['first-one', { deeper: 'second-one' }],
      pin: { password: 987654 },
    });
    const text = 'admin-user pw-12345 dXNlcjpwdw== first-one second-one 987654';
    assert.equal(r.redact(text), `admin-user ${REDACTED} ${REDACTED} ${REDACTED} ${REDACTED} ${REDACTED}`);
  });
});
