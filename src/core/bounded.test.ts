import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapBounded } from './bounded.js';

describe('mapBounded', () => {
  it('keeps the items in order and never runs more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const out = await mapBounded([5, 1, 4, 2, 3], 2, async (n, i) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, n));
      running--;
      return `${i}:${n * 10}`;
    });
    assert.deepEqual(out, ['0:50', '1:10', '2:40', '3:20', '4:30']);
    assert.equal(most, 2);
  });

  it('runs one at a time when the limit is below one', async () => {
    assert.deepEqual(await mapBounded([1, 2, 3], 0, async (n) => n + 1), [2, 3, 4]);
  });

  it('stops starting new tasks once the signal aborts', async () => {
    const controller = new AbortController();
    const started: number[] = [];
    const out = await mapBounded([1, 2, 3, 4, 5, 6], 2, async (n) => {
      started.push(n);
      if (n === 2) controller.abort();
      await Promise.resolve();
      return n;
    }, controller.signal);
    assert.deepEqual(started, [1, 2]);
    assert.deepEqual(out.slice(0, 2), [1, 2]);
    assert.equal(out[2], undefined);
  });
});
