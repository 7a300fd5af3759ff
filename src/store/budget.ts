import type { SqlEngine, SqlRunner } from './engine.js';

/**
 * Per-target action budgets: how many times the watch loop acted on one target
 * within a sliding window, and whether it already escalated once the budget ran
 * out. In the store rather than in memory, so restarting faultline does not
 * give a server that keeps dying a fresh set of restarts.
 */

export interface BudgetTarget {
  readonly id: string;
  readonly name: string;
}

export interface BudgetLimit {
  /** Actions allowed within the window. */
  readonly actions: number;
  readonly windowMs: number;
}

export interface SpentAction {
  readonly at: string;
  readonly runId: string | null;
  readonly detail: string;
}

export type BudgetDecision =
  /** Under the limit: act, then `spend` with the run that acted. */
  | { readonly kind: 'act'; readonly spent: readonly SpentAction[] }
  /** The limit is reached and no escalation was made since the last action: this caller escalates (it is recorded now). */
  | { readonly kind: 'escalate'; readonly spent: readonly SpentAction[] }
  /** The limit is reached and the escalation was already made: do nothing. */
  | { readonly kind: 'exhausted'; readonly spent: readonly SpentAction[]; readonly escalatedAt: string };

interface Row {
  kind: 'spent' | 'escalated';
  at: Date | string;
  run_id: string | null;
  detail: string;
}

const iso = (v: Date | string): string => new Date(v).toISOString();

export class ActionBudgets {
  constructor(private readonly engine: SqlEngine) {}

  /**
   * Decides in one transaction whether the target may be acted on again. When
   * the budget is spent, the first caller to ask is told to escalate and the
   * escalation is written before it returns, so a second round (or a restarted
   * process) does not escalate the same exhaustion again.
   */
  decide(budget: string, target: BudgetTarget, limit: BudgetLimit, now: Date, escalation: string): Promise<BudgetDecision> {
    return this.engine.transaction(async (tx) => {
      const spent = await this.spentIn(tx, budget, target.id, limit.windowMs, now);
      if (spent.length < limit.actions) return { kind: 'act', spent };
      const lastSpent = spent[spent.length - 1]?.at ?? new Date(0).toISOString();
      const [escalated] = await tx.query<Row>(
        `SELECT * FROM action_budget WHERE budget = $1 AND target_id = $2 AND kind = 'escalated' AND at >= $3 ORDER BY at DESC LIMIT 1`,
        [budget, target.id, lastSpent],
      );
      if (escalated) return { kind: 'exhausted', spent, escalatedAt: iso(escalated.at) };
      await tx.query(`INSERT INTO action_budget (budget, target_id, target_name, kind, at, run_id, detail) VALUES ($1, $2, $3, 'escalated', $4, NULL, $5)`, [
        budget,
        target.id,
        target.name,
        now.toISOString(),
        escalation,
      ]);
      return { kind: 'escalate', spent };
    });
  }

  /** Records an action taken by `runId`; recording the same run twice counts it once. */
  async spend(budget: string, target: BudgetTarget, runId: string, at: Date, detail: string): Promise<void> {
    await this.engine.query(
      `INSERT INTO action_budget (budget, target_id, target_name, kind, at, run_id, detail) VALUES ($1, $2, $3, 'spent', $4, $5, $6) ON CONFLICT (run_id) DO NOTHING`,
      [budget, target.id, target.name, at.toISOString(), runId, detail],
    );
  }

  /** The actions spent on the target within the window ending at `now`, oldest first. */
  spent(budget: string, targetId: string, windowMs: number, now: Date): Promise<SpentAction[]> {
    return this.spentIn(this.engine, budget, targetId, windowMs, now);
  }

  private async spentIn(tx: SqlRunner, budget: string, targetId: string, windowMs: number, now: Date): Promise<SpentAction[]> {
    const rows = await tx.query<Row>(`SELECT * FROM action_budget WHERE budget = $1 AND target_id = $2 AND kind = 'spent' AND at > $3 AND at <= $4 ORDER BY at, id`, [
      budget,
      targetId,
      new Date(now.getTime() - windowMs).toISOString(),
      now.toISOString(),
    ]);
    return rows.map((r) => ({ at: iso(r.at), runId: r.run_id, detail: r.detail }));
  }
}
