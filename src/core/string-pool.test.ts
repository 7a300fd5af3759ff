import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StringPool } from './string-pool.js';

describe('StringPool', () => {
  // Which copy comes back cannot be seen from JavaScript (equal strings are ===);
  // what can is that equal strings share one entry.
  it('holds one entry for equal strings, whichever copy is asked for', () => {
    const pool = new StringPool();
    const [a, b] = JSON.parse('["b5e540ea1ea80aeaa452870bac143d0c", "b5e540ea1ea80aeaa452870bac143d0c"]') as [string, string];
    assert.equal(pool.get(a), a);
    assert.equal(pool.get(b), b);
    assert.equal(pool.size, 1);
  });

  it('keeps distinct values apart', () => {
    const pool = new StringPool();
    assert.equal(pool.get('compute-1'), 'compute-1');
    assert.equal(pool.get('compute-2'), 'compute-2');
    assert.equal(pool.size, 2);
  });

  it('stops taking new strings at its limit but still answers with the value', () => {
    const pool = new StringPool(2);
    pool.get('a');
    pool.get('b');
    assert.equal(pool.get('c'), 'c');
    assert.equal(pool.size, 2);
    assert.equal(pool.get('a'), 'a');
  });
});
