import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resourceLabel, showControls, singleLine, truncate } from './text.js';

describe('showControls', () => {
  it('spells out C0, DEL, C1 and bidi controls and keeps line breaks and tabs', () => {
    assert.equal(showControls('a\x1b[2J\x07\x7f\x9b\u202e\tb\nc'), 'a\\x1b[2J\\x07\\x7f\\x9b\\u202e\tb\nc');
  });
});

describe('singleLine', () => {
  it('turns line breaks, tabs and U+2028/2029 into single spaces and trims', () => {
    assert.equal(singleLine('  one\r\n\ttwo\u2028three  \n'), 'one two three');
  });
});

describe('truncate', () => {
  it('leaves text that fits alone', () => assert.equal(truncate('web-1', 5), 'web-1'));
  it('cuts to the width including the ellipsis', () => assert.equal(truncate('compute-01.example', 8), 'compute…'));
  it('does not end the cut on a space', () => assert.equal(truncate('ab cd ef', 4), 'ab…'));
  it('counts code points, not UTF-16 units', () => assert.equal(truncate('😀😀😀', 2), '😀…'));
});

describe('resourceLabel', () => {
  it('names the hypervisor a resource is on, falling back to ids', () => {
    assert.equal(resourceLabel({ kind: 'server', id: 's1', name: 'web-1', parent: { kind: 'hypervisor', id: 'h1', name: 'com1' } }), 'web-1 on com1');
    assert.equal(resourceLabel({ kind: 'server', id: 's1', parent: { kind: 'hypervisor', id: 'h1' } }), 's1 on h1');
    assert.equal(resourceLabel({ kind: 'hypervisor', id: 'h1', name: 'com1' }), 'com1');
  });
});
