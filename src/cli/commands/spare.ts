import { UsageError } from '../../core/errors.js';
import { chooseSpare, describeSpec, type RankedSpare, type SpareChoice } from '../../runbook/spares.js';
import { loadCliConfig } from '../config.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { renderColumns } from '../openstack.js';
import { obtainSnapshot } from './snapshot.js';

export interface SpareFlags {
  config?: string;
  from?: string;
  format?: 'table' | 'json';
  now?: string;
  timeout?: string;
  verbose?: boolean;
}

const WARRANTY: Readonly<Record<SpareChoice['warranty'], string>> = {
  'under-warranty': 'under warranty',
  expired: 'out of warranty',
  unknown: 'warranty unknown',
};

function candidateRow(c: RankedSpare, chosen: RankedSpare | undefined): string[] {
  return [
    c === chosen ? '*' : '',
    c.spare.name,
    c.priority === null ? '-' : String(c.priority),
    c.spare.sources.join(', '),
    c.why,
  ];
}

/** `spare`: the runbook's spare choice (§7) for one failed hypervisor, from a snapshot or a live collection. */
export async function spare(ctx: CliContext, target: string, flags: SpareFlags): Promise<number> {
  const now = flags.now === undefined ? new Date() : new Date(flags.now);
  if (Number.isNaN(now.getTime())) throw new UsageError(`--now: "${flags.now}" is not an ISO 8601 time (e.g. 2026-11-25T03:00:00Z)`);
  const loaded = await loadCliConfig(ctx, flags.config);
  const { snapshot } = await obtainSnapshot(ctx, loaded, flags);
  if (!snapshot.collection.some((o) => o.produces.includes('inventory') && o.status !== 'failed') && snapshot.inventory.length === 0) {
    ctx.term.err('warning: no inventory in this snapshot (set inventory.file in faultline.yaml): hardware and warranty of the failed box are unknown');
  }
  const choice = chooseSpare(snapshot, target, now);
  const code = choice.chosen ? EXIT.ok : EXIT.findings;
  if (flags.format === 'json') {
    ctx.term.out(`${JSON.stringify({ kind: 'spare', judgedAt: now.toISOString(), snapshotCollectedAt: snapshot.collectedAt, ...choice }, null, 2)}\n`);
    return code;
  }
  const box = choice.hypervisor;
  const where = [box.center && `center ${box.center}`, box.region && `region ${box.region}`].filter(Boolean).join(', ');
  const lines = [
    `hypervisor ${box.name}${where ? ` (${where})` : ''}: ${describeSpec(box.hardware)}; ${WARRANTY[choice.warranty]}${box.warrantyUntil ? ` (until ${box.warrantyUntil})` : ''}`,
    choice.chosen ? `spare: ${choice.chosen.spare.name} (priority ${choice.chosen.priority}: ${choice.chosen.why})` : 'spare: none matches',
    '',
    ...choice.plan.map((step, i) => `${i + 1}. ${step}`),
  ];
  if (choice.notes.length > 0) lines.push('', ...choice.notes.map((n) => `note: ${n}`));
  ctx.term.out(`${lines.join('\n')}\n`);
  if (choice.candidates.length > 0) {
    ctx.term.out(`\nspares in center ${box.center ?? '?'} (${choice.candidates.length}; ${choice.otherCenters} in other centers):\n`);
    ctx.term.out(renderColumns(['', 'SPARE', 'PRIORITY', 'FOUND IN', 'WHY'], choice.candidates.map((c) => candidateRow(c, choice.chosen))));
  }
  return code;
}
