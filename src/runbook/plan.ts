import { isDisruptive, type Jump, type Runbook, type RunbookStep } from './define.js';

/**
 * A runbook's steps as the operator reads them before anything runs. `faultline
 * run` (plan mode) and `faultline triage` both show this, so the steps have one
 * source: the runbook itself.
 */
export interface PlanStep {
  readonly n: number;
  /** The runbook step's id (its place in the audit and in `approve`). */
  readonly id: string;
  readonly kind: 'action' | 'wait' | 'approval' | 'notice' | 'escalate' | 'hold';
  readonly disruptive: boolean;
  readonly text: string;
  /** Retries and where it goes next, e.g. "3 tries 60 s apart; failed → restart"; empty when it just goes on. */
  readonly then: string;
}

const KIND_WORD: Record<RunbookStep['kind'], PlanStep['kind']> = { action: 'action', waitFor: 'wait', approval: 'approval', notice: 'notice', escalate: 'escalate', hold: 'hold' };

function jumpWord(j: Jump): string {
  return typeof j === 'object' ? j.goto : j;
}

export function runbookPlan(runbook: Runbook): PlanStep[] {
  return runbook.steps.map((s, i) => {
    const retry = s.kind === 'action' || s.kind === 'waitFor' ? s.retry : undefined;
    const jumps = [s.next?.ok ? `ok → ${jumpWord(s.next.ok)}` : '', s.next?.failed ? `failed → ${jumpWord(s.next.failed)}` : ''].filter(Boolean).join(', ');
    return {
      n: i + 1,
      id: s.id,
      kind: KIND_WORD[s.kind],
      disruptive: isDisruptive(s),
      text: s.text,
      then: [retry ? `${retry.tries} tries ${Math.round(retry.intervalMs / 1000)} s apart` : '', jumps].filter(Boolean).join('; '),
    };
  });
}

/** The plan as the table rows `faultline run` prints. */
export function planRows(steps: readonly PlanStep[]): string[][] {
  return steps.map((s) => [String(s.n), s.id, s.kind, s.disruptive ? 'yes' : '', s.text, s.then]);
}

export const PLAN_COLUMNS = ['#', 'STEP', 'KIND', 'DISRUPTIVE', 'WHAT', 'THEN'] as const;
