import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { deadline } from './deadline.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Waits for `signal` while forcing garbage collections, as a collection with a big heap would. */
async function abortedUnderGc(signal: AbortSignal, withinMs: number): Promise<boolean> {
  const until = Date.now() + withinMs;
  while (!signal.aborted && Date.now() < until) {
    gc();
    await new Promise((r) => setTimeout(r, 5));
  }
  return signal.aborted;
}

describe('deadline', () => {
  it('fires after its time even when nothing but the waiter holds it and the heap is collected meanwhile', async () => {
    const waits: Promise<string>[] = [];
    for (let i = 0; i < 20; i++) {
      // Only the listener's closure refers to the signal, as a request's does.
      const { signal } = deadline(new AbortController().signal, 30);
      waits.push(new Promise((r) => signal.addEventListener('abort', () => r((signal.reason as DOMException).name))));
    }
    const collecting = setInterval(gc, 2);
    const raced = await Promise.race([Promise.all(waits), new Promise((r) => setTimeout(() => r('stuck'), 3000))]);
    clearInterval(collecting);
    assert.deepEqual(raced, Array(20).fill('TimeoutError'));
  });

  it('follows its parent, with the parent\'s reason', async () => {
    const parent = new AbortController();
    const d = deadline(parent.signal, 60_000);
    parent.abort(new Error('cancelled by the operator'));
    assert.equal(await abortedUnderGc(d.signal, 1000), true);
    assert.equal((d.signal.reason as Error).message, 'cancelled by the operator');
    d.clear();
  });

  it('starts aborted under an aborted parent, and clear() stops the timer', async () => {
    const parent = new AbortController();
    parent.abort();
    assert.equal(deadline(parent.signal, 60_000).signal.aborted, true);
    const d = deadline(undefined, 20);
    d.clear();
    assert.equal(await abortedUnderGc(d.signal, 100), false, 'a cleared deadline does not fire');
  });
});
