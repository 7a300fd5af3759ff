import { randomBytes } from 'node:crypto';
import type { GateId } from '../runbook/define.js';
import type { Approval, AuditEntry, RunContext, RunLedger, RunRecord, RunStatus, StepRecord } from '../runbook/ports.js';
import { FINAL_STATUSES } from '../runbook/ports.js';
import { iso, json } from './columns.js';
import type { SqlEngine, SqlRunner } from './engine.js';

/**
 * The runbook ledger in the store: runs, every try of every step, leases,
 * approvals, the audit and the kill switch. Each write is its own transaction,
 * committed before the engine goes on, so what a killed process leaves behind
 * is exactly what it had done.
 */

export class RunConflictError extends Error {}

export interface NewRun {
  readonly runbook: string;
  readonly context: RunContext;
  readonly createdBy: string;
  readonly at: Date;
  /** A crashed run's lease is free again after this long. */
  readonly leaseTtlMs: number;
  /** The same runbook on the same target within this window is refused as a repeat. */
  readonly dedupWindowMs: number;
}

interface RunRow {
  id: string;
  runbook: string;
  context: RunContext | string;
  status: RunStatus;
  cursor_at: number;
  reason: string | null;
  created_at: Date | string;
  updated_at: Date | string;
  created_by: string;
}


function runOf(r: RunRow): RunRecord {
  return {
    id: r.id,
    runbook: r.runbook,
    context: json(r.context),
    status: r.status,
    cursor: Number(r.cursor_at),
    reason: r.reason,
    createdAt: iso(r.created_at) as string,
    updatedAt: iso(r.updated_at) as string,
    createdBy: r.created_by,
  };
}

/** The resources a run holds: its hypervisor and every server it may touch. */
export function resourcesOf(context: RunContext): string[] {
  const out = context.servers.map((s) => `server:${s.id}`);
  const hv = context.hypervisor?.id ?? (context.target.kind === 'hypervisor' ? context.target.id : undefined);
  if (hv && context.target.kind === 'hypervisor') out.unshift(`hypervisor:${hv}`);
  return out;
}

export class RunStore implements RunLedger {
  constructor(
    private readonly engine: SqlEngine,
    private readonly leaseTtlMs = 15 * 60_000,
  ) {}

  /**
   * Creates a run and takes its leases in one transaction. Refused while another
   * active run holds one of its resources, or when the same runbook ran on the
   * same target inside the dedup window.
   */
  async create(n: NewRun): Promise<RunRecord> {
    const id = `run-${n.at.toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(3).toString('hex')}`;
    return this.engine.transaction(async (tx) => {
      const since = new Date(n.at.getTime() - n.dedupWindowMs).toISOString();
      const [recent] = await tx.query<RunRow>(
        `SELECT * FROM runbook_runs WHERE runbook = $1 AND target_id = $2 AND created_at >= $3 AND status NOT IN ('aborted', 'storm') ORDER BY created_at DESC LIMIT 1`,
        [n.runbook, n.context.target.id, since],
      );
      if (recent) {
        throw new RunConflictError(
          `${n.runbook} already ran on ${n.context.target.name} at ${iso(recent.created_at)} (${recent.id}, ${recent.status}); ` +
            (FINAL_STATUSES.has(recent.status) ? 'within the dedup window a repeat is refused: look at `faultline runs ' + recent.id + '`, or abort it first' : `continue it with \`faultline resume ${recent.id}\``),
        );
      }
      await tx.query(
        `INSERT INTO runbook_runs (id, runbook, target_kind, target_id, target_name, context, status, cursor_at, reason, created_at, updated_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, 'running', 0, NULL, $7, $7, $8)`,
        [id, n.runbook, n.context.target.kind, n.context.target.id, n.context.target.name, JSON.stringify(n.context), n.at.toISOString(), n.createdBy],
      );
      await takeLeases(tx, id, resourcesOf(n.context), n.at, new Date(n.at.getTime() + n.leaseTtlMs));
      return this.runIn(tx, id);
    });
  }

  /** Takes the run's leases again before resuming it; refused while another active run holds one. */
  async reacquire(runId: string, at: Date): Promise<void> {
    await this.engine.transaction(async (tx) => {
      const run = await this.runIn(tx, runId);
      await takeLeases(tx, runId, resourcesOf(run.context), at, new Date(at.getTime() + this.leaseTtlMs));
    });
  }

  private async runIn(tx: SqlRunner, runId: string): Promise<RunRecord> {
    const [row] = await tx.query<RunRow>('SELECT * FROM runbook_runs WHERE id = $1', [runId]);
    if (!row) throw new RunConflictError(`no run ${runId} in the store (faultline runs lists them)`);
    return runOf(row);
  }

  run(runId: string): Promise<RunRecord> {
    return this.runIn(this.engine, runId);
  }

  async list(limit = 50): Promise<RunRecord[]> {
    const rows = await this.engine.query<RunRow>('SELECT * FROM runbook_runs ORDER BY created_at DESC, id DESC LIMIT $1', [limit]);
    return rows.map(runOf);
  }

  async steps(runId: string): Promise<StepRecord[]> {
    const rows = await this.engine.query<Record<string, unknown>>('SELECT * FROM runbook_steps WHERE run_id = $1 ORDER BY seq', [runId]);
    return rows.map((r) => ({
      key: String(r['key']),
      runId: String(r['run_id']),
      stepId: String(r['step_id']),
      item: String(r['item']),
      attempt: Number(r['attempt']),
      status: r['status'] as StepRecord['status'],
      startedAt: iso(r['started_at'] as string) as string,
      finishedAt: iso((r['finished_at'] as string | null) ?? null),
      baseline: (r['baseline'] as string | null) ?? null,
      detail: String(r['detail']),
      requestIds: json<string[]>(r['request_ids'] as string),
      failing: json<string[]>(r['failing'] as string),
    }));
  }

  async begin(r: StepRecord): Promise<void> {
    await this.engine.query(
      `INSERT INTO runbook_steps (key, run_id, step_id, item, attempt, status, started_at, baseline, detail, request_ids, failing)
       VALUES ($1, $2, $3, $4, $5, 'started', $6, $7, $8, '[]', '[]')`,
      [r.key, r.runId, r.stepId, r.item, r.attempt, r.startedAt, r.baseline, r.detail],
    );
  }

  async finish(key: string, res: Parameters<RunLedger['finish']>[1]): Promise<void> {
    await this.engine.query('UPDATE runbook_steps SET status = $2, finished_at = $3, detail = $4, request_ids = $5, failing = $6 WHERE key = $1', [
      key,
      res.status,
      res.finishedAt,
      res.detail,
      JSON.stringify(res.requestIds),
      JSON.stringify(res.failing),
    ]);
  }

  async advance(runId: string, cursor: number, status: RunStatus, reason: string | null, at: string): Promise<void> {
    await this.engine.transaction(async (tx) => {
      // An abort from another process wins over a step that was finishing.
      await tx.query(`UPDATE runbook_runs SET cursor_at = $2, status = $3, reason = $4, updated_at = $5 WHERE id = $1 AND status <> 'aborted'`, [runId, cursor, status, reason, at]);
      if (FINAL_STATUSES.has(status)) await tx.query('DELETE FROM runbook_leases WHERE run_id = $1', [runId]);
      else if (status === 'waiting' || status === 'halted') await tx.query('UPDATE runbook_leases SET expires_at = NULL WHERE run_id = $1', [runId]);
      else await tx.query('UPDATE runbook_leases SET expires_at = $2 WHERE run_id = $1', [runId, new Date(Date.parse(at) + this.leaseTtlMs).toISOString()]);
    });
  }

  async approve(runId: string, gate: GateId, by: string, at: Date, note: string | null): Promise<void> {
    await this.engine.transaction(async (tx) => {
      await this.runIn(tx, runId);
      await tx.query('INSERT INTO runbook_approvals (run_id, gate, by_name, at, note) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (run_id, gate) DO NOTHING', [runId, gate, by, at.toISOString(), note]);
      await tx.query(`INSERT INTO runbook_audit (run_id, at, actor, step_id, what, why, result, request_ids) VALUES ($1, $2, $3, NULL, $4, $5, 'recorded', '[]')`, [
        runId,
        at.toISOString(),
        by,
        `approve ${gate}`,
        note ?? 'acknowledged',
      ]);
    });
  }

  async approval(runId: string, gate: GateId): Promise<Approval | undefined> {
    const [row] = await this.engine.query<{ gate: GateId; by_name: string; at: string; note: string | null }>('SELECT * FROM runbook_approvals WHERE run_id = $1 AND gate = $2', [runId, gate]);
    return row ? { gate: row.gate, by: row.by_name, at: iso(row.at) as string, note: row.note } : undefined;
  }

  async approvals(runId: string): Promise<Approval[]> {
    const rows = await this.engine.query<{ gate: GateId; by_name: string; at: string; note: string | null }>('SELECT * FROM runbook_approvals WHERE run_id = $1 ORDER BY at', [runId]);
    return rows.map((row) => ({ gate: row.gate, by: row.by_name, at: iso(row.at) as string, note: row.note }));
  }

  async abort(runId: string, by: string, why: string, at: Date): Promise<RunRecord> {
    return this.engine.transaction(async (tx) => {
      const run = await this.runIn(tx, runId);
      if (FINAL_STATUSES.has(run.status)) throw new RunConflictError(`run ${runId} already ended (${run.status})`);
      await tx.query(`UPDATE runbook_runs SET status = 'aborted', reason = $2, updated_at = $3 WHERE id = $1`, [runId, `aborted by ${by}: ${why}`, at.toISOString()]);
      await tx.query('DELETE FROM runbook_leases WHERE run_id = $1', [runId]);
      await tx.query(`INSERT INTO runbook_audit (run_id, at, actor, step_id, what, why, result, request_ids) VALUES ($1, $2, $3, NULL, 'abort', $4, 'aborted', '[]')`, [runId, at.toISOString(), by, why]);
      return this.runIn(tx, runId);
    });
  }

  async halted(): Promise<{ by: string; why: string } | undefined> {
    const [row] = await this.engine.query<{ by_name: string; why: string }>(`SELECT by_name, why FROM runbook_switch WHERE name = 'halt'`);
    return row ? { by: row.by_name, why: row.why } : undefined;
  }

  async setHalt(on: boolean, by: string, why: string, at: Date): Promise<void> {
    if (on) {
      await this.engine.query(`INSERT INTO runbook_switch (name, by_name, why, at) VALUES ('halt', $1, $2, $3) ON CONFLICT (name) DO UPDATE SET by_name = $1, why = $2, at = $3`, [by, why, at.toISOString()]);
    } else await this.engine.query(`DELETE FROM runbook_switch WHERE name = 'halt'`);
  }

  async audit(e: AuditEntry): Promise<void> {
    await this.engine.query('INSERT INTO runbook_audit (run_id, at, actor, step_id, what, why, result, request_ids) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
      e.runId,
      e.at,
      e.actor,
      e.stepId,
      e.what,
      e.why,
      e.result,
      JSON.stringify(e.requestIds),
    ]);
  }

  async auditOf(runId: string): Promise<AuditEntry[]> {
    const rows = await this.engine.query<Record<string, unknown>>('SELECT * FROM runbook_audit WHERE run_id = $1 ORDER BY id', [runId]);
    return rows.map(auditEntryOf);
  }
}

/** A runbook_audit row as the ledger's entry; the API's audit log reads the same rows with this. */
export function auditEntryOf(r: Record<string, unknown>): AuditEntry {
  return {
    runId: String(r['run_id']),
    at: iso(r['at'] as string) as string,
    actor: String(r['actor']),
    stepId: (r['step_id'] as string | null) ?? null,
    what: String(r['what']),
    why: String(r['why']),
    result: String(r['result']),
    requestIds: json<string[]>(r['request_ids'] as string),
  };
}

async function takeLeases(tx: SqlRunner, runId: string, resources: readonly string[], now: Date, expires: Date): Promise<void> {
  for (const resource of resources) {
    const [held] = await tx.query<{ run_id: string; expires_at: string | null; status: RunStatus }>(
      'SELECT l.run_id, l.expires_at, r.status FROM runbook_leases l JOIN runbook_runs r ON r.id = l.run_id WHERE l.resource = $1',
      [resource],
    );
    const live = held && held.run_id !== runId && !FINAL_STATUSES.has(held.status) && (held.expires_at === null || Date.parse(iso(held.expires_at) as string) > now.getTime());
    if (live) throw new RunConflictError(`${resource} is held by run ${held.run_id} (${held.status}); one active run per server and hypervisor: resume or abort it first`);
    await tx.query('INSERT INTO runbook_leases (resource, run_id, expires_at) VALUES ($1, $2, $3) ON CONFLICT (resource) DO UPDATE SET run_id = $2, expires_at = $3', [resource, runId, expires.toISOString()]);
  }
}
