import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { atLeast, computeVersionRoot, microversionHeaders, negotiateMicroversion } from './microversion.js';

const doc = (version: string, min = '2.1') => ({ version: { id: 'v2.1', version, min_version: min } });

describe('compute microversions', () => {
  it('keeps the requested version when the server supports it', () => {
    assert.deepEqual(negotiateMicroversion('2.88', doc('2.96')), { version: '2.88', requested: '2.88', serverMin: '2.1', serverMax: '2.96' });
  });

  it('lowers to the server maximum and says so', () => {
    const v = negotiateMicroversion('2.88', doc('2.53'));
    assert.ok(!('error' in v));
    assert.equal(v.version, '2.53');
    assert.match(v.note ?? '', /at most 2\.53/);
  });

  it('refuses a server whose minimum is above the request', () => {
    assert.deepEqual(negotiateMicroversion('2.88', doc('2.99', '2.90')), { error: 'the compute API supports microversions 2.90–2.99, above the requested 2.88' });
  });

  it('reads the unversioned root listing and legacy v2.0', () => {
    const listing = { versions: [{ id: 'v2.0', version: '', min_version: '' }, { id: 'v2.1', version: '2.79', min_version: '2.1' }] };
    assert.equal((negotiateMicroversion('2.88', listing) as { version: string }).version, '2.79');
    assert.equal((negotiateMicroversion('2.88', { version: { id: 'v2.0', version: '', min_version: '' } }) as { version: null }).version, null);
  });

  it('compares numerically', () => {
    assert.equal(atLeast('2.10', '2.9'), true);
    assert.equal(atLeast('2.9', '2.10'), false);
    assert.equal(atLeast(null, '2.1'), false);
  });

  it('finds the version root under a project-scoped catalog URL', () => {
    assert.equal(computeVersionRoot('https://nova.example:8774/v2.1/3f2a9c'), 'https://nova.example:8774/v2.1/');
    assert.equal(computeVersionRoot('https://api.example/compute/v2.1'), 'https://api.example/compute/v2.1/');
    assert.equal(computeVersionRoot('https://api.example/compute'), 'https://api.example/compute/');
  });

  it('sets both headers, or none without microversions', () => {
    assert.deepEqual(microversionHeaders('2.88'), { 'OpenStack-API-Version': 'compute 2.88', 'X-OpenStack-Nova-API-Version': '2.88' });
    assert.deepEqual(microversionHeaders(null), {});
  });
});
