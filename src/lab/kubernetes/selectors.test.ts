import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { humanDuration } from './naming.js';
import { parseFieldSelector, parseLabelSelector, SelectorError } from './selectors.js';

describe('label selectors', () => {
  const cases: [string, Record<string, string>, boolean][] = [
    ['app=web', { app: 'web' }, true],
    ['app==web', { app: 'api' }, false],
    ['app!=web', {}, true],
    ['tier in (front, back),app', { tier: 'back', app: 'x' }, true],
    ['tier in (front,back)', {}, false],
    ['tier notin (front)', {}, true],
    ['tier notin (front)', { tier: 'front' }, false],
    ['!canary', { canary: 'true' }, false],
    ['kubernetes.io/service-name=api', { 'kubernetes.io/service-name': 'api' }, true],
  ];
  for (const [selector, labels, expected] of cases) {
    it(`${selector} on ${JSON.stringify(labels)} is ${expected}`, () => assert.equal(parseLabelSelector(selector)!(labels), expected));
  }
  it('an empty selector selects everything (no filter)', () => assert.equal(parseLabelSelector(''), null));
  it('rejects a key the API server would not parse', () => assert.throws(() => parseLabelSelector('a b=c'), SelectorError));
});

describe('field selectors', () => {
  it('splits on unescaped commas and reads =, == and !=', () => {
    assert.deepEqual(parseFieldSelector('spec.nodeName=n1,status.phase!=Failed,metadata.name==a\\,b'), [
      { field: 'spec.nodeName', negate: false, value: 'n1' },
      { field: 'status.phase', negate: true, value: 'Failed' },
      { field: 'metadata.name', negate: false, value: 'a,b' },
    ]);
  });
  it('an empty value is a value (involvedObject.namespace= selects cluster-scoped objects)', () => {
    assert.deepEqual(parseFieldSelector('involvedObject.namespace='), [{ field: 'involvedObject.namespace', negate: false, value: '' }]);
  });
  it('rejects a term without an operator', () => assert.throws(() => parseFieldSelector('spec.nodeName'), SelectorError));
});

describe('ages as kubectl prints them', () => {
  const cases: [number, string][] = [
    [45_000, '45s'],
    [119_000, '119s'],
    [200_000, '3m20s'],
    [600_000, '10m'],
    [5 * 3_600_000 + 12 * 60_000, '5h12m'],
    [30 * 3_600_000, '30h'],
    [3 * 86_400_000 + 4 * 3_600_000, '3d4h'],
    [120 * 86_400_000, '120d'],
    [(2 * 365 + 10) * 86_400_000, '2y10d'],
    [-5_000, '<invalid>'],
  ];
  for (const [ms, text] of cases) it(`${ms} ms is ${text}`, () => assert.equal(humanDuration(ms), text));
});
