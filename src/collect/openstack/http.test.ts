import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { localExpiry, tokensUrl, withZone } from './auth.js';
import { catalogRegions, joinUrl } from './catalog.js';
import { backoffDelay, bodyExcerpt, DEFAULT_RETRY_POLICY, isRetryableStatus, parseRetryAfter } from './http.js';
import { nextQuery } from './paging.js';

describe('HTTP helpers', () => {
  it('retries only 429, 502, 503 and 504', () => {
    assert.deepEqual([400, 401, 403, 404, 409, 429, 500, 502, 503, 504].filter(isRetryableStatus), [429, 502, 503, 504]);
  });

  it('reads Retry-After as seconds or a date', () => {
    const now = Date.parse('2025-03-01T12:00:00Z');
    assert.equal(parseRetryAfter('7', now), 7000);
    assert.equal(parseRetryAfter('Sat, 01 Mar 2025 12:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Sat, 01 Mar 2025 11:00:00 GMT', now), 0);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(null, now), undefined);
  });

  it('backs off exponentially within the cap, with jitter in the upper half', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, backoffBaseMs: 500, backoffMaxMs: 4000 };
    assert.deepEqual([0, 1, 2, 3, 4].map((a) => backoffDelay(a, policy, () => 0)), [250, 500, 1000, 2000, 2000]);
    assert.deepEqual([0, 1, 2, 3, 4].map((a) => backoffDelay(a, policy, () => 0.999999)), [500, 1000, 2000, 4000, 4000]);
  });

  it('shortens error bodies to one redacted line', () => {
    assert.equal(bodyExcerpt('a\n  b  secret-value', (t) => t.replace('secret-value', '***')), 'a b ***');
    assert.equal(bodyExcerpt('x'.repeat(400), (t) => t).length, 301);
  });
});

describe('Keystone and catalog helpers', () => {
  it('builds the tokens URL with or without /v3', () => {
    assert.equal(tokensUrl('https://keystone.example:5000/v3/'), 'https://keystone.example:5000/v3/auth/tokens');
    assert.equal(tokensUrl('https://keystone.example:5000'), 'https://keystone.example:5000/v3/auth/tokens');
    assert.equal(tokensUrl('https://api.example/identity'), 'https://api.example/identity/v3/auth/tokens');
  });

  it('takes the token lifetime from Keystone and times it by the local clock', () => {
    const local = Date.parse('2025-03-01T12:00:00Z');
    assert.equal(localExpiry('2030-01-01T01:00:00.000000Z', '2030-01-01T00:00:00.000000Z', local), local + 3_600_000);
    assert.equal(localExpiry('2025-03-01T13:00:00Z', undefined, local), Date.parse('2025-03-01T13:00:00Z'));
    assert.equal(localExpiry('tomorrow', undefined, local), undefined);
  });

  it('reads zoneless times as UTC', () => {
    assert.equal(withZone('2025-06-30T07:19:53.000000'), '2025-06-30T07:19:53.000000Z');
    assert.equal(withZone('2025-06-30T07:19:53+09:00'), '2025-06-30T07:19:53+09:00');
  });

  it('joins endpoint URLs and paths and lists catalog regions', () => {
    assert.equal(joinUrl('http://n:8774/v2.1/', '/servers/detail'), 'http://n:8774/v2.1/servers/detail');
    assert.deepEqual(catalogRegions([{ type: 'compute', endpoints: [{ interface: 'public', region_id: 'b', url: 'u' }, { interface: 'public', region: 'a', url: 'u' }, { interface: 'admin', url: 'u' }] }]), ['a', 'b']);
  });

  it('takes only the query of a next link', () => {
    assert.equal(nextQuery([{ rel: 'self', href: 'x' }, { rel: 'next', href: 'http://internal:8774/v2.1/servers/detail?limit=2&marker=abc' }])?.toString(), 'limit=2&marker=abc');
    assert.equal(nextQuery([{ rel: 'previous', href: 'http://x/?marker=a' }]), undefined);
    assert.equal(nextQuery(undefined), undefined);
  });
});
