import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { partWorkWithin, ticketCountOverTime } from './part-history.js';
import type { RunRecord } from './ports.js';

const NOW = new Date('2026-12-07T10:00:00Z');
const daysAgo = (d: number): string => new Date(NOW.getTime() - d * 86_400_000).toISOString();
const ticket = (ticketId: string, faultCode: string, maxCount: number, lastSeenDays: number, host = 'krane-pg1-com001.example') => ({
  ticketId,
  host,
  faultCode,
  message: '',
  raisedAt: daysAgo(lastSeenDays + 1),
  status: 'open' as const,
  maxCount,
  firstSeen: daysAgo(lastSeenDays + 1),
  lastSeen: daysAgo(lastSeenDays),
});

describe('part history for the §4.7 decisions', () => {
  it('sums each needs-judgement ticket of the host once, at its highest count, within 30 days', () => {
    const tickets = [
      ticket('T1', 'MEM_SBE', 4, 1),
      ticket('T1', 'MEM_SBE', 6, 0),
      ticket('T2', 'HW-MC-ERROR', 5, 3),
      ticket('T3', 'MEM_SBE', 50, 40),
      ticket('T4', 'FAN', 9, 0),
      ticket('T5', 'MEM_SBE', 9, 0, 'krane-pg1-com002'),
    ];
    assert.deepEqual(ticketCountOverTime(tickets, 'krane-pg1-com001', NOW), { count: 11, tickets: 2 });
    assert.deepEqual(ticketCountOverTime([], 'krane-pg1-com001', NOW), { count: 0, tickets: 0 });
  });

  it('counts part runs on the same hypervisor within a month, not aborted ones or other runbooks', () => {
    const run = (id: string, runbook: string, hv: string, days: number, status: RunRecord['status'] = 'done'): RunRecord => ({
      id,
      runbook,
      status,
      cursor: 0,
      createdAt: daysAgo(days),
      updatedAt: daysAgo(days),
      createdBy: 't',
      reason: null,
      context: { target: { kind: 'hypervisor', id: hv, name: hv }, hypervisor: { id: hv, name: hv, host: hv }, servers: [] },
    });
    const runs = [
      run('a', 'part-needs-judgement', 'hv1', 0, 'running'),
      run('b', 'part-urgent', 'hv1', 10),
      run('c', 'part-non-urgent', 'hv1', 29),
      run('d', 'part-urgent', 'hv1', 31),
      run('e', 'pm-hang', 'hv1', 2),
      run('f', 'part-urgent', 'hv1', 3, 'aborted'),
      run('g', 'part-urgent', 'hv2', 3),
    ];
    assert.equal(partWorkWithin(runs, 'hv1', NOW), 3);
    assert.equal(partWorkWithin(runs, 'hv2', NOW), 1);
  });
});
