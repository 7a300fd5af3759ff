import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GATE_IDS } from '../../runbook/define.js';
import { APPROVABLE_GATES } from './run.command.js';

describe('faultline approve', () => {
  it('names every gate the engine knows, and only those', () => {
    assert.deepEqual(APPROVABLE_GATES.split(' | ').sort(), [...GATE_IDS].sort());
  });
});
