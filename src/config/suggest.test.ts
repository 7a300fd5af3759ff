import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closest, didYouMean, editDistance, listSome } from './suggest.js';

describe('editDistance', () => {
  const cases: [string, string, number][] = [
    ['', '', 0],
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
    ['severity', 'severty', 1],
    ['flaw', 'lawn', 2],
  ];
  for (const [a, b, d] of cases) {
    it(`is ${d} between "${a}" and "${b}", both ways`, () => {
      assert.equal(editDistance(a, b), d);
      assert.equal(editDistance(b, a), d);
    });
  }
});

describe('closest', () => {
  it('finds the nearest candidate within the typo limit, ignoring case', () => {
    assert.equal(closest('timeoutSecond', ['timeoutSeconds', 'cloud']), 'timeoutSeconds');
    assert.equal(closest('Severity', ['severity', 'enabled']), 'severity');
  });

  it('offers nothing when every candidate is far away', () => {
    assert.equal(closest('colour', ['format', 'out', 'failOn']), undefined);
    assert.equal(didYouMean('colour', ['format']), '');
  });

  it('prefers the nearer of two plausible candidates', () => {
    assert.equal(closest('prodd', ['dev', 'prod', 'prod2x']), 'prod');
  });
});

describe('listSome', () => {
  it('shortens long lists and says how many are left out', () => {
    assert.equal(listSome(['a', 'b', 'c'], 2), 'a, b and 1 more');
    assert.equal(listSome([]), '(none)');
  });
});
