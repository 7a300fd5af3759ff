import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lastLines } from './nova.js';

describe('the last lines of a console log', () => {
  it('counts a final newline as the end of the last line, not as a line', () => {
    assert.equal(lastLines('a\nb\nc\nd\n', 2), 'c\nd\n');
    assert.equal(lastLines('a\nb\nc\nd', 2), 'c\nd');
    assert.equal(lastLines('a\nb\n\n', 2), 'b\n\n', 'an empty line the guest printed is a line');
  });

  it('gives a log with no more lines than asked for whole', () => {
    for (const text of ['', '\n', 'a', 'a\n', 'a\nb', 'a\nb\n']) assert.equal(lastLines(text, 2), text);
  });
});
