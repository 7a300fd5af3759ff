import { UsageError } from '../../core/errors.js';
import { caseLabel, singleLine } from '../../report/text.js';
import { PLAN_COLUMNS, planRows, type PlanStep } from '../../runbook/plan.js';
import { TriageTargetError, notCheckedOf, triage, type Triage, type TriageStep } from '../../runbook/triage.js';
import { loadCliConfig } from '../config.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { renderColumns } from '../openstack.js';
import { judgeFleet } from './judge.js';

export interface TriageFlags {
  config?: string;
  from?: string;
  format?: 'table' | 'json';
  now?: string;
  timeout?: string;
  verbose?: boolean;
}

/** `faultline triage <target>`: scan (or replay), correlate, then pick the runbook case for the target. */
export async function triageCli(ctx: CliContext, target: string, flags: TriageFlags): Promise<number> {
  const { snapshot, now, results, findings, correlation } = await judgeFleet(ctx, await loadCliConfig(ctx, flags.config), flags);
  let t: Triage;
  try {
    t = triage({ snapshot, findings, correlation, target, now });
  } catch (err) {
    if (err instanceof TriageTargetError) throw new UsageError(err.message);
    throw err;
  }
  const skipped = notCheckedOf(results);
  if (flags.format === 'json') {
    ctx.term.out(`${JSON.stringify({ ...t, notChecked: skipped }, null, 2)}\n`);
    return EXIT.ok;
  }
  ctx.term.out(renderTriage(t));
  if (skipped.length > 0) ctx.term.err(`note: ${skipped.length} detector(s) did not check (${skipped.map((r) => r.detectorId).join(', ')}); the case is judged on what was collected`);
  return EXIT.ok;
}

const PLAN_KINDS: ReadonlySet<string> = new Set(['action', 'wait', 'approval', 'notice', 'escalate', 'hold']);

function asPlanStep(s: TriageStep): PlanStep {
  if (!PLAN_KINDS.has(s.kind)) throw new Error(`triage step ${s.n} (${s.kind}) is not a runbook step`);
  return { n: s.n, id: s.id ?? '', kind: s.kind as PlanStep['kind'], disruptive: s.disruptive, text: s.text, then: s.then ?? '' };
}

const GATE_MARK = { blocking: 'WAIT', notify: 'TELL', info: 'NOTE', met: 'OK' } as const;

export function renderTriage(t: Triage): string {
  const out: string[] = [];
  out.push(`${singleLine(t.target.name)}: ${t.case === 'nothing-found' ? 'nothing found' : caseLabel(t.case)}`);
  if (t.incident) out.push(`incident ${t.incident.id} (${t.incident.severity}): ${singleLine(t.incident.title)}`);
  out.push('', 'Why:');
  for (const r of t.reasons) out.push(`  - ${singleLine(r)}`);
  if (t.evidence.length > 0) {
    out.push('', 'Evidence:');
    for (const e of t.evidence) out.push(`  ${singleLine(e.label)}: ${singleLine(e.value === null ? '(none)' : String(e.value))}`);
  }
  if (t.gates.length > 0) {
    out.push('', 'Gates:');
    for (const g of t.gates) out.push(`  [${GATE_MARK[g.status]}] ${g.id}: ${singleLine(g.says)}`);
  }
  if (t.runbook) {
    // The very table `faultline run <runbook> <target>` prints: one source of the steps.
    out.push('', `Plan: runbook ${t.runbook.id} (${t.runbook.title}, catalog ${t.runbook.section}), dry run: nothing was changed:`);
    out.push(renderColumns([...PLAN_COLUMNS], planRows(t.steps.map(asPlanStep))).trimEnd());
    for (const c of t.runbook.commands) out.push(`  $ ${singleLine(c)}`);
  } else {
    out.push('', 'Plan (no runbook for this case: by hand; dry run: nothing was changed):');
    for (const s of t.steps) {
      out.push(`  ${String(s.n).padStart(2)}. [${s.kind}]${s.disruptive ? ' (disruptive)' : ''} ${singleLine(s.text)}`);
      if (s.command) out.push(`      $ ${singleLine(s.command)}`);
    }
  }
  if (t.otherIncidents.length > 0) {
    out.push('', 'Also on this target:');
    for (const o of t.otherIncidents) out.push(`  ${o.id} ${caseLabel(o.case)}: ${singleLine(o.title)}`);
  }
  return `${out.join('\n')}\n`;
}
